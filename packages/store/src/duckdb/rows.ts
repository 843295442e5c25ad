import type { DuckDBValue, JS } from "@duckdb/node-api";
import type { DataFlag, DeadLetter, MetricId, Reading, ReadingSource, RejectionCode } from "@qingshan/domain";
import { StoreError } from "../errors.ts";
import type { HourlyAggregate } from "../store.ts";

type Row = Record<string, JS>;

/** Largest magnitude used for open-ended bounds; well inside BIGINT. */
const BOUND_LIMIT = 2n ** 62n;

/**
 * A query bound in epoch ms as a BIGINT parameter: integral (rounded in the direction that keeps
 * the comparison exact for integer timestamps), ±Infinity clamped.
 *
 * @example
 * toBound(1.5, "ceil"); // 2n — `ts >= 1.5` is `ts >= 2` for integer ts
 */
export function toBound(value: number, round: "ceil" | "floor", name = "bound"): bigint {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new StoreError(
      "store.query_invalid",
      `${name} must be a number of epoch ms, received ${String(value)}`,
    );
  }
  if (value === Number.POSITIVE_INFINITY) return BOUND_LIMIT;
  if (value === Number.NEGATIVE_INFINITY) return -BOUND_LIMIT;
  const integral = BigInt(round === "ceil" ? Math.ceil(value) : Math.floor(value));
  return integral > BOUND_LIMIT ? BOUND_LIMIT : integral < -BOUND_LIMIT ? -BOUND_LIMIT : integral;
}

/**
 * Validates an optional limit; returns the SQL clause ("" when absent).
 *
 * @example
 * limitSql(10); // " LIMIT 10"
 */
export function limitSql(limit: number | undefined): string {
  if (limit === undefined) return "";
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new StoreError(
      "store.query_invalid",
      `limit must be a non-negative integer, received ${String(limit)}`,
    );
  }
  return ` LIMIT ${limit}`;
}

function num(value: JS): number {
  return typeof value === "bigint" ? Number(value) : (value as number);
}

export function toReading(row: Row): Reading {
  return {
    stationId: row.station_id as string,
    metric: row.metric as MetricId,
    ts: num(row.ts ?? null),
    periodMs: num(row.period_ms ?? null),
    value: num(row.value ?? null),
    flag: row.flag as DataFlag,
    source: row.source as ReadingSource,
    receivedAt: num(row.received_at ?? null),
  };
}

/**
 * Hourly aggregates of one series from the columns (hour_end, mean, min, max, valid_count,
 * total_count, valid_period_ms), all numeric (DOUBLE/INTEGER) or null.
 *
 * @example
 * hourlyFromColumns("ST-A", "pm25", [[3600000], [1.5], [1], [2], [2], [2], [0]]);
 */
export function hourlyFromColumns(
  stationId: string,
  metric: MetricId,
  columns: readonly (readonly DuckDBValue[])[],
): HourlyAggregate[] {
  const [hourEnd, mean, min, max, validCount, totalCount, validPeriod] = columns as (readonly (
    | number
    | null
  )[])[];
  const out: HourlyAggregate[] = new Array(hourEnd?.length ?? 0);
  for (let i = 0; i < out.length; i++) {
    out[i] = {
      stationId,
      metric,
      hourEnd: hourEnd?.[i] as number,
      mean: mean?.[i] ?? null,
      min: min?.[i] ?? null,
      max: max?.[i] ?? null,
      validCount: validCount?.[i] as number,
      totalCount: totalCount?.[i] as number,
      validPeriodMs: validPeriod?.[i] as number,
    };
  }
  return out;
}

export function toDeadLetter(row: Row): DeadLetter {
  const letter = {
    id: row.id as string,
    receivedAt: num(row.received_at ?? null),
    source: row.source as string,
    origin: row.origin as string,
    code: row.code as RejectionCode,
    path: row.path as string,
    message: row.message as string,
    payload: row.payload as string,
  };
  return row.station_id === null || row.station_id === undefined
    ? letter
    : { ...letter, stationId: row.station_id as string };
}
