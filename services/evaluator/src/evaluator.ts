import { type Bus, type Delivery, type DeliveryContext, partitionOf, type Subscription } from "@qingshan/bus";
import {
  type AlertEvent,
  beijingMonthStart,
  beijingYearStart,
  type DeadLetter,
  foldAlertEvents,
  HOUR_MS,
  type MetricId,
  metricsForKind,
  type Reading,
  type Station,
  type StationRegistry,
} from "@qingshan/domain";
import {
  createRuleEngine,
  type EvaluationMode,
  loadRulesFile,
  type Rule,
  trackQuality,
} from "@qingshan/rules";
import type { HourlyAggregate, TimeSeriesStore } from "@qingshan/store";
import { type ScheduledTask, schedule } from "node-cron";
import { type Logger, pino } from "pino";
import { type EvaluatorConfig, type EvaluatorSettings, parseEvaluatorConfig } from "./config.ts";
import { createStationSeries, type StationSeries } from "./station-series.ts";

/** The part of the store the evaluator uses (any TimeSeriesStore qualifies). */
export type EvaluatorStore = Pick<
  TimeSeriesStore,
  "queryHourly" | "queryReadings" | "latest" | "writeAlertEvents" | "queryAlertEvents"
>;

export type EvaluatorLogger = Pick<Logger, "info" | "warn" | "error" | "debug">;

export interface EvaluatorDeps {
  readonly bus: Bus;
  readonly store: EvaluatorStore;
  /** The station registry (names in messages, kinds, target classes, reporting intervals). */
  readonly registry: StationRegistry;
  /** Validated rules; default: loaded from `config.rulesFile`. */
  readonly rules?: readonly Rule[];
  readonly logger?: EvaluatorLogger;
  /** Wall clock, UTC ms (tests inject it). */
  readonly now?: () => number;
  /**
   * Partition of a station id on bus "readings", so a rebalance rebuilds exactly the stations of
   * the assigned partitions. Default: the in-process bus's own function (partitionOf with its
   * partition count); for another bus without it, stations are rebuilt lazily on their first reading.
   */
  readonly partitionOf?: (stationId: string) => number;
}

export interface Evaluator {
  readonly settings: Readonly<EvaluatorSettings>;
  /** Subscribes to "readings" (rebuilding the assigned stations first) and starts the silence sweep. */
  start(): Promise<void>;
  /** Stops the sweep, then the subscription (waiting for in-flight batches). */
  stop(): Promise<void>;
  /** Average memory of the rolling windows per series (bytes). */
  memoryPerSeriesBytes(): number;
  /** Runs the silence sweep now (what the cron job runs). */
  sweep(): Promise<void>;
  /** Stations whose windows are loaded (owned). */
  stations(): string[];
}

/**
 * Creates the evaluator: bus "readings" → rolling windows → rules → alert events, each stored
 * (`store.writeAlertEvents`) and then published on bus "alerts" keyed by station. Validates
 * config without I/O.
 *
 * @example
 * const evaluator = createEvaluator({ latenessMs: 7_200_000 }, { bus, store, registry, rules });
 * await evaluator.start();
 */
export function createEvaluator(config: EvaluatorConfig, deps: EvaluatorDeps): Evaluator {
  const settings = parseEvaluatorConfig(config);
  const { bus, store, registry } = deps;
  const now = deps.now ?? Date.now;
  const logger: EvaluatorLogger = deps.logger ?? pino({ name: "qingshan-evaluator" });
  const rules = deps.rules ?? loadRulesFile(settings.rulesFile, { registry });
  const engine = createRuleEngine(rules, { registry, warningPreset: settings.warningPreset, clock: now });
  const partitionOfStation =
    deps.partitionOf ??
    (() => {
      const partitions = (bus as { settings?: { partitions?: unknown } }).settings?.partitions;
      return typeof partitions === "number" ? (id: string) => partitionOf(id, partitions) : undefined;
    })();
  const series = new Map<string, StationSeries>();
  const baseline = new Map<string, number>();
  let subscription: Subscription | undefined;
  let task: ScheduledTask | undefined;
  let controller = new AbortController();
  let chain: Promise<unknown> = Promise.resolve();

  /** Serializes batches, rebuilds and sweeps: they all change the same state. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  }

  const metricsOf = (station: Station): readonly MetricId[] =>
    station.metrics ?? metricsForKind(station.kind);
  const needsYear = rules.some((r) => r.window === "year-to-date");
  const needsMonth = rules.some((r) => r.window === "month");

  async function rebuild(station: Station): Promise<StationSeries> {
    engine.forget(station.id);
    const s = createStationSeries(station, settings);
    series.set(station.id, s);
    const t = now();
    const replayFrom = t - settings.replayHours * HOUR_MS;
    const windowFrom = replayFrom - 25 * HOUR_MS;
    const yearFrom = needsYear ? Math.min(windowFrom, beijingYearStart(t) - HOUR_MS) : windowFrom;
    const from = needsMonth ? Math.min(yearFrom, beijingMonthStart(t) - HOUR_MS) : yearFrom;
    const to = t + 2 * HOUR_MS;
    const metrics = metricsOf(station);
    const hourly = await Promise.all(
      metrics.map((metric) => store.queryHourly({ stationId: station.id, metric, from, to })),
    );
    const [latest, raw, events] = await Promise.all([
      store.latest(station.id),
      store.queryReadings({ stationId: station.id, from: t - settings.qualityHours * HOUR_MS, to }),
      store.queryAlertEvents({ stationId: station.id }),
    ]);
    for (const r of latest) {
      s.rebuiltThrough.set(r.metric, Math.max(s.rebuiltThrough.get(r.metric) ?? r.ts, r.ts));
      s.lastSeen = Math.max(s.lastSeen ?? r.receivedAt, r.receivedAt);
    }
    engine.restore(station.id, foldAlertEvents(events));
    const byHour = new Map<number, HourlyAggregate[]>();
    for (const list of hourly)
      for (const agg of list) byHour.set(agg.hourEnd, [...(byHour.get(agg.hourEnd) ?? []), agg]);
    const rawByHour = new Map<number, Reading[]>();
    for (const r of [...raw].sort((a, b) => a.ts - b.ts)) {
      const h = Math.floor(r.ts / HOUR_MS) * HOUR_MS + HOUR_MS;
      rawByHour.set(h, [...(rawByHour.get(h) ?? []), r]);
    }
    const hours = [...new Set([...byHour.keys(), ...rawByHour.keys()])].sort((a, b) => a - b);
    for (const h of hours) {
      for (const agg of byHour.get(h) ?? []) {
        s.windowsOf(agg.metric).addHourly(agg);
        if (agg.validCount > 0) s.lastValidHour.set(agg.metric, h);
      }
      for (const r of rawByHour.get(h) ?? []) trackQuality(s.qualityOf(r.metric), r);
      s.newestHour = Math.max(s.newestHour ?? h, h);
      if (h >= replayFrom) engine.evaluateHour(s.view, h, "silent");
    }
    const events2 =
      s.newestHour === undefined ? [] : engine.reconcile(station.id, s.newestHour, modeFor(s, s.newestHour));
    await persist(events2, controller.signal);
    logger.debug(
      { stationId: station.id, hours: hours.length, events: events2.length },
      "evaluator: station rebuilt",
    );
    return s;
  }

  /** Only data within the lateness of the newest data and of now raises alerts (no alerts for backfill). */
  function modeFor(s: StationSeries, hourEnd: number): EvaluationMode {
    const t = now();
    if (hourEnd < t - settings.latenessMs) return "silent";
    if (s.newestHour !== undefined && hourEnd < s.newestHour - settings.latenessMs) return "silent";
    return "emit";
  }

  async function persist(events: readonly AlertEvent[], signal: AbortSignal): Promise<void> {
    if (events.length === 0) return;
    await retry(() => store.writeAlertEvents(events), "store.writeAlertEvents", signal);
    await retry(
      () =>
        bus.publish(
          "alerts",
          events.map((e) => ({ key: e.stationId, value: e })),
        ),
      "bus.publish alerts",
      signal,
    );
    for (const e of events)
      logger.info(
        { alertId: e.alertId, type: e.type, level: e.level, stationId: e.stationId },
        "alert event",
      );
  }

  async function retry(work: () => Promise<void>, what: string, signal: AbortSignal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        const waitMs = Math.min(settings.retry.maxMs, settings.retry.initialMs * 2 ** (attempt - 1));
        logger.warn({ err: error, attempt, retryInMs: waitMs }, `evaluator: ${what} failed; retrying`);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, waitMs);
          signal.addEventListener(
            "abort",
            () => {
              clearTimeout(timer);
              reject(signal.reason);
            },
            {
              once: true,
            },
          );
        });
      }
    }
  }

  async function ensure(station: Station): Promise<StationSeries> {
    return series.get(station.id) ?? (await rebuild(station));
  }

  async function handle(batch: readonly Delivery<Reading>[], context: DeliveryContext): Promise<void> {
    await exclusive(async () => {
      const signal = AbortSignal.any([controller.signal, context.signal]);
      const dirty = new Map<string, Map<number, boolean>>();
      const letters: DeadLetter[] = [];
      for (const { value: r } of batch) {
        const station = registry.get(r.stationId);
        if (station === undefined) continue;
        const s = await ensure(station);
        const through = s.rebuiltThrough.get(r.metric);
        if (through !== undefined && r.ts <= through) continue; // already in the windows rebuilt from the store
        const outcome = s
          .windowsOf(r.metric)
          .add({ ts: r.ts, value: r.value, flag: r.flag, periodMs: r.periodMs });
        if (!outcome.accepted) {
          letters.push({
            id: `evaluator:${r.stationId}:${r.metric}:${r.ts}`,
            receivedAt: now(),
            source: "evaluator",
            origin: "bus:readings",
            stationId: r.stationId,
            code: "window.too_late",
            path: "ts",
            message: `${r.metric} at ${new Date(r.ts).toISOString()}: ${outcome.reason}; stored by the writer, not evaluated by the rules`,
            payload: JSON.stringify(r).slice(0, 4096),
          });
          continue;
        }
        trackQuality(s.qualityOf(r.metric), r);
        if (settings.validFlags.includes(r.flag))
          s.lastValidHour.set(r.metric, Math.max(s.lastValidHour.get(r.metric) ?? 0, outcome.hourEnd));
        s.lastSeen = Math.max(s.lastSeen ?? r.receivedAt, r.receivedAt);
        s.newestHour = Math.max(s.newestHour ?? outcome.hourEnd, outcome.hourEnd);
        const hours = dirty.get(station.id) ?? new Map<number, boolean>();
        dirty.set(station.id, hours);
        // An hour fed only by imports (history) is evaluated silently.
        hours.set(outcome.hourEnd, (hours.get(outcome.hourEnd) ?? false) || r.source !== "import");
      }
      const events: AlertEvent[] = [];
      for (const [stationId, hours] of dirty) {
        const s = series.get(stationId);
        if (s === undefined) continue;
        for (const [h, live] of [...hours].sort((a, b) => a[0] - b[0])) {
          events.push(...engine.evaluateHour(s.view, h, live ? modeFor(s, h) : "silent"));
        }
        if (s.lastSeen !== undefined)
          events.push(...engine.evaluateSilence(s.station, now(), s.lastSeen, "emit"));
      }
      if (letters.length > 0)
        await bus.publish(
          "deadletters",
          letters.map((l) => ({ key: l.stationId ?? "", value: l })),
        );
      await persist(events, signal);
    });
  }

  async function assigned(partitions: readonly number[]): Promise<void> {
    await exclusive(async () => {
      const owned = new Set(partitions);
      for (const id of [...series.keys()]) {
        series.delete(id);
        engine.forget(id);
      }
      if (partitionOfStation === undefined) return; // rebuilt lazily on their first reading
      const mine = registry.stations.filter((st) => owned.has(partitionOfStation(st.id)));
      for (const station of mine) {
        if (!baseline.has(station.id)) baseline.set(station.id, now());
        await rebuild(station);
      }
      logger.info({ partitions, stations: mine.length }, "evaluator: partitions assigned, windows rebuilt");
    });
  }

  async function sweep(): Promise<void> {
    await exclusive(async () => {
      const events: AlertEvent[] = [];
      const t = now();
      for (const s of series.values()) {
        const lastSeen = s.lastSeen ?? baseline.get(s.station.id) ?? t;
        events.push(...engine.evaluateSilence(s.station, t, lastSeen, "emit"));
      }
      await persist(events, controller.signal);
    });
  }

  return {
    settings,
    async start() {
      if (subscription !== undefined) return;
      controller = new AbortController();
      subscription = await bus.subscribe<Reading>(
        "readings",
        { group: settings.group, maxBatch: settings.maxBatch, onAssigned: assigned },
        handle,
      );
      task = schedule(settings.sweepSchedule, () => {
        sweep().catch((error: unknown) => logger.error({ err: error }, "evaluator: silence sweep failed"));
      });
      logger.info({ rules: rules.length, latenessMs: settings.latenessMs }, "evaluator started");
    },
    async stop() {
      await task?.stop();
      task = undefined;
      controller.abort(new Error("evaluator stopping"));
      const closing = subscription;
      subscription = undefined;
      await closing?.close();
      await chain;
      logger.info({}, "evaluator stopped");
    },
    memoryPerSeriesBytes() {
      let bytes = 0;
      let count = 0;
      for (const s of series.values()) {
        for (const w of s.windows.values()) {
          bytes += w.memoryBytes();
          count++;
        }
      }
      return count === 0 ? 0 : bytes / count;
    },
    sweep,
    stations: () => [...series.keys()],
  };
}
