import { setTimeout as delay } from "node:timers/promises";
import type { Bus, Delivery, Subscription } from "@qingshan/bus";
import {
  type AlertEvent,
  type AlertState,
  beijingMonthStart,
  beijingYearStart,
  type DeadLetter,
  foldAlertEvents,
  HOUR_MS,
  hourEndOf,
  type MetricId,
  metricsForKind,
  type Reading,
  type ReadingSource,
  reportingIntervalOf,
  type Station,
  type StationRegistry,
  toBeijingIso,
} from "@qingshan/domain";
import {
  createRuleEngine,
  type EvaluationMode,
  loadRulesFile,
  type Rule,
  type StationView,
  silenceLastSeen,
} from "@qingshan/rules";
import { type AqiSettings, hourSampledMs, type NoiScheme, type NoiSchemeId } from "@qingshan/standards";
import type { HourlyAggregate, TimeSeriesStore } from "@qingshan/store";
import { type ScheduledTask, schedule } from "node-cron";
import { type Logger, pino } from "pino";
import type { Registry } from "prom-client";
import { type EvaluatorConfig, type EvaluatorSettings, parseEvaluatorConfig } from "./config.ts";
import { createEvaluatorMetrics } from "./metrics.ts";
import { flaggedHour, identicalHour, runStart } from "./run-start.ts";
import {
  compareWithCounted,
  createStationSeries,
  DEDUPE_ENTRY_BYTES,
  guard,
  isCounted,
  keptStatistics,
  type SeriesOptions,
  type StationSeries,
  track,
} from "./station-series.ts";

/**
 * Appends `item` to the list of `key`, in place: copying the list per item (as rebuild once did)
 * is quadratic in an hour's readings (a station-hour of one-second readings holds 21 600).
 */
function appendTo<K, V>(groups: Map<K, V[]>, key: K, item: V): void {
  const list = groups.get(key);
  if (list === undefined) groups.set(key, [item]);
  else list.push(item);
}

/** Outbox length (events + dead letters) above which a batch waits for the background flush. */
const MAX_PENDING_OUTBOX = 10_000;
/** How long stop waits for pending alert events to be stored and published. */
const STOP_DRAIN_MS = 5_000;
/** How often a new partition owner re-reads the writer group's committed offsets while it waits. */
const TAKEOVER_POLL_MS = 200;

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
  /** prom-client registry for the `qingshan_evaluator_*` metrics; default the global registry. */
  readonly metricsRegistry?: Registry;
  /**
   * AQI settings shared with the API (qingshan config `air`, passed by the CLI to both): the
   * HJ 633-2012 real-time PM basis. Default the standards' defaults.
   */
  readonly aqi?: AqiSettings;
  /**
   * The NOI grade table shared with the API (qingshan config `noi.scheme`, passed by the CLI to
   * both): a shipped id or a table. A noi_grade rule naming another table is refused at create.
   * Default: each rule's own scheme.
   */
  readonly noiScheme?: NoiSchemeId | NoiScheme;
}

export interface Evaluator {
  readonly settings: Readonly<EvaluatorSettings>;
  /** Subscribes to "readings" (rebuilding the assigned stations first) and starts the silence sweep. */
  start(): Promise<void>;
  /** Stops the sweep, then the subscription (waiting for in-flight batches). */
  stop(): Promise<void>;
  /**
   * Estimated bytes per series of the windows and the dedupe state (both bounded per series by the lateness). Not
   * counted: quality trackers, rule-engine state, per-station holders (bench heap delta has all).
   */
  memoryPerSeriesBytes(): number;
  /** Runs the silence sweep now (what the cron job runs). */
  sweep(): Promise<void>;
  /** Stations whose windows are loaded (those of the owned partitions). */
  stations(): string[];
  /** Partitions of bus "readings" assigned to this member. */
  partitions(): number[];
  /**
   * What the rules read of a loaded station — its windows and data-quality trackers — or undefined
   * (diagnostics; the tests compare it with a fresh rebuild's).
   */
  view(stationId: string): StationView | undefined;
}

/**
 * Creates the evaluator: bus "readings" → rolling windows → rules → alert events, each stored
 * (`store.writeAlertEvents`) and published on bus "alerts" keyed by station, in the background. Validates
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
  const engine = createRuleEngine(rules, {
    registry,
    warningPreset: settings.warningPreset,
    clock: now,
    ...(deps.aqi ? { aqi: deps.aqi } : {}),
    ...(deps.noiScheme ? { noiScheme: deps.noiScheme } : {}),
  });
  const series = new Map<string, StationSeries>();
  const metrics = createEvaluatorMetrics(deps.metricsRegistry, () => series.size);
  const baseline = new Map<string, number>();
  /** Partitions of "readings" assigned to this member. */
  let owned = new Set<number>();
  /** Per owned partition, the offset after the last delivery processed in this assignment. */
  const nextOffset = new Map<number, bigint>();
  /**
   * Owned partitions rebuilt after `takeoverWaitMs` without all the previous owner processed: the
   * offset the writer group must reach before they are rebuilt again. An entry is replaced, never
   * changed, so the watch can tell whether the one it read is still current.
   */
  const lagging = new Map<number, { readonly target: bigint }>();
  /**
   * Per station, readings the windows did not take but the store will hold — imported ones older
   * than the lateness allows, and copies of a counted time that may correct it (imported, or live
   * with another value or flag: `compareWithCounted`): the offset after the last of them, and the
   * timer that rebuilds the station from the store once they have been quiet `importSettleMs`.
   */
  const settleRebuilds = new Map<
    string,
    {
      readonly partition: number;
      through: bigint;
      timer: NodeJS.Timeout | undefined;
      /** Imported readings set aside (for the log). */
      imported: number;
      /** Live copies of counted times set aside as possible corrections (for the log). */
      corrections: number;
      /** Live readings of hours older than the rules had evaluated (for the log). */
      late: number;
      /**
       * The oldest hour of those late readings: the rebuild replays the rules from it in emit mode,
       * as if they had come in order (`lateReplayStart`).
       */
      emitFrom: number | undefined;
      /** Whether a rebuild is certainly needed (an import, or a live copy known to differ). */
      certain: boolean;
      /**
       * Per metric, the hours of live copies the windows could not compare (`unknown`) and the
       * earliest copy's ts: unless `certain`, the station is rebuilt only if the store's aggregate
       * of one of those hours differs from the windows' hour, or a copy joins the quality
       * tracker's current run (`matchesStore`).
       */
      unsure: Map<MetricId, { readonly hours: Set<number>; from: number }> | undefined;
    }
  >();
  /** The background watch of `lagging` (one loop for all its partitions), while it runs. */
  let watch: { readonly abort: AbortController; readonly done: Promise<void> } | undefined;
  /**
   * Alert events waiting to be published and, separately, to be stored; dead letters waiting to be
   * published. Sent in the background, so the next batch is evaluated while the previous batch's
   * events are being stored (a crash before they are stored is covered by rebuild, which re-derives
   * and re-emits what the store lacks).
   */
  const outbox = {
    publish: [] as AlertEvent[],
    store: [] as AlertEvent[],
    letters: [] as DeadLetter[],
    add(events: readonly AlertEvent[]): void {
      if (events.length === 0) return;
      outbox.publish.push(...events);
      outbox.store.push(...events);
    },
    size: () => Math.max(outbox.publish.length, outbox.store.length) + outbox.letters.length,
  };
  let subscription: Subscription | undefined;
  /** Data time of the newest reading evaluated (for its gauge). */
  let newestEvaluated = Number.NEGATIVE_INFINITY;
  let task: ScheduledTask | undefined;
  let controller = new AbortController();
  let chain: Promise<unknown> = Promise.resolve();

  /** Serializes batches, rebuilds and sweeps: they all change the same state. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  }

  const partitionOf = (stationId: string): number => bus.partitionFor("readings", stationId);
  const stationsOf = (partitions: ReadonlySet<number>): Station[] =>
    registry.stations.filter((st) => partitions.has(partitionOf(st.id)));
  const metricsOf = (station: Station): readonly MetricId[] =>
    station.metrics ?? metricsForKind(station.kind);
  const needsYear = rules.some((r) => r.window === "year-to-date");
  const needsMonth = rules.some((r) => r.window === "month");
  /** Per metric, the sealed periods its windows keep (what the rules can read; shared arrays). */
  const kept = new Map<MetricId, ReturnType<typeof keptStatistics>>();
  const seriesOptions: SeriesOptions = {
    latenessMs: settings.latenessMs,
    validFlags: settings.validFlags,
    keep: (metric) => {
      let periods = kept.get(metric);
      if (periods === undefined) {
        periods = keptStatistics(rules, metric);
        kept.set(metric, periods);
      }
      return periods;
    },
  };

  /**
   * Rebuilds a station from the store: hourly aggregates up to `recentFrom`, the raw readings after
   * it (so the windows hold everything stored up to `storedThrough`), the stored alert events; the
   * stored hours are replayed silently and reconciled. Differences go to the outbox. The station's
   * previous state stays in place if a query fails.
   */
  async function rebuild(station: Station, emitFrom?: number): Promise<StationSeries> {
    const endTimer = metrics.rebuildDuration.startTimer();
    try {
      return await rebuildStation(station, emitFrom);
    } finally {
      endTimer();
    }
  }

  async function rebuildStation(station: Station, emitFrom?: number): Promise<StationSeries> {
    const s = createStationSeries(station, seriesOptions);
    const t = now();
    const replayFrom = t - settings.replayHours * HOUR_MS;
    const windowFrom = replayFrom - 25 * HOUR_MS;
    const yearFrom = needsYear ? Math.min(windowFrom, beijingYearStart(t) - HOUR_MS) : windowFrom;
    const from = needsMonth ? Math.min(yearFrom, beijingMonthStart(t) - HOUR_MS) : yearFrom;
    const to = t + 2 * HOUR_MS;
    const recentSpan = Math.max(settings.qualityHours * HOUR_MS, settings.latenessMs + HOUR_MS);
    const recentFrom = Math.floor((t - recentSpan) / HOUR_MS) * HOUR_MS;
    const metrics = metricsOf(station);
    const hourly = await Promise.all(
      metrics.map((metric) =>
        recentFrom <= from ? [] : store.queryHourly({ stationId: station.id, metric, from, to: recentFrom }),
      ),
    );
    const [latest, raw, events] = await Promise.all([
      store.latest(station.id),
      store.queryReadings({ stationId: station.id, from: recentFrom, to }),
      store.queryAlertEvents({ stationId: station.id }),
    ]);
    const through = new Map<MetricId, number>();
    for (const r of [...latest, ...raw]) {
      through.set(r.metric, Math.max(through.get(r.metric) ?? r.ts, r.ts));
      s.lastSeen = Math.max(s.lastSeen ?? r.receivedAt, r.receivedAt);
    }
    for (const [metric, ts] of through) {
      s.storedThrough.set(metric, ts);
      s.newestTs.set(metric, ts);
    }
    const prefixes = await Promise.all(
      metrics.map((metric, i) =>
        runPrefix(
          station.id,
          metric,
          hourly[i] ?? [],
          raw.find((r) => r.metric === metric),
          windowFrom,
          recentFrom,
        ),
      ),
    );
    engine.forget(station.id);
    const alerts = foldAlertEvents(events);
    engine.restore(station.id, alerts);
    const byHour = new Map<number, HourlyAggregate[]>();
    for (const list of hourly) for (const agg of list) appendTo(byHour, agg.hourEnd, agg);
    const rawByHour = new Map<number, Reading[]>();
    /** Readings before recentFrom that only the quality trackers take (the windows have their hours). */
    const qualityByHour = new Map<number, Reading[]>();
    for (const r of prefixes.flat().sort((a, b) => a.ts - b.ts)) appendTo(qualityByHour, hourEndOf(r.ts), r);
    for (const r of [...raw].sort((a, b) => a.ts - b.ts)) appendTo(rawByHour, hourEndOf(r.ts), r);
    const hours = [...new Set([...byHour.keys(), ...qualityByHour.keys(), ...rawByHour.keys()])].sort(
      (a, b) => a - b,
    );
    const loaded = new Map<MetricId, number>();
    const emitStart = emitFrom === undefined ? undefined : lateReplayStart(emitFrom, hours, events, t);
    for (const h of hours) {
      for (const agg of byHour.get(h) ?? []) {
        s.windowsOf(agg.metric).addHourly(agg);
        if (agg.validCount > 0) s.lastValidHour.set(agg.metric, h);
      }
      for (const r of qualityByHour.get(h) ?? []) track(s, r);
      for (const r of rawByHour.get(h) ?? []) {
        if (r.ts === loaded.get(r.metric)) continue; // sorted by ts: a duplicate row is adjacent
        loaded.set(r.metric, r.ts);
        const outcome = s.windowsOf(r.metric).add(r);
        if (!outcome.accepted) continue;
        if (settings.validFlags.includes(r.flag))
          s.lastValidHour.set(r.metric, Math.max(s.lastValidHour.get(r.metric) ?? 0, outcome.hourEnd));
        track(s, r);
      }
      s.newestHour = Math.max(s.newestHour ?? h, h);
      if (emitStart !== undefined && h >= emitStart)
        outbox.add(engine.evaluateHour(s.view, h, "emit", now()));
      else if (h >= replayFrom) engine.evaluateHour(s.view, h, "silent");
    }
    s.evaluatedHour = s.newestHour;
    const reconciled =
      s.newestHour === undefined
        ? []
        : engine.reconcile(station.id, s.newestHour, modeFor(s, s.newestHour), now());
    outbox.add(reconciled);
    series.set(station.id, s);
    // Without stored data (a station that never reported, or whose readings retention removed), an
    // open silence alert says when the station was last heard from: the rebuild time instead would
    // resolve it as "reporting again" at the next sweep and raise it anew a few intervals later.
    const heard = heardBeforeSilence(station, alerts);
    if (heard !== undefined) baseline.set(station.id, heard);
    else if (!baseline.has(station.id)) baseline.set(station.id, t);
    logger.debug(
      { stationId: station.id, hours: hours.length, events: reconciled.length },
      "evaluator: station rebuilt",
    );
    return s;
  }

  /**
   * The first hour a rebuild for late readings replays in emit mode: the late hour `emitFrom`, as
   * the live pipeline would have evaluated it had it come in order — but not before the data time
   * of the station's last stored event (the stored state is what was announced up to then; hours
   * up to it replay silently, so an alert announced meanwhile is continued, not resolved and raised
   * again under another start), nor older than the lateness behind the newest hour or
   * `alertMaxAgeMs` behind now (history is silent, as live). Undefined: nothing to emit.
   */
  function lateReplayStart(
    emitFrom: number,
    hours: readonly number[],
    events: readonly AlertEvent[],
    t: number,
  ): number | undefined {
    const newest = hours[hours.length - 1];
    if (newest === undefined) return undefined;
    let start = Math.max(emitFrom, newest - settings.latenessMs, t - settings.alertMaxAgeMs);
    for (const e of events) {
      const at = e.dataTime === undefined ? Number.NaN : Date.parse(e.dataTime);
      if (at >= start) start = at + 1;
    }
    return start <= newest ? start : undefined;
  }

  /**
   * When the station was last heard from, as its open silence alerts (folded from the store) imply:
   * the earliest of their starts less each rule's silent time, so none of them reads as over.
   * Undefined without an open silence alert.
   */
  function heardBeforeSilence(station: Station, alerts: readonly AlertState[]): number | undefined {
    let heard: number | undefined;
    for (const rule of engine.rulesFor(station)) {
      if (rule.subject.check !== "silent") continue;
      for (const a of alerts) {
        if (a.ruleId !== rule.id || a.stationId !== station.id || a.status === "resolved") continue;
        const seen = silenceLastSeen(rule, station, Date.parse(a.startedAt ?? a.raisedAt));
        if (Number.isFinite(seen)) heard = Math.min(heard ?? seen, seen);
      }
    }
    return heard;
  }

  /**
   * The stored readings before `recentFrom` that the quality tracker of `metric` needs to hold what
   * the live pipeline's holds: the run that reaches `recentFrom` — continued by `first`, the
   * series' first raw reading after it, or ending the stored data — back to its first reading.
   * Live, a tracker counts a run from its start however long ago: a run of identical values (flag
   * N: a stuck sensor) and a run of another flag (C, M, …: a flag lasting too long). From a window
   * of recent readings only, a longer run would start anew at a later hour, and an ongoing
   * stuck-sensor or flag-too-long alert would be resolved at the rebuild and raised again under a
   * new id. The hourly aggregates (loaded for the windows) find where the run starts without
   * reading it (`runStart`); only the hours from the one that breaks it are read. Not before
   * `bound` (the replay window's start): a run longer than that counts from there.
   */
  async function runPrefix(
    stationId: string,
    metric: MetricId,
    hourly: readonly HourlyAggregate[],
    first: Reading | undefined,
    bound: number,
    recentFrom: number,
  ): Promise<Reading[]> {
    const starts = [
      first === undefined || first.flag === "N"
        ? runStart(hourly, bound, recentFrom, identicalHour(first?.value))
        : undefined,
      first === undefined || first.flag !== "N"
        ? runStart(hourly, bound, recentFrom, flaggedHour(settings.validFlags))
        : undefined,
    ].filter((from): from is number => from !== undefined && from < recentFrom);
    if (starts.length === 0) return [];
    return store.queryReadings({ stationId, metric, from: Math.min(...starts), to: recentFrom });
  }

  /**
   * `group`'s committed offsets on "readings", or a rejection as soon as `signal` aborts: stop no
   * longer needs the answer, and while Kafka is unreachable the admin call hangs until its own
   * timeouts and retries give up (the call itself cannot be cancelled; its late outcome is dropped).
   */
  function committedOffsets(group: string, signal: AbortSignal): Promise<ReadonlyMap<number, string>> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const abandon = () => reject(signal.reason);
      signal.addEventListener("abort", abandon, { once: true });
      bus.committedOffsets(group, "readings").then(
        (offsets) => {
          signal.removeEventListener("abort", abandon);
          resolve(offsets);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", abandon);
          reject(error);
        },
      );
    });
  }

  /** Whether `work` settles within `ms` (real time); it is not cancelled otherwise. */
  async function within(work: Promise<void>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      work.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return done;
  }

  /** Resolves after `ms`, or at once when `signal` aborts (the evaluator stopping). */
  function pause(ms: number, signal: AbortSignal): Promise<void> {
    return delay(ms, undefined, { signal }).catch(() => undefined);
  }

  /**
   * Only data within the lateness of the station's newest data, and within alertMaxAgeMs of now,
   * raises alerts (imports are silent before this). alertMaxAgeMs is wider than the lateness so an
   * accelerated replay of the recent past (the simulator) is announced.
   */
  function modeFor(s: StationSeries, hourEnd: number): EvaluationMode {
    const t = now();
    if (hourEnd < t - settings.alertMaxAgeMs) return "silent";
    if (s.newestHour !== undefined && hourEnd < s.newestHour - settings.latenessMs) return "silent";
    return "emit";
  }

  /**
   * A background sender of one outbox queue: sends what the queue holds, retried until it succeeds
   * or the evaluator stops, and then takes it off the queue. One run at a time; a call while one
   * runs queues one more (which takes everything queued by then). The returned promise never rejects.
   */
  function queueSender<T>(
    queue: T[],
    what: string,
    send: (items: T[]) => Promise<void>,
  ): () => Promise<void> {
    let tail: Promise<void> = Promise.resolve();
    let queued = false;
    const run = async () => {
      queued = false;
      const items = queue.slice();
      if (items.length === 0) return;
      await retry(() => send(items), what, controller.signal);
      queue.splice(0, items.length);
    };
    return () => {
      if (queued) return tail;
      queued = true;
      tail = tail.then(run).catch((error: unknown) => {
        if (!controller.signal.aborted) logger.error({ err: error }, `evaluator: ${what} failed`);
      });
      return tail;
    };
  }

  // Three independent queues, so an alert reaches the bus (and the duty officer) without waiting
  // for its own storage or for dead letters, which wait for the writer (a durable group).
  const sendPublish = queueSender(outbox.publish, "bus.publish alerts", async (events) => {
    await bus.publish(
      "alerts",
      events.map((e) => ({ key: e.stationId, value: e })),
    );
    for (const e of events) metrics.alertEvents.inc({ type: e.type });
    for (const e of events)
      logger.info(
        { alertId: e.alertId, type: e.type, level: e.level, stationId: e.stationId },
        "alert event",
      );
  });
  // Safe apart from publishing: ids are deterministic, store/notifier dedupe on id, rebuild re-emits unstored events.
  const sendStore = queueSender(outbox.store, "store.writeAlertEvents", (events) =>
    store.writeAlertEvents(events),
  );
  const sendLetters = queueSender(outbox.letters, "bus.publish deadletters", (letters) =>
    bus.publish(
      "deadletters",
      letters.map((l) => ({ key: l.stationId ?? "", value: l })),
    ),
  );

  /** Sends what the outbox holds in the background; resolves when all three queues are done. */
  function scheduleFlush(): Promise<void> {
    return Promise.all([sendPublish(), sendStore(), sendLetters()]).then(() => undefined);
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
        await pause(waitMs, signal);
        if (signal.aborted) throw error;
      }
    }
  }

  /**
   * Before stations of `partitions` are rebuilt from the store: waits until the writer group has
   * committed, on each, at least the offset this group resumes from there (`resumeAt`; default: this
   * group's committed offsets, one admin call), so the store holds every reading before it — what
   * the previous owner processed and the bus will not deliver again. A partition this group never
   * committed on is delivered from its start: no wait. Bounded by `takeoverWaitMs` (real time, not
   * the injected clock); then it warns per partition (unless `quiet`) and returns the partitions still
   * behind with the offset waited for: a rebuild now misses what the writer had not stored yet (the
   * caller hands them to `watchLagging`). Empty when nothing is missing, or on stop.
   */
  async function awaitWriter(
    partitions: readonly number[],
    resumeAt?: ReadonlyMap<number, bigint>,
    quiet = false,
  ): Promise<Map<number, bigint>> {
    const none = new Map<number, bigint>();
    if (partitions.length === 0 || settings.takeoverWaitMs === 0) return none;
    const signal = controller.signal;
    const startedAt = performance.now();
    let targets = resumeAt;
    let writerAt: ReadonlyMap<number, string> = new Map();
    let waiting = false;
    for (;;) {
      try {
        if (targets === undefined) {
          const committed = await committedOffsets(settings.group, signal);
          const found = new Map<number, bigint>();
          for (const p of partitions) {
            const offset = committed.get(p);
            if (offset !== undefined) found.set(p, BigInt(offset));
          }
          targets = found;
          if (targets.size === 0) return none;
        }
        writerAt = await committedOffsets(settings.writerGroup, signal);
      } catch (error) {
        if (signal.aborted) return none;
        logger.debug({ err: error }, "evaluator: reading committed offsets failed; retrying");
      }
      const behind =
        targets === undefined
          ? partitions.map((p): [number, bigint | undefined] => [p, undefined])
          : [...targets].filter(([p, at]) => BigInt(writerAt.get(p) ?? "-1") < at);
      if (behind.length === 0) {
        if (waiting && !quiet)
          logger.info(
            { partitions, waitedMs: Math.round(performance.now() - startedAt) },
            "evaluator: the writer group has stored what the previous owner processed; rebuilding",
          );
        return none;
      }
      const left = settings.takeoverWaitMs - (performance.now() - startedAt);
      if (signal.aborted) return none;
      if (left <= 0) {
        const missing = new Map<number, bigint>();
        for (const [partition, at] of behind) if (at !== undefined) missing.set(partition, at);
        if (quiet) return missing;
        for (const [partition, at] of behind)
          logger.warn(
            {
              partition,
              evaluatorGroup: settings.group,
              evaluatorOffset: at === undefined ? null : String(at),
              writerGroup: settings.writerGroup,
              writerOffset: writerAt.get(partition) ?? null,
              waitedMs: settings.takeoverWaitMs,
            },
            "evaluator: the writer group has not stored up to where this group resumes on partition " +
              `${partition} after ${settings.takeoverWaitMs} ms; rebuilding anyway: readings between the ` +
              "two offsets are missing from the windows of its stations (an episode may be under-counted) " +
              "until the writer group has stored them and they are rebuilt again",
          );
        return missing;
      }
      if (!waiting && !quiet) {
        waiting = true;
        logger.info(
          {
            partitions: behind.map(([p]) => p),
            writerGroup: settings.writerGroup,
            takeoverWaitMs: settings.takeoverWaitMs,
          },
          "evaluator: waiting for the writer group to store what the previous owner processed",
        );
      }
      await pause(Math.min(TAKEOVER_POLL_MS, left), signal);
    }
  }

  /**
   * Marks owned partitions rebuilt without what the writer had not stored (`missing`: the offset
   * the writer group must reach) and starts the watch if it is not running.
   */
  function watchLagging(missing: ReadonlyMap<number, bigint>): void {
    for (const [p, target] of missing) if (owned.has(p)) lagging.set(p, { target });
    if (watch !== undefined || lagging.size === 0 || controller.signal.aborted) return;
    const abort = new AbortController();
    const done = (async () => {
      while (lagging.size > 0 && !abort.signal.aborted) {
        await pause(TAKEOVER_POLL_MS, abort.signal);
        if (abort.signal.aborted || lagging.size === 0) return;
        let writerAt: ReadonlyMap<number, string>;
        try {
          writerAt = await committedOffsets(settings.writerGroup, abort.signal);
        } catch (error) {
          if (abort.signal.aborted) return;
          logger.debug({ err: error }, "evaluator: reading the writer group's offsets failed; retrying");
          continue;
        }
        const caught = [...lagging].filter(([p, lag]) => BigInt(writerAt.get(p) ?? "-1") >= lag.target);
        if (caught.length > 0 && !abort.signal.aborted) await exclusive(() => catchUp(caught, writerAt));
      }
    })()
      .catch((error: unknown) => logger.error({ err: error }, "evaluator: watching the writer group failed"))
      .finally(() => {
        if (watch?.abort === abort) watch = undefined;
        // Lagging partitions added while this loop was ending get a loop of their own.
        if (!abort.signal.aborted) watchLagging(new Map());
      });
    watch = { abort, done };
  }

  /**
   * Ends the watch (its last partition revoked, or stop): its pause ends at once; a catch-up it has
   * queued behind `exclusive` finds its partitions gone. The returned promise (its loop ending) must
   * not be awaited inside `exclusive`: the loop may be queued there.
   */
  function endWatch(): Promise<void> {
    const ending = watch;
    watch = undefined;
    ending?.abort.abort();
    return ending?.done ?? Promise.resolve();
  }

  /**
   * The writer group has reached the target of `caught` partitions: rebuilds their stations again,
   * now with the readings the first rebuild missed, if this member still owns them. Inside
   * `exclusive`, after readings were delivered meanwhile: this member's windows already hold
   * everything up to `nextOffset`, so the store must too, or a rebuild would lose what was counted
   * live but not stored yet. The writer is usually a batch or two behind there: batches wait for it
   * (up to `takeoverWaitMs`, like an offset-gap rebuild), and otherwise the watch goes on with the
   * newer target.
   */
  async function catchUp(
    caught: readonly (readonly [number, { readonly target: bigint }])[],
    writerAt: ReadonlyMap<number, string>,
  ): Promise<void> {
    const targets = new Map<number, bigint>();
    for (const [p, lag] of caught) {
      if (lagging.get(p) !== lag) continue; // revoked, reassigned or rebuilt by an offset gap meanwhile
      if (!owned.has(p)) {
        lagging.delete(p);
        continue;
      }
      targets.set(p, storedThroughNeeded(p, lag.target));
    }
    // One wait for all of them, so batches are held at most takeoverWaitMs however many caught up.
    const behind = [...targets].filter(([p, target]) => BigInt(writerAt.get(p) ?? "-1") < target);
    const still =
      behind.length === 0
        ? new Map<number, bigint>()
        : await awaitWriter(
            behind.map(([p]) => p),
            new Map(behind),
            true,
          );
    for (const [p, target] of targets) {
      if (controller.signal.aborted) return;
      if (still.has(p)) {
        lagging.set(p, { target });
        continue;
      }
      lagging.delete(p);
      const stations = stationsOf(new Set([p]));
      logger.info(
        {
          partition: p,
          writerGroup: settings.writerGroup,
          target: String(target),
          stations: stations.length,
        },
        "evaluator: the writer group has stored what was missing on partition " +
          `${p}; rebuilding its stations again, now with those readings`,
      );
      for (const station of stations) {
        try {
          await rebuild(station);
        } catch (error) {
          // The station keeps its windows (without the missing readings); the watch retries.
          lagging.set(p, { target });
          logger.error({ err: error, stationId: station.id }, "evaluator: catch-up rebuild failed");
        }
      }
    }
    void scheduleFlush();
  }

  /**
   * The writer group's offset on `partition` a rebuild there needs: at least `floor`, and
   * everything this member has processed (its windows hold it, so the store must too, or the
   * rebuild would lose what was counted live but not stored yet).
   */
  function storedThroughNeeded(partition: number, floor: bigint): bigint {
    const processed = nextOffset.get(partition);
    return processed !== undefined && processed > floor ? processed : floor;
  }

  /** (Re)arms the station's settle rebuild: `importSettleMs` after its last batch with readings set aside. */
  function scheduleSettleRebuild(stationId: string): void {
    const pending = settleRebuilds.get(stationId);
    if (pending === undefined || controller.signal.aborted) return;
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      exclusive(() => rebuildOnceSettled(stationId)).catch((error: unknown) => {
        logger.error(
          { err: error, stationId },
          "evaluator: rebuild after readings the live windows could not take failed; retried",
        );
        scheduleSettleRebuild(stationId);
      });
    }, settings.importSettleMs);
  }

  /**
   * Rebuilds a station from the store once the writer group has stored the readings set aside and
   * everything this member counted since (the windows are taken from the store, so anything counted
   * live but not stored yet would be lost): the windows then hold the imported history and the
   * corrected values (the store keeps the last write), and the rules are replayed over them
   * (differences reconciled as on any rebuild).
   */
  async function rebuildOnceSettled(stationId: string): Promise<void> {
    const pending = settleRebuilds.get(stationId);
    if (pending === undefined || controller.signal.aborted) return;
    const station = registry.get(stationId);
    if (station === undefined || !owned.has(pending.partition)) {
      settleRebuilds.delete(stationId);
      return;
    }
    const target = storedThroughNeeded(pending.partition, pending.through);
    const behind = await awaitWriter([pending.partition], new Map([[pending.partition, target]]), true);
    if (behind.size > 0) {
      scheduleSettleRebuild(stationId);
      return;
    }
    // Kept until done: a failed query or rebuild is retried (scheduleSettleRebuild needs the entry).
    if (!pending.certain && pending.unsure !== undefined && (await matchesStore(stationId, pending.unsure))) {
      settleRebuilds.delete(stationId);
      logger.debug(
        { stationId, corrections: pending.corrections },
        "evaluator: resent copies of counted times left the store's hours as the windows count them; no rebuild",
      );
      return;
    }
    // The replay reads what was announced from the store: the events still in the outbox go first.
    // Bounded, as batches wait meanwhile: a store that does not take them retries the rebuild later.
    if (pending.emitFrom !== undefined && !(await within(sendStore(), STOP_DRAIN_MS))) {
      scheduleSettleRebuild(stationId);
      return;
    }
    await rebuild(station, pending.emitFrom);
    settleRebuilds.delete(stationId);
    logger.info(
      { stationId, imported: pending.imported, corrections: pending.corrections, late: pending.late },
      "evaluator: station rebuilt from the store after readings the live windows could not take " +
        "(imported history, or copies of counted times that may correct them) or the rules had passed " +
        "(late readings: replayed from their hour)",
    );
    void scheduleFlush();
  }

  /**
   * Whether the store, once it holds the copies resent, agrees with what the station's windows and
   * data-quality trackers hold — per metric, for the hours of the copies: the same valid and total
   * counts, the same mean (within 1e-9 relative: the store's mean and the windows' 12-digit one are
   * summed apart) and the same sampled time (GB 3095-2012 Table 4: ≥ 45 min of the hour makes it
   * valid; an hour mixing instantaneous and averaged readings may not match and is rebuilt, the
   * store's `validPeriodMs` not counting the instantaneous ones); and, for a copy older than the tracker's
   * current run (identical N values, or one flag other than N), the stored reading just before the
   * run must not continue it. A corrected value, validity or period changes the hour; a flag change
   * inside the run was already found `differs` (compareWithCounted). Corrections cancelling out
   * within an hour elsewhere, and a change between two invalid flags elsewhere, change nothing the
   * evaluator holds (its windows keep per hour counts, sums and sampled time only; its trackers the
   * current run only), so they match. An hour the windows no longer hold, or the store lacks, does
   * not match.
   */
  async function matchesStore(
    stationId: string,
    copies: ReadonlyMap<MetricId, { readonly hours: ReadonlySet<number>; readonly from: number }>,
  ) {
    const s = series.get(stationId);
    if (s === undefined) return false;
    for (const [metric, { hours, from }] of copies) {
      const sorted = [...hours].sort((a, b) => a - b);
      const first = sorted[0] as number;
      const last = sorted[sorted.length - 1] as number;
      const stored = await store.queryHourly({ stationId, metric, from: first - HOUR_MS, to: last });
      const byHour = new Map(stored.map((agg) => [agg.hourEnd, agg]));
      const intervalMs = reportingIntervalOf(s.station, metric);
      for (const h of sorted) {
        const agg = byHour.get(h);
        const counted = guard(() => s.windowsOf(metric).hour(h));
        if (
          agg === undefined ||
          counted === undefined ||
          agg.validCount !== counted.count ||
          agg.totalCount !== counted.totalCount ||
          hourSampledMs(agg.validCount, agg.validPeriodMs, intervalMs) !== counted.sampledMs
        )
          return false;
        const a = agg.mean;
        const b = counted.mean;
        if (a === null || b === null ? a !== b : Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a)))
          return false;
      }
      // Away from the tracker's run, a swap within an hour or an invalid→invalid flag change alters nothing held here.
      const q = s.view.quality(metric);
      const runStart = q?.runSince ?? q?.flagRunSince;
      if (q !== undefined && runStart !== undefined && from < runStart) {
        const before = await store.queryReadings({ stationId, metric, from, to: runStart });
        let previous: Reading | undefined;
        for (const r of before) if (previous === undefined || r.ts > previous.ts) previous = r;
        const continues =
          previous !== undefined &&
          (q.lastFlag === "N"
            ? previous.flag === "N" && previous.value === q.lastValue
            : previous.flag === q.lastFlag);
        if (continues) return false;
      }
    }
    return true;
  }

  async function ensure(station: Station): Promise<StationSeries> {
    return series.get(station.id) ?? (await rebuild(station));
  }

  /** Rebuilds the stations of owned partitions that are not loaded (a failed rebuild is retried here). */
  async function ensureOwned(): Promise<void> {
    for (const station of stationsOf(owned)) {
      if (series.has(station.id)) continue;
      try {
        await rebuild(station);
      } catch (error) {
        logger.error(
          { err: error, stationId: station.id },
          "evaluator: rebuild failed; retried on its next reading",
        );
      }
    }
  }

  /**
   * A batch is applied all or nothing: stations are rebuilt first (may fail: nothing changed yet),
   * then the windows and rules advance without awaiting, and the resulting events go to the outbox,
   * which is flushed in the background. While the outbox is long (the store or bus failing), a
   * batch waits for it first: backpressure instead of unbounded memory.
   */
  async function handle(batch: readonly Delivery<Reading>[]): Promise<void> {
    await exclusive(async () => {
      if (outbox.size() > MAX_PENDING_OUTBOX) await scheduleFlush();
      // Offsets as bigint once per delivery (not per use: this loop runs for every reading), kept
      // beside the deliveries they belong to.
      const fresh: Delivery<Reading>[] = [];
      const freshOffsets: bigint[] = [];
      for (const d of batch) {
        const offset = BigInt(d.offset);
        const next = nextOffset.get(d.partition);
        if (next === undefined || offset >= next) {
          fresh.push(d);
          freshOffsets.push(offset);
        }
      }
      for (const partition of new Set(fresh.map((d) => d.partition))) {
        const next = nextOffset.get(partition);
        const firstIndex = fresh.findIndex((d) => d.partition === partition);
        const firstOffset = freshOffsets[firstIndex];
        if (next === undefined || firstOffset === undefined || firstOffset === next) continue;
        // Messages of this partition were processed elsewhere meanwhile (it moved away and back, or
        // some were undecodable): what this member holds may be stale, so rebuild from the store.
        logger.info(
          { partition, expected: String(next), got: String(firstOffset) },
          "evaluator: offset gap, rebuilding",
        );
        nextOffset.delete(partition);
        const missing = await awaitWriter([partition], new Map([[partition, firstOffset]]));
        for (const station of stationsOf(new Set([partition]))) await rebuild(station);
        lagging.delete(partition);
        watchLagging(missing);
      }
      const checked = new Set<string>();
      for (const d of fresh) {
        const stationId = d.value.stationId;
        if (checked.has(stationId)) continue;
        checked.add(stationId);
        const station = registry.get(stationId);
        if (station !== undefined && !series.has(stationId)) await ensure(station);
      }
      const dirty = new Map<string, Map<number, boolean>>();
      // Per batch, not per reading: a prom-client inc/set allocates, and so does a bigint + 1n.
      const lastIndexOfPartition = new Map<number, number>();
      const newestBefore = newestEvaluated;
      let evaluated = 0;
      /** Readings too late for the windows, per source (counted once per batch). */
      const tooLate = new Map<ReadingSource, number>();
      /** Stations with readings set aside for a settle rebuild in this batch (see settleRebuilds). */
      const asideInBatch = new Set<string>();
      const setAside = (
        r: Reading,
        partition: number,
        offset: bigint,
        certain = true,
        lateHour: number | undefined = undefined,
      ): void => {
        asideInBatch.add(r.stationId);
        let pending = settleRebuilds.get(r.stationId);
        if (pending === undefined) {
          pending = {
            partition,
            through: offset + 1n,
            timer: undefined,
            imported: 0,
            corrections: 0,
            late: 0,
            emitFrom: undefined,
            certain: false,
            unsure: undefined,
          };
          settleRebuilds.set(r.stationId, pending);
        } else if (offset + 1n > pending.through) pending.through = offset + 1n;
        if (lateHour !== undefined) {
          pending.late++;
          pending.emitFrom = Math.min(pending.emitFrom ?? lateHour, lateHour);
        } else if (r.source === "import") pending.imported++;
        else pending.corrections++;
        if (certain) pending.certain = true;
        else {
          pending.unsure ??= new Map();
          const copies = pending.unsure.get(r.metric);
          if (copies === undefined)
            pending.unsure.set(r.metric, { hours: new Set([hourEndOf(r.ts)]), from: r.ts });
          else {
            copies.hours.add(hourEndOf(r.ts));
            copies.from = Math.min(copies.from, r.ts);
          }
        }
      };
      /** Imported history too late for the windows: expected, so logged once per batch, not dead-lettered. */
      let history: { readonly stations: Set<string>; from: number; to: number } | undefined;
      for (let i = 0; i < fresh.length; i++) {
        const d = fresh[i] as Delivery<Reading>;
        lastIndexOfPartition.set(d.partition, i);
        const r = d.value;
        const s = series.get(r.stationId);
        if (s === undefined) continue; // not a registered station
        if (isCounted(s, r.metric, r.ts)) {
          // Rebuilt from the store, or a copy of a reading counted. An imported one may correct it,
          // and so may a live one with another value or flag (a station re-sending a corrected
          // value, HJ 212 supplementary data): the store keeps the last write, so the station is
          // rebuilt from it once settled. A live copy the windows cannot compare is checked against
          // the store's aggregate of its hour then; an identical one (a QoS 1 redelivery) costs
          // this comparison only.
          if (r.source === "import") setAside(r, d.partition, freshOffsets[i] as bigint);
          else {
            const copy = compareWithCounted(s, r, seriesOptions);
            if (copy === "differs" || copy === "unknown")
              setAside(r, d.partition, freshOffsets[i] as bigint, copy === "differs");
          }
          continue;
        }
        // The reading itself is a WindowReading (the windows keep numbers, not the object).
        const outcome = s.windowsOf(r.metric).add(r);
        if (!outcome.accepted) {
          tooLate.set(r.source, (tooLate.get(r.source) ?? 0) + 1);
          if (r.source === "import") {
            setAside(r, d.partition, freshOffsets[i] as bigint);
            // History imported into a live system is mostly older than the windows reach: it is
            // stored and queryable, and a dead letter per value would bury the real rejects.
            if (history === undefined) history = { stations: new Set(), from: r.ts, to: r.ts };
            history.stations.add(r.stationId);
            history.from = Math.min(history.from, r.ts);
            history.to = Math.max(history.to, r.ts);
            continue;
          }
          // A live station sending data this late is something operators must see.
          outbox.letters.push({
            id: `evaluator:${r.stationId}:${r.metric}:${r.ts}`,
            receivedAt: now(),
            source: "evaluator",
            origin: "bus:readings",
            stationId: r.stationId,
            code: "window.too_late",
            path: "ts",
            message: `${r.metric} at ${toBeijingIso(r.ts)}: ${outcome.reason}; stored by the writer, not evaluated by the rules`,
            payload: JSON.stringify(r).slice(0, 4096),
          });
          continue;
        }
        evaluated++;
        if (r.ts > newestEvaluated) newestEvaluated = r.ts;
        if (s.evaluatedHour !== undefined && outcome.hourEnd < s.evaluatedHour && r.source !== "import")
          // Late for the rule machines, which went on to a newer hour and do not go back in time:
          // the station is rebuilt once settled, the rules replayed from this hour as in order.
          setAside(r, d.partition, freshOffsets[i] as bigint, true, outcome.hourEnd);
        s.markCounted(r.metric, r.ts);
        track(s, r);
        if (settings.validFlags.includes(r.flag))
          s.lastValidHour.set(r.metric, Math.max(s.lastValidHour.get(r.metric) ?? 0, outcome.hourEnd));
        s.lastSeen = Math.max(s.lastSeen ?? r.receivedAt, r.receivedAt);
        s.newestHour = Math.max(s.newestHour ?? outcome.hourEnd, outcome.hourEnd);
        const hours = dirty.get(r.stationId) ?? new Map<number, boolean>();
        dirty.set(r.stationId, hours);
        // An hour fed only by imports (history) is evaluated silently.
        hours.set(outcome.hourEnd, (hours.get(outcome.hourEnd) ?? false) || r.source !== "import");
      }
      for (const [partition, i] of lastIndexOfPartition) {
        nextOffset.set(partition, (freshOffsets[i] as bigint) + 1n);
      }
      if (evaluated > 0) metrics.readingsEvaluated.inc(evaluated);
      for (const [source, count] of tooLate) metrics.readingsTooLate.inc({ source }, count);
      if (history !== undefined)
        logger.info(
          {
            readings: tooLate.get("import"),
            stations: history.stations.size,
            from: toBeijingIso(history.from),
            to: toBeijingIso(history.to),
            latenessMs: settings.latenessMs,
          },
          "evaluator: imported readings older than their series' newest reading minus the lateness: " +
            "stored by the writer, not evaluated by the rules (no dead letters)",
        );
      for (const stationId of asideInBatch) scheduleSettleRebuild(stationId);
      if (newestEvaluated > newestBefore) metrics.lastEvaluatedDataTime.set(newestEvaluated / 1000);
      for (const [stationId, hours] of dirty) {
        const s = series.get(stationId);
        if (s === undefined) continue;
        for (const [h, live] of [...hours].sort((a, b) => a[0] - b[0])) {
          outbox.add(engine.evaluateHour(s.view, h, live ? modeFor(s, h) : "silent", now()));
          s.evaluatedHour = Math.max(s.evaluatedHour ?? h, h);
        }
        if (s.lastSeen !== undefined)
          outbox.add(engine.evaluateSilence(s.station, now(), s.lastSeen, "emit"));
      }
      void scheduleFlush();
    });
  }

  /**
   * A new assignment: stations of revoked partitions are dropped, those of newly assigned ones
   * rebuilt from the store (eagerly, so the silence sweep and open alerts cover them before their
   * first reading); retained partitions keep their state (an offset gap later triggers a rebuild).
   */
  async function assigned(partitions: readonly number[]): Promise<void> {
    // Outside `exclusive`: batches of retained partitions go on meanwhile (in-process bus; Kafka
    // holds every batch of this member until onAssigned settles).
    const missing = await awaitWriter(partitions.filter((p) => !owned.has(p)));
    await exclusive(async () => {
      const next = new Set(partitions);
      const added = partitions.filter((p) => !owned.has(p));
      for (const p of nextOffset.keys()) if (!next.has(p) || added.includes(p)) nextOffset.delete(p);
      for (const p of lagging.keys()) if (!next.has(p) || added.includes(p)) lagging.delete(p);
      if (lagging.size === 0) void endWatch();
      for (const id of [...series.keys()]) {
        const p = partitionOf(id);
        if (next.has(p) && !added.includes(p)) continue;
        series.delete(id);
        engine.forget(id);
      }
      owned = next;
      await ensureOwned();
      watchLagging(new Map([...missing].filter(([p]) => added.includes(p))));
      logger.info(
        { partitions, added, stations: series.size },
        "evaluator: partitions assigned, windows rebuilt",
      );
      await scheduleFlush();
    });
  }

  async function sweep(): Promise<void> {
    await exclusive(async () => {
      await ensureOwned();
      const t = now();
      for (const s of series.values()) {
        const lastSeen = s.lastSeen ?? baseline.get(s.station.id) ?? t;
        outbox.add(engine.evaluateSilence(s.station, t, lastSeen, "emit"));
      }
      await scheduleFlush();
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
      // Pending alert events go out first when the store and bus take them (bounded: a failing
      // store must not hang stop; what is left is re-derived by the next start's rebuild).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        scheduleFlush(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, STOP_DRAIN_MS);
        }),
      ]);
      clearTimeout(timer);
      controller.abort(new Error("evaluator stopping"));
      for (const pending of settleRebuilds.values()) clearTimeout(pending.timer);
      settleRebuilds.clear();
      const ending = endWatch();
      const closing = subscription;
      subscription = undefined;
      await closing?.close();
      await ending;
      await chain;
      lagging.clear();
      logger.info({}, "evaluator stopped");
    },
    memoryPerSeriesBytes() {
      let bytes = 0;
      let count = 0;
      for (const s of series.values()) {
        // All windows allocated (a declared metric's even before its first reading), per series with data.
        for (const w of s.windows()) {
          bytes += w.memoryBytes();
          if (w.latestHourEnd() !== undefined) count++;
        }
        bytes += (s.storedThrough.size + s.newestTs.size) * DEDUPE_ENTRY_BYTES + s.countedBytes();
      }
      return count === 0 ? 0 : bytes / count;
    },
    sweep,
    stations: () => [...series.keys()],
    partitions: () => [...owned].sort((a, b) => a - b),
    view: (stationId) => series.get(stationId)?.view,
  };
}
