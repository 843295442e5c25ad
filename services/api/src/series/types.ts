/** Calendar step of an aggregation: one hour, one Beijing day, one Beijing month. */
export const EVERY = ["1h", "1d", "1mo"] as const;
export type Every = (typeof EVERY)[number];

/** Statistic applied within a period. */
export const AGG_FNS = ["mean", "min", "max", "count"] as const;
export type AggFn = (typeof AGG_FNS)[number];

/**
 * One hour of one series after the hourly validity check. Labelled by the hour's END
 * (air-aqi.md §8: "16:00" is the mean of 15:00–16:00).
 */
export interface HourValue {
  readonly hourEnd: number;
  /** Mean of the valid readings; null when the hour is not valid. */
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly validCount: number;
  readonly totalCount: number;
  /** Valid sampling time credited to the hour, ms (capped at 1 h). */
  readonly sampledMs: number;
  readonly valid: boolean;
  readonly reason?: string;
}

/** Valid hourly values of one series keyed by hour label (UTC ms of the hour end). */
export type HourSeries = ReadonlyMap<number, HourValue>;

/** One calendar period of an aggregated series. */
export interface PeriodValue {
  /** Inclusive start, UTC ms. */
  readonly start: number;
  /** Exclusive end, UTC ms (for hours: the hour label). */
  readonly end: number;
  /** Beijing-time label: the hour end as ISO text, "YYYY-MM-DD" or "YYYY-MM". */
  readonly label: string;
  /** The statistic; null when the period is not valid (count is always reported). */
  readonly value: number | null;
  readonly valid: boolean;
  /** Why the period is not valid. */
  readonly reason?: string;
  /**
   * An hour without a reading of a metric measured less often than hourly (registry
   * metricReportingIntervalMs > 1 h): no value was expected, unlike missing data.
   */
  readonly notSampled?: true;
  /** Valid items inside the period: readings (1h), valid hours (1d), valid days (1mo). */
  readonly validCount: number;
  /**
   * Items the period could hold: readings received (1h), 24 hours (1d; the day's sampling cycles
   * for a metric measured less often than hourly), days of the month (1mo).
   */
  readonly totalCount: number;
  /** The validity rule applied, with its source. */
  readonly rule: string;
  /** True when the rule comes from an unverified reading of a standard. */
  readonly provisional: boolean;
}
