// Profiling driver for the embedded hot path, in one process: N bench-shaped station messages
// (6 air values, ~200 bytes, as bench/run.ts publishes them) go through the ingest pipeline
// (decode + validate + bus publish, as the embedded broker's intake does, without MQTT framing),
// the in-process bus, the writer (DuckDB, fresh file) and the evaluator (config/rules.yaml), with
// up to PROFILE_WINDOW messages in flight. Prints CPU µs per message (process utime+stime, DuckDB
// threads included) and the rate; with PROFILE_DECODE_ONLY=1 only the decode is timed.
//
//   node bench/profile-ingest.ts                      # PROFILE_N=20000 PROFILE_WINDOW=2000
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-ingest.ts
//   PROFILE_EVALUATOR=0 node bench/profile-ingest.ts  # without the evaluator
//   PROFILE_STORE=none node bench/profile-ingest.ts   # writer into a store that keeps nothing
//                                                     # (times ingest → bus → writer without DuckDB)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "../packages/bus/src/index.ts";
import { loadRulesFile } from "../packages/rules/src/index.ts";
import { createDuckDbStore } from "../packages/store/src/index.ts";
import { pino } from "../services/evaluator/node_modules/pino/pino.js";
import { createEvaluator } from "../services/evaluator/src/index.ts";
import { Registry } from "../services/ingest/node_modules/prom-client/index.js";
import { createIngestMetrics, createIngestPipeline } from "../services/ingest/src/index.ts";
import { loadStationRegistry } from "../services/simulator/src/index.ts";
import { createWriter } from "../services/writer/src/index.ts";
import { loadMessages } from "./load-messages.ts";

const ROOT = join(import.meta.dirname, "..");
const N = Number(process.env.PROFILE_N ?? 20_000);
const WINDOW = Number(process.env.PROFILE_WINDOW ?? 2000);
const WITH_EVALUATOR = process.env.PROFILE_EVALUATOR !== "0";
const NO_STORE = process.env.PROFILE_STORE === "none";
const registry = loadStationRegistry(join(ROOT, "seeds/liandu/stations.json"));
const LOAD = registry.stations
  .filter((s) => s.kind === "air")
  .map((s) => s.id)
  .slice(0, 8);

function messages(count: number): Array<{ topic: string; payload: Buffer }> {
  return loadMessages(LOAD, count).map((m) => ({ topic: m.topic, payload: Buffer.from(m.payload) }));
}

const logger = pino({ level: "warn" });
const metricsRegistry = new Registry();
const bus = createMemoryBus();
await bus.start();
const pipeline = createIngestPipeline({ bus, registry, metrics: createIngestMetrics(metricsRegistry) });
const msgs = messages(N);

if (process.env.PROFILE_DECODE_ONLY === "1") {
  const warm = messages(2000);
  for (const m of warm) pipeline.decodeJson(m.topic, m.payload, { source: "mqtt", origin: m.topic });
  const cpu0 = process.cpuUsage();
  for (const m of msgs) pipeline.decodeJson(m.topic, m.payload, { source: "mqtt", origin: m.topic });
  const cpu = process.cpuUsage(cpu0);
  console.log(`decode only: ${((cpu.user + cpu.system) / N).toFixed(2)} µs CPU/message (N=${N})`);
  await bus.stop();
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "qingshan-profile-"));
const store = createDuckDbStore({ path: join(dir, "q.duckdb") });
await store.start();
// Counts store calls, to report the batch size the writer reaches.
let writeCalls = 0;
let written = 0;
/** A write that keeps nothing and completes a turn of the event loop later, as a store's would. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const countingStore = {
  writeReadings: (readings: Parameters<typeof store.writeReadings>[0]) => {
    writeCalls++;
    written += readings.length;
    return NO_STORE ? nextTurn() : store.writeReadings(readings);
  },
  writeDeadLetters: NO_STORE ? nextTurn : store.writeDeadLetters.bind(store),
};
const writer = createWriter({ bus, store: countingStore, registry: metricsRegistry, logger });
await writer.start();
let evaluator: ReturnType<typeof createEvaluator> | undefined;
if (WITH_EVALUATOR) {
  const rulesFile = join(ROOT, "config/rules.yaml");
  evaluator = createEvaluator(
    { rulesFile },
    { bus, store, registry, rules: loadRulesFile(rulesFile, { registry }), logger },
  );
  await evaluator.start();
}

const t0 = performance.now();
const cpu0 = process.cpuUsage();
let next = 0;
async function lane(): Promise<void> {
  while (next < msgs.length) {
    const m = msgs[next++] as { topic: string; payload: Buffer };
    const result = await pipeline.submitJson(m.topic, m.payload, { source: "mqtt", origin: m.topic });
    if (result.rejections.length > 0) throw new Error(result.rejections[0]?.message);
  }
}
await Promise.all(Array.from({ length: WINDOW }, lane));
const cpu = process.cpuUsage(cpu0);
const seconds = (performance.now() - t0) / 1000;
console.log(
  `end to end (ingest → bus → writer/${NO_STORE ? "no store" : "DuckDB"}${WITH_EVALUATOR ? " + evaluator" : ""}): N=${N}, window ${WINDOW}: ` +
    `${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU/message (user ${(cpu.user / N).toFixed(1)}, sys ${(cpu.system / N).toFixed(1)}), ` +
    `${Math.round(N / seconds)} msg/s; ${writeCalls} store writes, ${Math.round(written / writeCalls)} readings each`,
);
await evaluator?.stop();
await writer.stop();
await bus.stop();
await store.stop();
rmSync(dir, { recursive: true, force: true });
