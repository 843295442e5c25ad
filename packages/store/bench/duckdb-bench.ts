/**
 * Measures the DuckDB store on a year of hourly data for 30 stations x 6 metrics.
 * Run: pnpm exec tsx packages/store/bench/duckdb-bench.ts   (numbers go to the README)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIR_METRICS, type Reading } from "@qingshan/domain";
import { createDuckDbStore } from "../src/index.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);
const STATIONS = Array.from({ length: 30 }, (_, i) => `LD-AIR-${String(i + 1).padStart(2, "0")}`);
const HOURS = 8760;

function yearOfHourly(): Reading[] {
  const out: Reading[] = [];
  for (let h = 0; h < HOURS; h++) {
    for (const stationId of STATIONS) {
      for (const metric of AIR_METRICS) {
        const ts = T0 + h * HOUR;
        out.push({
          stationId,
          metric,
          ts,
          periodMs: HOUR,
          value: (h % 97) + 1,
          flag: "N",
          source: "import",
          receivedAt: ts,
        });
      }
    }
  }
  return out;
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  console.log(`${label}: ${(performance.now() - start).toFixed(1)} ms`);
  return result;
}

const dir = await mkdtemp(join(tmpdir(), "qingshan-bench-"));
const store = createDuckDbStore({ path: join(dir, "bench.duckdb") });
await store.start();
const readings = yearOfHourly();
console.log(`readings: ${readings.length}`);
await timed("writeReadings, one call, 1 year x 30 stations x 6 metrics", () => store.writeReadings(readings));
await timed("rewrite of the same year (all keys overwritten)", () => store.writeReadings(readings));
const live = readings.slice(-180).map((r) => ({ ...r, value: r.value + 1 }));
await timed("writeReadings, 180 readings (one hour of the network) on the full table", () =>
  store.writeReadings(live),
);
const from = T0 - 1;
const to = T0 + HOURS * HOUR;
const first = await timed("queryHourly, one station-year (cold)", () =>
  store.queryHourly({ stationId: "LD-AIR-07", metric: "pm25", from, to }),
);
console.log(`  rows: ${first.length}`);
await timed("queryHourly, one station-year (warm)", () =>
  store.queryHourly({ stationId: "LD-AIR-08", metric: "o3", from, to }),
);
await timed("queryHourly, all 180 station-metric years, sequential", async () => {
  for (const stationId of STATIONS) {
    for (const metric of AIR_METRICS) await store.queryHourly({ stationId, metric, from, to });
  }
});
await timed("queryHourly, all 180 station-metric years, concurrent", () =>
  Promise.all(
    STATIONS.flatMap((stationId) =>
      AIR_METRICS.map((metric) => store.queryHourly({ stationId, metric, from, to })),
    ),
  ),
);
await timed("queryReadings, one station, one month, all metrics", () =>
  store.queryReadings({ stationId: "LD-AIR-03", from: T0, to: T0 + 30 * 24 * HOUR }),
);
await timed("latest(station)", () => store.latest("LD-AIR-03"));
await timed("stop (checkpoint)", () => store.stop());
if (process.env.KEEP === undefined) await rm(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
