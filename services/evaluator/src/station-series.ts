import { type DataFlag, HOUR_MS, type MetricId, metricsForKind, type Station } from "@qingshan/domain";
import { createSeriesQuality, type SeriesQuality, type StationView, type StatLike } from "@qingshan/rules";
import { createSeriesWindows, type SeriesWindows } from "@qingshan/windows";

const NO_DATA: StatLike = { mean: null, max: null, count: 0, valid: false };

/** What the evaluator keeps per station: windows and quality trackers per metric, when it was last heard from. */
export interface StationSeries {
  readonly station: Station;
  readonly windows: Map<MetricId, SeriesWindows>;
  readonly quality: Map<MetricId, SeriesQuality>;
  /** Latest valid hour per metric (for `latest` windows). */
  readonly lastValidHour: Map<MetricId, number>;
  /** Per metric, the newest stored reading ts at the rebuild: readings up to it count as held (see `isCounted`). */
  readonly storedThrough: Map<MetricId, number>;
  /** Per metric, the newest reading ts taken into the windows (a second copy of it is skipped). */
  readonly newestTs: Map<MetricId, number>;
  /** Wall-clock time (receivedAt) of the last reading from the station. */
  lastSeen: number | undefined;
  /** Newest hour label with data at this station. */
  newestHour: number | undefined;
  readonly view: StationView;
  windowsOf(metric: MetricId): SeriesWindows;
  qualityOf(metric: MetricId): SeriesQuality;
}

export interface SeriesOptions {
  readonly latenessMs: number;
  readonly validFlags: readonly DataFlag[];
}

// Windows throw RangeError for hours they no longer retain: for the rules that is "no data".
function guard<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * Creates the per-station series holder and its StationView for the rules.
 *
 * @example
 * const s = createStationSeries(station, { latenessMs: 7_200_000, validFlags: ["N"] });
 * s.windowsOf("pm25").add({ ts, value: 41, flag: "N", periodMs: 3_600_000 });
 */
export function createStationSeries(station: Station, options: SeriesOptions): StationSeries {
  const windows = new Map<MetricId, SeriesWindows>();
  const quality = new Map<MetricId, SeriesQuality>();
  const lastValidHour = new Map<MetricId, number>();
  const expected = station.metrics ?? metricsForKind(station.kind);
  const stat = (metric: MetricId, read: (w: SeriesWindows) => StatLike): StatLike | undefined => {
    const w = windows.get(metric);
    if (w === undefined) return expected.includes(metric) ? NO_DATA : undefined;
    return guard(() => read(w)) ?? NO_DATA;
  };
  const series: StationSeries = {
    station,
    windows,
    quality,
    lastValidHour,
    storedThrough: new Map(),
    newestTs: new Map(),
    lastSeen: undefined,
    newestHour: undefined,
    view: {
      station,
      metrics: () => expected,
      hour: (m, h) => stat(m, (w) => w.hour(h)),
      rolling: (m, n, h) => stat(m, (w) => w.rolling(n, h)),
      day: (m, d) => stat(m, (w) => w.day(d)),
      dailyMax8h: (m, d) => stat(m, (w) => w.dailyMax8h(d)),
      month: (m, k) => stat(m, (w) => w.month(k)),
      yearToDate: (m, y) => {
        const w = windows.get(m);
        if (w === undefined) return expected.includes(m) ? { ...NO_DATA, sumOfDailyMeans: 0 } : undefined;
        return guard(() => w.yearToDate(y)) ?? { ...NO_DATA, sumOfDailyMeans: 0 };
      },
      latest: (m, at) => {
        const h = lastValidHour.get(m);
        const w = windows.get(m);
        if (h === undefined || w === undefined || h > at + HOUR_MS) return undefined;
        const s = guard(() => w.hour(h));
        return s?.mean == null ? undefined : { hourEnd: h, value: s.mean };
      },
      quality: (m) => quality.get(m),
    },
    windowsOf(metric) {
      let w = windows.get(metric);
      if (w === undefined) {
        w = createSeriesWindows(metric, {
          latenessMs: options.latenessMs,
          validFlags: options.validFlags,
          reportingIntervalMs: station.reportingIntervalMs,
        });
        windows.set(metric, w);
      }
      return w;
    },
    qualityOf(metric) {
      let q = quality.get(metric);
      if (q === undefined) {
        q = createSeriesQuality();
        quality.set(metric, q);
      }
      return q;
    },
  };
  return series;
}

/**
 * Rough V8 cost of one entry of `storedThrough` or `newestTs` (the dedupe state, two per series):
 * key, value and chain slots, a bucket share, the ts as a heap number (ms timestamps are no Smis).
 */
export const DEDUPE_ENTRY_BYTES = 3 * 8 + 4 + 16;

/**
 * Whether the windows already hold the reading of `metric` at `ts`, from O(1) state per series
 * (a redelivered batch is skipped earlier, by the per-partition offsets): anything up to the newest
 * stored ts at the rebuild (the windows were built from the store), and a second copy of the newest
 * reading (a duplicate publish). Trade-off: a late reading that was not yet stored at the rebuild
 * is taken as held and misses the windows (the writer still stores it), and a duplicate of an older,
 * out-of-order reading within one session is counted again.
 *
 * @example
 * if (!isCounted(s, r.metric, r.ts)) s.windowsOf(r.metric).add(r);
 */
export function isCounted(s: StationSeries, metric: MetricId, ts: number): boolean {
  const through = s.storedThrough.get(metric);
  return (through !== undefined && ts <= through) || ts === s.newestTs.get(metric);
}
