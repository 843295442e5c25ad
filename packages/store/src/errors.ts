/**
 * Error catalogue of the store. Codes are stable and never reused (STYLE.md "Errors are a catalogue").
 * `retryable` tells a writer which of the three outcomes applies (STYLE.md "Three outcomes per
 * write"): retry later (the store is unavailable) or reject (the input itself is wrong).
 */
export const STORE_ERROR_CODES = {
  "store.config_invalid": "the adapter configuration does not validate",
  "store.not_started": "a read or write was called before start",
  "store.stopped": "the store was stopped; nothing more is accepted",
  "store.reading_invalid": "a reading cannot be stored (non-integer time, non-finite value, negative period)",
  "store.locked": "the database file is held by another process (or another store in this process)",
  "store.not_writable": "the database file or its directory cannot be created or written",
  "store.corrupt": "the file is not a database of this engine, or is damaged",
  "store.open_failed": "the database could not be opened for another reason (see cause)",
  "store.disk_full": "the disk holding the database is full",
  "store.write_failed": "a write transaction failed and was rolled back; nothing of the batch was stored",
  "store.query_failed": "a read query failed",
  "store.query_invalid": "a query bound is not a number (NaN) or a limit is not a non-negative integer",
  "store.valid_flags_changed": "validFlags differ from those the stored hourly aggregates were computed with",
  "store.event_invalid": "an alert event cannot be stored (empty id, `at` not an ISO 8601 time)",
  "store.unavailable": "the database server cannot be reached or did not answer in time",
  "store.auth_failed": "the database server refused the credentials or their permissions (HTTP 401/403)",
  "store.database_missing": "the configured database (or retention policy) does not exist on the server",
  "store.write_rejected":
    "the server refused the data itself (e.g. a field type conflict, a request too large)",
} as const;
export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

const RETRYABLE: ReadonlySet<StoreErrorCode> = new Set<StoreErrorCode>([
  "store.not_started",
  "store.stopped",
  "store.locked",
  "store.disk_full",
  "store.write_failed",
  "store.query_failed",
  "store.unavailable",
]);

/**
 * An error raised by a store adapter, with a stable `code` from STORE_ERROR_CODES.
 *
 * @example
 * try { await store.writeReadings(batch); }
 * catch (e) { if (e instanceof StoreError && e.retryable) { // keep the batch, retry with backoff } }
 */
export class StoreError extends Error {
  override readonly name = "StoreError";
  /** True when the same call may succeed later; false when the input or the setup must change. */
  readonly retryable: boolean;
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.retryable = RETRYABLE.has(code);
  }
}
