// Child process for `pnpm bench`: one service of the distributed topology, composed directly from
// the packages (not through `qingshan run`). BENCH_ROLE=ingest: MQTT (BENCH_MQTT_URL, shared
// subscription) → Kafka, with BENCH_MAX_FUTURE_SKEW_MS as ingest's future-skew limit (default
// 5 min); BENCH_ROLE=writer: Kafka → InfluxDB (BENCH_INFLUX_URL, BENCH_INFLUX_DB).
// Kafka: BENCH_KAFKA_BROKERS, topics prefixed BENCH_KAFKA_PREFIX (fresh per run). Prints
// `QINGSHAN_BENCH_READY {}` when started; answers `{cmd: "written"}` on the IPC channel with the
// writer's qingshan_readings_written_total; stops on SIGTERM.
import { join } from "node:path";
import { createKafkaBus } from "../packages/bus/src/index.ts";
import { createInfluxStore } from "../packages/store/src/index.ts";
// pino is a dependency of the services; bench/ is not a workspace package of its own.
import { pino } from "../services/evaluator/node_modules/pino/pino.js";
import { createIngest } from "../services/ingest/src/index.ts";
import { loadStationRegistry } from "../services/simulator/src/index.ts";
import { createWriter, createWriterMetrics } from "../services/writer/src/index.ts";
import { stopOnSigterm } from "./stop-on-sigterm.ts";

const ROOT = join(import.meta.dirname, "..");
const env = process.env;
const role = env.BENCH_ROLE;
const logger = pino({ name: `qingshan-bench-${role}`, level: env.BENCH_LOG_LEVEL ?? "warn" });
const stops: Array<() => Promise<void>> = [];
const bus = createKafkaBus({
  brokers: env.BENCH_KAFKA_BROKERS as string,
  clientId: `qingshan-bench-${role}`,
  topicPrefix: env.BENCH_KAFKA_PREFIX ?? "bench.",
  partitions: 6,
  logLevel: "error",
});
await bus.start();
stops.push(() => bus.stop());

if (role === "ingest") {
  const registry = loadStationRegistry(join(ROOT, "seeds/liandu/stations.json"));
  const ingest = createIngest(
    {
      mqtt: {
        url: env.BENCH_MQTT_URL as string,
        clientId: "qingshan-bench-dist-ingest",
        shareGroup: "benchdist",
      },
      hj212: { tcpPort: 0 },
      limits: { maxFutureSkewMs: Number(env.BENCH_MAX_FUTURE_SKEW_MS ?? 300_000) },
    },
    { bus, registry, logger: logger.child({ service: "ingest" }) },
  );
  await ingest.start();
  stops.push(() => ingest.stop());
} else if (role === "writer") {
  const store = createInfluxStore({
    url: env.BENCH_INFLUX_URL as string,
    database: env.BENCH_INFLUX_DB ?? "qingshan",
  });
  await store.start();
  stops.push(() => store.stop());
  const writer = createWriter({ bus, store, logger: logger.child({ service: "writer" }) });
  await writer.start();
  stops.push(() => writer.stop());
} else {
  throw new Error(`BENCH_ROLE must be ingest or writer, got ${String(role)}`);
}

const written = createWriterMetrics().readingsWritten;
process.on("message", (message: { cmd?: string }) => {
  if (message?.cmd === "written") {
    written.get().then((m) => process.send?.({ written: m.values[0]?.value ?? 0 }));
  }
});
process.stdout.write("QINGSHAN_BENCH_READY {}\n");
stopOnSigterm(stops, role);
