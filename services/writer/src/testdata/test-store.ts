/**
 * The store the writer tests write to, with the reads the assertions need.
 * Interim: an in-memory TimeSeriesStore subset with the store's idempotency rule
 * (station+metric+ts, last write wins), until packages/store's DuckDB adapter lands.
 */
import { type DeadLetter, type Reading, readingKey } from "@qingshan/domain";
import type { WriterStore } from "../writer.ts";

export interface TestStore extends WriterStore {
  /** Readings of a station, ascending by ts. */
  readings(stationId: string): Promise<Reading[]>;
  deadLetters(): Promise<DeadLetter[]>;
  count(): Promise<number>;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const rows = new Map<string, Reading>();
  const letters = new Map<string, DeadLetter>();
  return {
    async writeReadings(readings) {
      for (const r of readings) rows.set(readingKey(r), r);
    },
    async writeDeadLetters(deadLetters) {
      for (const d of deadLetters) letters.set(d.id, d);
    },
    async readings(stationId) {
      return [...rows.values()].filter((r) => r.stationId === stationId).sort((a, b) => a.ts - b.ts);
    },
    async deadLetters() {
      return [...letters.values()].sort((a, b) => a.receivedAt - b.receivedAt);
    },
    async count() {
      return rows.size;
    },
    async close() {},
  };
}
