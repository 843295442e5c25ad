import { HOUR_MS, type MetricId } from "@qingshan/domain";
import { hourNeedsInstantaneousCount, hourSampledMs, MIN_SAMPLING_PER_HOUR_MS } from "@qingshan/standards";
import {
  type HourlyAggregate,
  type HourlyColumns,
  hourlyAggregateAt,
  hourlyColumnsOf,
} from "@qingshan/store";
import { clean } from "./mean.ts";
import { hourlyRuleSource } from "./rule-source.ts";
import type { HourSeries, HourValue } from "./types.ts";

/**
 * A 1-h mean needs at least 45 minutes of sampling in the hour: GB 3095-2012/2026 Table 4 for SO2,
 * NO2, CO, O3 (and NOx); Qingshan applies the same minimum to every other metric as a local rule.
 * (@qingshan/standards, shared with the notifier.)
 */
export { MIN_SAMPLING_PER_HOUR_MS };

/**
 * Applies the hourly validity rule to one hourly aggregate. Readings with an averaging period
 * are credited with the part of that period inside the hour (`validPeriodMs`, summed by the store:
 * a PT1H reading at 02:50 credits the hour 02:00–03:00 with 10 min); instantaneous readings are
 * credited with the metric's reporting interval each. The aggregate does not say how many of its
 * valid readings were instantaneous when some were averaged: `instantaneousCount` gives that
 * number for such a mixed hour (counted from the raw readings, see {@link hoursToRecount}); without
 * it an hour with averaged readings is credited with their time only. The total is capped at 1 h.
 * A failing hour keeps its counts but loses its values.
 *
 * @example
 * hourValue({ hourEnd, mean: 30, min: 28, max: 33, validCount: 12, totalCount: 12, validPeriodMs: 0,
 *   stationId: "a", metric: "pm25" }, 300_000)
 * // → { valid: true, mean: 30, sampledMs: 3_600_000, … }   (12 × 5 min)
 * hourValue({ …, validCount: 10, validPeriodMs: 900_000 }, 300_000, 9)
 * // → { valid: true, sampledMs: 3_600_000, … }   (one PT15M reading + 9 instantaneous × 5 min)
 */
export function hourValue(
  agg: HourlyAggregate,
  reportingIntervalMs: number,
  instantaneousCount = 0,
): HourValue {
  // GB 3095 Table 4 sampling credit; with averaged readings at most validCount − 1 are instantaneous.
  const sampledMs = hourSampledMs(agg.validCount, agg.validPeriodMs, reportingIntervalMs, instantaneousCount);
  // Object literals, not spreads of a shared `counts` object: the spread made this ~70x slower,
  // and a year of AQI runs it for every hour of six series.
  const { hourEnd, validCount, totalCount } = agg;
  if (validCount === 0 || agg.mean === null) {
    const flagged = totalCount - validCount;
    return {
      hourEnd,
      validCount,
      totalCount,
      sampledMs,
      mean: null,
      min: null,
      max: null,
      valid: false,
      reason:
        flagged > 0
          ? `no valid reading in the hour (${flagged} flagged reading${flagged === 1 ? "" : "s"} excluded)`
          : "no reading in the hour",
    };
  }
  if (sampledMs < MIN_SAMPLING_PER_HOUR_MS) {
    return {
      hourEnd,
      validCount,
      totalCount,
      sampledMs,
      mean: null,
      min: null,
      max: null,
      valid: false,
      reason: shortSamplingReason(sampledMs, agg.metric),
    };
  }
  return {
    hourEnd,
    validCount,
    totalCount,
    sampledMs,
    mean: clean(agg.mean),
    min: agg.min,
    max: agg.max,
    valid: true,
  };
}

/** Why an hour with too little sampling is invalid, citing the rule's source for the metric. */
function shortSamplingReason(sampledMs: number, metric: MetricId): string {
  return `${Math.round(sampledMs / 60_000)} min of valid sampling; ${hourlyRuleSource(metric)} needs ≥ 45 min in the hour`;
}

/**
 * The hours whose validity may depend on how many of their valid readings were instantaneous, so
 * that their instantaneous readings must be counted from the raw readings: hours with a mean that
 * meet @qingshan/standards hourNeedsInstantaneousCount (averaged time short of 45 min, ≥ 2 valid
 * readings; the notifier applies it too). They are rare: a mixed hour, or an hour of averaged
 * readings with gaps, whose count is then 0.
 *
 * @example
 * hoursToRecount(await store.queryHourlyColumns(q)) // [hourEnd, …] ascending as the columns
 */
export function hoursToRecount(columns: HourlyColumns): number[] {
  const out: number[] = [];
  for (let i = 0; i < columns.length; i++) {
    if (
      !Number.isNaN(columns.mean[i] as number) &&
      hourNeedsInstantaneousCount(columns.validCount[i] as number, columns.validPeriodMs[i] as number)
    ) {
      out.push(columns.hourEnd[i] as number);
    }
  }
  return out;
}

const NO_COUNTS: ReadonlyMap<number, number> = new Map();

/**
 * Hour values of one series keyed by hour label, from the store's aggregates (as rows or columns).
 * `instantaneousCounts` holds, by hour label, the number of valid instantaneous readings of the
 * hours of {@link hoursToRecount} (an hour not in it counts as having none besides its averaged ones).
 *
 * @example
 * const series = hourSeries(await store.queryHourlyColumns(q), station.reportingIntervalMs);
 * series.get(hourEnd)?.valid
 */
export function hourSeries(
  input: readonly HourlyAggregate[] | HourlyColumns,
  reportingIntervalMs: number,
  instantaneousCounts: ReadonlyMap<number, number> = NO_COUNTS,
): HourSeries {
  const columns = Array.isArray(input)
    ? columnsOf(input as readonly HourlyAggregate[])
    : (input as HourlyColumns);
  const { hourEnd } = columns;
  for (let i = 1; i < columns.length; i++) {
    if ((hourEnd[i] as number) <= (hourEnd[i - 1] as number)) {
      const map = new Map<number, HourValue>();
      for (let k = 0; k < columns.length; k++) {
        const label = hourEnd[k] as number;
        map.set(
          label,
          hourValue(hourlyAggregateAt(columns, k), reportingIntervalMs, instantaneousCounts.get(label)),
        );
      }
      return map;
    }
  }
  return new OrderedHourSeries(columns, reportingIntervalMs, instantaneousCounts);
}

function columnsOf(aggs: readonly HourlyAggregate[]): HourlyColumns {
  const first = aggs[0];
  return hourlyColumnsOf(first?.stationId ?? "", first?.metric ?? "pm25", aggs);
}

/**
 * Hour values over hourly columns in increasing hour order, each built on its first access and
 * found by its offset from the first hour (binary search when hours are missing). A year of daily
 * AQI reads ~52 000 hours per station: their valid means are read from the columns, and an hour
 * value is built only when asked for.
 */
class OrderedHourSeries implements ReadonlyMap<number, HourValue> {
  private readonly built: Array<HourValue | undefined>;
  /** Per hour, once looked at (`looked`): its valid mean, cleaned, or NaN when the hour is not valid. */
  private readonly validMeans: Float64Array;
  private readonly looked: Uint8Array;

  constructor(
    private readonly columns: HourlyColumns,
    private readonly reportingIntervalMs: number,
    private readonly instantaneousCounts: ReadonlyMap<number, number>,
  ) {
    this.built = new Array(columns.length);
    this.validMeans = new Float64Array(columns.length);
    this.looked = new Uint8Array(columns.length);
  }

  /**
   * The hour's valid mean, or undefined (hourValue(agg).mean when the hour is valid). Daily means
   * and the 8-h O3 windows read only this.
   */
  validMean(hourEnd: number): number | undefined {
    const i = this.indexOf(hourEnd);
    if (i < 0) return undefined;
    if (this.looked[i] === 0) {
      this.looked[i] = 1;
      const { columns } = this;
      const validCount = columns.validCount[i] as number;
      const mean = columns.mean[i] as number;
      const validPeriodMs = columns.validPeriodMs[i] as number;
      const valid =
        validCount > 0 &&
        !Number.isNaN(mean) &&
        hourSampledMs(
          validCount,
          validPeriodMs,
          this.reportingIntervalMs,
          this.instantaneousCounts.size === 0 ? 0 : (this.instantaneousCounts.get(hourEnd) ?? 0),
        ) >= MIN_SAMPLING_PER_HOUR_MS;
      this.validMeans[i] = valid ? clean(mean) : Number.NaN;
    }
    const mean = this.validMeans[i] as number;
    return Number.isNaN(mean) ? undefined : mean;
  }

  get size(): number {
    return this.columns.length;
  }

  private indexOf(hourEnd: number): number {
    const { hourEnd: hours, length } = this.columns;
    if (length === 0) return -1;
    const guess = (hourEnd - (hours[0] as number)) / HOUR_MS;
    if (Number.isInteger(guess) && guess >= 0 && guess < length && hours[guess] === hourEnd) return guess;
    let lo = 0;
    let hi = length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = hours[mid] as number;
      if (h === hourEnd) return mid;
      if (h < hourEnd) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private at(i: number): HourValue {
    let value = this.built[i];
    if (value === undefined) {
      value = hourValue(
        hourlyAggregateAt(this.columns, i),
        this.reportingIntervalMs,
        this.instantaneousCounts.get(this.columns.hourEnd[i] as number),
      );
      this.built[i] = value;
    }
    return value;
  }

  get(hourEnd: number): HourValue | undefined {
    const i = this.indexOf(hourEnd);
    return i < 0 ? undefined : this.at(i);
  }

  has(hourEnd: number): boolean {
    return this.indexOf(hourEnd) >= 0;
  }

  *entries(): MapIterator<[number, HourValue]> {
    for (let i = 0; i < this.columns.length; i++) yield [this.columns.hourEnd[i] as number, this.at(i)];
  }

  *keys(): MapIterator<number> {
    for (let i = 0; i < this.columns.length; i++) yield this.columns.hourEnd[i] as number;
  }

  *values(): MapIterator<HourValue> {
    for (let i = 0; i < this.columns.length; i++) yield this.at(i);
  }

  [Symbol.iterator](): MapIterator<[number, HourValue]> {
    return this.entries();
  }

  forEach(callback: (value: HourValue, key: number, map: ReadonlyMap<number, HourValue>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

/** The valid hourly mean labelled `hourEnd`, or undefined. */
export function validMean(series: HourSeries, hourEnd: number): number | undefined {
  if (series instanceof OrderedHourSeries) return series.validMean(hourEnd);
  const hour = series.get(hourEnd);
  return hour?.valid && hour.mean !== null ? hour.mean : undefined;
}
