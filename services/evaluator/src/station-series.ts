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
  /** Per metric, which readings the windows already hold (duplicates and redeliveries are skipped). */
  readonly counted: Map<MetricId, CountedReadings>;
  /** Per metric, the newest reading ts taken into the windows. */
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
    counted: new Map(),
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
 * Which readings (by ts) of one series the windows already hold, so a reading delivered again — a
 * redelivery after a failed batch or a rebalance, or a duplicate publish — is not counted twice.
 * Exact from `from` on (a sorted list of ts, pruned to the lateness horizon: older readings are
 * refused by the windows anyway); before `from`, everything up to `storedThrough` (the newest
 * reading in the store at the rebuild, counted through the hourly aggregates) counts as held.
 *
 * @example
 * const c = new CountedReadings(from, through);
 * if (!c.has(r.ts)) { windows.add(r); c.add(r.ts); c.prune(newest - latenessMs); }
 */
export class CountedReadings {
  private readonly ts: number[] = [];

  constructor(
    private from: number,
    private readonly storedThrough: number,
  ) {}

  has(ts: number): boolean {
    if (ts < this.from) return ts <= this.storedThrough;
    const i = this.search(ts);
    return this.ts[i] === ts;
  }

  add(ts: number): void {
    if (ts < this.from) return;
    const last = this.ts[this.ts.length - 1];
    if (last === undefined || ts > last) {
      this.ts.push(ts);
      return;
    }
    const i = this.search(ts);
    if (this.ts[i] !== ts) this.ts.splice(i, 0, ts);
  }

  /** Forgets readings before `cutoff` (the windows refuse them now). */
  prune(cutoff: number): void {
    if (cutoff <= this.from) return;
    this.from = cutoff;
    const i = this.search(cutoff);
    if (i > 0) this.ts.splice(0, i);
  }

  memoryBytes(): number {
    return 64 + 8 * this.ts.length;
  }

  /** Index of the first ts ≥ `ts`. */
  private search(ts: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ts[mid] as number) < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
