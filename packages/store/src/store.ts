import type { AlertEvent, DataFlag, DeadLetter, MetricId, Reading } from "@qingshan/domain";
import type { HourlyColumns } from "./hourly-columns.ts";

/**
 * The time-series store. Every adapter (DuckDB embedded, InfluxDB distributed) passes the
 * contract suite exported from `@qingshan/store/testing`.
 *
 * - Raw readings are kept with flag and source; a write is idempotent on station+metric+ts
 *   (the last write of the same key wins, nothing is double-counted).
 * - Hourly aggregates are maintained as data arrives. An hour is labelled by its END
 *   (air-aqi.md §8): readings with ts in [H-1h, H) belong to the hour labelled H. Only readings
 *   whose flag is in `validFlags` (default ["N"]) enter mean/min/max; every reading is counted in
 *   `totalCount`.
 * - Times are UTC epoch milliseconds; Beijing-time calendar logic lives above the store.
 *
 * Lifecycle: create validates config without I/O; `start` opens/creates the database;
 * `stop` finishes in-flight writes, then closes.
 */
/** Options of a write: `signal` gives it up (see writeReadings). */
export interface WriteOptions {
  readonly signal?: AbortSignal;
}

export interface TimeSeriesStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Durable when the promise resolves. Re-writing the same key overwrites. `signal` gives up a
   * write still waiting on a remote store (InfluxDB: its HTTP request) — whether it was applied is
   * then unknown, and writing it again is harmless (idempotent).
   */
  writeReadings(readings: readonly Reading[], options?: WriteOptions): Promise<void>;
  queryReadings(query: ReadingQuery): Promise<Reading[]>;
  /** Hourly aggregates with hour label in (from, to], ascending. */
  queryHourly(query: SeriesQuery): Promise<HourlyAggregate[]>;
  /** The same hours as `queryHourly`, as columns: for reading a year of hours at once. */
  queryHourlyColumns(query: SeriesQuery): Promise<HourlyColumns>;
  /** The latest reading per metric of a station (for "latest values"). */
  latest(stationId: string): Promise<Reading[]>;
  writeDeadLetters(letters: readonly DeadLetter[], options?: WriteOptions): Promise<void>;
  queryDeadLetters(query: DeadLetterQuery): Promise<DeadLetter[]>;
  /**
   * Durable when the promise resolves. Idempotent on the event `id` (writing the same event
   * twice stores it once); events are immutable, so a rewrite never changes a stored event.
   */
  writeAlertEvents(events: readonly AlertEvent[]): Promise<void>;
  /** Alert events matching every given filter, ascending by `at` (ties by id). */
  queryAlertEvents(query: AlertEventQuery): Promise<AlertEvent[]>;
  /** Deletes raw readings older than `before` (hourly aggregates and dead letters are kept per their own settings). */
  applyRetention(now: number): Promise<RetentionResult>;
  /** Whether the store can currently serve reads and writes. */
  health(): Promise<{ ok: boolean; detail: string }>;
}

export interface ReadingQuery {
  readonly stationId: string;
  readonly metric?: MetricId;
  /** Inclusive start, UTC ms. */
  readonly from: number;
  /** Exclusive end, UTC ms. */
  readonly to: number;
  readonly limit?: number;
}

export interface SeriesQuery {
  readonly stationId: string;
  readonly metric: MetricId;
  /** Exclusive lower bound of the hour label, UTC ms. */
  readonly from: number;
  /** Inclusive upper bound of the hour label, UTC ms. */
  readonly to: number;
}

export interface HourlyAggregate {
  readonly stationId: string;
  readonly metric: MetricId;
  /** Hour label = end of the hour, UTC ms. */
  readonly hourEnd: number;
  /** Mean of valid values; null when there is none. */
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly validCount: number;
  readonly totalCount: number;
  /**
   * Sum over valid readings of the part of their averaging period inside this hour (ms,
   * `min(periodMs, hourEnd − ts)` each: GB 3095 Table 4 counts sampling time in the hour);
   * 0 for instantaneous readings.
   */
  readonly validPeriodMs: number;
}

export interface DeadLetterQuery {
  readonly from?: number;
  readonly to?: number;
  readonly stationId?: string;
  readonly code?: string;
  readonly limit?: number;
}

export interface AlertEventQuery {
  /** Inclusive lower bound on the event's `at`, UTC ms. */
  readonly from?: number;
  /** Exclusive upper bound on the event's `at`, UTC ms. */
  readonly to?: number;
  readonly stationId?: string;
  readonly ruleId?: string;
  readonly alertId?: string;
  readonly limit?: number;
}

export interface RetentionResult {
  readonly readingsDeleted: number;
  readonly deadLettersDeleted: number;
}

export interface RetentionSettings {
  /** Raw readings older than this are deleted by applyRetention; Infinity keeps them. */
  readonly rawReadingsMs: number;
  readonly deadLettersMs: number;
}

export const DEFAULT_VALID_FLAGS: readonly DataFlag[] = ["N"];
