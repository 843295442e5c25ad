import type { DataFlag, Reading } from "@qingshan/domain";
import { addValidReading, emptyHourSums, hourEndOf, type ValidHourSums } from "../hour.ts";
import type { EnumTypes } from "./enum-columns.ts";
import { inlinableText, sqlDouble, sqlInteger, sqlString } from "./sql-literals.ts";

/** Per station and metric, the greatest ts stored (the `ts` of its `latest` row). */
export type NewestTs = Map<string, Map<string, number>>;

/**
 * The statements of a readings write whose every reading is newer than anything stored for its
 * series (the live case), run in one transaction after the batch was staged. Nothing stored can
 * be replaced, so there is nothing to delete or recompute:
 *
 * - the readings are inserted from the staging tables;
 * - the batch's hourly aggregates, computed here, are inserted for hours the series has no row for
 *   yet, and merged (sum = mean × valid count, min/max, counts) into the one hour that can have a
 *   row: the hour of the series' newest stored reading (no stored reading is later, and every
 *   stored reading's hour has a row);
 * - each series' newest reading of the batch replaces its `latest` row (or is inserted).
 *
 * `sql` ends with the hourly UPDATE when `hourlyUpdates` > 0, so the run's row count tells
 * whether every expected hour row was there; if not, the caller rolls back and takes the
 * general path.
 */
export interface NewReadingsPlan {
  readonly sql: string;
  /** Hour rows the final UPDATE must change; 0 when there is no such statement. */
  readonly hourlyUpdates: number;
  /** Records the batch's newest ts per series in `newest`; call after COMMIT only. */
  readonly advance: (newest: NewestTs) => void;
}

/** The batch's readings of one hour: all counted, the valid ones summed (hour.ts ValidHourSums, schema.ts WEIGHT_COLUMNS). */
interface HourGroup extends ValidHourSums {
  hourEnd: number;
  totalCount: number;
}

interface SeriesStats {
  stationId: string;
  metric: string;
  stored: number | undefined;
  maxTs: number;
  newestIndex: number;
  groups: HourGroup[];
  /** Latest hour among `groups`: a later hour is new without searching them. */
  maxHourEnd: number;
}

/** An hourly aggregate of the batch; doubles as text (see {@link jsonRows}). */
interface HourRow {
  s: string;
  m: string;
  h: number;
  sum: string;
  mean: string | null;
  min: string | null;
  max: string | null;
  vc: number;
  tc: number;
  vp: number;
  ws: string | null;
  wmin: number | null;
  wmax: number | null;
}
/** Hourly rows above which a batch takes the general path (measured: 50 000 hourly rows as text cost 4× the SQL aggregation). */
const MAX_FAST_PATH_HOURS = 8192;

const hourRowTypes = (types: EnumTypes): Record<string, string> => ({
  s: "VARCHAR",
  m: types.metric.name,
  h: "BIGINT",
  sum: "VARCHAR",
  mean: "VARCHAR",
  min: "VARCHAR",
  max: "VARCHAR",
  vc: "INTEGER",
  tc: "INTEGER",
  vp: "BIGINT",
  ws: "VARCHAR",
  wmin: "BIGINT",
  wmax: "BIGINT",
});

/** A series' newest reading of the batch, in `latest`'s column order. */
interface LatestRow {
  s: string;
  m: string;
  t: number;
  p: number;
  v: string;
  f: string;
  o: string;
  r: number;
}
const latestRowTypes = (types: EnumTypes): Record<string, string> => ({
  s: "VARCHAR",
  m: types.metric.name,
  t: "BIGINT",
  p: "BIGINT",
  v: "VARCHAR",
  f: types.flag.name,
  o: types.source.name,
  r: "BIGINT",
});

/** The from_json type arguments (SQL literals) of the hourly and latest rows, built once per set of ENUM types. */
const rowTypeLiterals = new WeakMap<EnumTypes, { readonly hour: string; readonly latest: string }>();
function rowTypesOf(types: EnumTypes): { readonly hour: string; readonly latest: string } {
  let literals = rowTypeLiterals.get(types);
  if (literals === undefined) {
    literals = {
      hour: sqlString(JSON.stringify([hourRowTypes(types)])),
      latest: sqlString(JSON.stringify([latestRowTypes(types)])),
    };
    rowTypeLiterals.set(types, literals);
  }
  return literals;
}

/**
 * Rows as a table expression over ONE string literal (JSON, unnested by DuckDB's from_json):
 * parsing and binding a VALUES list of literals cost DuckDB ~2–3 ms per statement for a few
 * dozen rows, twice what this costs. Doubles travel as `sqlDouble` text and are cast in SQL
 * (VARCHAR → DOUBLE is correctly rounded, so they arrive exact, -0 included). `typesLiteral` is
 * from {@link rowTypesOf}.
 */
function jsonRows(rows: readonly object[], typesLiteral: string): string {
  return `(SELECT unnest(from_json(${sqlString(JSON.stringify(rows))}, ${typesLiteral}), recursive := true))`;
}

/** Inserts the staged batch (`staging_readings` joined with its key codes) into `readings`. */
export const INSERT_STAGED_READINGS = `INSERT INTO readings
  SELECT k.station_id, k.metric, s.ts::BIGINT, s.period_ms::BIGINT, s.value, k.flag, k.source, s.received_at::BIGINT
  FROM staging_readings s JOIN staging_keys k ON s.key = k.key`;

/**
 * The fast-path statements for `readings`, or undefined when the batch needs the general path:
 * some reading is at or before its series' newest stored ts, two readings share
 * station+metric+ts, a text value cannot be inlined ({@link inlinableText}), or an hour's sum
 * overflows (the general path lets DuckDB report it as before).
 *
 * @example
 * const plan = planNewReadings(readings, newest, ["N"], types);
 * if (plan) { await run(`BEGIN; ${plan.sql}`); await run("COMMIT"); plan.advance(newest); }
 */
export function planNewReadings(
  readings: readonly Reading[],
  newest: NewestTs,
  validFlags: readonly DataFlag[],
  types: EnumTypes,
): NewReadingsPlan | undefined {
  const valid = new Set<string>(validFlags);
  const byStation = new Map<string, Map<string, SeriesStats>>();
  const series: SeriesStats[] = [];
  let ordered = true;
  let hourRows = 0;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    let byMetric = byStation.get(r.stationId);
    if (byMetric === undefined) {
      byMetric = new Map();
      byStation.set(r.stationId, byMetric);
    }
    let s = byMetric.get(r.metric);
    if (s === undefined) {
      s = {
        stationId: r.stationId,
        metric: r.metric,
        stored: newest.get(r.stationId)?.get(r.metric),
        maxTs: r.ts,
        newestIndex: i,
        groups: [],
        maxHourEnd: Number.NEGATIVE_INFINITY,
      };
      byMetric.set(r.metric, s);
      series.push(s);
    } else if (r.ts > s.maxTs) {
      s.maxTs = r.ts;
      s.newestIndex = i;
    } else {
      ordered = false;
    }
    if (s.stored !== undefined && r.ts <= s.stored) return undefined;
    const hourEnd = hourEndOf(r.ts);
    let group = s.groups[s.groups.length - 1];
    if (group === undefined || group.hourEnd !== hourEnd) {
      group = hourEnd > s.maxHourEnd ? undefined : s.groups.find((g) => g.hourEnd === hourEnd);
      if (group === undefined) {
        // A bulk batch (an import, a backfill) goes the general way: its hours are cheaper
        // aggregated in SQL than passed as rows of text.
        if (++hourRows > MAX_FAST_PATH_HOURS) return undefined;
        s.maxHourEnd = Math.max(s.maxHourEnd, hourEnd);
        group = { hourEnd, totalCount: 0, ...emptyHourSums() };
        s.groups.push(group);
      }
    }
    group.totalCount++;
    if (valid.has(r.flag)) addValidReading(group, r.value, r.ts, r.periodMs, hourEnd);
  }
  // Within a series the ts only grew, so no key repeats; otherwise check exactly.
  if (!ordered && hasDuplicateKeys(readings)) return undefined;

  const inserts: HourRow[] = [];
  const updates: HourRow[] = [];
  const latestInserts: LatestRow[] = [];
  const latestUpdates: LatestRow[] = [];
  let updateLo = Number.POSITIVE_INFINITY;
  let updateHi = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const r = readings[s.newestIndex] as Reading;
    const texts = [s.stationId, s.metric, r.flag, r.source];
    if (!texts.every(inlinableText)) {
      return undefined;
    }
    const storedHour = s.stored === undefined ? undefined : hourEndOf(s.stored);
    for (const g of s.groups) {
      // A sum past the double range, or a weighted product left out as not finite: SQL aggregates them.
      if (!Number.isFinite(g.sum) || !Number.isFinite(g.weightedSum) || g.weightedCount !== g.validCount)
        return undefined;
      const row: HourRow = {
        s: s.stationId,
        m: s.metric,
        h: g.hourEnd,
        sum: sqlDouble(g.sum),
        mean: null,
        min: g.validCount === 0 ? null : sqlDouble(g.min),
        max: g.validCount === 0 ? null : sqlDouble(g.max),
        vc: g.validCount,
        tc: g.totalCount,
        vp: g.validPeriodMs,
        ws: g.validCount === 0 ? null : sqlDouble(g.weightedSum),
        wmin: g.validCount === 0 ? null : g.minWeight,
        wmax: g.validCount === 0 ? null : g.maxWeight,
      };
      if (g.hourEnd === storedHour) {
        updates.push(row);
        if (g.hourEnd < updateLo) updateLo = g.hourEnd;
        if (g.hourEnd > updateHi) updateHi = g.hourEnd;
      } else {
        // As the merge with no stored row computes it: (0 + sum) / count.
        row.mean = g.validCount === 0 ? null : sqlDouble((0 + g.sum) / g.validCount);
        inserts.push(row);
      }
    }
    const latest: LatestRow = {
      s: s.stationId,
      m: s.metric,
      t: r.ts,
      p: r.periodMs,
      v: sqlDouble(r.value),
      f: r.flag,
      o: r.source,
      r: r.receivedAt,
    };
    (s.stored === undefined ? latestInserts : latestUpdates).push(latest);
  }

  const statements = [INSERT_STAGED_READINGS];
  if (inserts.length > 0) {
    statements.push(
      `INSERT INTO hourly
       SELECT s, m, h, mean::DOUBLE, min::DOUBLE, max::DOUBLE, vc, tc, vp, ws::DOUBLE, wmin, wmax
       FROM ${jsonRows(inserts, rowTypesOf(types).hour)}`,
    );
  }
  if (latestUpdates.length > 0) {
    statements.push(
      `UPDATE latest l SET ts = c.t, period_ms = c.p, value = c.v::DOUBLE, flag = c.f, source = c.o, received_at = c.r
       FROM ${jsonRows(latestUpdates, rowTypesOf(types).latest)} c
       WHERE l.station_id = c.s AND l.metric = c.m`,
    );
  }
  if (latestInserts.length > 0) {
    statements.push(
      `INSERT INTO latest SELECT s, m, t, p, v::DOUBLE, f, o, r FROM ${jsonRows(latestInserts, rowTypesOf(types).latest)}`,
    );
  }
  if (updates.length > 0) {
    // Last, so the run reports its row count. The hour_end bounds let DuckDB skip row groups.
    statements.push(
      `UPDATE hourly h SET
         mean = CASE WHEN h.valid_count + k.vc = 0 THEN NULL
           ELSE (coalesce(h.mean * h.valid_count, 0) + k.sum::DOUBLE) / (h.valid_count + k.vc) END,
         min = CASE WHEN h.min IS NULL THEN k.min::DOUBLE WHEN k.min IS NULL THEN h.min ELSE least(h.min, k.min::DOUBLE) END,
         max = CASE WHEN h.max IS NULL THEN k.max::DOUBLE WHEN k.max IS NULL THEN h.max ELSE greatest(h.max, k.max::DOUBLE) END,
         valid_count = (h.valid_count + k.vc)::INTEGER,
         total_count = (h.total_count + k.tc)::INTEGER,
         valid_period_ms = (h.valid_period_ms + k.vp)::BIGINT,
         weighted_sum = CASE WHEN h.weighted_sum IS NULL THEN k.ws::DOUBLE WHEN k.ws IS NULL THEN h.weighted_sum
           ELSE h.weighted_sum + k.ws::DOUBLE END,
         min_weight_ms = least(h.min_weight_ms, k.wmin),
         max_weight_ms = greatest(h.max_weight_ms, k.wmax)
       FROM ${jsonRows(updates, rowTypesOf(types).hour)} k
       WHERE h.station_id = k.s AND h.metric = k.m AND h.hour_end = k.h
         AND h.hour_end >= ${sqlInteger(updateLo)} AND h.hour_end <= ${sqlInteger(updateHi)}`,
    );
  }
  return {
    sql: statements.join(";\n"),
    hourlyUpdates: updates.length,
    advance(target) {
      for (const s of series) setNewest(target, s.stationId, s.metric, s.maxTs);
    },
  };
}

/** Records in `newest` the greatest ts per series of a committed batch (any batch). */
export function advanceNewest(newest: NewestTs, readings: readonly Reading[]): void {
  for (const r of readings) {
    const stored = newest.get(r.stationId)?.get(r.metric);
    if (stored === undefined || r.ts > stored) setNewest(newest, r.stationId, r.metric, r.ts);
  }
}

function setNewest(newest: NewestTs, stationId: string, metric: string, ts: number): void {
  let byMetric = newest.get(stationId);
  if (byMetric === undefined) {
    byMetric = new Map();
    newest.set(stationId, byMetric);
  }
  byMetric.set(metric, ts);
}

/** Whether two readings of the batch share station+metric+ts (then the last one wins, in SQL). */
export function hasDuplicateKeys(readings: readonly Reading[]): boolean {
  // Usual batch: each series' ts only grows, so no key repeats. Checked without building a string
  // key per reading (that cost ~1 µs per reading in profiles); anything else takes the exact check.
  const lastTs = new Map<string, Map<string, number>>();
  let ordered = true;
  for (const r of readings) {
    let byMetric = lastTs.get(r.stationId);
    if (byMetric === undefined) {
      byMetric = new Map();
      lastTs.set(r.stationId, byMetric);
    }
    const last = byMetric.get(r.metric);
    if (last !== undefined && r.ts <= last) {
      ordered = false;
      break;
    }
    byMetric.set(r.metric, r.ts);
  }
  if (ordered) return false;
  const seen = new Set<string>();
  for (const r of readings) {
    const key = `${r.stationId}\u0000${r.metric}\u0000${r.ts}`;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}
