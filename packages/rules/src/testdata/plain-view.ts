import { beijingMidnight, DAY_MS, HOUR_MS, type MetricId, type Station } from "@qingshan/domain";
import {
  createSeriesQuality,
  type SeriesQuality,
  type StationView,
  type StatLike,
  trackQuality,
} from "../view.ts";

/**
 * A StationView over plain hourly means (test fixture): rolling means need ≥ 20 of 24 / ≥ 6 of 8
 * valid hours, a day ≥ 20 (GB 3095 Table 4), the O3 daily max 8-h uses the 17 windows ending
 * 08:00…24:00 (HJ 663 §6.1.2, ≥ 14 valid), year-to-date is the mean of valid daily means.
 */
export interface PlainView extends StationView {
  set(metric: MetricId, hourEnd: number, value: number): void;
  reading(metric: MetricId, ts: number, value: number, flag?: "N" | "C" | "M" | "T"): void;
}

export function plainView(station: Station, metrics: readonly MetricId[]): PlainView {
  const data = new Map<MetricId, Map<number, number>>(metrics.map((m) => [m, new Map()]));
  const quality = new Map<MetricId, SeriesQuality>(metrics.map((m) => [m, createSeriesQuality()]));
  const stat = (values: number[], required: number): StatLike => ({
    mean: values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length,
    max: values.length === 0 ? null : Math.max(...values),
    count: values.length,
    valid: values.length >= required,
  });
  const hours = (metric: MetricId, end: number, n: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = data.get(metric)?.get(end - i * HOUR_MS);
      if (v !== undefined) out.push(v);
    }
    return out;
  };
  const dayStat = (metric: MetricId, dayKey: string): StatLike | undefined =>
    data.has(metric) ? stat(hours(metric, beijingMidnight(dayKey) + DAY_MS, 24), 20) : undefined;
  const view: PlainView = {
    station,
    metrics: () => metrics,
    hour: (m, h) => {
      const v = data.get(m)?.get(h);
      return data.has(m) ? stat(v === undefined ? [] : [v], 1) : undefined;
    },
    rolling: (m, n, h) => (data.has(m) ? stat(hours(m, h, n), n === 24 ? 20 : 6) : undefined),
    day: dayStat,
    dailyMax8h: (m, dayKey) => {
      if (!data.has(m)) return undefined;
      const start = beijingMidnight(dayKey);
      const means: number[] = [];
      for (let end = start + 8 * HOUR_MS; end <= start + DAY_MS; end += HOUR_MS) {
        const w = stat(hours(m, end, 8), 6);
        if (w.valid && w.mean !== null) means.push(w.mean);
      }
      const s = stat(means, 14);
      return { ...s, mean: s.max ?? null };
    },
    month: () => undefined,
    yearToDate: (m, year) => {
      if (!data.has(m)) return undefined;
      const means: number[] = [];
      const monthCounts: number[] = new Array(12).fill(0);
      const keys = new Set(
        [...(data.get(m)?.keys() ?? [])].map((h) => new Date(h - 1 + 8 * HOUR_MS).toISOString().slice(0, 10)),
      );
      for (const key of keys) {
        if (!key.startsWith(String(year))) continue;
        const d = dayStat(m, key);
        if (d?.valid && d.mean !== null) {
          means.push(d.mean);
          const month = Number(key.slice(5, 7)) - 1;
          monthCounts[month] = (monthCounts[month] ?? 0) + 1;
        }
      }
      return { ...stat(means, 1), sumOfDailyMeans: means.reduce((a, b) => a + b, 0), monthCounts };
    },
    latest: (m, at) => {
      let best: { hourEnd: number; value: number } | undefined;
      for (const [h, v] of data.get(m) ?? [])
        if (h <= at && (best === undefined || h > best.hourEnd)) best = { hourEnd: h, value: v };
      return best;
    },
    quality: (m) => quality.get(m),
    set(metric, hourEnd, value) {
      data.get(metric)?.set(hourEnd, value);
    },
    reading(metric, ts, value, flag = "N") {
      const q = quality.get(metric);
      if (q) trackQuality(q, { ts, value, flag });
      if (flag === "N") data.get(metric)?.set(Math.floor(ts / HOUR_MS) * HOUR_MS + HOUR_MS, value);
    },
  };
  return view;
}
