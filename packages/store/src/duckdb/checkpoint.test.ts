import { statSync } from "node:fs";
import type { Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { useStartedStores, useTempDir } from "./testdata/temp-store.ts";

const T0 = Date.UTC(2026, 10, 28, 2);
const temp = useTempDir("qingshan-checkpoint-");
const { open } = useStartedStores();

function minuteBatch(first: number, count: number): Reading[] {
  return Array.from({ length: count }, (_, k) => ({
    stationId: "ld-aq-01",
    metric: "pm25",
    ts: T0 + (first + k) * 60_000,
    periodMs: 60_000,
    value: 30 + ((first + k) % 11),
    flag: "N",
    source: "mqtt-json",
    receivedAt: T0,
  }));
}

const walBytes = (path: string): number => {
  try {
    return statSync(`${path}.wal`).size;
  } catch {
    return 0;
  }
};

describe("DuckDB store checkpoints", () => {
  it("checkpoints right after the write that filled checkpointWalBytes, not inside a later commit at DuckDB's 16 MB", async () => {
    const path = temp.newPath();
    const threshold = 256 * 1024;
    const store = await open({ path, checkpointWalBytes: threshold });
    let minute = 0;
    let before = 0;
    // Write until the WAL passes the threshold (DuckDB alone would wait for 4 × this).
    while (before < threshold) {
      await store.writeReadings(minuteBatch(minute, 500));
      minute += 500;
      before = Math.max(before, walBytes(path));
      if (minute > 500_000) throw new Error("the WAL never reached the threshold");
    }
    // The checkpoint queued behind that write empties the WAL; every reading is still there.
    await waitFor(() => walBytes(path) < threshold / 4, { timeoutMs: 10_000 });
    const stored = await store.queryReadings({ stationId: "ld-aq-01", from: T0, to: T0 + minute * 60_000 });
    expect(stored).toHaveLength(minute);
  });

  it("null leaves checkpoints to DuckDB: the WAL grows past the same size", async () => {
    const path = temp.newPath();
    const store = await open({ path, checkpointWalBytes: null });
    let minute = 0;
    while (walBytes(path) < 512 * 1024) {
      await store.writeReadings(minuteBatch(minute, 500));
      minute += 500;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(walBytes(path)).toBeGreaterThanOrEqual(512 * 1024);
  });
});
