import { type DataFlag, hourEndOf } from "@qingshan/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// The store's own per-hour sums (not exported by @qingshan/store, and windows may not depend on the
// store): a relative import, in this test only, so the windows are checked against the store's code.
import { addValidReading, emptyHourSums } from "../../store/src/hour.ts";
import { createSeriesWindows, type HourlySeed, type SeriesWindows, type WindowReading } from "./index.ts";

const H = 3_600_000;
const MIN = 60_000;
/** Means keep 12 significant digits, as in the API (services/api/src/series/mean.ts). */
const c12 = (v: number): number => Number(v.toPrecision(12));
const bj = (iso: string): number => Date.parse(`${iso}+08:00`);
const options = { latenessMs: 6 * H, reportingIntervalMs: 5 * MIN };

/**
 * The hour's aggregate as @qingshan/store gives it for `readings` (all of one hour, in arrival
 * order): sums from the store's addValidReading, the mean chosen as schema.ts HOUR_MEAN_SQL does —
 * duration-weighted when every valid reading sampled for a time in the hour and these times differ
 * (GB 3095-2012 Table 4 counts sampling time), else arithmetic — and, as the InfluxDB adapter's
 * hourMean and the DuckDB fast path, arithmetic when a weighted product was not finite.
 */
function storeAggregate(readings: readonly WindowReading[], hourEnd: number): HourlySeed {
  return storeHour(readings, hourEnd).aggregate;
}

/** Which branch of the store's rule an hour took (the property test checks each was exercised). */
type RuleCase = "none valid" | "weighted" | "equal times" | "instantaneous" | "product not finite";

function storeHour(
  readings: readonly WindowReading[],
  hourEnd: number,
): { aggregate: HourlySeed; rule: RuleCase } {
  const sums = emptyHourSums();
  for (const r of readings)
    if (r.flag === "N") addValidReading(sums, r.value, r.ts, r.periodMs ?? 0, hourEnd);
  const n = sums.validCount;
  const weighted = sums.minWeight > 0 && sums.minWeight < sums.maxWeight && sums.weightedCount === n;
  const aggregate = {
    hourEnd,
    mean: n === 0 ? null : weighted ? sums.weightedSum / sums.validPeriodMs : sums.sum / n,
    min: n === 0 ? null : sums.min,
    max: n === 0 ? null : sums.max,
    validCount: n,
    totalCount: readings.length,
    validPeriodMs: sums.validPeriodMs,
  };
  const rule: RuleCase =
    n === 0
      ? "none valid"
      : weighted
        ? "weighted"
        : sums.minWeight === 0
          ? "instantaneous"
          : sums.weightedCount < n
            ? "product not finite"
            : "equal times";
  return { aggregate, rule };
}

function feed(w: SeriesWindows, readings: readonly WindowReading[]): void {
  for (const r of readings) expect(w.add(r).accepted).toBe(true);
}

/** One reading of an hour: where in the hour, its kind of period, value and flag. */
const readingArb = fc.record({
  offsetMs: fc.oneof(
    fc.integer({ min: 0, max: H - 1 }),
    // near the hour's end: a period cut at the boundary (inHourPeriodMs)
    fc.integer({ min: H - 20 * MIN, max: H - 1 }),
    // on a 5-min grid: equal in-hour times for equal periods
    fc.integer({ min: 0, max: 11 }).map((k) => k * 5 * MIN),
  ),
  period: fc.oneof(
    { weight: 2, arbitrary: fc.constant("instantaneous" as const) },
    { weight: 6, arbitrary: fc.constant("hour's" as const) },
    { weight: 3, arbitrary: fc.constantFrom(15_000, 5 * MIN, 15 * MIN, 30 * MIN, H) },
  ),
  value: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 500 }) },
    { weight: 4, arbitrary: fc.double({ min: -50, max: 1000, noNaN: true, noDefaultInfinity: true }) },
    // value × in-hour time past the double range: the store's mean is arithmetic then
    { weight: 1, arbitrary: fc.constant(1e305) },
  ),
  invalid: fc.integer({ min: 0, max: 9 }).map((k) => k === 0),
});

/** Up to 4 hours; each has one period for its "hour's" readings (so equal times are common). */
const hoursArb = fc.array(
  fc.record({
    period: fc.constantFrom(5 * MIN, 15 * MIN, 20 * MIN, H),
    readings: fc.uniqueArray(readingArb, { minLength: 1, maxLength: 14, selector: (r) => r.offsetMs }),
  }),
  { minLength: 1, maxLength: 4 },
);

describe("an hour's mean follows the store's rule (GB 3095-2012 Table 4: sampling time counts)", () => {
  it("for random mixes of instantaneous, equal and differing periods, invalid flags and cut periods", () => {
    const first = bj("2026-11-02T00:00:00") + H;
    const seen = new Map<RuleCase, number>();
    fc.assert(
      fc.property(hoursArb, fc.integer({ min: 0, max: 1000 }), (hours, seed) => {
        const w = createSeriesWindows("pm25", options);
        const byHour = new Map<number, WindowReading[]>();
        const all: WindowReading[] = [];
        hours.forEach((hour, i) => {
          const hourEnd = first + i * H;
          const list: WindowReading[] = hour.readings.map((r) => {
            const period = r.period === "hour's" ? hour.period : r.period;
            const ts = hourEnd - H + r.offsetMs;
            const flag: DataFlag = r.invalid ? "D" : "N";
            return period === "instantaneous"
              ? { ts, value: r.value, flag }
              : { ts, value: r.value, flag, periodMs: period };
          });
          byHour.set(hourEnd, list);
          all.push(...list);
        });
        // Arrival order: hours interleaved (all within the lateness), each hour's readings in order.
        const order = all
          .map((r, k) => ({ r, key: (k * 7919 + seed) % 101 }))
          .sort((a, b) => a.key - b.key || a.r.ts - b.r.ts)
          .map((x) => x.r);
        feed(w, order);
        for (const [hourEnd] of byHour) {
          const arrived = order.filter((r) => hourEndOf(r.ts) === hourEnd);
          const { aggregate: agg, rule } = storeHour(arrived, hourEnd);
          seen.set(rule, (seen.get(rule) ?? 0) + 1);
          const stat = w.hour(hourEnd);
          expect(stat.count).toBe(agg.validCount);
          expect(stat.mean).toBe(agg.mean === null ? null : c12(agg.mean));
        }
      }),
      { numRuns: 400 },
    );
    for (const rule of ["weighted", "equal times", "instantaneous", "product not finite"] as const)
      expect(seen.get(rule) ?? 0, rule).toBeGreaterThan(20);
  });

  // PM2.5 10 for 30 min and 40 for 15 min: 20, not the arithmetic 25 (README, store README).
  const h = bj("2026-11-02T08:00:00");
  const mixed: WindowReading[] = [
    { ts: h - H, value: 10, flag: "N", periodMs: 30 * MIN },
    { ts: h - 30 * MIN, value: 40, flag: "N", periodMs: 15 * MIN },
  ];
  /** Five earlier hours of one PT1H reading of 20 each. */
  const earlier: WindowReading[] = [1, 2, 3, 4, 5].map((k) => ({
    ts: h - (k + 1) * H,
    value: 20,
    flag: "N",
    periodMs: H,
  }));

  it("a 30-min and a 15-min mean give the weighted hour, and the 8-h mean built on it", () => {
    const w = createSeriesWindows("pm25", options);
    feed(w, [...earlier, ...mixed]);
    expect(w.hour(h)).toMatchObject({ mean: 20, count: 2, valid: true, sampledMs: 45 * MIN });
    expect(w.rolling(8, h)).toMatchObject({ mean: 20, count: 6, valid: true });

    // An instantaneous reading in the hour: the arithmetic mean (store: HOUR_MEAN_SQL's else branch).
    w.add({ ts: h - 10 * MIN, value: 40, flag: "N" });
    expect(w.hour(h)).toMatchObject({ mean: 30, count: 3 });
    // Equal times (two 30-min means): arithmetic, which is the weighted mean too.
    const equal = createSeriesWindows("pm25", options);
    feed(equal, [mixed[0] as WindowReading, { ts: h - 30 * MIN, value: 40, flag: "N", periodMs: 30 * MIN }]);
    expect(equal.hour(h)).toMatchObject({ mean: 25, sampledMs: H });
  });

  it("seeding the store's aggregate of that hour gives the same hour and 8-h mean as the live readings", () => {
    const live = createSeriesWindows("pm25", options);
    feed(live, [...earlier, ...mixed]);
    const seeded = createSeriesWindows("pm25", options);
    for (let k = 5; k >= 1; k--) {
      const hourEnd = h - k * H;
      seeded.addHourly(storeAggregate([earlier[k - 1] as WindowReading], hourEnd));
    }
    const agg = storeAggregate(mixed, h);
    expect(agg.mean).toBe(20);
    seeded.addHourly(agg);
    expect(seeded.hour(h)).toEqual(live.hour(h));
    expect(seeded.rolling(8, h)).toEqual(live.rolling(8, h));
    expect(live.hour(h).mean).toBe(20);
  });
});

describe("the weighting state kept outside the ring's numbers", () => {
  const hourEnd = bj("2026-11-03T10:00:00");

  it("an arithmetic-only hour's total count reads back right, up to its cap of 32 767", () => {
    const w = createSeriesWindows("pm25", options);
    // An instantaneous reading makes the hour arithmetic (the flag is bit 15 of the total count).
    w.add({ ts: hourEnd - 50 * MIN, value: 10, flag: "N" });
    w.add({ ts: hourEnd - 45 * MIN, value: 20, flag: "D" });
    expect(w.hour(hourEnd)).toMatchObject({ count: 1, totalCount: 2, mean: 10 });
    // Near the old 65 535 cap: the count stops at 32 767 and never reaches into the flag.
    for (let i = 0; i < 32_770; i++) w.add({ ts: hourEnd - 40 * MIN, value: 30, flag: i % 2 ? "D" : "N" });
    expect(w.hour(hourEnd)).toMatchObject({
      count: 16_386,
      totalCount: 32_767,
      mean: c12((10 + 16_385 * 30) / 16_386),
    });
    // A seeded aggregate (arithmetic too) past the cap.
    const seeded = createSeriesWindows("pm25", options);
    seeded.addHourly({
      hourEnd,
      mean: 12,
      min: 1,
      max: 30,
      validCount: 40_000,
      totalCount: 50_000,
      validPeriodMs: 0,
    });
    expect(seeded.hour(hourEnd)).toMatchObject({ count: 40_000, totalCount: 32_767, mean: 12 });
    // A weighted hour: no flag, its total read back as it is.
    feed(seeded, [
      { ts: hourEnd + 5 * MIN, value: 10, flag: "N", periodMs: 30 * MIN },
      { ts: hourEnd + 35 * MIN, value: 40, flag: "N", periodMs: 15 * MIN },
    ]);
    expect(seeded.hour(hourEnd + H)).toMatchObject({ count: 2, totalCount: 2, mean: 20 });
  });

  it("a ring slot reused for a later hour does not inherit the earlier hour's weighted sum", () => {
    const w = createSeriesWindows("pm25", options);
    const base = w.memoryBytes();
    // 10 for 30 min and 40 for 15 min: weighted 20; the weighted sum lives outside the buffer.
    feed(w, [
      { ts: hourEnd - H, value: 10, flag: "N", periodMs: 30 * MIN },
      { ts: hourEnd - 30 * MIN, value: 40, flag: "N", periodMs: 15 * MIN },
    ]);
    expect(w.hour(hourEnd).mean).toBe(20);
    expect(w.memoryBytes()).toBeGreaterThan(base);
    // The hour 31 h later (the ring holds 25 + 6) takes the same slot: equal times, arithmetic.
    const later = hourEnd + 31 * H;
    feed(w, [
      { ts: later - H, value: 10, flag: "N", periodMs: 30 * MIN },
      { ts: later - 30 * MIN, value: 40, flag: "N", periodMs: 30 * MIN },
    ]);
    expect(w.hour(later)).toMatchObject({ mean: 25, count: 2, totalCount: 2 });
    expect(w.memoryBytes()).toBe(base);
    // … and when its times differ later on, only its own readings weigh: (10·30 + 40·30 + 70·15) / 75.
    w.add({ ts: later - 15 * MIN, value: 70, flag: "N", periodMs: 15 * MIN });
    expect(w.hour(later)).toMatchObject({ mean: c12((10 * 30 + 40 * 30 + 70 * 15) / 75), count: 3 });
    // A seeded aggregate replaces the slot's hour: arithmetic again, nothing kept aside.
    w.addHourly({ hourEnd: later, mean: 5, min: 5, max: 5, validCount: 2, totalCount: 2, validPeriodMs: 0 });
    expect(w.hour(later)).toMatchObject({ mean: 5, count: 2, totalCount: 2 });
    expect(w.memoryBytes()).toBe(base);
  });
});
