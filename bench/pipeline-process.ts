// Child process for `pnpm bench`: the embedded Qingshan pipeline composed directly from the
// services (not through the CLI, which is changing): DuckDB store, in-process bus, writer,
// ingest (embedded aedes broker, or an external broker with BENCH_MQTT_URL), notifier (MQTT
// alerts topic on that broker; no SMTP, the outbox in the data dir), evaluator (config/rules.yaml
// via loadRulesFile) and the HTTP API (/metrics, /api/v1/aqi). Runs alone so its CPU and RSS can
// be read from /proc/<pid>. Prints `QINGSHAN_BENCH_READY {"apiUrl","brokerUrl"}` on stdout when
// ready; answers `{cmd: "memory"}` and `{cmd: "stored", stations, metrics, from}` (distinct readings
// in the store) on the IPC channel; stops on SIGTERM.
//
// Environment: BENCH_DATA_DIR (required), BENCH_MQTT_URL (external broker) or BENCH_MQTT_PORT
// (embedded broker port, default any free one), BENCH_RULES (default config/rules.yaml),
// BENCH_MAX_FUTURE_SKEW_MS (ingest limit; the alert-latency probe publishes hours ahead of now),
// BENCH_EVALUATOR_MAX_BATCH (the evaluator's maxBatch, for A/B runs), BENCH_DUCKDB_THREADS (the
// store's DuckDB threads, for A/B runs), BENCH_WRITER_LINGER_MS (the
// writer's log.lingerMs, for A/B runs), BENCH_ALLOC_PROFILE and
// BENCH_STEADY_CPU_PROFILE (profiles, see below), BENCH_PAUSE_LOG=FILE (appends one line per GC
// pause and per store write of readings: wall-clock ms at its start, what, duration ms).
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { constants, PerformanceObserver, performance } from "node:perf_hooks";
import { createMemoryBus } from "../packages/bus/src/index.ts";
import type { MetricId } from "../packages/domain/src/index.ts";
import { loadRulesFile } from "../packages/rules/src/index.ts";
import { createDuckDbStore } from "../packages/store/src/index.ts";
import { createApp, startApi } from "../services/api/src/index.ts";
// pino is a dependency of the services; bench/ is not a workspace package of its own.
import { pino } from "../services/evaluator/node_modules/pino/pino.js";
import { createEvaluator } from "../services/evaluator/src/index.ts";
import { createIngest } from "../services/ingest/src/index.ts";
import { createNotifier } from "../services/notifier/src/index.ts";
import { loadStationRegistry } from "../services/simulator/src/index.ts";
import { createWriter } from "../services/writer/src/index.ts";
import { stopOnSigterm } from "./stop-on-sigterm.ts";

const ROOT = join(import.meta.dirname, "..");
const env = process.env;
const dataDir = env.BENCH_DATA_DIR;
if (!dataDir) throw new Error("BENCH_DATA_DIR is required");
const logger = pino({ name: "qingshan-bench", level: env.BENCH_LOG_LEVEL ?? "warn" });
const registry = loadStationRegistry(join(ROOT, "seeds/liandu/stations.json"));
const stops: Array<() => Promise<void>> = [];

// BENCH_CHECKPOINT_WAL_BYTES: the store's checkpointWalBytes ("null": DuckDB's own checkpoints), for A/B runs.
const checkpointWal = env.BENCH_CHECKPOINT_WAL_BYTES;
const store = createDuckDbStore({
  path: join(dataDir, "qingshan.duckdb"),
  ...(env.BENCH_DUCKDB_THREADS ? { threads: Number(env.BENCH_DUCKDB_THREADS) } : {}),
  ...(checkpointWal === undefined
    ? {}
    : { checkpointWalBytes: checkpointWal === "null" ? null : Number(checkpointWal) }),
});
await store.start();
stops.push(() => store.stop());

const pauseLog = env.BENCH_PAUSE_LOG;
if (pauseLog) {
  const GC_KINDS: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "gc-minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "gc-major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "gc-incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "gc-weakcb",
  };
  const origin = performance.timeOrigin;
  new PerformanceObserver((list) => {
    let lines = "";
    for (const e of list.getEntries()) {
      const kind = (e.detail as { kind?: number } | undefined)?.kind ?? 0;
      lines += `${(origin + e.startTime).toFixed(1)} ${GC_KINDS[kind] ?? `gc-${kind}`} ${e.duration.toFixed(2)}\n`;
    }
    appendFileSync(pauseLog, lines);
  }).observe({ entryTypes: ["gc"] });
  const writeReadings = store.writeReadings.bind(store);
  store.writeReadings = async (readings, options) => {
    const start = performance.now();
    try {
      return await writeReadings(readings, options);
    } finally {
      appendFileSync(
        pauseLog,
        `${(origin + start).toFixed(1)} write-${readings.length} ${(performance.now() - start).toFixed(2)}\n`,
      );
    }
  };
}
const bus = createMemoryBus();
await bus.start();
stops.push(() => bus.stop());

// As `qingshan start` does with the in-process bus: readings are synced to the writer's log, then
// stored. BENCH_WRITER_LOG=off measures without the log (acknowledged after the DuckDB write).
const writer = createWriter({
  bus,
  store,
  ...(env.BENCH_WRITER_LOG === "off"
    ? {}
    : {
        log: {
          dir: join(dataDir, "writer-log"),
          ...(env.BENCH_WRITER_LINGER_MS ? { lingerMs: Number(env.BENCH_WRITER_LINGER_MS) } : {}),
        },
      }),
  logger: logger.child({ service: "writer" }),
});
await writer.start();
stops.push(() => writer.stop());

const ingest = createIngest(
  {
    mqtt: env.BENCH_MQTT_URL
      ? { url: env.BENCH_MQTT_URL, clientId: "qingshan-bench-ingest" }
      : { embeddedPort: Number(env.BENCH_MQTT_PORT ?? 0), embeddedHost: "127.0.0.1" },
    hj212: { tcpPort: 0 },
    limits: { maxFutureSkewMs: Number(env.BENCH_MAX_FUTURE_SKEW_MS ?? 300_000) },
  },
  { bus, registry, logger: logger.child({ service: "ingest" }) },
);
await ingest.start();
stops.push(() => ingest.stop());
const brokerUrl = ingest.brokerUrl as string;

// Subscribed before the evaluator can publish: the in-process bus keeps nothing for later groups.
const notifier = createNotifier(
  {
    publicUrl: "http://127.0.0.1",
    email: { outboxDir: join(dataDir, "outbox") },
    spoolFile: join(dataDir, "notifier-spool.jsonl"),
    schedule: { enabled: false },
    mqtt: { enabled: true, url: brokerUrl },
  },
  { bus, store, registry, logger: logger.child({ service: "notifier" }) },
);
await notifier.start();
stops.push(() => notifier.stop());

// BENCH_ALLOC_PROFILE=FILE: V8's sampling heap profiler over the whole run, keeping the samples of
// objects already collected, so the profile shows where the garbage comes from (not what is live).
if (env.BENCH_ALLOC_PROFILE) {
  const file = env.BENCH_ALLOC_PROFILE;
  const { Session } = await import("node:inspector/promises");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  stops.unshift(async () => {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    writeFileSync(file, JSON.stringify(profile));
  });
}

// BENCH_STEADY_CPU_PROFILE=FILE: a CPU profile from SIGUSR2 (sent by bench/profile-mqtt.ts after
// its warm-up) to the stop, so start-up and JIT warm-up stay out of it.
if (env.BENCH_STEADY_CPU_PROFILE) {
  const file = env.BENCH_STEADY_CPU_PROFILE;
  const { Session } = await import("node:inspector/promises");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 250 });
  process.once("SIGUSR2", () => {
    session.post("Profiler.start").catch((error: unknown) => process.stderr.write(`${String(error)}\n`));
  });
  stops.unshift(async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
  });
}

const rulesFile = env.BENCH_RULES ?? join(ROOT, "config/rules.yaml");
const evaluator = createEvaluator(
  {
    rulesFile,
    ...(env.BENCH_EVALUATOR_MAX_BATCH ? { maxBatch: Number(env.BENCH_EVALUATOR_MAX_BATCH) } : {}),
  },
  {
    bus,
    store,
    registry,
    rules: loadRulesFile(rulesFile, { registry }),
    logger: logger.child({ service: "evaluator" }),
  },
);
await evaluator.start();
stops.push(() => evaluator.stop());

const app = createApp({
  store,
  registry,
  bus,
  logger: false,
  busDepth: () => bus.depth(),
  readiness: { store: () => store.health() },
});
const api = await startApi(app, { port: 0, host: "127.0.0.1" });
stops.push(() => app.close());

/**
 * Distinct readings the store holds for `stations` × `metrics` from `from` on: the sum of the
 * hourly counts, which count a station+metric+ts once however often it was written.
 */
async function storedReadings(stations: readonly string[], metrics: readonly string[], from: number) {
  const to = Date.now() + 400 * 86_400_000;
  let total = 0;
  for (const stationId of stations)
    for (const metric of metrics)
      for (const h of await store.queryHourly({ stationId, metric: metric as MetricId, from, to }))
        total += h.totalCount;
  return total;
}

process.on("message", (message: { cmd?: string; stations?: string[]; metrics?: string[]; from?: number }) => {
  if (message?.cmd === "stored") {
    storedReadings(message.stations ?? [], message.metrics ?? [], message.from ?? 0).then(
      (stored) => process.send?.({ stored }),
      (error: Error) => process.send?.({ error: error.message }),
    );
  }
  if (message?.cmd === "memory") {
    process.send?.({
      memoryPerSeriesBytes: evaluator.memoryPerSeriesBytes(),
      stations: evaluator.stations().length,
      heapUsed: process.memoryUsage().heapUsed,
    });
  }
});
process.stdout.write(
  `QINGSHAN_BENCH_READY ${JSON.stringify({ apiUrl: `http://127.0.0.1:${api.port}`, brokerUrl })}\n`,
);
stopOnSigterm(stops, "pipeline");
