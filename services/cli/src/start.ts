import { DAY_MS, type Reading, type Station } from "@qingshan/domain";
import { BACKFILL_LIMITS } from "@qingshan/importer";
import { type NotifierConfig, parseNotifierConfig } from "@qingshan/notifier";
import {
  type BackfillOptions,
  type BackfillSummary,
  backfill,
  createSimulator,
  loadStationRegistry,
  type Simulator,
} from "@qingshan/simulator";
import type { TimeSeriesStore } from "@qingshan/store";
import { type Logger, pino } from "pino";
import type { QingshanConfig } from "./config.ts";
import {
  assertRulesRouteToNotifier,
  brokerLoginOf,
  checkRetentionSettings,
  createBusFromConfig,
  createStoreFromConfig,
  ensureDataDir,
  loadEvaluatorRules,
  publicUrlOf,
  rulesFileOf,
  type ServiceContext,
  startApiService,
  startBusFromConfig,
  startEvaluatorService,
  startIngestService,
  startNotifierService,
  startRetention,
  startStoreWithRetry,
  startWriterService,
} from "./services.ts";
import { countOf } from "./text.ts";

export interface StartOptions {
  /** The demo simulator's clock and the end of its history (UTC ms). Default Date.now; tests set it. */
  readonly demoClock?: () => number;
}

export interface RunningPipeline {
  readonly apiUrl: string;
  readonly brokerUrl: string;
  readonly hj212Port: number | undefined;
  /** The demo simulator feeding the pipeline, when `simulator.enabled` and a station is marked demo. */
  readonly simulator: Simulator | undefined;
  /** The stations the demo feed feeds: those marked `"demo": true` (none when `simulator.enabled` is off). */
  readonly demoStations: readonly string[];
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
  options: StartOptions = {},
): Promise<RunningPipeline> {
  const { demoClock = Date.now } = options;
  const registry = loadStationRegistry(config.stations);
  // Before anything opens: a rules file with errors (its rules, the routes they name), a retention
  // that would delete what is still needed or a data directory that cannot be one stops the start
  // with one line each and nothing else printed.
  const rules = loadEvaluatorRules(config, registry, root);
  assertRulesRouteToNotifier(
    rules,
    parseNotifierConfig(config.notifier as NotifierConfig),
    rulesFileOf(config, root),
  );
  checkRetentionSettings(config);
  ensureDataDir(config);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    const store = createStoreFromConfig(config);
    await startStoreWithRetry(store, logger);
    stops.push(() => store.stop());
    // This process owns the store's writes: retention runs here, at start and daily.
    const retention = startRetention(store, config, logger);
    stops.push(() => retention.stop());

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

    const evaluator = await startEvaluatorService(ctx, store, root, rules);
    stops.push(() => evaluator.stop());

    // /readyz checks ingest as `run ingest` does: its MQTT sessions on an external broker (each
    // connected and subscribed), or the embedded broker; beside the store and the bus.
    const api = await startApiService(ctx, store, {
      ingest: ingest.ingest,
      root,
      readiness: { ingest: () => ingest.ingest.ready() },
    });
    stops.push(() => api.stop());
    const brokerUrl = ingest.ingest.brokerUrl ?? config.mqtt.url;
    const pipeline = ingest.ingest.pipeline;

    let simulator: Simulator | undefined;
    // The demo feed invents readings: it feeds only stations marked `"demo": true`, never a real
    // station (its made-up readings would replace real ones of the same station, metric and time).
    const demoStations = registry.stations.filter((s) => s.demo);
    if (config.simulator.enabled) {
      const others = registry.stations.length - demoStations.length;
      logger.info(
        { demoStations: demoStations.map((s) => s.id), notDemo: others },
        demoStations.length === 0
          ? `demo feed: feeds no station (none of the ${countOf(registry.stations.length, "station")} in the registry is marked "demo": true)`
          : `demo feed: feeds the ${countOf(demoStations.length, "demo station")} ${demoStations.map((s) => s.id).join(", ")}` +
              (others > 0 ? `; not the ${countOf(others, "station")} not marked "demo": true` : ""),
      );
    }
    if (config.simulator.enabled && demoStations.length > 0) {
      // What a previous run stored is never generated or replayed again (same station, metric
      // and ts would replace it): history and feed resume after each station's newest reading of
      // its own period (a sample by hand in an hour does not make the feed skip that hour).
      const stored = await newestStoredReadings(store, demoStations);
      const demo = createSimulator({
        stations: demoStations,
        mqttUrl: brokerUrl,
        // On an external broker the demo feed logs in as ingest does.
        ...brokerLoginOf(brokerUrl, config.mqtt),
        scenario: config.simulator.scenario,
        acceleration: config.simulator.acceleration,
        resumeAfter: stored,
        clock: demoClock,
      });
      if (config.simulator.backfillDays > 0) {
        // History ends where the feed begins: an accelerated feed replays the past week, and
        // history over the same hours would make its readings late (not evaluated) duplicates.
        // History holds the periods ended by the feed's start, the feed begins with the one in
        // progress then: in real time (04:46:58) history ends with 04:40 (5-minute) and 03:00
        // (hourly), the feed publishes 04:45 at 04:50 and 04:00 at 05:00 — none missing.
        const to = Math.min(demoClock(), demo.run.startAt);
        await generateDemoHistory({
          stations: demoStations,
          stored,
          from: to - config.simulator.backfillDays * DAY_MS,
          to,
          scenario: config.simulator.scenario,
          // The scenario starts with the feed: the history before it is ordinary days.
          startAt: demo.run.startAt,
          publish: async (topic, payload) => {
            await pipeline.submitJson(topic, payload, {
              source: "import",
              origin: "simulator-backfill",
              limits: BACKFILL_LIMITS,
            });
          },
          logger,
        });
      }
      await demo.start();
      stops.push(() => demo.stop());
      simulator = demo;
    }
    return {
      apiUrl: api.url,
      brokerUrl,
      hj212Port: ingest.ingest.tcpPort,
      simulator,
      demoStations: simulator === undefined ? [] : demoStations.map((s) => s.id),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** How far before a station's newest reading of another kind its newest period reading is looked for. */
const RESUME_LOOKBACK_MS = 8 * DAY_MS;

/**
 * Station id → ts of its newest stored reading of the station's own period (`reportingIntervalMs`,
 * what the demo feed publishes), any metric and source; stations without one are left out. An
 * instantaneous sample (a reading by hand) or a reading of another period covers no period: the
 * feed still publishes the one it falls in. A metric whose latest reading is of another kind may
 * hide a newer period reading, looked for up to RESUME_LOOKBACK_MS before it.
 */
export async function newestStoredReadings(
  store: TimeSeriesStore,
  stations: readonly Station[],
): Promise<Map<string, number>> {
  const newest = new Map<string, number>();
  for (const station of stations) {
    const ownPeriod = (readings: readonly Reading[]): number =>
      readings.reduce(
        (max, r) => (r.periodMs === station.reportingIntervalMs && r.ts > max ? r.ts : max),
        Number.NEGATIVE_INFINITY,
      );
    const latest = await store.latest(station.id);
    let found = ownPeriod(latest);
    const others = latest.filter((r) => r.periodMs !== station.reportingIntervalMs);
    if (others.length > 0) {
      const to = Math.max(...others.map((r) => r.ts));
      const from = Number.isFinite(found) ? found + 1 : to - RESUME_LOOKBACK_MS;
      if (from < to) {
        const earlier = await store.queryReadings({ stationId: station.id, from, to });
        found = Math.max(found, ownPeriod(earlier));
      }
    }
    if (Number.isFinite(found)) newest.set(station.id, found);
  }
  return newest;
}

interface DemoHistoryOptions {
  readonly stations: readonly Station[];
  /** Newest stored reading of its own period per station (newestStoredReadings). */
  readonly stored: ReadonlyMap<string, number>;
  readonly from: number;
  readonly to: number;
  readonly scenario: BackfillOptions["scenario"];
  readonly startAt: number;
  readonly publish: BackfillOptions["publish"];
  readonly logger: Logger;
}

/**
 * Generates the demo history over [from, to), for each station only after its newest stored
 * reading: a restart on an existing data directory never rewrites what a previous run stored.
 * Stations resuming at the same time are generated together (on an empty store: all at once).
 */
export async function generateDemoHistory(options: DemoHistoryOptions): Promise<BackfillSummary> {
  const { stations, stored, to, logger } = options;
  const byFrom = new Map<number, Station[]>();
  let resumed = 0;
  for (const station of stations) {
    const newest = stored.get(station.id);
    // generateHistory starts with the first period at or after `from`: the one after `newest`.
    const from = newest === undefined ? options.from : Math.max(options.from, newest + 1);
    if (from > options.from) resumed += 1;
    if (from + station.reportingIntervalMs > to) continue;
    byFrom.set(from, [...(byFrom.get(from) ?? []), station]);
  }
  if (byFrom.size === 0 && resumed > 0) {
    const heldUpTo = Math.min(...stations.flatMap((s) => stored.get(s.id) ?? []));
    logger.info(
      {
        stations: stations.length,
        heldUpTo: new Date(heldUpTo).toISOString(),
        to: new Date(to).toISOString(),
      },
      `demo history: store already holds data up to ${new Date(heldUpTo).toISOString()}, nothing generated`,
    );
    return { batches: 0, observations: 0 };
  }
  let batches = 0;
  let observations = 0;
  for (const [from, group] of byFrom) {
    const summary = await backfill({
      stations: group,
      scenario: options.scenario,
      from,
      to,
      startAt: options.startAt,
      publish: options.publish,
    });
    batches += summary.batches;
    observations += summary.observations;
  }
  // No station's reporting period fits in [from, to) (backfillDays shorter than all of them): nothing to log but 0.
  const earliest = byFrom.size === 0 ? to : Math.min(...byFrom.keys());
  const days = Math.round(((to - earliest) / DAY_MS) * 100) / 100;
  logger.info(
    {
      batches,
      observations,
      stations: [...byFrom.values()].reduce((n, group) => n + group.length, 0),
      from: new Date(earliest).toISOString(),
      to: new Date(to).toISOString(),
      resumedAfterStoredData: resumed,
    },
    // The count too: a short range can hold no reading at all (none due, or a gap the demo data has).
    resumed === 0
      ? `demo history: ${countOf(days, "day")} generated, ${countOf(observations, "observation")}`
      : `demo history: ${countOf(days, "day")} generated, ${countOf(observations, "observation")} (after the data the store already holds for ${countOf(resumed, "station")})`,
  );
  return { batches, observations };
}
