import { StoreError } from "../errors.ts";
import { PATH_SETTING } from "./classify-error.ts";

/**
 * DuckDB's file lock is per process, so a second DuckDBInstance on the same file in the SAME
 * process is not refused by DuckDB — and two instances writing one file would corrupt it. This
 * process-wide registry closes that gap.
 */
const openPaths = new Set<string>();

/**
 * Claims `absolutePath` for one store of this process; throws store.locked when it is taken.
 *
 * @example
 * claimPath("/srv/data/q.duckdb"); // ... later: releasePath("/srv/data/q.duckdb")
 */
export function claimPath(absolutePath: string): void {
  if (openPaths.has(absolutePath)) {
    throw new StoreError(
      "store.locked",
      `the database file ${absolutePath} is already open by another store in this process; ` +
        `stop that store first, or set ${PATH_SETTING} to another directory`,
    );
  }
  openPaths.add(absolutePath);
}

/**
 * Gives the path back (idempotent).
 *
 * @example
 * releasePath("/srv/data/q.duckdb");
 */
export function releasePath(absolutePath: string): void {
  openPaths.delete(absolutePath);
}
