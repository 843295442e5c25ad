// The bench's year-of-daily-AQI query in one process, for profiling: a year of hourly readings of
// the six AQI metrics for every demo air station in a DuckDB file under PROFILE_AQI_DIR (written
// once, reused on later runs; PROFILE_AQI_CONSTANT=1 writes the bench's constant values instead of a daily cycle), then GET /api/v1/aqi?period=day for every station in parallel
// through the real HTTP API, PROFILE_AQI_RUNS times; prints each run's wall time.
//
//   PROFILE_AQI_DIR=/tmp/aqi node --import tsx [--cpu-prof --cpu-prof-dir=/tmp/prof] bench/profile-aqi.ts
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Reading } from "../packages/domain/src/index.ts";
import { createDuckDbStore } from "../packages/store/src/index.ts";
import { createApp, startApi } from "../services/api/src/index.ts";
import { loadStationRegistry } from "../services/simulator/src/index.ts";

const HOUR = 3_600_000;
const ROOT = join(import.meta.dirname, "..");
const dir = process.env.PROFILE_AQI_DIR ?? "/tmp/qingshan-profile-aqi";
const runs = Number(process.env.PROFILE_AQI_RUNS ?? 5);
const registry = loadStationRegistry(join(ROOT, "seeds/liandu/stations.json"));
const air = registry.stations.filter((s) => s.kind === "air").map((s) => s.id);
const metrics = ["pm25", "pm10", "so2", "no2", "co", "o3"] as const;
const values = [35, 60, 8, 30, 0.8, 90];
const yearEnd = Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
const yearStart = yearEnd - 365 * 24 * HOUR;

const fresh = !existsSync(join(dir, "q.duckdb"));
mkdirSync(dir, { recursive: true });
const store = createDuckDbStore({ path: join(dir, "q.duckdb") });
await store.start();
if (fresh) {
  let batch: Reading[] = [];
  for (const stationId of air) {
    for (let ts = yearStart; ts < yearEnd; ts += HOUR) {
      for (const [j, metric] of metrics.entries()) {
        batch.push({
          stationId,
          metric,
          ts,
          periodMs: HOUR,
          value: process.env.PROFILE_AQI_CONSTANT
            ? (values[j] as number)
            : (values[j] as number) * (0.5 + ((ts / HOUR) % 24) / 24),
          flag: "N",
          source: "import",
          receivedAt: ts,
        });
      }
      if (batch.length >= 50_000) {
        await store.writeReadings(batch);
        batch = [];
      }
    }
  }
  await store.writeReadings(batch);
}
const app = createApp({ store, registry, logger: false });
const api = await startApi(app, { port: 0, host: "127.0.0.1" });
const from = new Date(yearStart).toISOString();
const to = new Date(yearEnd).toISOString();
for (let k = 0; k < runs; k += 1) {
  const t0 = performance.now();
  await Promise.all(
    air.map(async (s) => {
      const res = await fetch(
        `http://127.0.0.1:${api.port}/api/v1/aqi?station=${s}&period=day&from=${from}&to=${to}`,
      );
      if (res.status !== 200) throw new Error(`aqi ${s}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }),
  );
  console.log(`run ${k + 1}: ${(performance.now() - t0).toFixed(0)} ms for ${air.length} stations`);
}
await app.close();
await store.stop();
