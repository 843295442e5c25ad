import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/** Undo steps of a test (stop a service, remove a directory), run last pushed first. */
export type Cleanups = Array<() => Promise<void> | void>;

/**
 * Runs and empties `cleanups`, last pushed first (a step may push more; they run next). Every step
 * runs even when an earlier one fails — a failed stop must not leave a broker running — and the
 * failures are thrown afterwards: the one error, or an AggregateError of all.
 */
export async function runCleanups(cleanups: Cleanups): Promise<void> {
  const errors: unknown[] = [];
  for (let step = cleanups.pop(); step !== undefined; step = cleanups.pop()) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanup steps failed`);
}

/**
 * A list of undo steps that an `afterEach` of the calling test file runs ({@link runCleanups}).
 *
 * @example
 * const cleanups = cleanupsAfterEach();
 * const broker = await startPrivateMosquitto();
 * cleanups.push(() => broker.stop());
 */
export function cleanupsAfterEach(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(() => runCleanups(cleanups));
  return cleanups;
}

/** A new temp directory, removed by a step pushed onto `cleanups`. */
export function tempDir(cleanups: Cleanups, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
