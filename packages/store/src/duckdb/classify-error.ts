import { StoreError, type StoreErrorCode } from "../errors.ts";

/** Where the error happened: opening the file, a write transaction, or a read query. */
export type DuckDbOperation = "open" | "write" | "query";

/** The setting that places the file: Qingshan keeps it at `{dataDir}/qingshan.duckdb` (services/cli). */
export const PATH_SETTING = "dataDir (QINGSHAN_DATA_DIR)";

/**
 * Turns an error thrown by DuckDB into a StoreError with a stable code and a message that says
 * what to do (STYLE.md "Classify server errors in one tested function per adapter").
 * A StoreError passes through unchanged.
 *
 * @example
 * try { await DuckDBInstance.create(path); }
 * catch (e) { throw classifyDuckDbError(e, "open", path); }
 */
export function classifyDuckDbError(error: unknown, operation: DuckDbOperation, path: string): StoreError {
  if (error instanceof StoreError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const [code, message] = classify(text, operation, path);
  return new StoreError(code, message, { cause: error });
}

function classify(text: string, operation: DuckDbOperation, path: string): [StoreErrorCode, string] {
  if (/Could not set lock|Conflicting lock/i.test(text)) {
    const holder = /Conflicting lock is held in (.+?) \(PID (\d+)\)/.exec(text);
    const who = holder ? `another process (PID ${holder[2]}, ${holder[1]})` : "another process";
    return [
      "store.locked",
      `the database file ${path} is in use by ${who}, probably another Qingshan on the same data directory; ` +
        `DuckDB lets one process open a file: stop that process, or set ${PATH_SETTING} to another directory`,
    ];
  }
  if (/No space left on device|disk is full/i.test(text)) {
    return [
      "store.disk_full",
      `the disk holding ${path} is full (${text}); free space, or move ${PATH_SETTING}`,
    ];
  }
  if (/not a valid DuckDB database|Corrupt|checksum|invalid magic/i.test(text)) {
    return [
      "store.corrupt",
      `${path} is not a usable DuckDB database (${text}); move it away, or set ${PATH_SETTING} to another directory`,
    ];
  }
  if (
    /Permission denied|Read-only file system|Not a directory|No such file or directory|Access is denied/i.test(
      text,
    )
  ) {
    return [
      "store.not_writable",
      `cannot create or write the database file ${path} (${text}); set ${PATH_SETTING} to a writable directory`,
    ];
  }
  if (operation === "open") {
    return ["store.open_failed", `cannot open the database file ${path} (${PATH_SETTING}): ${text}`];
  }
  if (operation === "write") {
    return ["store.write_failed", `the write to ${path} was rolled back: ${text}`];
  }
  return ["store.query_failed", `a query on ${path} failed: ${text}`];
}
