import {
  type DataFlag,
  HOUR_MS,
  hourEndOf,
  type MetricId,
  metricsForKind,
  reportingIntervalOf,
  type Station,
} from "@qingshan/domain";
import {
  type Rule,
  type SeriesQuality,
  type StationView,
  type StatLike,
  trackQuality,
} from "@qingshan/rules";
import { GB3095_2026_FROM, type Gb3095Limit, gb3095Limit, readingSampledMs } from "@qingshan/standards";
import {
  createSeriesWindows,
  createSeriesWindowsGroup,
  KEPT_STATISTICS,
  type KeptStatistic,
  type SeriesWindows,
  type WindowReading,
} from "@qingshan/windows";
import { addCounted, type CountedTimes, countedBytes, countedTimes, wasCounted } from "./counted-times.ts";

const NO_DATA: StatLike = { mean: null, max: null, count: 0, valid: false };

/**
 * GB 3095 Table 1 O3 daily maximum 8-h limit for the station's area class (Grade I at class 1,
 * else Grade II); the same in the 2012 and 2026 editions and every 2026 phase.
 */
function o3DailyMax8hLimit(station: Station): number {
  const grade = station.airArea === "class1" ? "I" : "II";
  return (gb3095Limit(GB3095_2026_FROM, grade, "o3", "dailyMax8h") as Gb3095Limit).value;
}

/** A number per metric, absent until set (the Map operations the evaluator uses). */
export interface MetricNumbers {
  get(metric: MetricId): number | undefined;
  set(metric: MetricId, value: number): void;
  /** Metrics with a value. */
  readonly size: number;
}

/** What the evaluator keeps per station: windows and quality trackers per metric, when it was last heard from. */
export interface StationSeries {
  readonly station: Station;
  /** The windows created so far (all declared metrics' at once, in one buffer, on first use). */
  windows(): readonly SeriesWindows[];
  /** Latest valid hour per metric (for `latest` windows). */
  readonly lastValidHour: MetricNumbers;
  /** Per metric, the newest stored reading ts at the rebuild: readings up to it count as held (see `isCounted`). */
  readonly storedThrough: MetricNumbers;
  /** Per metric, the newest reading ts taken into the windows (or stored, at the rebuild). */
  readonly newestTs: MetricNumbers;
  /** Records that the metric's reading at `ts` was taken into its windows (see `isCounted`). */
  markCounted(metric: MetricId, ts: number): void;
  /** Whether `markCounted(metric, ts)` was called (within the lateness), or `ts` is the newest ts. */
  wasCounted(metric: MetricId, ts: number): boolean;
  /** Bytes of the counted-times sets (memoryPerSeriesBytes). */
  countedBytes(): number;
  /** Wall-clock time (receivedAt) of the last reading from the station. */
  lastSeen: number | undefined;
  /** Newest hour label with data at this station. */
  newestHour: number | undefined;
  /**
   * Newest hour the rules have evaluated (live or in the rebuild's replay): a live reading of an
   * older hour came too late for the rule machines, which do not go back in time.
   */
  evaluatedHour: number | undefined;
  readonly view: StationView;
  windowsOf(metric: MetricId): SeriesWindows;
  /** The metric's quality tracker (created on first use), a live view: trackQuality(s.qualityOf(m), r). */
  qualityOf(metric: MetricId): SeriesQuality;
  /** Per metric, the periodMs of the tracker's last reading (`track`; compareWithCounted reads it). */
  readonly lastPeriodMs: MetricNumbers;
}

export interface SeriesOptions {
  readonly latenessMs: number;
  readonly validFlags: readonly DataFlag[];
  /** Optional statistics each metric's windows keep (see keptStatistics); default all. */
  readonly keep?: (metric: MetricId) => readonly KeptStatistic[];
}

const dayRuleOn = (r: Rule, metric: MetricId, averaging: "dailyMax8h"): boolean =>
  r.window === "day" &&
  r.subject.metric === metric &&
  typeof r.threshold === "object" &&
  r.threshold.gb3095.averaging === averaging;

/**
 * The optional window statistics the rules can read of `metric` (packages/rules/src/observe.ts
 * reads means, counts and validity; of maxima only a day's, for O3 under HJ 633-2012): month and
 * year accumulators only for metrics a month / year-to-date rule reads (an index subject counts as
 * reading every metric); the daily max 8-h of sealed days for O3 (daily AQI, HJ 633) and for
 * metrics of day rules on GB 3095's daily max 8-h averaging; never the hours' reading extremes.
 * This saves up to 668 bytes per series (432 of them the extremes, with the default lateness).
 *
 * @example
 * keptStatistics(rules, "pm25") // ["year"] with the shipped config/rules.yaml (the PM2.5 annual target)
 */
export function keptStatistics(rules: readonly Rule[], metric: MetricId): KeptStatistic[] {
  const reads = (r: Rule, window: Rule["window"]) =>
    r.enabled && r.window === window && (r.subject.metric === undefined || r.subject.metric === metric);
  return KEPT_STATISTICS.filter((kept) => {
    if (kept === "hourExtremes") return false;
    if (kept === "month") return rules.some((r) => reads(r, "month"));
    if (kept === "year") return rules.some((r) => reads(r, "year-to-date"));
    return metric === "o3" || rules.some((r) => r.enabled && dayRuleOn(r, metric, "dailyMax8h"));
  });
}

/**
 * `read()`, or undefined when it reads an hour the windows no longer retain (they throw RangeError):
 * for the rules that is "no data".
 */
export function guard<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/*
 * Memory: everything numeric of a station lives in one array of doubles, SLOTS numbers per metric
 * (NaN = absent), and the holder is a class (methods on the prototype, no closures per station):
 * issue 4's budget is ≤ 2 KB per series, and a Map or a closure per station costs hundreds of bytes.
 */
const LAST_VALID_HOUR = 0;
const STORED_THROUGH = 1;
const NEWEST_TS = 2;
const Q_LAST_VALUE = 3;
const Q_LAST_FLAG = 4; // index in FLAGS
const Q_LAST_TS = 5;
const Q_REPEATS = 6; // NaN: no tracker yet
const Q_FLAG_RUN_SINCE = 7;
const Q_RUN_SINCE = 8;
const Q_LAST_PERIOD = 9;
const SLOTS = 10;
/** Flags seen, coded by index (a process-wide table: the flags are a handful of codes). */
const FLAGS: DataFlag[] = [];
const flagCode = (flag: DataFlag): number => {
  let i = FLAGS.indexOf(flag);
  if (i < 0) i = FLAGS.push(flag) - 1;
  return i;
};
const orUndefined = (x: number): number | undefined => (Number.isNaN(x) ? undefined : x);

class Numbers implements MetricNumbers {
  constructor(
    private readonly owner: Series,
    private readonly slot: number,
  ) {}
  get(metric: MetricId): number | undefined {
    const i = this.owner.indexOf(metric);
    return i < 0 ? undefined : orUndefined(this.owner.data[i * SLOTS + this.slot] as number);
  }
  set(metric: MetricId, value: number): void {
    const i = this.owner.slotOf(metric); // first: it may replace `data`
    this.owner.data[i * SLOTS + this.slot] = value;
  }
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.owner.slotted.length; i++)
      if (!Number.isNaN(this.owner.data[i * SLOTS + this.slot])) n++;
    return n;
  }
}

/** A live SeriesQuality over a station's numbers (what trackQuality and the rules read and write). */
class Quality implements SeriesQuality {
  constructor(
    private readonly owner: Series,
    private readonly base: number,
  ) {}
  private get data(): number[] {
    return this.owner.data;
  }
  get lastValue(): number | undefined {
    return orUndefined(this.data[this.base + Q_LAST_VALUE] as number);
  }
  set lastValue(v: number | undefined) {
    this.data[this.base + Q_LAST_VALUE] = v ?? Number.NaN;
  }
  get lastFlag(): DataFlag | undefined {
    const code = this.data[this.base + Q_LAST_FLAG] as number;
    return Number.isNaN(code) ? undefined : FLAGS[code];
  }
  set lastFlag(flag: DataFlag | undefined) {
    this.data[this.base + Q_LAST_FLAG] = flag === undefined ? Number.NaN : flagCode(flag);
  }
  get lastTs(): number | undefined {
    return orUndefined(this.data[this.base + Q_LAST_TS] as number);
  }
  set lastTs(v: number | undefined) {
    this.data[this.base + Q_LAST_TS] = v ?? Number.NaN;
  }
  get repeats(): number {
    return this.data[this.base + Q_REPEATS] as number;
  }
  set repeats(v: number) {
    this.data[this.base + Q_REPEATS] = v;
  }
  get runSince(): number | undefined {
    return orUndefined(this.data[this.base + Q_RUN_SINCE] as number);
  }
  set runSince(v: number | undefined) {
    this.data[this.base + Q_RUN_SINCE] = v ?? Number.NaN;
  }
  get flagRunSince(): number | undefined {
    return orUndefined(this.data[this.base + Q_FLAG_RUN_SINCE] as number);
  }
  set flagRunSince(v: number | undefined) {
    this.data[this.base + Q_FLAG_RUN_SINCE] = v ?? Number.NaN;
  }
}

class Series implements StationSeries, StationView {
  readonly lastValidHour: MetricNumbers = new Numbers(this, LAST_VALID_HOUR);
  readonly storedThrough: MetricNumbers = new Numbers(this, STORED_THROUGH);
  readonly newestTs: MetricNumbers = new Numbers(this, NEWEST_TS);
  readonly lastPeriodMs: MetricNumbers = new Numbers(this, Q_LAST_PERIOD);
  lastSeen: number | undefined = undefined;
  newestHour: number | undefined = undefined;
  evaluatedHour: number | undefined = undefined;
  /** Metrics with slots in `data` and `wins`: the expected ones, then any other the station reported. */
  slotted: readonly MetricId[];
  /** SLOTS numbers per slotted metric (a plain array of doubles: no ArrayBuffer and view objects). */
  data: number[];
  /** Windows per slotted metric; undefined until the first windowsOf(). */
  wins: (SeriesWindows | undefined)[] | undefined = undefined;
  /** The times counted per slotted metric (counted-times.ts); undefined until its first reading. */
  private readonly counted: (CountedTimes | undefined)[];

  constructor(
    readonly station: Station,
    private readonly expected: readonly MetricId[],
    private readonly options: SeriesOptions,
  ) {
    this.slotted = expected;
    this.data = new Array<number>(expected.length * SLOTS).fill(Number.NaN);
    this.counted = new Array<CountedTimes | undefined>(expected.length).fill(undefined);
  }

  get view(): StationView {
    return this;
  }

  indexOf(metric: MetricId): number {
    return this.slotted.indexOf(metric);
  }

  /** The metric's index, adding slots for a metric the station was not expected to report. */
  slotOf(metric: MetricId): number {
    const i = this.slotted.indexOf(metric);
    if (i >= 0) return i;
    for (let k = 0; k < SLOTS; k++) this.data.push(Number.NaN);
    this.slotted = [...this.slotted, metric];
    return this.slotted.length - 1;
  }

  markCounted(metric: MetricId, ts: number): void {
    const i = this.slotOf(metric);
    const newest = this.data[i * SLOTS + NEWEST_TS] as number;
    if (Number.isNaN(newest) || ts > newest) this.data[i * SLOTS + NEWEST_TS] = ts;
    const times = this.counted[i];
    this.counted[i] = times === undefined ? countedTimes(ts) : addCounted(times, ts, this.options.latenessMs);
  }

  wasCounted(metric: MetricId, ts: number): boolean {
    const i = this.indexOf(metric);
    if (i < 0) return false;
    const times = this.counted[i];
    return (
      ts === this.data[i * SLOTS + NEWEST_TS] ||
      (times !== undefined && wasCounted(times, ts, this.options.latenessMs))
    );
  }

  countedBytes(): number {
    let bytes = 0;
    for (const times of this.counted) bytes += times === undefined ? 0 : countedBytes(times);
    return bytes;
  }

  windows(): readonly SeriesWindows[] {
    return (this.wins ?? []).filter((w) => w !== undefined);
  }

  private windowsOptions(metric: MetricId) {
    return {
      latenessMs: this.options.latenessMs,
      validFlags: this.options.validFlags,
      // The metric's own interval (registry metricReportingIntervalMs, else the station's): also
      // scales a day's minimum for a metric measured less often than hourly, as the API does.
      reportingIntervalMs: reportingIntervalOf(this.station, metric),
      keep: this.options.keep?.(metric) ?? KEPT_STATISTICS,
      // HJ 663 §6.1.2: a day with < 14 valid 8-h windows is valid when its maximum exceeds the
      // limit of the station's GB 3095 area class (the API's daily AQI applies the same limit).
      ...(metric === "o3" ? { dailyMax8hLimit: o3DailyMax8hLimit(this.station) } : {}),
    };
  }

  windowsOf(metric: MetricId): SeriesWindows {
    const i = this.slotOf(metric);
    // The declared metrics' windows share one buffer, created when the first of them is needed.
    this.wins ??= createSeriesWindowsGroup(
      this.expected.map((m) => ({ metric: m, options: this.windowsOptions(m) })),
    );
    let w = this.wins[i];
    if (w === undefined) {
      w = createSeriesWindows(metric, this.windowsOptions(metric));
      this.wins[i] = w;
    }
    return w;
  }

  private windowsIfAny(metric: MetricId): SeriesWindows | undefined {
    const wins = this.wins;
    if (wins === undefined) return undefined;
    const i = this.slotted.indexOf(metric);
    return i < 0 ? undefined : wins[i];
  }

  qualityOf(metric: MetricId): SeriesQuality {
    const base = this.slotOf(metric) * SLOTS;
    if (Number.isNaN(this.data[base + Q_REPEATS])) this.data[base + Q_REPEATS] = 0; // createSeriesQuality()
    return new Quality(this, base);
  }

  private stat(metric: MetricId, read: (w: SeriesWindows) => StatLike): StatLike | undefined {
    const w = this.windowsIfAny(metric);
    if (w === undefined) return this.expected.includes(metric) ? NO_DATA : undefined;
    return guard(() => read(w)) ?? NO_DATA;
  }

  // StationView: the rules read the windows through these.
  metrics(): readonly MetricId[] {
    return this.expected;
  }
  hour(m: MetricId, h: number): StatLike | undefined {
    return this.stat(m, (w) => w.hour(h));
  }
  rolling(m: MetricId, n: 8 | 24, h: number): StatLike | undefined {
    return this.stat(m, (w) => w.rolling(n, h));
  }
  day(m: MetricId, d: string): StatLike | undefined {
    return this.stat(m, (w) => w.day(d));
  }
  dailyMax8h(m: MetricId, d: string): StatLike | undefined {
    return this.stat(m, (w) => w.dailyMax8h(d));
  }
  month(m: MetricId, k: string): StatLike | undefined {
    return this.stat(m, (w) => w.month(k));
  }
  yearToDate(m: MetricId, y: number): (StatLike & { readonly sumOfDailyMeans: number }) | undefined {
    const w = this.windowsIfAny(m);
    if (w === undefined) return this.expected.includes(m) ? { ...NO_DATA, sumOfDailyMeans: 0 } : undefined;
    return guard(() => w.yearToDate(y)) ?? { ...NO_DATA, sumOfDailyMeans: 0 };
  }
  latest(m: MetricId, at: number): { readonly hourEnd: number; readonly value: number } | undefined {
    const h = this.lastValidHour.get(m);
    const w = this.windowsIfAny(m);
    if (h === undefined || w === undefined || h > at + HOUR_MS) return undefined;
    const s = guard(() => w.hour(h));
    return s?.mean == null ? undefined : { hourEnd: h, value: s.mean };
  }
  quality(m: MetricId): SeriesQuality | undefined {
    const i = this.indexOf(m);
    if (i < 0 || Number.isNaN(this.data[i * SLOTS + Q_REPEATS])) return undefined;
    return new Quality(this, i * SLOTS);
  }
}

/**
 * Creates the per-station series holder; it is also the StationView the rules read.
 *
 * @example
 * const s = createStationSeries(station, { latenessMs: 7_200_000, validFlags: ["N"] });
 * s.windowsOf("pm25").add({ ts, value: 41, flag: "N", periodMs: 3_600_000 });
 */
export function createStationSeries(station: Station, options: SeriesOptions): StationSeries {
  return new Series(station, station.metrics ?? metricsForKind(station.kind), options);
}

/** Cost of one number of `storedThrough` or `newestTs` (the dedupe state, two per series): a slot of a double array. */
export const DEDUPE_ENTRY_BYTES = 8;

/**
 * Whether the windows already hold the reading of `metric` at `ts` (a redelivered batch is skipped
 * earlier, by the per-partition offsets): anything up to the newest stored ts at the rebuild (the
 * windows were built from the store), and any time counted since, within the lateness — a second
 * copy of a reading, newest or older (a QoS 1 redelivery or a station's resend after a reconnect),
 * is not counted again (counted-times.ts). Trade-offs: a late reading that was not yet stored at
 * the rebuild is taken as held and misses the windows (the writer still stores it); a series on no
 * regular time grid recognises copies of its newest reading only.
 *
 * @example
 * if (!isCounted(s, r.metric, r.ts)) s.windowsOf(r.metric).add(r);
 */
export function isCounted(s: StationSeries, metric: MetricId, ts: number): boolean {
  const through = s.storedThrough.get(metric);
  return (through !== undefined && ts <= through) || s.wasCounted(metric, ts);
}

/**
 * Feeds `r` to its metric's data-quality tracker (`trackQuality`, which ignores a reading older
 * than its last) and, when the tracker took it, keeps its period: a copy of the newest reading is
 * compared with its value, flag and period (`compareWithCounted`).
 *
 * @example
 * track(s, { metric: "pm25", ts, value: 41, flag: "N", periodMs: 3_600_000 });
 */
export function track(s: StationSeries, r: WindowReading & { readonly metric: MetricId }): void {
  const q = s.qualityOf(r.metric);
  trackQuality(q, r);
  if (q.lastTs === r.ts) s.lastPeriodMs.set(r.metric, r.periodMs ?? 0);
}

/**
 * What a copy of a counted reading (`isCounted`) brings compared with what the windows counted for
 * its time: `same` (a QoS 1 redelivery, a resend after a reconnect: nothing to do), `differs` (a
 * correction: HJ 212 supplementary data, a station re-sending a corrected minute or hour value),
 * `unknown` (the windows keep sums per hour, not values per reading, and cannot tell), or
 * `too-late` (older than the series' newest reading minus the lateness: a new reading that late is
 * not evaluated either).
 */
export type CountedCopy = "same" | "differs" | "unknown" | "too-late";

const sameNumber = (a: number | undefined, b: number): boolean =>
  a === b || ((a === undefined || Number.isNaN(a)) && Number.isNaN(b));

/**
 * Compares a copy of a counted reading with what the windows and the data-quality trackers hold
 * for its time, without storing anything per reading. Exact for the series' newest reading (its
 * quality tracker keeps that reading's value and flag, `track` its period, as counted or as loaded
 * at the rebuild) and for an hour holding this one reading (hourly data: the hour's sum is its
 * value, its sampled time the reading's period in the hour; the flag is known when it is valid and
 * only one flag is valid). A copy inside the tracker's current run (identical N values: a stuck
 * sensor; one flag other than N: a flag lasting too long) that would break the run `differs` (each
 * reading of the run was counted with the run's value and flag). Anything else is `unknown` —
 * sub-hourly data older than the newest reading, an invalid older reading (which invalid flag was
 * counted is not kept), a series that fell back to its newest time (counted-times.ts): the
 * evaluator then checks the store once the copy is stored (the hour's aggregate, and the reading
 * before the tracker's run) and rebuilds the station if it differs from what the windows hold.
 * Only for readings `isCounted` holds (the hot path never calls it).
 *
 * @example
 * if (isCounted(s, r.metric, r.ts) && compareWithCounted(s, r, options) !== "same") rebuildLater(s);
 */
export function compareWithCounted(
  s: StationSeries,
  r: WindowReading & { readonly metric: MetricId },
  options: SeriesOptions,
): CountedCopy {
  const newest = s.newestTs.get(r.metric);
  if (newest !== undefined && r.ts < newest - options.latenessMs) return "too-late";
  const q = s.view.quality(r.metric);
  if (q?.lastTs === r.ts)
    return sameNumber(q.lastValue, r.value) &&
      q.lastFlag === r.flag &&
      s.lastPeriodMs.get(r.metric) === (r.periodMs ?? 0)
      ? "same"
      : "differs";
  if (q?.lastTs !== undefined && r.ts < q.lastTs) {
    // Inside the current run the tracker counted every reading as the run's value and flag.
    if (q.runSince !== undefined && r.ts >= q.runSince && (r.flag !== "N" || r.value !== q.lastValue))
      return "differs";
    if (q.flagRunSince !== undefined && r.ts >= q.flagRunSince && r.flag !== q.lastFlag) return "differs";
  }
  const valid = options.validFlags.includes(r.flag);
  const hour = guard(() => s.windowsOf(r.metric).hour(hourEndOf(r.ts)));
  if (hour === undefined || hour.totalCount !== 1) return "unknown";
  if (hour.count === 1) {
    // The counted reading was valid: its value is the hour's mean (a one-value mean is the value,
    // kept to 12 significant digits as every window mean), its period in the hour the hour's
    // sampled time (GB 3095-2012 Table 4: ≥ 45 min makes the hour valid).
    if (
      !valid ||
      hour.mean !== Number(r.value.toPrecision(12)) ||
      hour.sampledMs !== readingSampledMs(r.ts, r.periodMs ?? 0, reportingIntervalOf(s.station, r.metric))
    )
      return "differs";
    return options.validFlags.length === 1 ? "same" : "unknown";
  }
  return valid ? "differs" : "unknown";
}
