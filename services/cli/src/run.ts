import { createServer, type Server } from "node:http";
import type { Bus } from "@qingshan/bus";
import { type NotifierConfig, parseNotifierConfig } from "@qingshan/notifier";
import { loadStationRegistry } from "@qingshan/simulator";
import type { TimeSeriesStore } from "@qingshan/store";
import { pino } from "pino";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { QingshanConfig } from "./config.ts";
import { CliError } from "./errors.ts";
import {
  checkRetentionSettings,
  checkRuleRoutes,
  createBusFromConfig,
  createStoreFromConfig,
  ensureDataDir,
  listenHttp,
  loadEvaluatorRules,
  publicUrlOf,
  type RunningService,
  SERVICE_NAMES,
  type ServiceContext,
  type ServiceName,
  startApiService,
  startBusFromConfig,
  startEvaluatorService,
  startIngestService,
  startNotifierService,
  startRetention,
  startStoreWithRetry,
  startWriterService,
} from "./services.ts";

export interface RunningOne {
  readonly name: ServiceName;
  /** Where /healthz, /readyz and /metrics (and, for the api, everything else) are served. */
  readonly httpUrl: string;
  stop(): Promise<void>;
}

export function isServiceName(name: string | undefined): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name ?? "");
}

/**
 * Starts one service as its own process (distributed mode): Kafka between the services, a shared
 * store (InfluxDB). Services that need no store (ingest) do not open one.
 */
export async function startOneService(
  name: ServiceName,
  config: QingshanConfig,
  logger = pino({ name: `qingshan-${name}` }),
  root = process.cwd(),
): Promise<RunningOne> {
  if (config.bus.kind !== "kafka") {
    throw new CliError(
      `qingshan run ${name}: services in separate processes need a shared bus — set bus.kind: kafka ` +
        "(QINGSHAN_BUS=kafka, QINGSHAN_KAFKA_BROKERS=host:port); `qingshan start` runs everything in one process",
    );
  }
  const needsStore = name !== "ingest";
  if (needsStore && config.store.kind === "duckdb") {
    throw new CliError(
      `qingshan run ${name}: the embedded DuckDB file cannot be shared between processes — set store.kind: influx ` +
        "(QINGSHAN_STORE=influx, QINGSHAN_INFLUX_URL=http://host:8086)",
    );
  }
  const registry = loadStationRegistry(config.stations);
  // Before the bus and the store open: a rules file with errors stops the evaluator with its errors only.
  const rules = name === "evaluator" ? loadEvaluatorRules(config, registry, root) : undefined;
  if (name === "notifier") {
    // Before anything opens, as in `start`: a rule routed to no notifier route, and a data
    // directory (spool, outbox) that cannot be one, stop it with one line each.
    checkRuleRoutes(
      { config, registry, logger },
      parseNotifierConfig(config.notifier as NotifierConfig),
      root,
    );
    ensureDataDir(config);
  }
  // The writer owns the store's writes and runs retention (startRetention).
  if (name === "writer") checkRetentionSettings(config);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse())
      await step().catch((err) => logger.error({ err }, "stop step failed"));
  };
  try {
    const bus: Bus = createBusFromConfig(config, logger);
    await startBusFromConfig(bus, config);
    stops.push(() => bus.stop());
    let store: TimeSeriesStore | undefined;
    if (needsStore) {
      const opened = createStoreFromConfig(config);
      await startStoreWithRetry(opened, logger);
      stops.push(() => opened.stop());
      store = opened;
    }
    // One registry per process, with prom-client's process_* and nodejs_* metrics beside the service's own.
    const metricsRegistry = new Registry();
    collectDefaultMetrics({ register: metricsRegistry });
    const ctx: ServiceContext = { config, registry, logger, bus, metricsRegistry };
    if (name === "api") {
      const api = await startApiService(ctx, store as TimeSeriesStore, { root });
      stops.push(() => api.stop());
      registerReadyGauge(metricsRegistry, api);
      return { name, httpUrl: api.url, stop };
    }
    let service: RunningService;
    switch (name) {
      case "ingest":
        service = await startIngestService(ctx);
        break;
      case "writer": {
        service = await startWriterService(ctx, store as TimeSeriesStore);
        // The one process that owns the store's writes applies retention (InfluxDB: DELETE of raw
        // readings and dead letters past their days; never the hourly points or alert events).
        const retention = startRetention(store as TimeSeriesStore, config, logger);
        stops.push(() => retention.stop());
        break;
      }
      case "evaluator":
        service = await startEvaluatorService(ctx, store as TimeSeriesStore, root, rules);
        break;
      case "notifier":
        service = await startNotifierService(ctx, store as TimeSeriesStore, {
          mqttUrl: config.mqtt.url,
          publicUrl: publicUrlOf(config),
          root,
        });
        break;
    }
    stops.push(() => service.stop());
    registerReadyGauge(metricsRegistry, service);
    const ops = await startOpsServer(config, service, metricsRegistry);
    stops.push(() => new Promise<void>((resolve) => ops.server.close(() => resolve())));
    return { name, httpUrl: ops.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * `qingshan_ready`: 1 when /readyz would answer 200, else 0, checked at each scrape. Prometheus sees
 * only /metrics, which keeps answering while Kafka or InfluxDB is gone; without this gauge no alert
 * rule could tell (deploy/prometheus/alerts.yml, QingshanServiceNotReady).
 */
function registerReadyGauge(register: Registry, service: RunningService): void {
  new Gauge({
    name: "qingshan_ready",
    help: "1 when the service is ready (its /readyz answers 200: bus, store and broker connections), 0 when not",
    registers: [register],
    async collect() {
      const ready = await service.ready().catch(() => ({ ok: false }));
      this.set(ready.ok ? 1 : 0);
    },
  });
}

/** /healthz (alive), /readyz (the service's connections) and /metrics for services without the API. */
async function startOpsServer(
  config: QingshanConfig,
  service: RunningService,
  register: Registry,
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type });
      response.end(body);
    };
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/healthz") return send(200, "application/json", JSON.stringify({ status: "ok" }));
    if (path === "/readyz") {
      service.ready().then(
        (r) => send(r.ok ? 200 : 503, "application/json", JSON.stringify({ ready: r.ok, detail: r.detail })),
        (error: Error) =>
          send(503, "application/json", JSON.stringify({ ready: false, detail: error.message })),
      );
      return;
    }
    if (path === "/metrics") {
      register.metrics().then(
        (text) => send(200, register.contentType, text),
        (error: Error) => send(500, "text/plain", error.message),
      );
      return;
    }
    send(
      404,
      "application/json",
      JSON.stringify({ error: "not found", paths: ["/healthz", "/readyz", "/metrics"] }),
    );
  });
  await listenHttp(
    config,
    () =>
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.http.port, config.http.host, () => resolve());
      }),
  );
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.http.port;
  const host = config.http.host === "0.0.0.0" ? "localhost" : config.http.host;
  return { server, url: `http://${host}:${port}` };
}
