import type { DataFlag } from "@qingshan/domain";
import { hourEndSql, inHourPeriodSql } from "../hour.ts";
import type { EnumTypes } from "./enum-columns.ts";
import { aggregateHoursSql, flagListSql } from "./schema.ts";

const READING_COLUMNS = "station_id, metric, ts, period_ms, value, flag, source, received_at";

/**
 * The statements of one readings write (DuckDB adapter), run in one transaction after the batch
 * was appended to `staging_readings`. `$lo`/`$hi` bound ts so DuckDB can skip row groups.
 *
 * The common case — new readings only — costs one pass over the batch: hourly aggregates of the
 * batch are merged into the stored ones (sum = mean × valid count, min/max, counts), without
 * reading raw readings back. When the batch replaced stored readings (a resend with a new value or
 * flag), the affected hours are recomputed from raw readings instead, as a replaced value cannot be
 * taken out of a min/max.
 */
export interface ReadingWriteSql {
  /** staging (readings + their key codes) → batch_readings; `dedupe` keeps the last write of a key within the batch. */
  readonly batch: (dedupe: boolean) => string;
  /** Deletes the stored readings the batch replaces; its row count decides incremental vs recompute. */
  readonly deleteReplaced: string;
  readonly insert: string;
  /** Merge of the batch's hourly aggregates into `hourly` (no reading was replaced); one multi-statement run. */
  readonly mergeHours: string;
  /** Recompute of the batch's hours from raw readings (some reading was replaced); one multi-statement run. */
  readonly recomputeHours: string;
  /** Keeps the `latest` row of each series; one multi-statement run. */
  readonly latest: string;
  /** Empties the staging and batch tables, inside the write's transaction. */
  readonly clear: string;
}

export function readingWriteSql(validFlags: readonly DataFlag[], types: EnumTypes): ReadingWriteSql {
  const valid = `FILTER (WHERE flag IN ${flagListSql(validFlags, types)})`;
  const w = inHourPeriodSql("ts", "period_ms", "hour_end");
  const keyMatch = (a: string, b: string) =>
    `${a}.station_id = ${b}.station_id AND ${a}.metric = ${b}.metric AND ${a}.hour_end = ${b}.hour_end`;
  return {
    batch: (dedupe) =>
      `INSERT INTO batch_readings
         SELECT k.station_id, k.metric, s.ts::BIGINT, s.period_ms::BIGINT, s.value, k.flag, k.source,
           s.received_at::BIGINT, ${hourEndSql("s.ts::BIGINT")}
         FROM staging_readings s JOIN staging_keys k ON s.key = k.key` +
      (dedupe
        ? " QUALIFY row_number() OVER (PARTITION BY k.station_id, k.metric, s.ts ORDER BY s.seq DESC) = 1"
        : ""),
    deleteReplaced: `DELETE FROM readings r USING batch_readings b
       WHERE r.station_id = b.station_id AND r.metric = b.metric AND r.ts = b.ts
         AND r.ts >= $lo AND r.ts < $hi`,
    insert: `INSERT INTO readings SELECT ${READING_COLUMNS} FROM batch_readings`,
    mergeHours: [
      `CREATE OR REPLACE TEMP TABLE batch_hourly AS
         SELECT k.station_id, k.metric, k.hour_end,
           CASE WHEN coalesce(h.valid_count, 0) + k.valid_count = 0 THEN NULL
             ELSE (coalesce(h.mean * h.valid_count, 0) + coalesce(k.valid_sum, 0))
               / (coalesce(h.valid_count, 0) + k.valid_count) END AS mean,
           CASE WHEN h.min IS NULL THEN k.min WHEN k.min IS NULL THEN h.min ELSE least(h.min, k.min) END AS min,
           CASE WHEN h.max IS NULL THEN k.max WHEN k.max IS NULL THEN h.max ELSE greatest(h.max, k.max) END AS max,
           (coalesce(h.valid_count, 0) + k.valid_count)::INTEGER AS valid_count,
           (coalesce(h.total_count, 0) + k.total_count)::INTEGER AS total_count,
           (coalesce(h.valid_period_ms, 0) + k.valid_period_ms)::BIGINT AS valid_period_ms,
           CASE WHEN h.weighted_sum IS NULL THEN k.weighted_sum WHEN k.weighted_sum IS NULL THEN h.weighted_sum
             ELSE h.weighted_sum + k.weighted_sum END AS weighted_sum,
           least(h.min_weight_ms, k.min_weight_ms) AS min_weight_ms,
           greatest(h.max_weight_ms, k.max_weight_ms) AS max_weight_ms
         FROM (
           SELECT station_id, metric, hour_end,
             sum(value) ${valid} AS valid_sum, min(value) ${valid} AS min, max(value) ${valid} AS max,
             count(*) ${valid} AS valid_count, count(*) AS total_count,
             coalesce(sum(${w}) ${valid}, 0) AS valid_period_ms,
             sum(value * ${w}) ${valid} AS weighted_sum, min(${w}) ${valid} AS min_weight_ms,
             max(${w}) ${valid} AS max_weight_ms
           FROM batch_readings GROUP BY station_id, metric, hour_end) k
         LEFT JOIN (SELECT * FROM hourly WHERE hour_end > $lo AND hour_end <= $hi) h ON ${keyMatch("h", "k")}`,
      `DELETE FROM hourly h USING batch_hourly k
         WHERE ${keyMatch("h", "k")} AND h.hour_end > $lo AND h.hour_end <= $hi`,
      "INSERT INTO hourly SELECT * FROM batch_hourly",
    ].join(";\n"),
    recomputeHours: [
      `INSERT INTO batch_hours SELECT DISTINCT station_id, metric, hour_end FROM batch_readings`,
      `DELETE FROM hourly h USING batch_hours k
         WHERE ${keyMatch("h", "k")} AND h.hour_end > $lo AND h.hour_end <= $hi`,
      aggregateHoursSql(validFlags, "batch_hours", types),
    ].join(";\n"),
    latest: [
      // One row per series of the batch (its newest reading), then replace a stored row only by a
      // reading at the same or a later ts.
      `CREATE OR REPLACE TEMP TABLE batch_latest AS
         SELECT station_id, metric, max(ts) AS ts, arg_max(period_ms, ts) AS period_ms,
           arg_max(value, ts) AS value, arg_max(flag, ts) AS flag, arg_max(source, ts) AS source,
           arg_max(received_at, ts) AS received_at
         FROM batch_readings GROUP BY station_id, metric`,
      `DELETE FROM latest l USING batch_latest c
         WHERE l.station_id = c.station_id AND l.metric = c.metric AND c.ts >= l.ts`,
      `INSERT INTO latest
         SELECT ${READING_COLUMNS} FROM batch_latest c
         WHERE NOT EXISTS (SELECT 1 FROM latest l WHERE l.station_id = c.station_id AND l.metric = c.metric)`,
    ].join(";\n"),
    clear: ["DELETE FROM staging_readings", "DELETE FROM batch_readings", "DELETE FROM batch_hours"].join(
      ";\n",
    ),
  };
}
