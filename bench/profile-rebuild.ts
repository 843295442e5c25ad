// Time of the evaluator's rebuild of its windows at start (services/evaluator README, "Rebuild,
// restart and partitions"): a fresh DuckDB store in a temp dir is filled through the store API with
// PROFILE_REBUILD_READINGS readings of PROFILE_REBUILD_STATIONS synthetic air stations (copies of
// ld-aq-01, 6 metrics each), evenly spaced over the last PROFILE_REBUILD_HOURS hours; then a real
// evaluator (config/rules.yaml, default settings) is started on an in-process bus, whose start
// resolves once onAssigned has rebuilt every station. Prints the fill time, then per run the
// rebuild's wall time, process CPU and µs per reading (PROFILE_REBUILD_RUNS evaluators one after
// another on the same store; the first run is a cold start, as after `qingshan start`).
// Defaults: the reviewer's data dir (480 000 readings, 8 stations, 1-s spacing ≈ 2.8 h).
//
//   node --import tsx bench/profile-rebuild.ts
//   PROFILE_REBUILD_READINGS=500000 PROFILE_REBUILD_STATIONS=30 PROFILE_REBUILD_HOURS=46 \
//     node --import tsx bench/profile-rebuild.ts
//   node --cpu-prof --cpu-prof-dir /tmp/prof-rebuild --import tsx bench/profile-rebuild.ts
//   node --import tsx bench/profile-summary.ts /tmp/prof-rebuild 40 rebuildStation
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "../packages/bus/src/index.ts";
import { createStationRegistry, type Reading, type StationInput } from "../packages/domain/src/index.ts";
import { loadRulesFile } from "../packages/rules/src/index.ts";
import { createDuckDbStore } from "../packages/store/src/index.ts";
// pino is a dependency of the services; bench/ is not a workspace package of its own.
import { pino } from "../services/evaluator/node_modules/pino/pino.js";
import { createEvaluator } from "../services/evaluator/src/index.ts";

const ROOT = join(import.meta.dirname, "..");
const READINGS = Number(process.env.PROFILE_REBUILD_READINGS ?? 480_000);
const STATIONS = Number(process.env.PROFILE_REBUILD_STATIONS ?? 8);
const HOURS = Number(process.env.PROFILE_REBUILD_HOURS ?? (READINGS / STATIONS / 6 + 1) / 3600);
const RUNS = Number(process.env.PROFILE_REBUILD_RUNS ?? 1);
const HOUR = 3_600_000;
const METRICS = ["pm25", "pm10", "so2", "no2", "co", "o3"] as const;

const seeds: StationInput[] = JSON.parse(readFileSync(join(ROOT, "seeds/liandu/stations.json"), "utf8"));
const template = seeds.find((s) => s.id === "ld-aq-01") as StationInput & { hj212?: unknown };
const { hj212: _mn, ...base } = template;
const registry = createStationRegistry(
  Array.from({ length: STATIONS }, (_, i) => ({ ...base, id: `rb-aq-${String(i).padStart(4, "0")}` })),
);
const rules = loadRulesFile(join(ROOT, "config/rules.yaml"), { registry });
const dir = mkdtempSync(join(tmpdir(), "qingshan-profile-rebuild-"));
const store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
await store.start();

// Fill: per series READINGS / (STATIONS × 6) readings, the newest a minute ago.
const perSeries = Math.floor(READINGS / (STATIONS * METRICS.length));
const spacing = Math.max(1000, Math.floor((HOURS * HOUR) / perSeries / 1000) * 1000);
const newest = Date.now() - 60_000;
const fill0 = performance.now();
let batch: Reading[] = [];
for (let i = 0; i < perSeries; i++) {
  const ts = newest - (perSeries - 1 - i) * spacing;
  for (const station of registry.stations) {
    for (const [j, metric] of METRICS.entries()) {
      batch.push({
        stationId: station.id,
        metric,
        ts,
        periodMs: 60_000,
        value: ([35, 60, 8, 30, 0.8, 90][j] as number) + ((i + j) % 13) * (j === 4 ? 0.01 : 1),
        flag: "N",
        source: "mqtt-json",
        receivedAt: ts + 500,
      });
    }
  }
  if (batch.length >= 20_000) {
    await store.writeReadings(batch);
    batch = [];
  }
}
if (batch.length > 0) await store.writeReadings(batch);
const total = perSeries * STATIONS * METRICS.length;
console.log(
  `filled ${total} readings (${STATIONS} stations × ${METRICS.length} metrics, ${spacing / 1000} s apart, ` +
    `${((perSeries * spacing) / HOUR).toFixed(2)} h) in ${((performance.now() - fill0) / 1000).toFixed(1)} s`,
);

const logger = pino({ level: "warn" });
for (let run = 1; run <= RUNS; run++) {
  const bus = createMemoryBus();
  await bus.start();
  const evaluator = createEvaluator({}, { bus, store, registry, rules, logger });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await evaluator.start(); // resolves once onAssigned has rebuilt every station (in-process bus)
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (evaluator.stations().length !== STATIONS)
    throw new Error(`rebuilt ${evaluator.stations().length} of ${STATIONS} stations`);
  console.log(
    `run ${run}: rebuild ${(ms / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU, ` +
      `${((ms * 1000) / total).toFixed(2)} µs per reading`,
  );
  await evaluator.stop();
  await bus.stop();
}
await store.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
