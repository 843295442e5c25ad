/**
 * The store the writer tests write to: the real DuckDB store on a file in a fresh temporary
 * directory, with the reads the assertions need.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeadLetter, Reading } from "@qingshan/domain";
import { createDuckDbStore, type TimeSeriesStore } from "@qingshan/store";

export interface TestStore {
  readonly store: TimeSeriesStore;
  /** Readings of a station, ascending by ts. */
  readings(stationId: string): Promise<Reading[]>;
  /** Dead letters, ascending by receivedAt. */
  deadLetters(): Promise<DeadLetter[]>;
  /** Readings stored for these stations. */
  count(stationIds: readonly string[]): Promise<number>;
  /** Stops the store and deletes its directory. */
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dir = await mkdtemp(join(tmpdir(), "qingshan-writer-"));
  const store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
  await store.start();
  const readings = (stationId: string) =>
    store.queryReadings({ stationId, from: 0, to: Number.MAX_SAFE_INTEGER });
  return {
    store,
    readings,
    async deadLetters() {
      const letters = await store.queryDeadLetters({});
      return letters.sort((a, b) => a.receivedAt - b.receivedAt);
    },
    async count(stationIds) {
      const counts = await Promise.all(stationIds.map(async (id) => (await readings(id)).length));
      return counts.reduce((a, n) => a + n, 0);
    },
    async close() {
      await store.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
