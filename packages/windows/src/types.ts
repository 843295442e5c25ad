import type { DataFlag, MetricId } from "@qingshan/domain";

/** Optional statistics a series can keep besides its hourly means and days (see WindowsOptions.keep). */
export const KEPT_STATISTICS = ["hourExtremes", "dailyMax8h", "month", "year"] as const;
export type KeptStatistic = (typeof KEPT_STATISTICS)[number];

/** Options of one series' windows; validated by {@link createSeriesWindows}, then fixed. */
export interface WindowsOptions {
  /** Readings whose ts is older than (newest ts seen − latenessMs) are refused as too late. */
  readonly latenessMs: number;
  /** Flags whose values enter statistics; default ["N"]. Others are counted in totalCount only. */
  readonly validFlags?: readonly DataFlag[];
  /**
   * Expected interval between readings: credited to each reading without an averaging period
   * (periodMs 0) for the ≥45-min-per-hour rule; default 5 min. Longer than 1 h (a metric measured
   * e.g. every 4 h, the station registry's metricReportingIntervalMs), it also scales the values a
   * day and a 24-h window need (@qingshan/standards dailyMinimum: 5 of 6 every 4 h, a local rule
   * by analogy with the 20 of 24 hourly means), as the API's /series does.
   */
  readonly reportingIntervalMs?: number;
  /**
   * Concentration limit for the HJ 663 §6.1.2 exception (a daily max 8-h mean from fewer than 14
   * valid windows is still valid when it exceeds the limit); default 160 µg/m³, the GB 3095-2012 /
   * GB 3095-2026 Grade II O3 daily max 8-h limit.
   */
  readonly dailyMax8hLimit?: number;
  /** Sealed days kept for day()/dailyMax8h() queries after they left the hour ring; default 3. */
  readonly sealedDaysKept?: number;
  /**
   * Optional statistics kept (each costs buffer space); default all. Without "hourExtremes",
   * hour() reports min and max as null (16 bytes less per ring hour; the hourly means, counts and
   * validity are unchanged). Without "dailyMax8h", dailyMax8h() of a sealed day throws RangeError
   * (unsealed days are still computed from the ring); without "month" / "year", month() /
   * yearToDate() throw RangeError. For callers that never ask (the evaluator keeps what its rules
   * read).
   */
  readonly keep?: readonly KeptStatistic[];
}

/** One window statistic with its validity. `mean` is reported even when `valid` is false: check `valid`. */
export interface WindowStat {
  readonly mean: number | null; // mean of the valid constituents; null when none
  readonly min: number | null;
  readonly max: number | null;
  readonly count: number; // valid constituents (readings for an hour, hours for 8h/24h/day, days for month/year)
  readonly required: number; // how many the validity rule needs
  readonly valid: boolean; // per GB 3095 Table 4 / HJ 663
  readonly rule: string; // the rule text with its clause, e.g. "GB 3095-2012 Table 4: ≥ 20 hourly means"
  /** All constituents seen, valid or not (readings for an hour; hours with any reading for 8h/24h/day; days with any reading for month/year). */
  readonly totalCount: number;
  /** Hour only: valid sampling time credited to the hour (ms, ≤ 1 h); the rule needs ≥ 45 min. */
  readonly sampledMs?: number;
}

export type AddOutcome =
  | { readonly accepted: true; readonly hourEnd: number } // hour label = END of the hour (UTC ms), as in @qingshan/store
  | { readonly accepted: false; readonly code: "window.too_late"; readonly reason: string };

/** A reading as the windows see it: UTC ms, value, HJ 212 flag, optional averaging period (ms). */
export interface WindowReading {
  readonly ts: number;
  readonly value: number;
  readonly flag: DataFlag;
  readonly periodMs?: number;
}

/** Same shape as @qingshan/store HourlyAggregate (the station and metric are the series'). */
export interface HourlySeed {
  readonly hourEnd: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly validCount: number;
  readonly totalCount: number;
  readonly validPeriodMs: number;
}

/** Year-to-date statistic: a WindowStat plus what an annual-target assessment needs. */
export type YearToDateStat = WindowStat & {
  /** Sum of the valid daily means so far (for @qingshan/standards assessAnnualTarget). */
  readonly sumOfDailyMeans: number;
  /** Valid daily means per Beijing month, January first (GB 3095 Table 4 needs ≥ 27 each, ≥ 25 in February). */
  readonly monthCounts: readonly number[];
};

export interface SeriesWindows {
  readonly metric: MetricId;
  add(reading: WindowReading): AddOutcome;
  /** Seed from a stored hourly aggregate (rebuild on start/rebalance; same shape as @qingshan/store HourlyAggregate). */
  addHourly(agg: HourlySeed): void;
  hour(hourEnd: number): WindowStat; // 1-h mean from sub-hourly data (≥45 min sampling)
  rolling(hours: 8 | 24, hourEnd: number): WindowStat; // moving mean of the hourly means ending at hourEnd (8h O3: ≥6 valid hours; 24h: ≥20)
  day(dayKey: string): WindowStat; // calendar day in Beijing time "YYYY-MM-DD" (≥20 valid hours)
  dailyMax8h(dayKey: string): WindowStat; // O3 daily maximum 8-h mean per HJ 663 (which 8h windows belong to the day, ≥14 valid 8h means)
  month(monthKey: string): WindowStat; // "YYYY-MM", mean of valid daily means (≥27 days, ≥25 in Feb)
  yearToDate(year: number): YearToDateStat; // mean of valid daily means so far (annual: ≥324)
  latestHourEnd(): number | undefined;
  memoryBytes(): number;
}
