import {
  DAY_MS,
  type DataFlag,
  DEFAULT_VALID_FLAGS,
  HOUR_MS,
  type MetricId,
  reportingIntervalOf,
  type Station,
} from "@qingshan/domain";
import { hourHasEnoughSampling, MIN_SAMPLING_PER_HOUR_MS } from "@qingshan/standards";
import { type HourlyAggregate, hourEndOf, type TimeSeriesStore } from "@qingshan/store";

export type HourStore = Pick<TimeSeriesStore, "queryHourly" | "queryReadings">;

/** One hour's valid 1-h mean. */
export interface ValidHour {
  /** The hour's label (its end), UTC ms. */
  readonly hourEnd: number;
  readonly mean: number;
}

/**
 * The valid hourly means of a station's metric with labels in (from, to], ascending, by the API's
 * rule for the 45-minute minimum (GB 3095 Table 4; @qingshan/standards hourSampledMs, as services/api
 * hourValue applies it): averaged readings are credited their time in the hour, instantaneous ones
 * the metric's reporting interval at the station each (reportingIntervalOf), capped at 1 h. An hour of
 * one 5-min instantaneous reading is not valid; nine are. The aggregate does not say how many of a
 * mixed hour's readings were instantaneous: hours whose averaged time alone is short of 45 min with
 * other valid readings are recounted from the raw readings, as the API does (an hour whose raw
 * readings retention has removed is credited its averaged time only, as the windows credit a mixed
 * hour seeded from an aggregate).
 *
 * @example
 * await validHours(store, station, "so2", from, to) // [{ hourEnd, mean }, …]
 */
export async function validHours(
  store: HourStore,
  station: Station,
  metric: MetricId,
  from: number,
  to: number,
): Promise<ValidHour[]> {
  const hours = await store.queryHourly({ stationId: station.id, metric, from, to });
  const intervalMs = reportingIntervalOf(station, metric);
  const counts = await instantaneousCounts(store, station.id, metric, hours.filter(needsRecount));
  const out: ValidHour[] = [];
  for (const h of hours) {
    if (h.mean === null) continue;
    const instantaneous = counts.get(h.hourEnd) ?? 0;
    if (!hourHasEnoughSampling(h.validCount, h.validPeriodMs, intervalMs, instantaneous)) continue;
    out.push({ hourEnd: h.hourEnd, mean: h.mean });
  }
  return out;
}

/**
 * Whether the hour's validity depends on how many of its valid readings were instantaneous (as
 * services/api hoursToRecount): some averaged time short of 45 min, and other valid readings.
 */
function needsRecount(h: HourlyAggregate): boolean {
  return (
    h.mean !== null && h.validPeriodMs > 0 && h.validPeriodMs < MIN_SAMPLING_PER_HOUR_MS && h.validCount >= 2
  );
}

/**
 * The valid instantaneous readings (no averaging period, flag among the store's valid flags) of
 * each of `hours`, counted from the raw readings; hours close together are read in one query.
 */
async function instantaneousCounts(
  store: HourStore,
  stationId: string,
  metric: MetricId,
  hours: readonly HourlyAggregate[],
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (hours.length === 0) return counts;
  const validFlags = storeValidFlags(store);
  const wanted = new Set(hours.map((h) => h.hourEnd));
  for (const { from, to } of readSpans([...wanted].sort((a, b) => a - b))) {
    for (const r of await store.queryReadings({ stationId, metric, from, to })) {
      if (r.periodMs !== 0 || !validFlags.includes(r.flag)) continue;
      const label = hourEndOf(r.ts);
      if (wanted.has(label)) counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  }
  return counts;
}

/** [from, to) ranges covering the hours labelled `hourEnds` (ascending): gaps ≤ 6 h merged, ≤ 1 day each. */
function readSpans(hourEnds: readonly number[]): Array<{ from: number; to: number }> {
  const spans: Array<{ from: number; to: number }> = [];
  for (const hourEnd of hourEnds) {
    const last = spans.at(-1);
    if (last && hourEnd - HOUR_MS - last.to <= 6 * HOUR_MS && hourEnd - last.from <= DAY_MS)
      last.to = hourEnd;
    else spans.push({ from: hourEnd - HOUR_MS, to: hourEnd });
  }
  return spans;
}

/** The flags the store's hourly aggregates count as valid: its `settings.validFlags` (both shipped adapters have them), else N. */
function storeValidFlags(store: HourStore): readonly DataFlag[] {
  const settings = (store as { settings?: { validFlags?: readonly DataFlag[] } }).settings;
  return settings?.validFlags ?? DEFAULT_VALID_FLAGS;
}
