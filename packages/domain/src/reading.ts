import type { DataFlag } from "./flags.ts";
import type { MetricId } from "./metrics.ts";

export const READING_SOURCES = ["mqtt-json", "mqtt-hj212", "tcp-hj212", "import", "api"] as const;
export type ReadingSource = (typeof READING_SOURCES)[number];

/**
 * One validated value of one metric at one station: the unit of work on the bus and in the store.
 * Identity (for idempotent writes) is station + metric + ts.
 */
export interface Reading {
  readonly stationId: string;
  readonly metric: MetricId;
  /** UTC epoch ms: the instant of an instantaneous value, or the start of its averaging period. */
  readonly ts: number;
  /** Length of the averaging period in ms; 0 for an instantaneous value. */
  readonly periodMs: number;
  /** In the metric's canonical unit. */
  readonly value: number;
  readonly flag: DataFlag;
  readonly source: ReadingSource;
  /** UTC epoch ms when Qingshan received it. */
  readonly receivedAt: number;
}

/** The idempotency key of a reading. */
export function readingKey(r: Pick<Reading, "stationId" | "metric" | "ts">): string {
  return `${r.stationId}\u0000${r.metric}\u0000${r.ts}`;
}
