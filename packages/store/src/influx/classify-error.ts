import { canRetryHttpCall, HttpError } from "@influxdata/influxdb-client";
import { StoreError, type StoreErrorCode } from "../errors.ts";

/** What the failed request was doing. */
export type InfluxOperation = "start" | "write" | "query";

/**
 * Turns an error of a request to InfluxDB into a StoreError with a stable code and a message that
 * says what to do (STYLE.md "Classify server errors in one tested function per adapter").
 * Unreachable, timed out, 429 and 5xx are `store.unavailable` (retryable: the writer keeps the
 * batch and backs off). A StoreError passes through unchanged.
 *
 * @example
 * try { await request(); } catch (e) { throw classifyInfluxError(e, "write", "http://127.0.0.1:8086", "qingshan"); }
 */
export function classifyInfluxError(
  error: unknown,
  operation: InfluxOperation,
  url: string,
  database: string,
): StoreError {
  if (error instanceof StoreError) return error;
  const [code, message] = classify(error, operation, url, database);
  return new StoreError(code, message, { cause: error });
}

/** Whether a request that failed this way may succeed when sent again unchanged. */
export function isTransient(error: unknown): boolean {
  if (error instanceof HttpError)
    return error.statusCode === 429 || (error.statusCode >= 500 && error.statusCode !== 501);
  // Network errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, …), request timeouts and aborts.
  return canRetryHttpCall(error);
}

function serverMessage(error: HttpError): string {
  const json = error.json as { error?: unknown; message?: unknown } | undefined;
  const text =
    typeof json?.error === "string"
      ? json.error
      : typeof json?.message === "string"
        ? json.message
        : error.body;
  return text !== undefined && text !== "" ? text : (error.statusMessage ?? "");
}

function classify(
  error: unknown,
  operation: InfluxOperation,
  url: string,
  database: string,
): [StoreErrorCode, string] {
  if (error instanceof HttpError) {
    const status = error.statusCode;
    const text = serverMessage(error);
    if (isTransient(error)) {
      return ["store.unavailable", `InfluxDB at ${url} answered ${status} (${text}); retry later`];
    }
    if (status === 401 || status === 403) {
      return [
        "store.auth_failed",
        `InfluxDB at ${url} refused the request with ${status} (${text}); check store.auth (1.x user, 2.x token or v1 authorization, 3.x token) and its permissions on ${database}`,
      ];
    }
    if (
      /database not found|retention policy not found|bucket .*not found|no dbrp mapping/i.test(text) ||
      status === 404
    ) {
      return [
        "store.database_missing",
        `InfluxDB at ${url} has no database ${database} or retention policy (${text}); create it, or set store.createDatabase to "ifMissing" (1.x), or add a DBRP mapping (2.x)`,
      ];
    }
    if (operation === "write" && (status === 400 || status === 413 || status === 422)) {
      const hint = status === 413 ? "; lower store.batchSize" : "";
      return ["store.write_rejected", `InfluxDB at ${url} refused the data with ${status} (${text})${hint}`];
    }
    if (operation === "write")
      return ["store.write_failed", `a write to ${url} failed with ${status}: ${text}`];
    if (operation === "start")
      return ["store.open_failed", `InfluxDB at ${url} failed at start with ${status}: ${text}`];
    return ["store.query_failed", `a query on ${url} failed with ${status}: ${text}`];
  }
  const text = error instanceof Error ? error.message : String(error);
  if (isTransient(error)) {
    return [
      "store.unavailable",
      `InfluxDB at ${url} cannot be reached (${text}); check store.influx.url (QINGSHAN_INFLUX_URL) and that the server runs — retry later`,
    ];
  }
  if (operation === "write") return ["store.write_failed", `a write to ${url} failed: ${text}`];
  if (operation === "start") return ["store.open_failed", `cannot use InfluxDB at ${url}: ${text}`];
  return ["store.query_failed", `a query on ${url} failed: ${text}`];
}
