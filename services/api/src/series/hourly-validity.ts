import { HOUR_MS, type MetricId } from "@qingshan/domain";
import type { HourlyAggregate } from "@qingshan/store";
import { clean } from "./mean.ts";
import { hourlyRuleSource } from "./rule-source.ts";
import type { HourSeries, HourValue } from "./types.ts";

/**
 * A 1-h mean needs at least 45 minutes of sampling in the hour: GB 3095-2012/2026 Table 4 for SO2,
 * NO2, CO, O3 (and NOx); Qingshan applies the same minimum to every other metric as a local rule.
 */
export const MIN_SAMPLING_PER_HOUR_MS = 45 * 60_000;

/**
 * Applies the hourly validity rule to one hourly aggregate. Readings with an averaging period
 * are credited with the part of that period inside the hour (`validPeriodMs`, summed by the store:
 * a PT1H reading at 02:50 credits the hour 02:00–03:00 with 10 min); instantaneous readings are
 * credited with the station's reporting interval each. A failing hour keeps its counts but loses
 * its values.
 *
 * @example
 * hourValue({ hourEnd, mean: 30, min: 28, max: 33, validCount: 12, totalCount: 12, validPeriodMs: 0,
 *   stationId: "a", metric: "pm25" }, 300_000)
 * // → { valid: true, mean: 30, sampledMs: 3_600_000, … }   (12 × 5 min)
 */
export function hourValue(agg: HourlyAggregate, reportingIntervalMs: number): HourValue {
  const sampledMs = sampledMsOf(agg, reportingIntervalMs);
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

/** Valid sampling time credited to an hour (see {@link hourValue}), capped at 1 h. */
function sampledMsOf(agg: HourlyAggregate, reportingIntervalMs: number): number {
  return Math.min(HOUR_MS, agg.validPeriodMs > 0 ? agg.validPeriodMs : agg.validCount * reportingIntervalMs);
}

/** `hourValue(agg).mean` when the hour is valid, else undefined — without building the hour value. */
function validHourMean(agg: HourlyAggregate, reportingIntervalMs: number): number | undefined {
  if (agg.validCount === 0 || agg.mean === null) return undefined;
  return sampledMsOf(agg, reportingIntervalMs) < MIN_SAMPLING_PER_HOUR_MS ? undefined : clean(agg.mean);
}

/**
 * Hour values of one series keyed by hour label.
 *
 * @example
 * const series = hourSeries(await store.queryHourly(q), station.reportingIntervalMs);
 * series.get(hourEnd)?.valid
 */
export function hourSeries(aggs: readonly HourlyAggregate[], reportingIntervalMs: number): HourSeries {
  for (let i = 1; i < aggs.length; i++) {
    if ((aggs[i] as HourlyAggregate).hourEnd <= (aggs[i - 1] as HourlyAggregate).hourEnd) {
      const map = new Map<number, HourValue>();
      for (const agg of aggs) map.set(agg.hourEnd, hourValue(agg, reportingIntervalMs));
      return map;
    }
  }
  return new OrderedHourSeries(aggs, reportingIntervalMs);
}

/**
 * Hour values over aggregates in increasing hour order, each built on its first access and found
 * by its offset from the first hour (binary search when hours are missing). A year of daily AQI
 * reads ~52 000 hours per station; building them all into a Map took most of its CPU.
 */
class OrderedHourSeries implements ReadonlyMap<number, HourValue> {
  private readonly built: Array<HourValue | undefined>;
  /** Per hour: 0 not looked at yet, 1 valid (mean in `means`), 2 not valid. */
  private readonly meanState: Uint8Array;
  private readonly means: Float64Array;

  constructor(
    private readonly aggs: readonly HourlyAggregate[],
    private readonly reportingIntervalMs: number,
  ) {
    this.built = new Array(aggs.length);
    this.meanState = new Uint8Array(aggs.length);
    this.means = new Float64Array(aggs.length);
  }

  /**
   * The hour's valid mean, or undefined. Daily means and the 8-h O3 windows read only this, so a
   * year of daily AQI reads each hour's mean without building ~52 000 hour values per station.
   */
  validMean(hourEnd: number): number | undefined {
    const i = this.indexOf(hourEnd);
    if (i < 0) return undefined;
    const state = this.meanState[i];
    if (state === 1) return this.means[i];
    if (state === 2) return undefined;
    const mean = validHourMean(this.aggs[i] as HourlyAggregate, this.reportingIntervalMs);
    this.meanState[i] = mean === undefined ? 2 : 1;
    if (mean !== undefined) this.means[i] = mean;
    return mean;
  }

  get size(): number {
    return this.aggs.length;
  }

  private indexOf(hourEnd: number): number {
    const { aggs } = this;
    if (aggs.length === 0) return -1;
    const guess = (hourEnd - (aggs[0] as HourlyAggregate).hourEnd) / HOUR_MS;
    if (Number.isInteger(guess) && guess >= 0 && guess < aggs.length && aggs[guess]?.hourEnd === hourEnd)
      return guess;
    let lo = 0;
    let hi = aggs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = (aggs[mid] as HourlyAggregate).hourEnd;
      if (h === hourEnd) return mid;
      if (h < hourEnd) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private at(i: number): HourValue {
    let value = this.built[i];
    if (value === undefined) {
      value = hourValue(this.aggs[i] as HourlyAggregate, this.reportingIntervalMs);
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
    for (let i = 0; i < this.aggs.length; i++) yield [(this.aggs[i] as HourlyAggregate).hourEnd, this.at(i)];
  }

  *keys(): MapIterator<number> {
    for (const agg of this.aggs) yield agg.hourEnd;
  }

  *values(): MapIterator<HourValue> {
    for (let i = 0; i < this.aggs.length; i++) yield this.at(i);
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
