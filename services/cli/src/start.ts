import { mkdirSync } from "node:fs";
import { HOUR_MS } from "@qingshan/domain";
import { backfill, createSimulator, loadStationRegistry, type Simulator } from "@qingshan/simulator";
import { pino } from "pino";
import type { QingshanConfig } from "./config.ts";
import {
  BACKFILL_LATENESS_MS,
  createBusFromConfig,
  createStoreFromConfig,
  publicUrlOf,
  type ServiceContext,
  startApiService,
  startBusFromConfig,
  startEvaluatorService,
  startIngestService,
  startNotifierService,
  startStoreWithRetry,
  startWriterService,
} from "./services.ts";

export interface RunningPipeline {
  readonly apiUrl: string;
  readonly brokerUrl: string;
  readonly hj212Port: number | undefined;
  /** The demo simulator feeding the pipeline, when `simulator.enabled`. */
  readonly simulator: Simulator | undefined;
  stop(): Promise<void>;
}

/**
 * Starts every service in one process (embedded mode): the store (DuckDB by default), the
 * in-process bus, writer, notifier, evaluator, ingest (embedded MQTT broker unless mqtt.url is
 * set, HJ 212 TCP listener), the HTTP API with the dashboard and, when enabled, the demo
 * simulator. Stops in reverse order, draining in-flight work.
 *
 * @example
 * const pipeline = await startPipeline(loadConfig());
 * console.log(pipeline.apiUrl);
 * await pipeline.stop();
 */
export async function startPipeline(
  config: QingshanConfig,
  logger = pino({ name: "qingshan" }),
  root = process.cwd(),
): Promise<RunningPipeline> {
  const registry = loadStationRegistry(config.stations);
  mkdirSync(config.dataDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    const store = createStoreFromConfig(config);
    await startStoreWithRetry(store, logger);
    stops.push(() => store.stop());

    const bus = createBusFromConfig(config);
    await startBusFromConfig(bus, config);
    stops.push(() => bus.stop());
    const ctx: ServiceContext = { config, registry, logger, bus };

    const writer = await startWriterService(ctx, store);
    stops.push(() => writer.stop());

    // The alerts topic goes to the MQTT broker stations use: the embedded one unless mqtt.url is set.
    const mqttUrl = config.mqtt.url || `mqtt://127.0.0.1:${config.mqtt.embeddedPort}`;
    const publicUrl = publicUrlOf(config);
    // Ingest first, so the embedded broker is up for the notifier's alerts topic; nothing is
    // published on the bus until a station connects, and the evaluator subscribes right after.
    const ingest = await startIngestService(ctx);
    stops.push(() => ingest.stop());

    // The notifier subscribes before the evaluator can publish: the in-process bus keeps nothing
    // for a group that subscribes later.
    const notifier = await startNotifierService(ctx, store, {
      mqttUrl: ingest.ingest.brokerUrl ?? mqttUrl,
      publicUrl,
      root,
    });
    stops.push(() => notifier.stop());

    const evaluator = await startEvaluatorService(ctx, store, root);
    stops.push(() => evaluator.stop());

    const api = await startApiService(ctx, store, { ingest: ingest.ingest });
    stops.push(() => api.stop());
    const brokerUrl = ingest.ingest.brokerUrl ?? config.mqtt.url;
    const pipeline = ingest.ingest.pipeline;

    let simulator: Simulator | undefined;
    if (config.simulator.enabled) {
      const demo = createSimulator({
        stations: registry.stations,
        mqttUrl: brokerUrl,
        scenario: config.simulator.scenario,
        acceleration: config.simulator.acceleration,
      });
      if (config.simulator.backfillDays > 0) {
        // History ends where the feed begins: an accelerated feed replays the past week, and
        // history over the same hours would make its readings late (not evaluated) duplicates.
        const to = Math.floor(Math.min(Date.now(), demo.run.startAt) / HOUR_MS) * HOUR_MS;
        const summary = await backfill({
          stations: registry.stations,
          scenario: config.simulator.scenario,
          from: to - config.simulator.backfillDays * 24 * HOUR_MS,
          to,
          // The scenario starts with the feed: the history before it is ordinary days.
          startAt: demo.run.startAt,
          publish: async (topic, payload) => {
            await pipeline.submitJson(topic, payload, {
              source: "import",
              origin: "simulator-backfill",
              limits: { maxLatenessMs: BACKFILL_LATENESS_MS },
            });
          },
        });
        logger.info({ ...summary }, "demo history generated");
      }
      await demo.start();
      stops.push(() => demo.stop());
      simulator = demo;
    }
    return { apiUrl: api.url, brokerUrl, hj212Port: ingest.ingest.tcpPort, simulator, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
