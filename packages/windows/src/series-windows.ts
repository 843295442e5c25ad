import {
  DATA_FLAGS,
  type DataFlag,
  DEFAULT_VALID_FLAGS,
  HOUR_MS,
  hourEndOf,
  type MetricId,
  toBeijingIso,
} from "@qingshan/domain";
import {
  annualMeanValidity,
  type DailyMinimum,
  dailyMinimum,
  HJ633_2026_EFFECTIVE_DATE,
  hourSampledMs,
  inHourPeriodMs,
  monthlyMinimum,
  o3DailyMax8hValidity,
  readingSampledMs,
} from "@qingshan/standards";
import {
  dayIndexOf,
  dayKeyOf,
  dayStartOf,
  firstDayOfMonth,
  isHourLabel,
  monthIndexOfDay,
  monthKeyOf,
  parseDayKey,
  parseMonthKey,
  yearOfDay,
} from "./keys.ts";
import {
  DEFAULT_DAILY_MAX_8H_LIMIT,
  dailyMax8hRule,
  dayRule,
  MIN_DAYS_YEAR,
  MIN_HOURS_8H,
  MIN_SAMPLING_PER_HOUR_MS,
  MIN_WINDOWS_DAILY_MAX_8H,
  monthRule,
  type RuleTexts,
  ruleTextsFor,
  yearRule,
} from "./rules.ts";
import {
  type AddOutcome,
  type HourlySeed,
  KEPT_STATISTICS,
  type KeptStatistic,
  type SeriesWindows,
  type WindowReading,
  type WindowStat,
  type WindowsOptions,
  type YearToDateStat,
} from "./types.ts";

const DEFAULT_REPORTING_INTERVAL_MS = 5 * 60_000;
const DEFAULT_SEALED_DAYS_KEPT = 3;
const NO_TAG = -2147483648;
/** A ring slot's credited sampling for an empty slot (a slot whose readings' times differ stores ~credited, ≤ −2). */
const EMPTY_SLOT = -1;
const U16_MAX = 65_535;
/** Bit 15 of a ring slot's u16 total count: the hour's mean stays arithmetic (see Layout). */
const ARITHMETIC_BIT = 0x8000;
/** A ring slot's total count (its low 15 bits) is clamped here. */
const TOTAL_MAX = 0x7fff;
const I32_MAX = 2_147_483_647;
/** Significant digits kept in means, as in the API (services/api/src/series/mean.ts): 24 × 1.2 averages to 1.2. */
const MEAN_DIGITS = 12;
// V8 sizes (64-bit, no pointer compression; measured with heap snapshots) used by memoryBytes():
// a series object (header + its 11 fields), the ArrayBuffer object, each typed-array view.
const OBJECT_OVERHEAD_BYTES = 24 + 11 * 8;
const ARRAY_BUFFER_OVERHEAD_BYTES = 96;
const VIEW_OVERHEAD_BYTES = 96;
// The weighted sums' Map, only while some ring hour's times differ (measured with heapUsed): an
// empty Map with its initial table; about 40 bytes per entry (its table share and a HeapNumber).
const MAP_OVERHEAD_BYTES = 184;
const MAP_ENTRY_BYTES = 40;
const ALL_KEPT: readonly KeptStatistic[] = KEPT_STATISTICS;
/** Beijing day number from which the 2026 editions apply (rules.ts is2026 on the end date). */
const FIRST_2026_DAY = parseDayKey(HJ633_2026_EFFECTIVE_DATE);
const is2026Day = (d: number): boolean => d >= FIRST_2026_DAY;

function clean(value: number): number {
  // An integer of at most 12 digits is its own 12-digit rounding (only −0 becomes 0): skips the
  // number → string → number round trip, the costliest step of rolling windows over hourly data.
  if (Number.isInteger(value) && value < 1e12 && value > -1e12) return value + 0;
  return Number(value.toPrecision(MEAN_DIGITS));
}

/** Running sum/min/max/count of valid constituents plus a count of all constituents. */
interface Acc {
  sum: number;
  min: number;
  max: number;
  n: number;
  total: number;
}

function newAcc(): Acc {
  return { sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, n: 0, total: 0 };
}

function push(acc: Acc, v: number): void {
  acc.sum += v;
  acc.n++;
  if (v < acc.min) acc.min = v;
  if (v > acc.max) acc.max = v;
}

function stat(acc: Acc, required: number, valid: boolean, rule: string): WindowStat {
  const some = acc.n > 0;
  return {
    mean: some ? clean(acc.sum / acc.n) : null,
    min: some ? acc.min : null,
    max: some ? acc.max : null,
    count: acc.n,
    required,
    valid,
    rule,
    totalCount: acc.total,
  };
}

/** A day's statistics computed from the hour ring or read back from the sealed-day cache. */
interface DayFigures {
  /** Valid hourly means of the day (GB 3095 Table 4: day D = hours labelled D 01:00 … D+1 00:00). */
  readonly hours: Acc;
  /** Valid 8-h means among the 17 windows ending D 08:00 … D+1 00:00 (HJ 663 §6.1.2). */
  readonly windows: Acc;
}

function validateOptions(options: WindowsOptions): void {
  const { latenessMs, reportingIntervalMs, dailyMax8hLimit, sealedDaysKept, validFlags, keep } = options;
  if (!Number.isFinite(latenessMs) || latenessMs < 0 || latenessMs > 31 * 86_400_000)
    throw new RangeError(`latenessMs: expected 0…31 days in ms, got ${String(latenessMs)}`);
  if (
    reportingIntervalMs !== undefined &&
    (!Number.isFinite(reportingIntervalMs) || reportingIntervalMs <= 0)
  )
    throw new RangeError(
      `reportingIntervalMs: expected a positive number of ms, got ${String(reportingIntervalMs)}`,
    );
  if (dailyMax8hLimit !== undefined && !Number.isFinite(dailyMax8hLimit))
    throw new RangeError(`dailyMax8hLimit: expected a number, got ${String(dailyMax8hLimit)}`);
  if (
    sealedDaysKept !== undefined &&
    (!Number.isInteger(sealedDaysKept) || sealedDaysKept < 1 || sealedDaysKept > 400)
  )
    throw new RangeError(`sealedDaysKept: expected an integer 1…400, got ${String(sealedDaysKept)}`);
  for (const flag of validFlags ?? [])
    if (!(DATA_FLAGS as readonly string[]).includes(flag))
      throw new RangeError(
        `validFlags: unknown flag ${JSON.stringify(flag)}; expected one of ${DATA_FLAGS.join(", ")}`,
      );
  for (const period of keep ?? [])
    if (!(KEPT_STATISTICS as readonly string[]).includes(period))
      throw new RangeError(
        `keep: unknown statistic ${JSON.stringify(period)}; expected some of ${KEPT_STATISTICS.join(", ")}`,
      );
}

function flagBit(flag: DataFlag): number {
  const i = DATA_FLAGS.indexOf(flag);
  if (i < 0) throw new RangeError(`flag: unknown HJ 212 flag ${JSON.stringify(flag)}`);
  return 1 << i;
}

/**
 * Where a series' numbers are in its slices of the three views, for one set of options (shared by
 * every series with the same options; offsets are relative to the series' base in each view).
 *
 * - an hour ring of N = 25 + ceil(lateness / 1 h) slots (sum, [min, max,] credited sampling,
 *   valid and total counts) — enough for the 24-h window ending at the oldest hour a reading may
 *   still change, and for every day not yet sealed. A slot holds the one hour of the ring's span
 *   (newest hour − N + 1 … newest hour) that maps to it; credited = −1 marks it empty (slots are
 *   emptied as the newest hour moves on, so no hour label is stored). The hour's mean follows
 *   @qingshan/store's rule (schema.ts HOUR_MEAN_SQL; GB 3095-2012 Table 4 counts sampling time):
 *   bit 15 of the total count (the count itself clamped at 32 767) marks an hour whose mean stays
 *   arithmetic — it holds an instantaneous reading, a seeded aggregate, a product value·t or a
 *   weighted sum that is not finite, or a count past its range; otherwise the credited i32 is
 *   Σ t over the in-hour times t, stored as ~Σ t (≤ −2) once two times differ — then the mean is
 *   Σ value·t / Σ t, the weighted sum being kept outside the buffer (TypedSeriesWindows.weighted,
 *   by slot, only for such hours), else Σ value / n;
 * - a cache of the last K sealed days (daily mean, min, max and counts; the O3 daily max 8-h and
 *   its counts when "dailyMax8h" is kept);
 * - month and year accumulators of sealed days (current and previous month/year) when kept;
 * - the newest ts (f64) and the first unsealed day (i32).
 */
class Layout {
  readonly n: number;
  readonly k: number;
  readonly latenessMs: number;
  readonly flagMask: number;
  readonly limit: number;
  readonly keepExtremes: boolean;
  readonly keep8h: boolean;
  readonly keepMonth: boolean;
  readonly keepYear: boolean;
  // f64: hour sum | [hour min | hour max] | day mean,min,max | [day 8h max,min] | [month sum,min,max ×2] | [year sum,min,max ×2] | newest
  readonly fDay: number;
  readonly fDay8: number;
  readonly fMonth: number;
  readonly fYear: number;
  readonly fNewest: number;
  readonly fStride: number;
  // i32: hour credited ms (−1: empty slot; ~ms ≤ −2: averaged times differ) | day tag | [month tag ×2] | [year tag ×2] | next unsealed day
  readonly iDay: number;
  readonly iMonth: number;
  readonly iYear: number;
  readonly iNext: number;
  readonly iStride: number;
  // u16: hour valid | hour total (bit 15: arithmetic mean) | day valid,total hours | [day valid,total 8h] | [month valid,total ×2] | [year valid,total ×2, month counts 2×12]
  readonly uDay: number;
  readonly uDay8: number;
  readonly uMonth: number;
  readonly uYear: number;
  readonly uStride: number;

  constructor(options: WindowsOptions) {
    this.latenessMs = options.latenessMs;
    let mask = 0;
    for (const flag of options.validFlags ?? DEFAULT_VALID_FLAGS) mask |= flagBit(flag);
    this.flagMask = mask;
    this.limit = options.dailyMax8hLimit ?? DEFAULT_DAILY_MAX_8H_LIMIT;
    const keep = options.keep ?? ALL_KEPT;
    this.keepExtremes = keep.includes("hourExtremes");
    this.keep8h = keep.includes("dailyMax8h");
    this.keepMonth = keep.includes("month");
    this.keepYear = keep.includes("year");
    const k = options.sealedDaysKept ?? DEFAULT_SEALED_DAYS_KEPT;
    const n = 25 + Math.ceil(this.latenessMs / HOUR_MS);
    this.n = n;
    this.k = k;
    this.fDay = this.keepExtremes ? 3 * n : n;
    this.fDay8 = this.fDay + 3 * k;
    this.fMonth = this.fDay8 + (this.keep8h ? 2 * k : 0);
    this.fYear = this.fMonth + (this.keepMonth ? 6 : 0);
    this.fNewest = this.fYear + (this.keepYear ? 6 : 0);
    this.fStride = this.fNewest + 1;
    this.iDay = n;
    this.iMonth = n + k;
    this.iYear = this.iMonth + (this.keepMonth ? 2 : 0);
    this.iNext = this.iYear + (this.keepYear ? 2 : 0);
    this.iStride = this.iNext + 1;
    this.uDay = 2 * n;
    this.uDay8 = this.uDay + 2 * k;
    this.uMonth = this.uDay8 + (this.keep8h ? 2 * k : 0);
    this.uYear = this.uMonth + (this.keepMonth ? 4 : 0);
    this.uStride = this.uYear + (this.keepYear ? 28 : 0);
  }

  /** Bytes of one series' slices. */
  get sliceBytes(): number {
    return this.fStride * 8 + this.iStride * 4 + this.uStride * 2;
  }
}

/** Layouts by options (an evaluator has a handful: one per lateness/flags/keep combination). */
const layouts = new Map<string, Layout>();
const MAX_CACHED_LAYOUTS = 64;

function layoutOf(options: WindowsOptions): Layout {
  validateOptions(options);
  const key = JSON.stringify([
    options.latenessMs,
    options.validFlags ?? null,
    options.dailyMax8hLimit ?? null,
    options.sealedDaysKept ?? null,
    options.keep ?? null,
  ]);
  let layout = layouts.get(key);
  if (layout === undefined) {
    layout = new Layout(options);
    if (layouts.size < MAX_CACHED_LAYOUTS) layouts.set(key, layout);
  }
  return layout;
}

/**
 * Typed-array implementation. A series owns slices of three views (f64, i32, u16) of an
 * ArrayBuffer it may share with the other series of its group (see createSeriesWindowsGroup);
 * see Layout for what is where.
 */
class TypedSeriesWindows implements SeriesWindows {
  /** Rule texts of this metric's hours and rolling windows (cited per metric, built once). */
  private readonly texts: RuleTexts;
  /**
   * Hourly means a day and a 24-h window need: 20, or fewer for a metric sampled less often than
   * hourly (`reportingIntervalMs` > 1 h) — @qingshan/standards dailyMinimum, as in the API.
   */
  private readonly dayMin: DailyMinimum;
  /**
   * Σ value·t by ring slot, only for hours whose in-hour times differ and whose mean is not
   * arithmetic (see Layout); created on first use, dropped when empty (most series never have one).
   */
  private weighted: Map<number, number> | undefined;

  constructor(
    readonly metric: MetricId,
    private readonly L: Layout,
    private readonly intervalMs: number,
    private readonly f64: Float64Array,
    private readonly i32: Int32Array,
    private readonly u16: Uint16Array,
    /** Bases of this series' slices. */
    private readonly fo: number,
    private readonly io: number,
    private readonly uo: number,
    /** Series sharing the buffer (its overhead is split between them in memoryBytes()). */
    private readonly groupSize: number,
  ) {
    this.dayMin = dailyMinimum(metric, intervalMs);
    this.texts = ruleTextsFor(metric, this.dayMin);
    const { n, k } = L;
    i32.fill(EMPTY_SLOT, io, io + n); // every ring slot empty
    f64[fo + L.fNewest] = Number.NaN;
    i32.fill(NO_TAG, io + L.iDay, io + L.iDay + k);
    if (L.keepMonth) i32.fill(NO_TAG, io + L.iMonth, io + L.iMonth + 2);
    if (L.keepYear) i32.fill(NO_TAG, io + L.iYear, io + L.iYear + 2);
  }

  /** Newest ts seen (UTC ms); NaN before the first reading. */
  private get newest(): number {
    return this.f64[this.fo + this.L.fNewest] as number;
  }
  private set newest(ts: number) {
    this.f64[this.fo + this.L.fNewest] = ts;
  }
  /** First Beijing day number that is not sealed yet. */
  private get nextUnsealed(): number {
    return this.i32[this.io + this.L.iNext] as number;
  }
  private set nextUnsealed(d: number) {
    this.i32[this.io + this.L.iNext] = d;
  }

  add(reading: WindowReading): AddOutcome {
    const { ts, value, flag } = reading;
    if (!Number.isFinite(ts)) throw new RangeError(`ts: expected epoch ms, got ${String(ts)}`);
    const bit = flagBit(flag);
    const valid = (this.L.flagMask & bit) !== 0;
    if (valid && !Number.isFinite(value))
      throw new RangeError(`value: expected a finite number, got ${String(value)}`);
    const refused = this.tooLate(ts);
    if (refused !== undefined) return refused;
    this.advance(ts);
    const label = hourEndOf(ts);
    const s = this.claim(label);
    const { f64, i32, u16, fo, io, uo } = this;
    const n = this.L.n;
    const total = u16[uo + n + s] as number;
    u16[uo + n + s] = (total & ARITHMETIC_BIT) | Math.min(TOTAL_MAX, (total & TOTAL_MAX) + 1);
    if (valid) {
      const count = u16[uo + s] as number;
      u16[uo + s] = Math.min(U16_MAX, count + 1);
      const sumBefore = f64[fo + s] as number;
      f64[fo + s] = sumBefore + value;
      if (this.L.keepExtremes) {
        if (value < (f64[fo + n + s] as number)) f64[fo + n + s] = value;
        if (value > (f64[fo + 2 * n + s] as number)) f64[fo + 2 * n + s] = value;
      }
      const period = reading.periodMs ?? 0;
      // GB 3095-2012 Table 4 counts sampling time IN the hour; an hour mixing averaged and
      // instantaneous readings counts both (readingSampledMs). inHour also weighs the mean.
      const inHour = period > 0 ? inHourPeriodMs(ts, period) : 0;
      const raw = i32[io + s] as number;
      const differ = raw < EMPTY_SLOT;
      const before = differ ? ~raw : raw;
      const credited = before + readingSampledMs(ts, period, this.intervalMs);
      const product = value * inHour;
      // The store's hour mean (hour.ts addValidReading, schema.ts HOUR_MEAN_SQL): weighted by in-hour
      // time only while every valid reading has one and no product left the double range; past the
      // counters' range Σ t is no longer known, so the arithmetic mean too.
      if (
        inHour === 0 ||
        ((u16[uo + n + s] as number) & ARITHMETIC_BIT) !== 0 ||
        !Number.isFinite(product) ||
        credited > I32_MAX ||
        count + 1 > U16_MAX
      ) {
        this.makeArithmetic(s);
        i32[io + s] = Math.min(I32_MAX, credited);
      } else if (differ || (count > 0 && before !== count * inHour)) {
        // Until now all times were equal: the common time is before / count (exact, no clamp was
        // reached), so the weighted sum so far is that time × Σ value.
        const sofar = differ ? (this.weighted?.get(s) as number) : (before / count) * sumBefore;
        const weighted = sofar + product;
        if (Number.isFinite(weighted)) {
          this.weighted ??= new Map();
          this.weighted.set(s, weighted);
          i32[io + s] = ~credited;
        } else {
          this.makeArithmetic(s);
          i32[io + s] = credited;
        }
      } else {
        i32[io + s] = credited;
      }
    }
    return { accepted: true, hourEnd: label };
  }

  addHourly(agg: HourlySeed): void {
    const label = agg.hourEnd;
    if (!isHourLabel(label)) throw new RangeError(`addHourly: hourEnd ${String(label)} is not a whole hour`);
    const newest = this.newest;
    if (!Number.isNaN(newest) && label < hourEndOf(newest - this.L.latenessMs))
      throw new RangeError(
        `addHourly: hour ${toBeijingIso(label)} is older than the lateness allows (newest ${toBeijingIso(newest)}); seed aggregates in ascending order`,
      );
    this.advance(label - 1);
    const s = this.claim(label);
    const { f64, i32, u16, fo, io, uo } = this;
    const n = this.L.n;
    const validCount = Math.min(U16_MAX, Math.max(0, Math.trunc(agg.validCount)));
    const hasMean = agg.mean !== null && validCount > 0;
    u16[uo + s] = hasMean ? validCount : 0;
    u16[uo + n + s] = Math.min(TOTAL_MAX, Math.max(validCount, Math.trunc(agg.totalCount)));
    f64[fo + s] = hasMean ? (agg.mean as number) * validCount : 0;
    if (this.L.keepExtremes) {
      f64[fo + n + s] = hasMean ? (agg.min ?? (agg.mean as number)) : Number.POSITIVE_INFINITY;
      f64[fo + 2 * n + s] = hasMean ? (agg.max ?? (agg.mean as number)) : Number.NEGATIVE_INFINITY;
    }
    // hourSampledMs: an aggregate of instantaneous readings only is credited the interval per valid
    // reading, as live ones would be; a mixed hour's aggregate cannot say how many of its readings
    // were instantaneous, so only its averaged time is credited.
    const averagedMs = Math.max(0, Math.trunc(agg.validPeriodMs));
    const credited = hasMean ? hourSampledMs(validCount, averagedMs, this.intervalMs) : averagedMs;
    i32[io + s] = Math.min(I32_MAX, credited);
    // The aggregate's mean is already the store's (weighted or arithmetic): kept as it is, and
    // live readings joining the hour are averaged with it arithmetically (its readings' times and
    // values are not in the aggregate). Without valid readings, live ones follow the store's rule.
    this.forget(s);
    if (hasMean || credited > 0) this.makeArithmetic(s);
  }

  hour(hourEnd: number): WindowStat {
    if (!isHourLabel(hourEnd))
      throw new RangeError(`hourEnd: ${String(hourEnd)} is not a whole hour (UTC ms)`);
    this.assertRetained(hourEnd, hourEnd, 1);
    const rule = this.texts.hour(is2026Day(dayIndexOf(hourEnd - 1)));
    const s = this.slotOf(hourEnd);
    const empty = { ...stat(newAcc(), Math.ceil(MIN_SAMPLING_PER_HOUR_MS / this.intervalMs), false, rule) };
    if (s < 0) return { ...empty, sampledMs: 0 };
    const { f64, u16, fo, uo } = this;
    const n = this.L.n;
    const validCount = u16[uo + s] as number;
    const credited = this.creditedOf(s);
    const sampledMs = this.sampledMs(s);
    const perReading = credited > 0 && validCount > 0 ? credited / validCount : this.intervalMs;
    const some = validCount > 0;
    const extremes = some && this.L.keepExtremes;
    return {
      mean: some ? this.hourMean(s) : null,
      min: extremes ? (f64[fo + n + s] as number) : null,
      max: extremes ? (f64[fo + 2 * n + s] as number) : null,
      count: validCount,
      required: Math.ceil(MIN_SAMPLING_PER_HOUR_MS / perReading),
      valid: some && sampledMs >= MIN_SAMPLING_PER_HOUR_MS,
      rule,
      totalCount: (u16[uo + n + s] as number) & TOTAL_MAX,
      sampledMs,
    };
  }

  rolling(hours: 8 | 24, hourEnd: number): WindowStat {
    if (hours !== 8 && hours !== 24) throw new RangeError(`hours: expected 8 or 24, got ${String(hours)}`);
    if (!isHourLabel(hourEnd))
      throw new RangeError(`hourEnd: ${String(hourEnd)} is not a whole hour (UTC ms)`);
    this.assertRetained(hourEnd - (hours - 1) * HOUR_MS, hourEnd, hours);
    const acc = newAcc();
    const newest = this.newest;
    if (!Number.isNaN(newest)) {
      // The ring's span, once (slotOf per hour recomputes it).
      const top = hourEndOf(newest);
      const from = Math.max(hourEnd - (hours - 1) * HOUR_MS, top - (this.L.n - 1) * HOUR_MS);
      const to = Math.min(hourEnd, top);
      const credited = this.i32;
      const io = this.io;
      for (let label = from; label <= to; label += HOUR_MS) {
        const s = this.slotIndex(label);
        if (credited[io + s] === EMPTY_SLOT) continue;
        acc.total++;
        const v = this.validHourMean(s);
        if (!Number.isNaN(v)) push(acc, v);
      }
    }
    const required = hours === 8 ? MIN_HOURS_8H : this.dayMin.required;
    return stat(
      acc,
      required,
      acc.n >= required,
      this.texts.rolling(hours, is2026Day(dayIndexOf(hourEnd - 1))),
    );
  }

  day(dayKey: string): WindowStat {
    const d = parseDayKey(dayKey);
    const figures = this.dayFigures(d, dayKey);
    const required = this.dayMin.required;
    return stat(
      figures.hours,
      required,
      figures.hours.n >= required,
      dayRule(dayKey, this.metric, this.dayMin),
    );
  }

  dailyMax8h(dayKey: string): WindowStat {
    const d = parseDayKey(dayKey);
    if (!this.L.keep8h && !Number.isNaN(this.newest) && d < this.nextUnsealed)
      throw new RangeError(
        `day ${dayKey} is sealed and these windows keep no daily max 8-h of sealed days (keep excludes "dailyMax8h"); read it from the store`,
      );
    const { windows } = this.dayFigures(d, dayKey);
    const some = windows.n > 0;
    const dailyMax = some ? clean(windows.max) : null;
    // HJ 663 §6.1.2: ≥ 14 of 17 valid 8-h means, or valid anyway when the maximum exceeds the limit.
    const valid = some && o3DailyMax8hValidity(windows.n, dailyMax, this.L.limit).valid;
    return {
      mean: dailyMax,
      min: some ? clean(windows.min) : null,
      max: dailyMax,
      count: windows.n,
      required: MIN_WINDOWS_DAILY_MAX_8H,
      valid,
      rule: dailyMax8hRule(dayKey, this.L.limit, this.metric),
      totalCount: windows.total,
    };
  }

  month(monthKey: string): WindowStat {
    const m = parseMonthKey(monthKey);
    const L = this.L;
    if (!L.keepMonth)
      throw new RangeError(
        `month ${monthKey}: these windows keep no month accumulators (keep excludes "month"); read it from the store`,
      );
    const acc = newAcc();
    const lastDate = dayKeyOf(firstDayOfMonth(m + 1) - 1);
    const required = monthlyMinimum((m % 12) + 1);
    const newest = this.newest;
    if (Number.isNaN(newest)) return stat(acc, required, false, monthRule(lastDate, this.metric));
    const nextUnsealed = this.nextUnsealed;
    const oldest = monthIndexOfDay(nextUnsealed) - 1;
    if (m < oldest)
      throw new RangeError(
        `month ${monthKey} is no longer kept by the windows (oldest kept: ${monthKeyOf(oldest)}); read it from the store`,
      );
    const slot = m % 2;
    const { f64, i32, u16, fo, io, uo } = this;
    if (i32[io + L.iMonth + slot] === m) {
      acc.sum = f64[fo + L.fMonth + slot] as number;
      acc.min = f64[fo + L.fMonth + 2 + slot] as number;
      acc.max = f64[fo + L.fMonth + 4 + slot] as number;
      acc.n = u16[uo + L.uMonth + slot] as number;
      acc.total = u16[uo + L.uMonth + 2 + slot] as number;
    }
    for (let d = nextUnsealed; d <= dayIndexOf(newest); d++)
      if (monthIndexOfDay(d) === m) this.pushDay(acc, d);
    return stat(acc, required, acc.n >= required, monthRule(lastDate, this.metric));
  }

  yearToDate(year: number): YearToDateStat {
    if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`year: got ${String(year)}`);
    const L = this.L;
    if (!L.keepYear)
      throw new RangeError(
        `year ${year}: these windows keep no year accumulators (keep excludes "year"); read it from the store`,
      );
    const acc = newAcc();
    const monthCounts: number[] = new Array(12).fill(0);
    const newest = this.newest;
    if (!Number.isNaN(newest)) {
      const nextUnsealed = this.nextUnsealed;
      const oldest = yearOfDay(nextUnsealed) - 1;
      if (year < oldest)
        throw new RangeError(
          `year ${year} is no longer kept by the windows (oldest kept: ${oldest}); read it from the store`,
        );
      const slot = year % 2;
      const { f64, i32, u16, fo, io, uo } = this;
      if (i32[io + L.iYear + slot] === year) {
        acc.sum = f64[fo + L.fYear + slot] as number;
        acc.min = f64[fo + L.fYear + 2 + slot] as number;
        acc.max = f64[fo + L.fYear + 4 + slot] as number;
        acc.n = u16[uo + L.uYear + slot] as number;
        acc.total = u16[uo + L.uYear + 2 + slot] as number;
        for (let i = 0; i < 12; i++) monthCounts[i] = u16[uo + L.uYear + 4 + slot * 12 + i] as number;
      }
      for (let d = nextUnsealed; d <= dayIndexOf(newest); d++) {
        if (yearOfDay(d) !== year) continue;
        const mi = monthIndexOfDay(d) % 12;
        if (this.pushDay(acc, d)) monthCounts[mi] = (monthCounts[mi] as number) + 1;
      }
    }
    // GB 3095 Table 4: ≥ 324 daily means and every month at its minimum (27, February 25).
    const valid = annualMeanValidity(year, monthCounts).valid;
    return {
      ...stat(acc, MIN_DAYS_YEAR, valid, yearRule(year, this.metric)),
      sumOfDailyMeans: clean(acc.sum),
      monthCounts,
    };
  }

  latestHourEnd(): number | undefined {
    const newest = this.newest;
    return Number.isNaN(newest) ? undefined : hourEndOf(newest);
  }

  memoryBytes(): number {
    return (
      OBJECT_OVERHEAD_BYTES +
      this.L.sliceBytes +
      (ARRAY_BUFFER_OVERHEAD_BYTES + 3 * VIEW_OVERHEAD_BYTES) / this.groupSize +
      (this.weighted === undefined ? 0 : MAP_OVERHEAD_BYTES + this.weighted.size * MAP_ENTRY_BYTES)
    );
  }

  // ---- internals ----

  private tooLate(ts: number): AddOutcome | undefined {
    const newest = this.newest;
    const latenessMs = this.L.latenessMs;
    if (Number.isNaN(newest) || ts >= newest - latenessMs) return undefined;
    return {
      accepted: false,
      code: "window.too_late",
      reason: `reading at ${toBeijingIso(ts)} is older than the newest reading ${toBeijingIso(newest)} minus the lateness of ${latenessMs / 60_000} min (cut-off ${toBeijingIso(newest - latenessMs)})`,
    };
  }

  /**
   * Moves the newest ts forward, sealing every day no accepted reading can change any more, then
   * empties the ring slots of the hours the ring's span moves onto.
   */
  private advance(ts: number): void {
    const newest = this.newest;
    const latenessMs = this.L.latenessMs;
    if (Number.isNaN(newest)) {
      this.newest = ts;
      this.nextUnsealed = dayIndexOf(ts - latenessMs);
      return;
    }
    if (ts <= newest) return;
    // Seal before the ring moves on: the sealed day's hours are still in the ring now.
    const lastSealable = dayIndexOf(ts - latenessMs) - 1;
    const newestLabel = hourEndOf(newest);
    let nextUnsealed = this.nextUnsealed;
    for (let d = nextUnsealed; d <= lastSealable; d++) {
      if (newestLabel < dayStartOf(d) + HOUR_MS) break; // no data for d or any later day
      this.seal(d);
    }
    if (lastSealable + 1 > nextUnsealed) nextUnsealed = lastSealable + 1;
    this.nextUnsealed = nextUnsealed;
    this.newest = ts;
    const label = hourEndOf(ts);
    if (label === newestLabel) return;
    const n = this.L.n;
    for (let l = Math.max(newestLabel + HOUR_MS, label - (n - 1) * HOUR_MS); l <= label; l += HOUR_MS) {
      const s = this.slotIndex(l);
      this.i32[this.io + s] = EMPTY_SLOT;
      this.forget(s);
    }
  }

  private seal(d: number): void {
    const { hours, windows } = this.dayFromRing(d);
    if (hours.total === 0) return;
    const { f64, i32, u16, fo, io, uo, L } = this;
    const k = L.k;
    const c = d % k;
    const dF = fo + L.fDay;
    i32[io + L.iDay + c] = d;
    f64[dF + c] = hours.n > 0 ? clean(hours.sum / hours.n) : Number.NaN;
    f64[dF + k + c] = hours.min;
    f64[dF + 2 * k + c] = hours.max;
    u16[uo + L.uDay + c] = hours.n;
    u16[uo + L.uDay + k + c] = hours.total;
    if (L.keep8h) {
      f64[fo + L.fDay8 + c] = windows.max;
      f64[fo + L.fDay8 + k + c] = windows.min;
      u16[uo + L.uDay8 + c] = windows.n;
      u16[uo + L.uDay8 + k + c] = windows.total;
    }
    const dayMean = f64[dF + c] as number;
    const valid = hours.n >= this.dayMin.required;
    const m = monthIndexOfDay(d);
    if (L.keepMonth) this.accumulate(m % 2, m, fo + L.fMonth, io + L.iMonth, uo + L.uMonth, valid, dayMean);
    if (!L.keepYear) return;
    const y = yearOfDay(d);
    const ySlot = y % 2;
    const fresh = i32[io + L.iYear + ySlot] !== y;
    this.accumulate(ySlot, y, fo + L.fYear, io + L.iYear, uo + L.uYear, valid, dayMean);
    const months = uo + L.uYear + 4 + ySlot * 12;
    if (fresh) u16.fill(0, months, months + 12);
    if (valid) u16[months + (m % 12)] = (u16[months + (m % 12)] as number) + 1;
  }

  /** Adds a day to a month or year accumulator (absolute offsets: f sum,min,max ×2; i tag ×2; u valid,total ×2). */
  private accumulate(
    slot: number,
    tag: number,
    fOff: number,
    iOff: number,
    uOff: number,
    valid: boolean,
    v: number,
  ): void {
    const { f64, i32, u16 } = this;
    if (i32[iOff + slot] !== tag) {
      i32[iOff + slot] = tag;
      f64[fOff + slot] = 0;
      f64[fOff + 2 + slot] = Number.POSITIVE_INFINITY;
      f64[fOff + 4 + slot] = Number.NEGATIVE_INFINITY;
      u16[uOff + slot] = 0;
      u16[uOff + 2 + slot] = 0;
    }
    u16[uOff + 2 + slot] = (u16[uOff + 2 + slot] as number) + 1;
    if (!valid) return;
    u16[uOff + slot] = (u16[uOff + slot] as number) + 1;
    f64[fOff + slot] = (f64[fOff + slot] as number) + v;
    if (v < (f64[fOff + 2 + slot] as number)) f64[fOff + 2 + slot] = v;
    if (v > (f64[fOff + 4 + slot] as number)) f64[fOff + 4 + slot] = v;
  }

  /** Adds day `d`'s mean to a month/year accumulator when the day is valid; returns whether it was. */
  private pushDay(acc: Acc, d: number): boolean {
    const { hours } = this.dayFromRing(d);
    if (hours.total === 0) return false;
    acc.total++;
    if (hours.n < this.dayMin.required) return false;
    push(acc, clean(hours.sum / hours.n));
    return true;
  }

  private dayFigures(d: number, dayKey: string): DayFigures {
    const nextUnsealed = this.nextUnsealed;
    if (Number.isNaN(this.newest) || d >= nextUnsealed) return this.dayFromRing(d);
    const { f64, i32, u16, fo, io, uo, L } = this;
    const k = L.k;
    if (d < nextUnsealed - k)
      throw new RangeError(
        `day ${dayKey} is sealed and no longer kept by the windows (oldest kept: ${dayKeyOf(nextUnsealed - k)}); use month()/yearToDate() or read it from the store`,
      );
    const hours = newAcc();
    const windows = newAcc();
    const c = d % k;
    if (i32[io + L.iDay + c] !== d) return { hours, windows };
    const dF = fo + L.fDay;
    hours.n = u16[uo + L.uDay + c] as number;
    hours.total = u16[uo + L.uDay + k + c] as number;
    hours.sum = (f64[dF + c] as number) * hours.n; // stat() divides by n again; clean() keeps it exact
    hours.min = f64[dF + k + c] as number;
    hours.max = f64[dF + 2 * k + c] as number;
    if (L.keep8h) {
      windows.n = u16[uo + L.uDay8 + c] as number;
      windows.total = u16[uo + L.uDay8 + k + c] as number;
      windows.max = f64[fo + L.fDay8 + c] as number;
      windows.min = f64[fo + L.fDay8 + k + c] as number;
    }
    return { hours, windows };
  }

  /** A day's hours and O3 8-h windows from the ring (only for days whose hours are all retained). */
  private dayFromRing(d: number): DayFigures & { windows: Acc } {
    const start = dayStartOf(d);
    const hours = newAcc();
    const means = new Float64Array(24).fill(Number.NaN);
    for (let i = 0; i < 24; i++) {
      const label = start + (i + 1) * HOUR_MS;
      const s = this.slotOf(label);
      if (s < 0) continue;
      hours.total++;
      const v = this.validHourMean(s);
      if (Number.isNaN(v)) continue;
      means[i] = v;
      push(hours, v);
    }
    // HJ 663 §6.1.2: the 17 windows ending 08:00 … 24:00 of the day (never reaching into the previous day).
    const windows = newAcc();
    for (let end = 7; end < 24; end++) {
      let sum = 0;
      let n = 0;
      for (let i = end - 7; i <= end; i++) {
        const v = means[i] as number;
        if (!Number.isNaN(v)) {
          sum += v;
          n++;
        }
      }
      if (n > 0) windows.total++;
      // GB 3095 Table 4: an 8-h mean needs ≥ 6 hourly means.
      if (n >= MIN_HOURS_8H) push(windows, clean(sum / n));
    }
    return { hours, windows };
  }

  /** The slot's credited sampling (ms), decoded (see Layout). */
  private creditedOf(s: number): number {
    const raw = this.i32[this.io + s] as number;
    return raw < EMPTY_SLOT ? ~raw : raw;
  }

  /**
   * The hour's mean, as @qingshan/store gives it (schema.ts HOUR_MEAN_SQL): Σ value·t / Σ t when
   * every valid reading sampled for a time t in the hour and these times differ (GB 3095-2012
   * Table 4 counts sampling time), else Σ value / n. NaN without a valid reading.
   */
  private hourMean(s: number): number {
    const raw = this.i32[this.io + s] as number;
    const arithmetic = ((this.u16[this.uo + this.L.n + s] as number) & ARITHMETIC_BIT) !== 0;
    if (raw < EMPTY_SLOT && !arithmetic) return clean((this.weighted?.get(s) as number) / ~raw);
    return clean((this.f64[this.fo + s] as number) / (this.u16[this.uo + s] as number));
  }

  /** The hour in slot `s` keeps the arithmetic mean from now on (see Layout). */
  private makeArithmetic(s: number): void {
    const t = this.uo + this.L.n + s;
    this.u16[t] = (this.u16[t] as number) | ARITHMETIC_BIT;
    this.forget(s);
  }

  /** Drops slot `s`'s weighted sum, and the Map once it holds none. */
  private forget(s: number): void {
    const weighted = this.weighted;
    if (weighted?.delete(s) && weighted.size === 0) this.weighted = undefined;
  }

  private sampledMs(s: number): number {
    // Credited as the readings were added (readingSampledMs each); a seeded hour as hourSampledMs.
    return Math.min(HOUR_MS, this.creditedOf(s));
  }

  /** The hour's mean when valid (GB 3095 Table 4: ≥ 45 min of sampling), else NaN. */
  private validHourMean(s: number): number {
    const validCount = this.u16[this.uo + s] as number;
    if (validCount === 0 || this.sampledMs(s) < MIN_SAMPLING_PER_HOUR_MS) return Number.NaN;
    return this.hourMean(s);
  }

  private slotIndex(label: number): number {
    const n = this.L.n;
    const h = label / HOUR_MS;
    return ((h % n) + n) % n;
  }

  /** The ring slot holding hour `label`, or −1 when the ring has nothing for it. */
  private slotOf(label: number): number {
    const newest = this.newest;
    if (Number.isNaN(newest)) return -1;
    const top = hourEndOf(newest);
    if (label > top || label <= top - this.L.n * HOUR_MS) return -1;
    const s = this.slotIndex(label);
    return this.i32[this.io + s] === EMPTY_SLOT ? -1 : s;
  }

  /** The slot for hour `label` (within the ring's span), initialised first if it was empty. */
  private claim(label: number): number {
    const s = this.slotIndex(label);
    const { f64, i32, u16, fo, io, uo } = this;
    const n = this.L.n;
    if (i32[io + s] === EMPTY_SLOT) {
      i32[io + s] = 0;
      f64[fo + s] = 0;
      this.forget(s);
      if (this.L.keepExtremes) {
        f64[fo + n + s] = Number.POSITIVE_INFINITY;
        f64[fo + 2 * n + s] = Number.NEGATIVE_INFINITY;
      }
      u16[uo + s] = 0;
      u16[uo + n + s] = 0;
    }
    return s;
  }

  /** Throws RangeError when hour `label` (the oldest of the `hours`-h window ending `hourEnd`) left the ring. */
  private assertRetained(label: number, hourEnd: number, hours: number): void {
    const newest = this.newest;
    if (Number.isNaN(newest)) return;
    const oldest = hourEndOf(newest) - (this.L.n - 1) * HOUR_MS;
    if (label < oldest)
      throw new RangeError(
        `${hours === 1 ? "hour" : `${hours}-h window ending ${toBeijingIso(hourEnd)}`}: hour ${toBeijingIso(label)} has left the windows' ring (oldest kept ${toBeijingIso(oldest)}); read it from the store`,
      );
  }
}

/** One series of a group: its metric and options. */
export interface SeriesSpec {
  readonly metric: MetricId;
  readonly options: WindowsOptions;
}

/**
 * Windows of several series (e.g. the metrics of one station) in one shared ArrayBuffer: each
 * behaves exactly as a createSeriesWindows() of its own, but the buffer and its views (a few
 * hundred bytes of V8 objects) are paid once per group instead of once per series.
 *
 * @example
 * const [pm25, o3] = createSeriesWindowsGroup([
 *   { metric: "pm25", options: { latenessMs: 7_200_000, keep: [] } },
 *   { metric: "o3", options: { latenessMs: 7_200_000 } },
 * ]);
 */
export function createSeriesWindowsGroup(specs: readonly SeriesSpec[]): SeriesWindows[] {
  const layouts = specs.map((spec) => layoutOf(spec.options));
  let f = 0;
  let i = 0;
  let u = 0;
  for (const L of layouts) {
    f += L.fStride;
    i += L.iStride;
    u += L.uStride;
  }
  const buffer = new ArrayBuffer(f * 8 + i * 4 + u * 2);
  const f64 = new Float64Array(buffer, 0, f);
  const i32 = new Int32Array(buffer, f * 8, i);
  const u16 = new Uint16Array(buffer, f * 8 + i * 4, u);
  let fo = 0;
  let io = 0;
  let uo = 0;
  return specs.map((spec, j) => {
    const L = layouts[j] as Layout;
    const w = new TypedSeriesWindows(
      spec.metric,
      L,
      spec.options.reportingIntervalMs ?? DEFAULT_REPORTING_INTERVAL_MS,
      f64,
      i32,
      u16,
      fo,
      io,
      uo,
      specs.length,
    );
    fo += L.fStride;
    io += L.iStride;
    uo += L.uStride;
    return w;
  });
}

/**
 * Rolling windows of one series (one metric of one station): hourly means, 8-h and 24-h rolling
 * means, Beijing-day means, the O3 daily maximum 8-h mean, month and year-to-date means, each with
 * its validity per GB 3095 Table 4 / HJ 663 (a local rule by analogy for the metrics they do not
 * list; `rule` says which). O(1) per reading; memory bounded by the lateness.
 *
 * @example
 * const w = createSeriesWindows("pm25", { latenessMs: 2 * 3_600_000 });
 * w.add({ ts: Date.parse("2026-11-29T08:05:00+08:00"), value: 31, flag: "N" }); // { accepted: true, hourEnd: …09:00+08:00 }
 * w.hour(Date.parse("2026-11-29T09:00:00+08:00")).valid; // false until ≥ 45 min are sampled
 */
export function createSeriesWindows(metric: MetricId, options: WindowsOptions): SeriesWindows {
  return createSeriesWindowsGroup([{ metric, options }])[0] as SeriesWindows;
}
