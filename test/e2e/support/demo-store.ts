import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeStationMessage, HOUR_MS, type StationRegistry } from "@qingshan/domain";
import { generateHistory } from "@qingshan/simulator";
import { createDuckDbStore, type TimeSeriesStore } from "@qingshan/store";

export interface DemoStore {
  readonly store: TimeSeriesStore;
  /** Stops the store and removes its directory. */
  close(): Promise<void>;
}

/**
 * A DuckDB store in a temporary directory holding `hours` of the simulator's clean-week history for
 * every station of `registry`, up to the last full hour (or up to now with `throughNow`, so no
 * station looks silent late in the hour), decoded as ingest decodes it and written straight to the
 * store.
 */
export async function startDemoStore(options: {
  readonly name: string;
  readonly registry: StationRegistry;
  readonly hours: number;
  readonly seed: number;
  readonly throughNow?: boolean;
}): Promise<DemoStore> {
  const { registry } = options;
  const dir = await mkdtemp(join(tmpdir(), `qingshan-${options.name}-`));
  const store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
  const close = async () => {
    await store.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await store.start();
    const now = Date.now();
    const to = options.throughNow ? now : Math.floor(now / HOUR_MS) * HOUR_MS;
    for (const batch of generateHistory({
      stations: registry.stations,
      scenario: "clean-week",
      from: to - options.hours * HOUR_MS,
      to,
      seed: options.seed,
    })) {
      const decoded = decodeStationMessage(batch.topic, JSON.stringify(batch.observations), {
        now,
        lookupStation: (id) => registry.get(id),
        source: "import",
        limits: { maxLatenessMs: 7 * 24 * HOUR_MS },
      });
      await store.writeReadings(decoded.readings);
    }
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
  return { store, close };
}
