import type { DataFlag, MetricId, Station } from "@qingshan/domain";

/** A window statistic as the rules read it (the shape of @qingshan/windows WindowStat). */
export interface StatLike {
  readonly mean: number | null;
  readonly max?: number | null;
  readonly count: number;
  readonly valid: boolean;
}

/** Per-series data-quality tracking, kept by the evaluator from raw readings (see trackQuality). */
export interface SeriesQuality {
  /** Last reading: value, flag and ts (UTC ms). */
  lastValue: number | undefined;
  lastFlag: DataFlag | undefined;
  lastTs: number | undefined;
  /** Consecutive identical values among readings flagged N, including the last one. */
  repeats: number;
  /** ts of the first reading of that run of identical values (undefined when repeats is 0). */
  runSince: number | undefined;
  /** ts of the first reading of the current run of non-N flags (undefined when the last flag is N). */
  flagRunSince: number | undefined;
}

/**
 * What the rules read about one station: window statistics per metric (undefined when the station
 * has no such series), data-quality trackers and when it was last heard from. The evaluator backs
 * it with @qingshan/windows; tests can back it with plain data.
 */
export interface StationView {
  readonly station: Station;
  /** Metrics with a series at this station. */
  metrics(): readonly MetricId[];
  hour(metric: MetricId, hourEnd: number): StatLike | undefined;
  rolling(metric: MetricId, hours: 8 | 24, hourEnd: number): StatLike | undefined;
  day(metric: MetricId, dayKey: string): StatLike | undefined;
  dailyMax8h(metric: MetricId, dayKey: string): StatLike | undefined;
  month(metric: MetricId, monthKey: string): StatLike | undefined;
  /**
   * Mean of the valid daily means of the year held so far, their sum and (when known) their count
   * per month, January first (@qingshan/windows YearToDateStat).
   */
  yearToDate(
    metric: MetricId,
    year: number,
  ): (StatLike & { readonly sumOfDailyMeans: number; readonly monthCounts?: readonly number[] }) | undefined;
  /** The most recent hour at or before `at` with a valid value: its label and mean. */
  latest(metric: MetricId, at: number): { readonly hourEnd: number; readonly value: number } | undefined;
  quality(metric: MetricId): SeriesQuality | undefined;
}

/**
 * A fresh data-quality tracker for one series.
 *
 * @example
 * const q = createSeriesQuality(); trackQuality(q, { ts, value: 12, flag: "N" });
 */
export function createSeriesQuality(): SeriesQuality {
  return {
    lastValue: undefined,
    lastFlag: undefined,
    lastTs: undefined,
    repeats: 0,
    runSince: undefined,
    flagRunSince: undefined,
  };
}

/**
 * Updates a tracker with one reading. Readings must come in ts order; an older one is ignored.
 *
 * @example
 * trackQuality(q, { ts: 0, value: 1, flag: "N" }); trackQuality(q, { ts: 1, value: 1, flag: "N" }); q.repeats // 2, q.runSince // 0
 */
export function trackQuality(
  q: SeriesQuality,
  reading: { readonly ts: number; readonly value: number; readonly flag: DataFlag },
): void {
  if (q.lastTs !== undefined && reading.ts <= q.lastTs) return;
  if (reading.flag === "N") {
    const same = q.lastFlag === "N" && q.lastValue === reading.value;
    q.repeats = same ? q.repeats + 1 : 1;
    if (!same || q.runSince === undefined) q.runSince = reading.ts;
    q.flagRunSince = undefined;
  } else {
    q.repeats = 0;
    q.runSince = undefined;
    if (q.lastFlag !== reading.flag || q.flagRunSince === undefined) q.flagRunSince = reading.ts;
  }
  q.lastValue = reading.value;
  q.lastFlag = reading.flag;
  q.lastTs = reading.ts;
}
