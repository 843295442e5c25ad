import type { DataFlag, Reading } from "@qingshan/domain";
import { HOUR_MS, hourEndOf } from "../hour.ts";
import { hasNul, sqlDouble, sqlInteger, sqlNullableDouble, sqlString } from "./sql-literals.ts";

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

interface HourGroup {
  hourEnd: number;
  validSum: number;
  min: number;
  max: number;
  validCount: number;
  totalCount: number;
  validPeriodMs: number;
}

interface SeriesStats {
  stationId: string;
  metric: string;
  stored: number | undefined;
  maxTs: number;
  newestIndex: number;
  groups: HourGroup[];
}

/** Inserts the staged batch (`staging_readings` joined with its key codes) into `readings`. */
export const INSERT_STAGED_READINGS = `INSERT INTO readings
  SELECT k.station_id, k.metric, s.ts::BIGINT, s.period_ms::BIGINT, s.value, k.flag, k.source, s.received_at::BIGINT
  FROM staging_readings s JOIN staging_keys k ON s.key = k.key`;

/**
 * The fast-path statements for `readings`, or undefined when the batch needs the general path:
 * some reading is at or before its series' newest stored ts, two readings share
 * station+metric+ts, or a text value contains U+0000 (it cannot be inlined).
 *
 * @example
 * const plan = planNewReadings(readings, newest, ["N"]);
 * if (plan) { await run(`BEGIN; ${plan.sql}`); await run("COMMIT"); plan.advance(newest); }
 */
export function planNewReadings(
  readings: readonly Reading[],
  newest: NewestTs,
  validFlags: readonly DataFlag[],
): NewReadingsPlan | undefined {
  const valid = new Set<string>(validFlags);
  const byStation = new Map<string, Map<string, SeriesStats>>();
  const series: SeriesStats[] = [];
  let ordered = true;
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
      group = s.groups.find((g) => g.hourEnd === hourEnd);
      if (group === undefined) {
        group = {
          hourEnd,
          validSum: 0,
          min: Number.POSITIVE_INFINITY,
          max: Number.NEGATIVE_INFINITY,
          validCount: 0,
          totalCount: 0,
          validPeriodMs: 0,
        };
        s.groups.push(group);
      }
    }
    group.totalCount++;
    if (valid.has(r.flag)) {
      group.validCount++;
      group.validSum += r.value;
      if (r.value < group.min) group.min = r.value;
      if (r.value > group.max) group.max = r.value;
      group.validPeriodMs += Math.min(r.periodMs, HOUR_MS);
    }
  }
  // Within a series the ts only grew, so no key repeats; otherwise check exactly.
  if (!ordered && hasDuplicateKeys(readings)) return undefined;

  const inserts: string[] = [];
  const updates: string[] = [];
  const latestInserts: string[] = [];
  const latestUpdates: string[] = [];
  let updateLo = Number.POSITIVE_INFINITY;
  let updateHi = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const r = readings[s.newestIndex] as Reading;
    if (!inlinable(s.stationId) || !inlinable(s.metric) || !inlinable(r.flag) || !inlinable(r.source)) {
      return undefined;
    }
    const key = `${sqlString(s.stationId)}, ${sqlString(s.metric)}`;
    const storedHour = s.stored === undefined ? undefined : hourEndOf(s.stored);
    for (const g of s.groups) {
      const min = g.validCount === 0 ? null : g.min;
      const max = g.validCount === 0 ? null : g.max;
      const counts = `${g.validCount}, ${g.totalCount}, ${sqlInteger(g.validPeriodMs)}`;
      if (g.hourEnd === storedHour) {
        updates.push(
          `(${key}, ${sqlInteger(g.hourEnd)}, ${sqlDouble(g.validSum)}, ${sqlNullableDouble(min)}, ${sqlNullableDouble(max)}, ${counts})`,
        );
        if (g.hourEnd < updateLo) updateLo = g.hourEnd;
        if (g.hourEnd > updateHi) updateHi = g.hourEnd;
      } else {
        // As the merge with no stored row computes it: (0 + sum) / count.
        const mean = g.validCount === 0 ? null : (0 + g.validSum) / g.validCount;
        inserts.push(
          `(${key}, ${sqlInteger(g.hourEnd)}, ${sqlNullableDouble(mean)}, ${sqlNullableDouble(min)}, ${sqlNullableDouble(max)}, ${counts})`,
        );
      }
    }
    const row =
      `(${key}, ${sqlInteger(r.ts)}, ${sqlInteger(r.periodMs)}, ${sqlDouble(r.value)}, ` +
      `${sqlString(r.flag)}, ${sqlString(r.source)}, ${sqlInteger(r.receivedAt)})`;
    (s.stored === undefined ? latestInserts : latestUpdates).push(row);
  }

  const statements = [INSERT_STAGED_READINGS];
  if (inserts.length > 0) statements.push(`INSERT INTO hourly VALUES ${inserts.join(",\n")}`);
  if (latestUpdates.length > 0) {
    statements.push(
      `UPDATE latest l SET ts = c.ts, period_ms = c.period_ms, value = c.value, flag = c.flag, source = c.source,
         received_at = c.received_at
       FROM (VALUES ${latestUpdates.join(",\n")}) c(station_id, metric, ts, period_ms, value, flag, source, received_at)
       WHERE l.station_id = c.station_id AND l.metric = c.metric`,
    );
  }
  if (latestInserts.length > 0) statements.push(`INSERT INTO latest VALUES ${latestInserts.join(",\n")}`);
  if (updates.length > 0) {
    // Last, so the run reports its row count. The hour_end bounds let DuckDB skip row groups.
    statements.push(
      `UPDATE hourly h SET
         mean = CASE WHEN h.valid_count + k.valid_count = 0 THEN NULL
           ELSE (coalesce(h.mean * h.valid_count, 0) + k.valid_sum) / (h.valid_count + k.valid_count) END,
         min = CASE WHEN h.min IS NULL THEN k.min WHEN k.min IS NULL THEN h.min ELSE least(h.min, k.min) END,
         max = CASE WHEN h.max IS NULL THEN k.max WHEN k.max IS NULL THEN h.max ELSE greatest(h.max, k.max) END,
         valid_count = (h.valid_count + k.valid_count)::INTEGER,
         total_count = (h.total_count + k.total_count)::INTEGER,
         valid_period_ms = (h.valid_period_ms + k.valid_period_ms)::BIGINT
       FROM (VALUES ${updates.join(",\n")})
         k(station_id, metric, hour_end, valid_sum, min, max, valid_count, total_count, valid_period_ms)
       WHERE h.station_id = k.station_id AND h.metric = k.metric AND h.hour_end = k.hour_end
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

/** Whether a text value can be inlined as a literal (anything else goes the Appender's way). */
function inlinable(value: unknown): boolean {
  return typeof value === "string" && !hasNul(value);
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
