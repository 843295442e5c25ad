import type { DuckDBMaterializedResult, JS } from "@duckdb/node-api";
import type { DataFlag, DeadLetter, MetricId, Reading, ReadingSource, RejectionCode } from "@qingshan/domain";
import { StoreError } from "../errors.ts";
import { allocateHourlyColumns, type HourlyColumns } from "../hourly-columns.ts";

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
 * Hourly columns of one series from a materialized result whose seven columns (hour_end, mean, min,
 * max, valid_count, total_count, valid_period_ms) are all non-null DOUBLE.
 */
export function hourlyColumnsFromChunks(
  stationId: string,
  metric: MetricId,
  result: DuckDBMaterializedResult,
): HourlyColumns {
  const columns = allocateHourlyColumns(stationId, metric, result.rowCount);
  const targets = [
    columns.hourEnd,
    columns.mean,
    columns.min,
    columns.max,
    columns.validCount,
    columns.totalCount,
    columns.validPeriodMs,
  ];
  let offset = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const rows = chunk.rowCount;
    targets.forEach((target, k) => {
      const vector = chunk.getColumnVector(k);
      for (let i = 0; i < rows; i++) target[offset + i] = vector.getItem(i) as number;
    });
    offset += rows;
  }
  return columns;
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
