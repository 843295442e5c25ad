import {
  type AlertState,
  beijingDayStart,
  DAY_MS,
  HOUR_MS,
  isMetricId,
  type StationRegistry,
} from "@qingshan/domain";
import { type HourStore, validHours } from "./hour-validity.ts";

/** One value of an alert's window (its metric and averaging window) at a data time. */
export interface WindowValue {
  readonly value: number;
  /** Data time, UTC ms: the hour's end, or the day's end for a calendar day (as the rules engine stamps it). */
  readonly dataTime: number;
}

/** What a reminder or escalation states besides the alert's message: the latest value, and the worst one. */
export interface LatestObservation {
  readonly latest: WindowValue;
  /** The worst value since the alert began (within {@link WORST_LOOKBACK_MS}); the highest, or the lowest for a "below" alert. */
  readonly worst: WindowValue;
  /** When the values looked at start (the alert's start, or the lookback's). */
  readonly since: number;
}

/** How far back the worst value is looked for (the store is read once per reminder). */
export const WORST_LOOKBACK_MS = 31 * DAY_MS;

// GB 3095-2012 Table 4: an 8-h mean needs ≥ 6 hourly means, a 24-h (daily) mean ≥ 20 hourly means;
// a 1-h mean ≥ 45 min of sampling (hour-validity.ts: the API's rule, with the station's interval).
const WINDOWS: Record<string, { readonly ms: number; readonly minHours: number; readonly day?: true }> = {
  "1-h mean": { ms: HOUR_MS, minHours: 1 },
  "8-h rolling mean": { ms: 8 * HOUR_MS, minHours: 6 },
  "24-h rolling": { ms: DAY_MS, minHours: 20 },
  "Beijing calendar day": { ms: DAY_MS, minHours: 20, day: true },
};

/**
 * The latest value of an open alert's window observed by `at`, and the worst since the alert began,
 * recomputed from the store's hourly means: for the windows a pollutant alert is evaluated on (1-h
 * mean, 8-h and 24-h rolling means, Beijing calendar day), of a station's metric. An hour counts
 * with ≥ 45 min of sampling as the API credits it (hour-validity.ts: instantaneous readings the
 * metric's reporting interval at the station each). Undefined for other alerts (AQI, water class,
 * grades, data quality, month and year windows), for a station not in the registry, and when no
 * valid value was observed: their reminders keep the value of the raise or latest level change.
 *
 * @example
 * // gb3095-24h-pm25 raised for 25 Nov at 114.2; days after: 171, 246, 289, 60.1
 * await latestObservation(store, registry, state, Date.parse("2026-11-30T08:00:00+08:00"));
 * // { latest: { value: 60.1, dataTime: <30 Nov 00:00> }, worst: { value: 289, dataTime: <29 Nov 00:00> }, since: … }
 */
export async function latestObservation(
  store: HourStore,
  registry: StationRegistry,
  s: AlertState,
  at: number,
): Promise<LatestObservation | undefined> {
  const window = s.window === undefined ? undefined : WINDOWS[s.window];
  if (window === undefined || s.metric === undefined || !isMetricId(s.metric) || s.value === undefined)
    return undefined;
  if (s.stationId === "district") return undefined;
  const station = registry.get(s.stationId);
  if (station === undefined) return undefined;
  const started = Date.parse(s.startedAt ?? s.raisedAt);
  const since = Math.max(started, at - WORST_LOOKBACK_MS);
  const hours = await validHours(store, station, s.metric, since - window.ms, at);
  const values: WindowValue[] = [];
  if (window.day === true) {
    // Hour labels in (dayStart, dayStart + 24 h] make the Beijing day ending at dayStart + 24 h.
    const days = new Map<number, number[]>();
    for (const { hourEnd, mean: v } of hours) {
      const dayEnd = beijingDayStart(hourEnd - 1) + DAY_MS;
      const list = days.get(dayEnd);
      if (list === undefined) days.set(dayEnd, [v]);
      else list.push(v);
    }
    for (const [dayEnd, list] of [...days].sort((a, b) => a[0] - b[0])) {
      if (dayEnd < since || dayEnd > at || list.length < window.minHours) continue;
      values.push({ value: list.reduce((a, b) => a + b, 0) / list.length, dataTime: dayEnd });
    }
  } else {
    const valid = hours.map((h) => ({ hourEnd: h.hourEnd, v: h.mean }));
    for (const end of valid) {
      if (end.hourEnd < since) continue;
      const inWindow = valid.filter((h) => h.hourEnd > end.hourEnd - window.ms && h.hourEnd <= end.hourEnd);
      if (inWindow.length < window.minHours) continue;
      values.push({
        value: inWindow.reduce((a, h) => a + h.v, 0) / inWindow.length,
        dataTime: end.hourEnd,
      });
    }
  }
  const latest = values.at(-1);
  if (latest === undefined) return undefined;
  // An alert on a value below its threshold (e.g. dissolved oxygen) worsens downwards.
  const lower = s.threshold !== undefined && s.value < s.threshold;
  const worst = values.reduce((w, v) => ((lower ? v.value < w.value : v.value > w.value) ? v : w));
  return { latest, worst, since };
}
