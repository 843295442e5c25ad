import { type MetricId, reportingIntervalOf, type Station } from "@qingshan/domain";
import { hourHasEnoughSampling, hourNeedsInstantaneousCount } from "@qingshan/standards";
import { countValidInstantaneous, storeValidFlags, type TimeSeriesStore } from "@qingshan/store";

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
  const recount = hours
    .filter((h) => h.mean !== null && hourNeedsInstantaneousCount(h.validCount, h.validPeriodMs))
    .map((h) => h.hourEnd);
  const counts = await countValidInstantaneous(store, station.id, metric, recount, storeValidFlags(store));
  const out: ValidHour[] = [];
  for (const h of hours) {
    if (h.mean === null) continue;
    const instantaneous = counts.get(h.hourEnd) ?? 0;
    if (!hourHasEnoughSampling(h.validCount, h.validPeriodMs, intervalMs, instantaneous)) continue;
    out.push({ hourEnd: h.hourEnd, mean: h.mean });
  }
  return out;
}
