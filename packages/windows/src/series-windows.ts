import {
  DATA_FLAGS,
  type DataFlag,
  DEFAULT_VALID_FLAGS,
  HOUR_MS,
  type MetricId,
  toBeijingIso,
} from "@qingshan/domain";
import { annualMeanValidity, monthlyMinimum, o3DailyMax8hValidity } from "@qingshan/standards";
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
  hourRule,
  MIN_DAYS_YEAR,
  MIN_HOURS_8H,
  MIN_HOURS_24H,
  MIN_SAMPLING_PER_HOUR_MS,
  MIN_WINDOWS_DAILY_MAX_8H,
  monthRule,
  rollingRule,
  yearRule,
} from "./rules.ts";
import type {
  AddOutcome,
  HourlySeed,
  SeriesWindows,
  WindowReading,
  WindowStat,
  WindowsOptions,
  YearToDateStat,
} from "./types.ts";

const DEFAULT_REPORTING_INTERVAL_MS = 5 * 60_000;
const DEFAULT_SEALED_DAYS_KEPT = 3;
const NO_TAG = -2147483648;
const U16_MAX = 65_535;
const I32_MAX = 2_147_483_647;
/** Significant digits kept in means, as in the API (services/api/src/series/mean.ts): 24 × 1.2 averages to 1.2. */
const MEAN_DIGITS = 12;
// Rough V8 sizes used by memoryBytes(): object header + in-object fields, ArrayBuffer, each view.
const OBJECT_OVERHEAD_BYTES = 24 + 20 * 8;
const ARRAY_BUFFER_OVERHEAD_BYTES = 96;
const VIEW_OVERHEAD_BYTES = 72;

function clean(value: number): number {
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
  const { latenessMs, reportingIntervalMs, dailyMax8hLimit, sealedDaysKept, validFlags } = options;
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
}

function flagBit(flag: DataFlag): number {
  const i = DATA_FLAGS.indexOf(flag);
  if (i < 0) throw new RangeError(`flag: unknown HJ 212 flag ${JSON.stringify(flag)}`);
  return 1 << i;
}

/**
 * Typed-array implementation. All state lives in one ArrayBuffer with three views:
 *
 * - an hour ring of N = 25 + ceil(lateness / 1 h) slots (sum, min, max, label, credited sampling,
 *   valid and total counts) — enough for the 24-h window ending at the oldest hour a reading may
 *   still change, and for every day not yet sealed;
 * - a cache of the last K sealed days (daily mean and O3 daily max 8-h with their counts);
 * - month and year accumulators of sealed days (current and previous month/year).
 */
class TypedSeriesWindows implements SeriesWindows {
  readonly metric: MetricId;
  private readonly latenessMs: number;
  private readonly flagMask: number;
  private readonly intervalMs: number;
  private readonly limit: number;
  private readonly n: number;
  private readonly k: number;
  private readonly buffer: ArrayBuffer;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly u16: Uint16Array;
  /** Newest ts seen (UTC ms); NaN before the first reading. */
  private newest = Number.NaN;
  /** First Beijing day number that is not sealed yet. */
  private nextUnsealed = 0;

  constructor(metric: MetricId, options: WindowsOptions) {
    validateOptions(options);
    this.metric = metric;
    this.latenessMs = options.latenessMs;
    let mask = 0;
    for (const flag of options.validFlags ?? DEFAULT_VALID_FLAGS) mask |= flagBit(flag);
    this.flagMask = mask;
    this.intervalMs = options.reportingIntervalMs ?? DEFAULT_REPORTING_INTERVAL_MS;
    this.limit = options.dailyMax8hLimit ?? DEFAULT_DAILY_MAX_8H_LIMIT;
    this.k = options.sealedDaysKept ?? DEFAULT_SEALED_DAYS_KEPT;
    this.n = 25 + Math.ceil(this.latenessMs / HOUR_MS);
    const f64Len = 3 * this.n + 5 * this.k + 12;
    const i32Len = 2 * this.n + this.k + 4;
    const u16Len = 2 * this.n + 4 * this.k + 32;
    this.buffer = new ArrayBuffer(f64Len * 8 + i32Len * 4 + u16Len * 2);
    this.f64 = new Float64Array(this.buffer, 0, f64Len);
    this.i32 = new Int32Array(this.buffer, f64Len * 8, i32Len);
    this.u16 = new Uint16Array(this.buffer, f64Len * 8 + i32Len * 4, u16Len);
    this.i32.fill(NO_TAG, 0, this.n);
    this.i32.fill(NO_TAG, 2 * this.n);
  }

  // ---- layout (offsets into the views) ----
  // f64: hour sum | hour min | hour max | day mean | day min | day max | day 8h max | day 8h min | month sum,min,max ×2 | year sum,min,max ×2
  // i32: hour label | hour credited ms | day tag | month tag ×2 | year tag ×2
  // u16: hour valid | hour total | day valid hours | day total hours | day valid 8h | day total 8h | month valid,total ×2 | year valid,total ×2 | year month counts 2×12

  private get dF(): number {
    return 3 * this.n;
  }
  private get mF(): number {
    return 3 * this.n + 5 * this.k;
  }
  private get dI(): number {
    return 2 * this.n;
  }
  private get mI(): number {
    return 2 * this.n + this.k;
  }
  private get dU(): number {
    return 2 * this.n;
  }
  private get mU(): number {
    return 2 * this.n + 4 * this.k;
  }

  add(reading: WindowReading): AddOutcome {
    const { ts, value, flag } = reading;
    if (!Number.isFinite(ts)) throw new RangeError(`ts: expected epoch ms, got ${String(ts)}`);
    const bit = flagBit(flag);
    const valid = (this.flagMask & bit) !== 0;
    if (valid && !Number.isFinite(value))
      throw new RangeError(`value: expected a finite number, got ${String(value)}`);
    const refused = this.tooLate(ts);
    if (refused !== undefined) return refused;
    this.advance(ts);
    const label = Math.floor(ts / HOUR_MS) * HOUR_MS + HOUR_MS;
    const s = this.claim(label);
    const { f64, i32, u16, n } = this;
    u16[n + s] = Math.min(U16_MAX, (u16[n + s] as number) + 1);
    if (valid) {
      u16[s] = Math.min(U16_MAX, (u16[s] as number) + 1);
      f64[s] = (f64[s] as number) + value;
      if (value < (f64[n + s] as number)) f64[n + s] = value;
      if (value > (f64[2 * n + s] as number)) f64[2 * n + s] = value;
      const period = reading.periodMs ?? 0;
      // Same crediting as @qingshan/store: each reading's averaging period, capped at 1 h.
      if (period > 0) i32[n + s] = Math.min(I32_MAX, (i32[n + s] as number) + Math.min(period, HOUR_MS));
    }
    return { accepted: true, hourEnd: label };
  }

  addHourly(agg: HourlySeed): void {
    const label = agg.hourEnd;
    if (!isHourLabel(label)) throw new RangeError(`addHourly: hourEnd ${String(label)} is not a whole hour`);
    if (!Number.isNaN(this.newest) && label < this.hourLabelOf(this.newest - this.latenessMs))
      throw new RangeError(
        `addHourly: hour ${toBeijingIso(label)} is older than the lateness allows (newest ${toBeijingIso(this.newest)}); seed aggregates in ascending order`,
      );
    this.advance(label - 1);
    const s = this.claim(label);
    const { f64, i32, u16, n } = this;
    const validCount = Math.min(U16_MAX, Math.max(0, Math.trunc(agg.validCount)));
    const hasMean = agg.mean !== null && validCount > 0;
    u16[s] = hasMean ? validCount : 0;
    u16[n + s] = Math.min(U16_MAX, Math.max(validCount, Math.trunc(agg.totalCount)));
    f64[s] = hasMean ? (agg.mean as number) * validCount : 0;
    f64[n + s] = hasMean ? (agg.min ?? (agg.mean as number)) : Number.POSITIVE_INFINITY;
    f64[2 * n + s] = hasMean ? (agg.max ?? (agg.mean as number)) : Number.NEGATIVE_INFINITY;
    i32[n + s] = Math.min(I32_MAX, Math.max(0, Math.trunc(agg.validPeriodMs)));
  }

  hour(hourEnd: number): WindowStat {
    if (!isHourLabel(hourEnd))
      throw new RangeError(`hourEnd: ${String(hourEnd)} is not a whole hour (UTC ms)`);
    this.assertRetained(hourEnd, "hour");
    const rule = hourRule(dayKeyOf(dayIndexOf(hourEnd - 1)));
    const s = this.slotOf(hourEnd);
    const empty = { ...stat(newAcc(), Math.ceil(MIN_SAMPLING_PER_HOUR_MS / this.intervalMs), false, rule) };
    if (s < 0) return { ...empty, sampledMs: 0 };
    const { f64, i32, u16, n } = this;
    const validCount = u16[s] as number;
    const credited = i32[n + s] as number;
    const sampledMs = this.sampledMs(s);
    const perReading = credited > 0 && validCount > 0 ? credited / validCount : this.intervalMs;
    const some = validCount > 0;
    return {
      mean: some ? clean((f64[s] as number) / validCount) : null,
      min: some ? (f64[n + s] as number) : null,
      max: some ? (f64[2 * n + s] as number) : null,
      count: validCount,
      required: Math.ceil(MIN_SAMPLING_PER_HOUR_MS / perReading),
      valid: some && sampledMs >= MIN_SAMPLING_PER_HOUR_MS,
      rule,
      totalCount: u16[n + s] as number,
      sampledMs,
    };
  }

  rolling(hours: 8 | 24, hourEnd: number): WindowStat {
    if (hours !== 8 && hours !== 24) throw new RangeError(`hours: expected 8 or 24, got ${String(hours)}`);
    if (!isHourLabel(hourEnd))
      throw new RangeError(`hourEnd: ${String(hourEnd)} is not a whole hour (UTC ms)`);
    this.assertRetained(hourEnd - (hours - 1) * HOUR_MS, `${hours}-h window ending ${toBeijingIso(hourEnd)}`);
    const acc = newAcc();
    for (let label = hourEnd - (hours - 1) * HOUR_MS; label <= hourEnd; label += HOUR_MS)
      this.pushHour(acc, label);
    const required = hours === 8 ? MIN_HOURS_8H : MIN_HOURS_24H;
    return stat(acc, required, acc.n >= required, rollingRule(hours, dayKeyOf(dayIndexOf(hourEnd - 1))));
  }

  day(dayKey: string): WindowStat {
    const d = parseDayKey(dayKey);
    const figures = this.dayFigures(d, dayKey);
    return stat(figures.hours, MIN_HOURS_24H, figures.hours.n >= MIN_HOURS_24H, dayRule(dayKey));
  }

  dailyMax8h(dayKey: string): WindowStat {
    const d = parseDayKey(dayKey);
    const { windows } = this.dayFigures(d, dayKey);
    const some = windows.n > 0;
    const dailyMax = some ? clean(windows.max) : null;
    // HJ 663 §6.1.2: ≥ 14 of 17 valid 8-h means, or valid anyway when the maximum exceeds the limit.
    const valid = some && o3DailyMax8hValidity(windows.n, dailyMax, this.limit).valid;
    return {
      mean: dailyMax,
      min: some ? clean(windows.min) : null,
      max: dailyMax,
      count: windows.n,
      required: MIN_WINDOWS_DAILY_MAX_8H,
      valid,
      rule: dailyMax8hRule(dayKey, this.limit),
      totalCount: windows.total,
    };
  }

  month(monthKey: string): WindowStat {
    const m = parseMonthKey(monthKey);
    const acc = newAcc();
    const lastDate = dayKeyOf(firstDayOfMonth(m + 1) - 1);
    const required = monthlyMinimum((m % 12) + 1);
    if (Number.isNaN(this.newest)) return stat(acc, required, false, monthRule(lastDate));
    const oldest = monthIndexOfDay(this.nextUnsealed) - 1;
    if (m < oldest)
      throw new RangeError(
        `month ${monthKey} is no longer kept by the windows (oldest kept: ${monthKeyOf(oldest)}); read it from the store`,
      );
    const slot = m % 2;
    const { f64, i32, u16 } = this;
    if (i32[this.mI + slot] === m) {
      acc.sum = f64[this.mF + slot] as number;
      acc.min = f64[this.mF + 2 + slot] as number;
      acc.max = f64[this.mF + 4 + slot] as number;
      acc.n = u16[this.mU + slot] as number;
      acc.total = u16[this.mU + 2 + slot] as number;
    }
    for (let d = this.nextUnsealed; d <= dayIndexOf(this.newest); d++)
      if (monthIndexOfDay(d) === m) this.pushDay(acc, d);
    return stat(acc, required, acc.n >= required, monthRule(lastDate));
  }

  yearToDate(year: number): YearToDateStat {
    if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`year: got ${String(year)}`);
    const acc = newAcc();
    const monthCounts: number[] = new Array(12).fill(0);
    if (!Number.isNaN(this.newest)) {
      const oldest = yearOfDay(this.nextUnsealed) - 1;
      if (year < oldest)
        throw new RangeError(
          `year ${year} is no longer kept by the windows (oldest kept: ${oldest}); read it from the store`,
        );
      const slot = year % 2;
      const { f64, i32, u16 } = this;
      if (i32[this.mI + 2 + slot] === year) {
        acc.sum = f64[this.mF + 6 + slot] as number;
        acc.min = f64[this.mF + 8 + slot] as number;
        acc.max = f64[this.mF + 10 + slot] as number;
        acc.n = u16[this.mU + 4 + slot] as number;
        acc.total = u16[this.mU + 6 + slot] as number;
        for (let i = 0; i < 12; i++) monthCounts[i] = u16[this.mU + 8 + slot * 12 + i] as number;
      }
      for (let d = this.nextUnsealed; d <= dayIndexOf(this.newest); d++) {
        if (yearOfDay(d) !== year) continue;
        const mi = monthIndexOfDay(d) % 12;
        if (this.pushDay(acc, d)) monthCounts[mi] = (monthCounts[mi] as number) + 1;
      }
    }
    // GB 3095 Table 4: ≥ 324 daily means and every month at its minimum (27, February 25).
    const valid = annualMeanValidity(year, monthCounts).valid;
    return {
      ...stat(acc, MIN_DAYS_YEAR, valid, yearRule(year)),
      sumOfDailyMeans: clean(acc.sum),
      monthCounts,
    };
  }

  latestHourEnd(): number | undefined {
    return Number.isNaN(this.newest) ? undefined : this.hourLabelOf(this.newest);
  }

  memoryBytes(): number {
    return (
      OBJECT_OVERHEAD_BYTES + ARRAY_BUFFER_OVERHEAD_BYTES + 3 * VIEW_OVERHEAD_BYTES + this.buffer.byteLength
    );
  }

  // ---- internals ----

  private hourLabelOf(ts: number): number {
    return Math.floor(ts / HOUR_MS) * HOUR_MS + HOUR_MS;
  }

  private tooLate(ts: number): AddOutcome | undefined {
    if (Number.isNaN(this.newest) || ts >= this.newest - this.latenessMs) return undefined;
    return {
      accepted: false,
      code: "window.too_late",
      reason: `reading at ${toBeijingIso(ts)} is older than the newest reading ${toBeijingIso(this.newest)} minus the lateness of ${this.latenessMs / 60_000} min (cut-off ${toBeijingIso(this.newest - this.latenessMs)})`,
    };
  }

  /** Moves the newest ts forward, sealing every day no accepted reading can change any more. */
  private advance(ts: number): void {
    if (Number.isNaN(this.newest)) {
      this.newest = ts;
      this.nextUnsealed = dayIndexOf(ts - this.latenessMs);
      return;
    }
    if (ts <= this.newest) return;
    // Seal before the ring moves on: the sealed day's hours are still in the ring now.
    const lastSealable = dayIndexOf(ts - this.latenessMs) - 1;
    const newestLabel = this.hourLabelOf(this.newest);
    for (let d = this.nextUnsealed; d <= lastSealable; d++) {
      if (newestLabel < dayStartOf(d) + HOUR_MS) break; // no data for d or any later day
      this.seal(d);
    }
    if (lastSealable + 1 > this.nextUnsealed) this.nextUnsealed = lastSealable + 1;
    this.newest = ts;
  }

  private seal(d: number): void {
    const { hours, windows } = this.dayFromRing(d);
    if (hours.total === 0) return;
    const { f64, i32, u16, k } = this;
    const c = d % k;
    const dF = this.dF;
    i32[this.dI + c] = d;
    f64[dF + c] = hours.n > 0 ? clean(hours.sum / hours.n) : Number.NaN;
    f64[dF + k + c] = hours.min;
    f64[dF + 2 * k + c] = hours.max;
    f64[dF + 3 * k + c] = windows.max;
    f64[dF + 4 * k + c] = windows.min;
    u16[this.dU + c] = hours.n;
    u16[this.dU + k + c] = hours.total;
    u16[this.dU + 2 * k + c] = windows.n;
    u16[this.dU + 3 * k + c] = windows.total;
    const dayMean = f64[dF + c] as number;
    const valid = hours.n >= MIN_HOURS_24H;
    const m = monthIndexOfDay(d);
    this.accumulate(m % 2, m, this.mF, this.mI, this.mU, valid, dayMean);
    const y = yearOfDay(d);
    const ySlot = y % 2;
    const fresh = i32[this.mI + 2 + ySlot] !== y;
    this.accumulate(ySlot, y, this.mF + 6, this.mI + 2, this.mU + 4, valid, dayMean);
    const months = this.mU + 8 + ySlot * 12;
    if (fresh) u16.fill(0, months, months + 12);
    if (valid) u16[months + (m % 12)] = (u16[months + (m % 12)] as number) + 1;
  }

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
    if (hours.n < MIN_HOURS_24H) return false;
    push(acc, clean(hours.sum / hours.n));
    return true;
  }

  private dayFigures(d: number, dayKey: string): DayFigures {
    if (Number.isNaN(this.newest) || d >= this.nextUnsealed) return this.dayFromRing(d);
    if (d < this.nextUnsealed - this.k)
      throw new RangeError(
        `day ${dayKey} is sealed and no longer kept by the windows (oldest kept: ${dayKeyOf(this.nextUnsealed - this.k)}); use month()/yearToDate() or read it from the store`,
      );
    const hours = newAcc();
    const windows = newAcc();
    const c = d % this.k;
    if (this.i32[this.dI + c] !== d) return { hours, windows };
    const { f64, u16, k } = this;
    const dF = this.dF;
    hours.n = u16[this.dU + c] as number;
    hours.total = u16[this.dU + k + c] as number;
    hours.sum = (f64[dF + c] as number) * hours.n; // stat() divides by n again; clean() keeps it exact
    hours.min = f64[dF + k + c] as number;
    hours.max = f64[dF + 2 * k + c] as number;
    windows.n = u16[this.dU + 2 * k + c] as number;
    windows.total = u16[this.dU + 3 * k + c] as number;
    windows.max = f64[dF + 3 * k + c] as number;
    windows.min = f64[dF + 4 * k + c] as number;
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

  private pushHour(acc: Acc, label: number): void {
    const s = this.slotOf(label);
    if (s < 0) return;
    acc.total++;
    const v = this.validHourMean(s);
    if (!Number.isNaN(v)) push(acc, v);
  }

  private sampledMs(s: number): number {
    const credited = this.i32[this.n + s] as number;
    const validCount = this.u16[s] as number;
    // Same rule as services/api hourValue: the readings' periods, else the reporting interval each.
    return Math.min(HOUR_MS, credited > 0 ? credited : validCount * this.intervalMs);
  }

  /** The hour's mean when valid (GB 3095 Table 4: ≥ 45 min of sampling), else NaN. */
  private validHourMean(s: number): number {
    const validCount = this.u16[s] as number;
    if (validCount === 0 || this.sampledMs(s) < MIN_SAMPLING_PER_HOUR_MS) return Number.NaN;
    return clean((this.f64[s] as number) / validCount);
  }

  private slotIndex(label: number): number {
    const h = label / HOUR_MS;
    return ((h % this.n) + this.n) % this.n;
  }

  /** The ring slot holding hour `label`, or −1 when the ring has nothing for it. */
  private slotOf(label: number): number {
    const s = this.slotIndex(label);
    return this.i32[s] === label / HOUR_MS ? s : -1;
  }

  /** The slot for hour `label`, emptied first if it held an older hour. */
  private claim(label: number): number {
    const s = this.slotIndex(label);
    const tag = label / HOUR_MS;
    if (this.i32[s] !== tag) {
      const { f64, i32, u16, n } = this;
      i32[s] = tag;
      i32[n + s] = 0;
      f64[s] = 0;
      f64[n + s] = Number.POSITIVE_INFINITY;
      f64[2 * n + s] = Number.NEGATIVE_INFINITY;
      u16[s] = 0;
      u16[n + s] = 0;
    }
    return s;
  }

  private assertRetained(label: number, what: string): void {
    if (Number.isNaN(this.newest)) return;
    const oldest = this.hourLabelOf(this.newest) - (this.n - 1) * HOUR_MS;
    if (label < oldest)
      throw new RangeError(
        `${what}: hour ${toBeijingIso(label)} has left the windows' ring (oldest kept ${toBeijingIso(oldest)}); read it from the store`,
      );
  }
}

/**
 * Rolling windows of one series (one metric of one station): hourly means, 8-h and 24-h rolling
 * means, Beijing-day means, the O3 daily maximum 8-h mean, month and year-to-date means, each with
 * its validity per GB 3095 Table 4 / HJ 663. O(1) per reading; memory bounded by the lateness.
 *
 * @example
 * const w = createSeriesWindows("pm25", { latenessMs: 2 * 3_600_000 });
 * w.add({ ts: Date.parse("2026-11-29T08:05:00+08:00"), value: 31, flag: "N" }); // { accepted: true, hourEnd: …09:00+08:00 }
 * w.hour(Date.parse("2026-11-29T09:00:00+08:00")).valid; // false until ≥ 45 min are sampled
 */
export function createSeriesWindows(metric: MetricId, options: WindowsOptions): SeriesWindows {
  return new TypedSeriesWindows(metric, options);
}
