import { HttpError, RequestTimedOutError } from "@influxdata/influxdb-client";
import { describe, expect, it } from "vitest";
import { StoreError } from "../errors.ts";
import { classifyInfluxError, isTransient } from "./classify-error.ts";

const URL = "http://127.0.0.1:8086";
const DB = "qingshan";
const http = (status: number, error: string) =>
  new HttpError(status, "status", JSON.stringify({ error }), "application/json");
const network = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:8086`), { code });

describe("classifyInfluxError", () => {
  it.each([
    [network("ECONNREFUSED"), "write", "store.unavailable", true],
    [network("ECONNRESET"), "query", "store.unavailable", true],
    [network("ETIMEDOUT"), "start", "store.unavailable", true],
    [network("EHOSTUNREACH"), "write", "store.unavailable", true],
    [new RequestTimedOutError(), "write", "store.unavailable", true],
    [http(503, "service unavailable"), "write", "store.unavailable", true],
    [http(500, "timeout"), "query", "store.unavailable", true],
    [http(429, "too many requests"), "write", "store.unavailable", true],
    [http(401, "authorization failed"), "write", "store.auth_failed", false],
    [http(403, "insufficient permissions"), "query", "store.auth_failed", false],
    [http(404, 'database not found: "qingshan"'), "write", "store.database_missing", false],
    [http(200, 'retention policy not found: "raw"'), "query", "store.database_missing", false],
    [
      http(
        400,
        'partial write: field type conflict: input field "value" on measurement "readings" is type string',
      ),
      "write",
      "store.write_rejected",
      false,
    ],
    [http(413, "Request Entity Too Large"), "write", "store.write_rejected", false],
    [http(400, "error parsing query: found SELEC"), "query", "store.query_failed", true],
    [http(400, "error parsing query"), "start", "store.open_failed", false],
    [new Error("something else"), "write", "store.write_failed", true],
  ] as const)("%s during %s is %s", (error, operation, code, retryable) => {
    const classified = classifyInfluxError(error, operation, URL, DB);
    expect(classified).toBeInstanceOf(StoreError);
    expect(classified.code).toBe(code);
    expect(classified.retryable).toBe(retryable);
    expect(classified.message).toContain(URL);
    expect(classified.cause).toBe(error);
  });

  it("names the setting to change", () => {
    expect(classifyInfluxError(network("ECONNREFUSED"), "write", URL, DB).message).toContain(
      "check store.influx.url (QINGSHAN_INFLUX_URL)",
    );
    expect(classifyInfluxError(http(401, "unauthorized"), "write", URL, DB).message).toContain("store.auth");
    expect(classifyInfluxError(http(404, "database not found"), "start", URL, DB).message).toContain(
      "store.createDatabase",
    );
    expect(classifyInfluxError(http(413, "too large"), "write", URL, DB).message).toContain(
      "store.batchSize",
    );
  });

  it("passes a StoreError through unchanged", () => {
    const error = new StoreError("store.stopped", "stopped");
    expect(classifyInfluxError(error, "write", URL, DB)).toBe(error);
  });

  it("retries only what may succeed unchanged", () => {
    expect(isTransient(network("ECONNREFUSED"))).toBe(true);
    expect(isTransient(http(502, "bad gateway"))).toBe(true);
    expect(isTransient(http(501, "not implemented"))).toBe(false);
    expect(isTransient(http(400, "bad"))).toBe(false);
    expect(isTransient(http(404, "database not found"))).toBe(false);
    expect(isTransient(new Error("plain"))).toBe(false);
  });
});
