// Child process for `pnpm bench` (run with --expose-gc): the evaluator's memory per active series.
// BENCH_MEM_STATIONS synthetic air stations (copies of ld-aq-01, 6 metrics each) get
// BENCH_MEM_HOURS hours of readings every BENCH_MEM_PERIOD_MIN minutes through an in-process bus
// into a real evaluator (config/rules.yaml, default settings, empty DuckDB store in a temp dir).
// A small evaluator on other stations runs the same feed first (warm-up: compiled code, one-time
// structures) and is stopped. Then JS heap used plus ArrayBuffer memory (the windows are typed
// arrays, outside the JS heap) is measured after a full GC before the measured evaluator is
// created and after it was fed (the station registry is built before: it is not the evaluator's);
// the difference divided by the series count is everything the evaluator keeps per series
// (window buffers plus dedupe state, quality trackers, rule state, per-station holders, maps) plus
// its fixed overhead spread over the series. Beside it the
// evaluator's own estimate, memoryPerSeriesBytes(). Prints one JSON line on stdout.
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
const STATIONS = Number(process.env.BENCH_MEM_STATIONS ?? 500);
const HOURS = Number(process.env.BENCH_MEM_HOURS ?? 30);
const PERIOD_MS = Number(process.env.BENCH_MEM_PERIOD_MIN ?? 60) * 60_000;
const HOUR = 3_600_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

const seeds: StationInput[] = JSON.parse(readFileSync(join(ROOT, "seeds/liandu/stations.json"), "utf8"));
const template = seeds.find((s) => s.id === "ld-aq-01") as StationInput & { hj212?: unknown };
const { hj212: _mn, ...base } = template;
const registryOf = (prefix: string, count: number) =>
  createStationRegistry(
    Array.from({ length: count }, (_, i) => ({ ...base, id: `${prefix}-${String(i).padStart(5, "0")}` })),
  );
const metrics = ["pm25", "pm10", "so2", "no2", "co", "o3"] as const;
const dir = mkdtempSync(join(tmpdir(), "qingshan-bench-mem-"));
const store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
await store.start();
const logger = pino({ level: "warn" });
const end = Math.floor(Date.now() / HOUR) * HOUR;
let k = 0;

/** A started evaluator on its own bus for `registry`, fed HOURS of readings of every series. */
async function fedEvaluator(registry: ReturnType<typeof registryOf>) {
  const bus = createMemoryBus();
  await bus.start();
  const rules = loadRulesFile(join(ROOT, "config/rules.yaml"), { registry });
  const evaluator = createEvaluator({}, { bus, store, registry, rules, logger });
  await evaluator.start();
  for (let ts = end - HOURS * HOUR; ts < end; ts += PERIOD_MS) {
    const batch: Array<{ key: string; value: Reading }> = [];
    for (const station of registry.stations) {
      for (const [j, metric] of metrics.entries()) {
        k += 1;
        batch.push({
          key: station.id,
          value: {
            stationId: station.id,
            metric,
            ts,
            periodMs: PERIOD_MS,
            value: ([35, 60, 8, 30, 0.8, 90][j] as number) + (k % 13) * (j === 4 ? 0.01 : 1),
            flag: "N",
            source: "mqtt-json",
            receivedAt: Date.now(),
          },
        });
      }
    }
    await bus.publish("readings", batch);
    while ((bus.depth().readings ?? 0) > 20_000) await new Promise((r) => setTimeout(r, 20));
  }
  while ((bus.depth().readings ?? 0) > 0) await new Promise((r) => setTimeout(r, 50));
  return { bus, evaluator };
}

const measure = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const warm = await fedEvaluator(registryOf("bench-warm", 20));
await warm.evaluator.stop();
await warm.bus.stop();
const registry = registryOf("bench-aq", STATIONS);
const before = measure();
const { bus, evaluator } = await fedEvaluator(registry);
const after = measure();
const series = STATIONS * metrics.length;
process.stdout.write(
  `${JSON.stringify({
    stations: STATIONS,
    series,
    hours: HOURS,
    periodMin: PERIOD_MS / 60_000,
    heapDeltaPerSeriesBytes: (after - before) / series,
    memoryPerSeriesBytes: evaluator.memoryPerSeriesBytes(),
    loadedStations: evaluator.stations().length,
  })}\n`,
);
await evaluator.stop();
await bus.stop();
await store.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
