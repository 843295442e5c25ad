import { describe, expect, it } from "vitest";
import { StoreError } from "../errors.ts";
import { classifyDuckDbError } from "./classify-error.ts";

const PATH = "/data/q.duckdb";

describe("classifyDuckDbError", () => {
  it.each([
    [
      'IO Error: Could not set lock on file "/data/q.duckdb": Conflicting lock is held in /usr/bin/node (PID 26348). See also https://duckdb.org/docs/stable/connect/concurrency',
      "open",
      "store.locked",
      true,
    ],
    [
      'IO Error: The file "/data/q.duckdb" exists, but it is not a valid DuckDB database file!',
      "open",
      "store.corrupt",
      false,
    ],
    ['IO Error: Cannot open file "/data/q.duckdb": Permission denied', "open", "store.not_writable", false],
    ['IO Error: Cannot open file "/x/q.duckdb": Not a directory', "open", "store.not_writable", false],
    [
      'IO Error: Cannot open file "/x/q.duckdb": No such file or directory',
      "open",
      "store.not_writable",
      false,
    ],
    ["IO Error: Could not write file: No space left on device", "write", "store.disk_full", true],
    ["Serialization Error: something unexpected", "open", "store.open_failed", false],
    ["TransactionContext Error: Failed to commit", "write", "store.write_failed", true],
    ["Binder Error: column not found", "query", "store.query_failed", true],
  ] as const)("%s → %s / %s", (message, operation, code, retryable) => {
    const error = classifyDuckDbError(new Error(message), operation, PATH);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(PATH);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("names the lock holder's PID and the data directory setting for a locked file", () => {
    const error = classifyDuckDbError(
      new Error(
        'IO Error: Could not set lock on file "/data/q.duckdb": Conflicting lock is held in /usr/bin/node (PID 7). See also https://duckdb.org',
      ),
      "open",
      PATH,
    );
    expect(error.message).toBe(
      "store.locked: the database file /data/q.duckdb is in use by another process (PID 7, /usr/bin/node), " +
        "probably another Qingshan on the same data directory; DuckDB lets one process open a file: " +
        "stop that process, or set dataDir (QINGSHAN_DATA_DIR) to another directory",
    );
    const withoutPid = classifyDuckDbError(new Error("IO Error: Could not set lock on file"), "open", PATH);
    expect(withoutPid.message).toContain("in use by another process, probably another Qingshan");
  });

  it("never names a setting Qingshan does not have", () => {
    for (const text of [
      "Could not set lock",
      "No space left on device",
      "not a valid DuckDB database",
      "Permission denied",
      "odd",
    ]) {
      const message = classifyDuckDbError(new Error(text), "open", PATH).message;
      expect(message).not.toContain("store.path");
    }
  });

  it("passes a StoreError through unchanged", () => {
    const original = new StoreError("store.stopped", "stopped");
    expect(classifyDuckDbError(original, "write", PATH)).toBe(original);
  });

  it("accepts non-Error throwables", () => {
    expect(classifyDuckDbError("boom", "query", PATH).code).toBe("store.query_failed");
  });
});
