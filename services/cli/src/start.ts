import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createApp, startApi } from "@qingshan/api";
import { createMemoryBus } from "@qingshan/bus";
import { HOUR_MS } from "@qingshan/domain";
import { createIngest } from "@qingshan/ingest";
import { backfill, createSimulator, loadStationRegistry, type Simulator } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { createWriter } from "@qingshan/writer";
import { pino } from "pino";
import type { QingshanConfig } from "./config.ts";

/** How far back the API's backfill path (CSV import, simulator history) may reach. */
const BACKFILL_LATENESS_MS = 10 * 366 * 24 * HOUR_MS;

export interface RunningPipeline {
  readonly apiUrl: string;
  readonly brokerUrl: string;
  readonly hj212Port: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts every service in one process (embedded mode): DuckDB store, in-process bus, writer,
 * ingest (embedded MQTT broker unless mqtt.url is set, HJ 212 TCP listener), the HTTP API and,
 * when enabled, the demo simulator. Stops in reverse order, draining in-flight work.
 *
 * @example
 * const pipeline = await startPipeline(loadConfig());
 * console.log(pipeline.apiUrl);
 * await pipeline.stop();
 */
export async function startPipeline(
  config: QingshanConfig,
  logger = pino({ name: "qingshan" }),
): Promise<RunningPipeline> {
  const registry = loadStationRegistry(config.stations);
  mkdirSync(config.dataDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    const store = createDuckDbStore({
      path: join(config.dataDir, "qingshan.duckdb"),
      retention: {
        rawReadingsDays: config.store.rawReadingsDays,
        deadLetterDays: config.store.deadLetterDays,
      },
    });
    await store.start();
    stops.push(() => store.stop());

    const bus = createMemoryBus();
    await bus.start();
    stops.push(() => bus.stop());

    const writer = createWriter({ bus, store, logger: logger.child({ service: "writer" }) });
    await writer.start();
    stops.push(() => writer.stop());

    const ingest = createIngest(
      {
        mqtt: {
          ...(config.mqtt.url ? { url: config.mqtt.url } : {}),
          embeddedPort: config.mqtt.embeddedPort,
          embeddedHost: config.mqtt.embeddedHost,
        },
        hj212: { tcpPort: config.hj212.tcpPort },
        limits: {
          maxLatenessMs: Math.round(config.ingest.maxLatenessHours * HOUR_MS),
          maxFutureSkewMs: Math.round(config.ingest.maxFutureSkewSeconds * 1000),
          maxPayloadBytes: config.ingest.maxPayloadBytes,
        },
      },
      { bus, registry, logger: logger.child({ service: "ingest" }) },
    );
    await ingest.start();
    stops.push(() => ingest.stop());

    const app = createApp({
      store,
      registry,
      logger: false,
      busDepth: () => bus.depth(),
      readiness: { store: () => store.health() },
      submit: (topic, text, { source, backfill: isBackfill }) =>
        ingest.pipeline.submitJson(topic, text, {
          source,
          origin: "http-api",
          ...(isBackfill ? { limits: { maxLatenessMs: BACKFILL_LATENESS_MS } } : {}),
        }),
    });
    const api = await startApi(app, { port: config.http.port, host: config.http.host });
    stops.push(() => app.close());
    const apiUrl = `http://${config.http.host === "0.0.0.0" ? "localhost" : config.http.host}:${api.port}`;
    const brokerUrl = ingest.brokerUrl ?? config.mqtt.url;

    if (config.simulator.enabled) {
      const now = Date.now();
      if (config.simulator.backfillDays > 0) {
        const to = Math.floor(now / HOUR_MS) * HOUR_MS;
        const summary = await backfill({
          stations: registry.stations,
          scenario: config.simulator.scenario,
          from: to - config.simulator.backfillDays * 24 * HOUR_MS,
          to,
          publish: async (topic, payload) => {
            await ingest.pipeline.submitJson(topic, payload, {
              source: "import",
              origin: "simulator-backfill",
              limits: { maxLatenessMs: BACKFILL_LATENESS_MS },
            });
          },
        });
        logger.info({ ...summary }, "demo history generated");
      }
      const simulator: Simulator = createSimulator({
        stations: registry.stations,
        mqttUrl: brokerUrl,
        scenario: config.simulator.scenario,
        acceleration: config.simulator.acceleration,
      });
      await simulator.start();
      stops.push(() => simulator.stop());
    }
    return { apiUrl, brokerUrl, hj212Port: ingest.tcpPort, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
