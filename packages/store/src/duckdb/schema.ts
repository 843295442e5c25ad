import { DATA_FLAGS, type DataFlag } from "@qingshan/domain";
import { hourEndSql, inHourPeriodSql } from "../hour.ts";
import { type EnumTypes, enumListSql } from "./enum-columns.ts";

/** Bumped when the table layout changes; stored in store_meta. */
export const SCHEMA_VERSION = "1";

/**
 * Persistent tables. Times are BIGINT epoch milliseconds (UTC), so the store never converts time
 * zones; Beijing-time calendar logic lives above it (store.ts).
 *
 * The identity keys (readings: station_id+metric+ts, hourly: station_id+metric+hour_end,
 * latest: station_id+metric, dead_letters: id) are enforced by the write path — one serialized
 * delete-then-insert transaction per batch — not by PRIMARY KEY constraints: DuckDB's ART index
 * made bulk loads ~10x slower in our measurements (README "Schema").
 *
 * metric, flag and source are ENUMs of the domain's values (enum-columns.ts): checkpoints, which
 * stall a commit, cost about half of what they cost with VARCHAR (README "DuckDB schema"). Files
 * written as VARCHAR are converted on open; the version stays 1, as the columns still read, compare
 * and sort as text.
 */
/** The SQL names of the ENUM types, by domain. */
function typeNames(types: EnumTypes): Record<keyof EnumTypes, string> {
  return { metric: types.metric.name, flag: types.flag.name, source: types.source.name };
}

/**
 * Columns of `hourly` for the duration-weighted mean, added after schema version 1 shipped (ALTER
 * TABLE … ADD COLUMN IF NOT EXISTS on open; NULL in rows written before, see
 * {@link migrateHourlySql}): Σ value × in-hour time and the least and greatest in-hour time of the
 * hour's valid readings. Over valid readings only; NULL when there is none.
 */
export const WEIGHT_COLUMNS = [
  { name: "weighted_sum", type: "DOUBLE" },
  { name: "min_weight_ms", type: "BIGINT" },
  { name: "max_weight_ms", type: "BIGINT" },
] as const;

/**
 * The hour's mean as `queryHourly` returns it, over `hourly`'s columns: when every valid reading
 * sampled for a time in the hour and these times differ (e.g. 30 and 15 min), the duration-weighted
 * mean Σ value·time / Σ time — concentration averaged over the sampled time, as the 45-minute rule
 * of GB 3095 Table 4 counts it; otherwise (equal times: aligned hourly or 5-min data; or any
 * instantaneous reading) the arithmetic `mean`, exactly as stored.
 */
export const HOUR_MEAN_SQL = `CASE WHEN min_weight_ms > 0 AND min_weight_ms < max_weight_ms
  THEN weighted_sum / valid_period_ms ELSE mean END`;

export const CREATE_STORE_META =
  "CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)";

export function createTablesSql(types: EnumTypes): readonly string[] {
  const { metric, flag, source } = typeNames(types);
  return [
    `CREATE TABLE IF NOT EXISTS readings (
       station_id VARCHAR NOT NULL, metric ${metric} NOT NULL, ts BIGINT NOT NULL, period_ms BIGINT NOT NULL,
       value DOUBLE NOT NULL, flag ${flag} NOT NULL, source ${source} NOT NULL, received_at BIGINT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS hourly (
       station_id VARCHAR NOT NULL, metric ${metric} NOT NULL, hour_end BIGINT NOT NULL,
       mean DOUBLE, min DOUBLE, max DOUBLE, valid_count INTEGER NOT NULL, total_count INTEGER NOT NULL,
       valid_period_ms BIGINT NOT NULL, ${WEIGHT_COLUMNS.map((c) => `${c.name} ${c.type}`).join(", ")})`,
    `CREATE TABLE IF NOT EXISTS latest (
       station_id VARCHAR NOT NULL, metric ${metric} NOT NULL, ts BIGINT NOT NULL, period_ms BIGINT NOT NULL,
       value DOUBLE NOT NULL, flag ${flag} NOT NULL, source ${source} NOT NULL, received_at BIGINT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS dead_letters (
       id VARCHAR NOT NULL, received_at BIGINT NOT NULL, source VARCHAR NOT NULL, origin VARCHAR NOT NULL,
       station_id VARCHAR, code VARCHAR NOT NULL, path VARCHAR NOT NULL, message VARCHAR NOT NULL,
       payload VARCHAR NOT NULL)`,
    // Added after schema version 1 shipped; CREATE TABLE IF NOT EXISTS migrates older files.
    `CREATE TABLE IF NOT EXISTS alert_events (
       id VARCHAR NOT NULL, at_ms BIGINT NOT NULL, alert_id VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
       station_id VARCHAR NOT NULL, type VARCHAR NOT NULL, event VARCHAR NOT NULL)`,
  ];
}

/**
 * Connection-local scratch tables of the write connection. The Appender fills `staging_*`; times
 * are staged as DOUBLE (exact for safe integers) to avoid a BigInt per value, and cast once in SQL.
 */
export function createTempTablesSql(types: EnumTypes): readonly string[] {
  const { metric, flag, source } = typeNames(types);
  return [
    // The four text columns of a reading are staged as one code into staging_keys (a batch has few
    // distinct station/metric/flag/source combinations): a VARCHAR cell costs the Appender a native
    // call each, ~1 µs per reading in profiles. The Appender casts the keys' text to the ENUMs.
    `CREATE TEMP TABLE staging_readings (
       seq INTEGER, key INTEGER, ts DOUBLE, period_ms DOUBLE, value DOUBLE, received_at DOUBLE)`,
    `CREATE TEMP TABLE staging_keys (key INTEGER, station_id VARCHAR, metric ${metric}, flag ${flag}, source ${source})`,
    // ENUM-typed like the stored tables: comparing an ENUM with VARCHAR casts every row to text.
    `CREATE TEMP TABLE batch_readings (
       station_id VARCHAR, metric ${metric}, ts BIGINT, period_ms BIGINT, value DOUBLE, flag ${flag},
       source ${source}, received_at BIGINT, hour_end BIGINT)`,
    `CREATE TEMP TABLE batch_hours (station_id VARCHAR, metric ${metric}, hour_end BIGINT)`,
    `CREATE TEMP TABLE staging_dead_letters (
       seq INTEGER, id VARCHAR, received_at DOUBLE, source VARCHAR, origin VARCHAR, station_id VARCHAR,
       code VARCHAR, path VARCHAR, message VARCHAR, payload VARCHAR)`,
  ];
}

export const CLEAR_TEMP_TABLES = [
  "DELETE FROM staging_readings",
  "DELETE FROM staging_keys",
  "DELETE FROM batch_readings",
  "DELETE FROM batch_hours",
  "DELETE FROM staging_dead_letters",
] as const;

/** SQL list literal of flags as constants of the flag ENUM; the values come from DATA_FLAGS only. */
export function flagListSql(flags: readonly DataFlag[], types: EnumTypes): string {
  for (const f of flags) {
    if (!DATA_FLAGS.includes(f)) throw new Error(`not an HJ 212 data flag: ${JSON.stringify(f)}`);
  }
  return enumListSql(types.flag, flags);
}

/**
 * The hourly aggregate of every (station, metric, hour) in `keysTable`, from raw readings.
 * Only `validFlags` enter mean/min/max/validCount/validPeriodMs; totalCount counts all
 * (HJ 212 flags; "only N" is Qingshan's default). Each reading credits the part of its period inside
 * its hour (inHourPeriodMs: GB 3095 Table 4 counts sampling time in the hour), which also weighs
 * its value in {@link WEIGHT_COLUMNS}. `$lo`/`$hi` bound ts so DuckDB can skip row groups by their min/max.
 */
export function aggregateHoursSql(
  validFlags: readonly DataFlag[],
  keysTable: string,
  types: EnumTypes,
): string {
  const valid = `FILTER (WHERE r.flag IN ${flagListSql(validFlags, types)})`;
  const w = inHourPeriodSql("r.ts", "r.period_ms", "k.hour_end");
  return `INSERT INTO hourly
    SELECT r.station_id, r.metric, k.hour_end,
      avg(r.value) ${valid}, min(r.value) ${valid}, max(r.value) ${valid},
      (count(*) ${valid})::INTEGER, count(*)::INTEGER,
      coalesce(sum(${w}) ${valid}, 0)::BIGINT,
      sum(r.value * ${w}) ${valid}, min(${w}) ${valid}, max(${w}) ${valid}
    FROM ${keysTable} k
    JOIN readings r
      ON r.station_id = k.station_id AND r.metric = k.metric AND ${hourEndSql("r.ts")} = k.hour_end
    WHERE r.ts >= $lo AND r.ts < $hi
    GROUP BY r.station_id, r.metric, k.hour_end`;
}

/**
 * store_meta key and value recording that `valid_period_ms` credits each reading only its sampling
 * time inside its hour (inHourPeriodMs). Files without it were written crediting up to one hour.
 */
export const HOUR_CREDIT_META = { key: "hour_credit", value: "in-hour-weighted" } as const;

/**
 * Statements bringing `hourly` of a file written before {@link HOUR_CREDIT_META} to it: the
 * {@link WEIGHT_COLUMNS} of each row with a valid reading are filled as if its readings' in-hour
 * times were equal (valid_period_ms / valid_count each) — true for every hour the rebuild that
 * follows (rebuildHourlySql with `onlyChanged`) does not recompute.
 */
export const MIGRATE_HOURLY_SQL = [
  `UPDATE hourly SET weighted_sum = mean * valid_period_ms,
     min_weight_ms = valid_period_ms // valid_count, max_weight_ms = valid_period_ms // valid_count
   WHERE min_weight_ms IS NULL AND valid_count > 0`,
] as const;

/** ALTER statements adding the {@link WEIGHT_COLUMNS} to an `hourly` table without them. */
export const ADD_WEIGHT_COLUMNS_SQL = WEIGHT_COLUMNS.map(
  (c) => `ALTER TABLE hourly ADD COLUMN IF NOT EXISTS ${c.name} ${c.type}`,
);

/**
 * Statements that recompute every hour still backed by raw readings (after a validFlags change),
 * or with `onlyChanged` only the hours a file written before {@link HOUR_CREDIT_META} has
 * differently: those holding a reading whose period runs past the hour's end, or readings of
 * different in-hour times (aligned hourly and 5-minute data have neither).
 */
export function rebuildHourlySql(
  validFlags: readonly DataFlag[],
  types: EnumTypes,
  onlyChanged = false,
): readonly string[] {
  const hourEnd = hourEndSql("ts");
  const w = inHourPeriodSql("ts", "period_ms", hourEnd);
  return [
    `CREATE OR REPLACE TEMP TABLE rebuild_hours AS
       SELECT ${onlyChanged ? "" : "DISTINCT "}station_id, metric, ${hourEnd} AS hour_end FROM readings` +
      (onlyChanged
        ? ` GROUP BY ALL HAVING bool_or(ts + period_ms > ${hourEnd}) OR min(${w}) < max(${w})`
        : ""),
    `DELETE FROM hourly h USING rebuild_hours k
       WHERE h.station_id = k.station_id AND h.metric = k.metric AND h.hour_end = k.hour_end`,
    aggregateHoursSql(validFlags, "rebuild_hours", types),
    "DROP TABLE rebuild_hours",
  ];
}

export const WRITE_DEAD_LETTERS_SQL = [
  `CREATE OR REPLACE TEMP TABLE batch_dead_letters AS
     SELECT id, received_at::BIGINT AS received_at, source, origin, station_id, code, path, message, payload
     FROM staging_dead_letters
     QUALIFY row_number() OVER (PARTITION BY id ORDER BY seq DESC) = 1`,
  "DELETE FROM dead_letters d USING batch_dead_letters b WHERE d.id = b.id",
  "INSERT INTO dead_letters SELECT * FROM batch_dead_letters",
  "DROP TABLE batch_dead_letters",
] as const;

/** Inserts one alert event unless its id is stored already (events are immutable: first write wins). */
export const INSERT_ALERT_EVENT_SQL = `INSERT INTO alert_events
  SELECT $id, $at, $alert, $rule, $station, $type, $event
  WHERE NOT EXISTS (SELECT 1 FROM alert_events WHERE id = $id)`;
