import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/** Test support: undo steps that run after each test, the last pushed first. */

export type Cleanups = Array<() => Promise<void> | void>;

/** A list of cleanup steps that an afterEach of the calling test file runs and empties. */
export function cleanupsAfterEach(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  });
  return cleanups;
}

/** A new temp directory, removed by a step pushed onto `cleanups`. */
export function tempDir(cleanups: Cleanups, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
