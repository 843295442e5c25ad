import { BEIJING_OFFSET_MS, DAY_MS, type DataFlag } from "@qingshan/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSeriesWindows, createSeriesWindowsGroup, type SeriesWindows } from "./index.ts";

const H = 3_600_000;
const MIN = 60_000;
const c12 = (v: number): number => Number(v.toPrecision(12));

interface R {
  ts: number;
  value: number;
  flag: DataFlag;
  periodMs?: number;
}

/** Naive recomputation from the accepted readings, straight from the rules (GB 3095 Table 4, HJ 663 §6.1.2). */
function naive(accepted: readonly R[], intervalMs: number) {
  const byHour = new Map<number, R[]>();
  for (const r of accepted) {
    const label = Math.floor(r.ts / H) * H + H;
    byHour.set(label, [...(byHour.get(label) ?? []), r]);
  }
  const hourMean = (label: number): number | undefined => {
    const valid = (byHour.get(label) ?? []).filter((r) => r.flag === "N");
    if (valid.length === 0) return undefined;
    // Each reading credits its sampling time inside the hour (GB 3095 Table 4: sampling IN the
    // hour); an instantaneous one, the reporting interval.
    const credited = valid.reduce(
      (s, r) => s + ((r.periodMs ?? 0) > 0 ? Math.min(r.periodMs as number, label - r.ts) : intervalMs),
      0,
    );
    const sampled = Math.min(H, credited);
    if (sampled < 45 * MIN) return undefined;
    // The mean weighs each reading by its in-hour time when all have one and they differ (GB 3095-2012
    // Table 4 counts sampling time; @qingshan/store's HOUR_MEAN_SQL), else it is arithmetic.
    const times = valid.map((r) => Math.min(r.periodMs ?? 0, label - r.ts));
    if (Math.min(...times) > 0 && Math.min(...times) < Math.max(...times))
      return c12(
        valid.reduce((s, r, i) => s + r.value * (times[i] as number), 0) / times.reduce((a, b) => a + b, 0),
      );
    return c12(valid.reduce((s, r) => s + r.value, 0) / valid.length);
  };
  const meanOf = (vs: number[]): number | null =>
    vs.length ? c12(vs.reduce((a, b) => a + b, 0) / vs.length) : null;
  const window = (end: number, hours: number): number[] => {
    const out: number[] = [];
    for (let l = end - (hours - 1) * H; l <= end; l += H) {
      const v = hourMean(l);
      if (v !== undefined) out.push(v);
    }
    return out;
  };
  const dayStart = (d: number): number => d * DAY_MS - BEIJING_OFFSET_MS;
  const dayHours = (d: number): number[] => window(dayStart(d) + 24 * H, 24);
  const dayHasData = (d: number): boolean => {
    for (let l = dayStart(d) + H; l <= dayStart(d) + 24 * H; l += H) if (byHour.has(l)) return true;
    return false;
  };
  const dayMean = (d: number): number | undefined => {
    const hs = dayHours(d);
    return hs.length >= 20 ? (meanOf(hs) as number) : undefined;
  };
  const dailyMax8h = (d: number) => {
    const ms: number[] = [];
    for (let e = 8; e <= 24; e++) {
      const hs = window(dayStart(d) + e * H, 8);
      if (hs.length >= 6) ms.push(meanOf(hs) as number);
    }
    return { n: ms.length, max: ms.length ? Math.max(...ms) : null };
  };
  const monthDays = (year: number, month0: number): number[] => {
    const first = Date.UTC(year, month0, 1) / DAY_MS;
    const last = Date.UTC(year, month0 + 1, 1) / DAY_MS;
    const out: number[] = [];
    for (let d = first; d < last; d++) {
      const m = dayMean(d);
      if (m !== undefined) out.push(m);
    }
    return out;
  };
  return { hourMean, window, dayHours, dayHasData, dailyMax8h, monthDays, meanOf };
}

const start = Date.parse("2026-01-22T00:00:00+08:00");
const HOURS = 40 * 24;

/**
 * Per hour 0…3 readings of 20 min (instantaneous, carrying a period, or in a mixed hour the first
 * instantaneous and the others averaged), mostly 3, then locally shuffled.
 */
const readingsArb = fc
  .array(
    fc.record({
      n: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }) },
        { weight: 12, arbitrary: fc.constant(3) },
      ),
      value: fc.integer({ min: 0, max: 400 }),
      flagged: fc.integer({ min: 0, max: 30 }),
      period: fc.constantFrom(undefined, 20 * MIN, H),
      mixed: fc.boolean(),
      jitter: fc.integer({ min: 0, max: 3 * 60 }),
    }),
    { minLength: HOURS, maxLength: HOURS },
  )
  .map((hours) => {
    const out: (R & { order: number })[] = [];
    hours.forEach((h, i) => {
      for (let k = 0; k < h.n; k++) {
        const ts = start + i * H + k * 20 * MIN + ((h.value + k) % 20) * MIN;
        const flag: DataFlag = h.flagged === k ? "D" : "N";
        const r: R & { order: number } = {
          ts,
          value: (h.value * (k + 1)) % 401,
          flag,
          order: ts + h.jitter * MIN,
        };
        if (h.period !== undefined && !(h.mixed && k === 0)) r.periodMs = h.period;
        out.push(r);
      }
    });
    return out.sort((a, b) => a.order - b.order);
  });

/** Compares hour() and rolling() around the newest hour with the naive recomputation. */
function checkHours(
  w: SeriesWindows,
  ref: ReturnType<typeof naive>,
  newest: number,
  latenessMs: number,
): void {
  const newestLabel = Math.floor(newest / H) * H + H;
  const ringOldest = newestLabel - (25 + Math.ceil(latenessMs / H) - 1) * H;
  for (let l = newestLabel - 30 * H; l <= newestLabel + H; l += H) {
    if (l < ringOldest) {
      expect(() => w.hour(l)).toThrow(RangeError);
      continue;
    }
    const hm = ref.hourMean(l);
    const hour = w.hour(l);
    expect(hour.valid).toBe(hm !== undefined);
    if (hm !== undefined) expect(hour.mean).toBe(hm);
    for (const hours of [8, 24] as const) {
      if (l - (hours - 1) * H < ringOldest) {
        expect(() => w.rolling(hours, l)).toThrow(RangeError);
        continue;
      }
      const vs = ref.window(l, hours);
      const s = w.rolling(hours, l);
      expect(s.count).toBe(vs.length);
      expect(s.mean).toBe(ref.meanOf(vs));
      expect(s.valid).toBe(vs.length >= (hours === 8 ? 6 : 20));
    }
  }
}

/** Feeds `readings` (in arrival order) and compares every query with the naive recomputation. */
function checkAgainstNaive(
  w: SeriesWindows,
  readings: readonly (R & { order?: number })[],
  latenessMs: number,
  interval: number,
  /** Also compare the hours and rolling windows after every this many accepted readings. */
  checkEvery = Number.POSITIVE_INFINITY,
): void {
  const accepted: R[] = [];
  let newest = Number.NEGATIVE_INFINITY;
  for (const { order: _order, ...r } of readings) {
    const out = w.add(r);
    const expectAccepted = r.ts >= newest - latenessMs;
    expect(out.accepted).toBe(expectAccepted);
    if (!expectAccepted) continue;
    accepted.push(r);
    newest = Math.max(newest, r.ts);
    if (accepted.length % checkEvery === 0) checkHours(w, naive(accepted, interval), newest, latenessMs);
  }
  const ref = naive(accepted, interval);
  checkHours(w, ref, newest, latenessMs);
  const nextUnsealed = Math.floor((newest - latenessMs + BEIJING_OFFSET_MS) / DAY_MS);
  const firstDay = Math.floor((start + BEIJING_OFFSET_MS) / DAY_MS);
  for (let d = firstDay; d <= nextUnsealed + 1; d++) {
    const key = new Date(d * DAY_MS).toISOString().slice(0, 10);
    if (d < nextUnsealed - 3) {
      expect(() => w.day(key)).toThrow(RangeError);
      continue;
    }
    const hs = ref.dayHours(d);
    const day = w.day(key);
    expect(day.count).toBe(hs.length);
    expect(day.mean).toBe(ref.meanOf(hs));
    expect(day.valid).toBe(hs.length >= 20);
    const m8 = ref.dailyMax8h(d);
    const dm = w.dailyMax8h(key);
    expect(dm.count).toBe(m8.n);
    expect(dm.mean).toBe(m8.max);
    expect(dm.valid).toBe(m8.n >= 14 || (m8.max !== null && m8.max > 160));
  }
  const nextUnsealedMonth = new Date(nextUnsealed * DAY_MS);
  const oldestMonth = nextUnsealedMonth.getUTCFullYear() * 12 + nextUnsealedMonth.getUTCMonth() - 1;
  let yearSum = 0;
  let yearN = 0;
  const lastMonth = new Date(newest + BEIJING_OFFSET_MS).getUTCMonth();
  for (let month0 = 0; month0 <= lastMonth; month0++) {
    const year = 2026;
    const key = `${year}-${String(month0 + 1).padStart(2, "0")}`;
    const days = ref.monthDays(year, month0);
    yearSum += days.reduce((a, b) => a + b, 0);
    yearN += days.length;
    if (year * 12 + month0 < oldestMonth) {
      expect(() => w.month(key)).toThrow(RangeError);
      continue;
    }
    const m = w.month(key);
    expect(m.count).toBe(days.length);
    expect(m.valid).toBe(days.length >= (month0 === 1 ? 25 : 27));
    if (days.length > 0) expect(m.mean).toBeCloseTo(ref.meanOf(days) as number, 9);
  }
  const ytd = w.yearToDate(2026);
  expect(ytd.count).toBe(yearN);
  expect(ytd.sumOfDailyMeans).toBeCloseTo(yearSum, 6);
  expect(ytd.valid).toBe(false);
}

describe("incremental windows equal a naive recomputation", () => {
  it("hour, 8/24-h rolling, day, daily max 8-h, month and year to date", () => {
    fc.assert(
      fc.property(readingsArb, fc.constantFrom(H, 2 * H, 150 * MIN), (readings, latenessMs) => {
        const interval = 20 * MIN;
        const w = createSeriesWindows("o3", { latenessMs, reportingIntervalMs: interval, sealedDaysKept: 3 });
        checkAgainstNaive(w, readings, latenessMs, interval);
      }),
      { numRuns: 25 },
    );
  });

  // Data in bursts with gaps of up to 60 h (longer than the ring): ring slots are emptied as the
  // newest hour moves on (no hour labels are stored), and a wrapped slot must not leak old data.
  // Three series share one buffer; the middle one gets other values and must not disturb the others,
  // the last one keeps no hour extremes (its ring slots are 16 bytes shorter).
  it("the same with gaps longer than the ring, for series sharing one buffer", () => {
    fc.assert(
      fc.property(
        readingsArb,
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 40, maxLength: 40 }),
        fc.constantFrom(0, H, 2 * H, 150 * MIN),
        (dense, gaps, latenessMs) => {
          const interval = 20 * MIN;
          // Day i of the dense data keeps its first 24 − (gap % 24) hours and is shifted by the gaps so far.
          let shift = 0;
          const shifted: (R & { order: number })[] = [];
          const dayOf = (ts: number) => Math.floor((ts - start) / DAY_MS);
          let lastDay = -1;
          for (const r of dense) {
            const d = dayOf(r.ts);
            if (d !== lastDay) {
              shift = gaps.slice(0, d + 1).reduce((a, b) => a + b, 0) * H;
              lastDay = d;
            }
            const gap = gaps[d] ?? 0;
            if ((r.ts - start) % DAY_MS >= (24 - (gap % 24)) * H) continue;
            shifted.push({ ...r, ts: r.ts + shift, order: r.order + shift });
          }
          shifted.sort((a, b) => a.order - b.order);
          const options = { latenessMs, reportingIntervalMs: interval, sealedDaysKept: 3 };
          const [a, other, b] = createSeriesWindowsGroup([
            { metric: "o3", options },
            { metric: "pm25", options: { ...options, keep: [] } },
            { metric: "o3", options: { ...options, keep: ["dailyMax8h", "month", "year"] } },
          ]);
          for (const r of shifted) other?.add({ ...r, value: r.value * 7 + 1 });
          checkAgainstNaive(a as SeriesWindows, shifted, latenessMs, interval, 97);
          checkAgainstNaive(b as SeriesWindows, shifted, latenessMs, interval);
        },
      ),
      { numRuns: 15 },
    );
  });
});
