// Per-batch cost of DuckDbStore.writeReadings: batches of PROFILE_BATCH bench-shaped readings
// (8 stations × 6 metrics, 1 s apart) into a fresh file; prints wall and process CPU per batch
// over the run, in PROFILE_BATCHES batches.
//
//   node --import tsx bench/profile-store.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Reading } from "../packages/domain/src/index.ts";
import { createDuckDbStore } from "../packages/store/src/index.ts";

const BATCH = Number(process.env.PROFILE_BATCH ?? 300);
const BATCHES = Number(process.env.PROFILE_BATCHES ?? 200);
const METRICS = ["pm25", "pm10", "so2", "no2", "co", "o3"] as const;
const dir = mkdtempSync(join(tmpdir(), "qingshan-profile-store-"));
const threads = process.env.PROFILE_THREADS ? Number(process.env.PROFILE_THREADS) : null;
const store = createDuckDbStore({ path: join(dir, "q.duckdb"), threads });
await store.start();
const base = Date.now() - 2 * 3_600_000;
let i = 0;
function batch(): Reading[] {
  const out: Reading[] = [];
  while (out.length < BATCH) {
    const ts = base + Math.floor(i / 8) * 1000;
    for (const metric of METRICS) {
      out.push({
        stationId: `ld-aq-0${(i % 8) + 1}`,
        metric,
        ts,
        periodMs: 60_000,
        value: 30 + (i % 17),
        flag: "N",
        source: "mqtt-json",
        receivedAt: Date.now(),
      });
    }
    i++;
  }
  return out;
}
const report = (label: string, n: number, ms: number, cpuUs: number) =>
  console.log(
    `${label}: ${(ms / n).toFixed(2)} ms wall, ${(cpuUs / n / 1000).toFixed(2)} ms CPU per batch of ${BATCH}`,
  );
for (let part = 0; part < 4; part++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let b = 0; b < BATCHES / 4; b++) await store.writeReadings(batch());
  const c = process.cpuUsage(c0);
  report(
    `batches ${(part * BATCHES) / 4}…${((part + 1) * BATCHES) / 4}`,
    BATCHES / 4,
    performance.now() - t0,
    c.user + c.system,
  );
}
await store.stop();
rmSync(dir, { recursive: true, force: true });
