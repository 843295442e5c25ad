import { HOUR_MS } from "@qingshan/domain";
import { type HourlyAggregate, hourlyColumnsOf } from "@qingshan/store";
import { describe, expect, it } from "vitest";
import { hourSeries, hoursToRecount, hourValue, validMean } from "./hourly-validity.ts";

const H0 = Date.UTC(2026, 0, 1);
const agg = (hour: number, mean: number | null, validCount = 1): HourlyAggregate => ({
  stationId: "ld-aq-01",
  metric: "pm25",
  hourEnd: H0 + hour * HOUR_MS,
  mean,
  min: mean,
  max: mean,
  validCount: mean === null ? 0 : validCount,
  totalCount: 1,
  validPeriodMs: HOUR_MS,
});

/** What hourSeries must equal: every aggregate's hour value in a Map (the last of a repeated hour). */
const eager = (aggs: HourlyAggregate[]) => new Map(aggs.map((a) => [a.hourEnd, hourValue(a, HOUR_MS)]));

describe("hourSeries", () => {
  it("finds every hour of an ordered series with gaps, and nothing in the gaps", () => {
    const aggs = [0, 1, 2, 5, 6, 9, 30].map((h, i) => agg(h, i === 3 ? null : 10 + i + 0.1 * i));
    const series = hourSeries(aggs, HOUR_MS);
    const expected = eager(aggs);
    for (let h = -2; h < 32; h++) {
      const label = H0 + h * HOUR_MS;
      expect(series.get(label)).toEqual(expected.get(label));
      expect(series.has(label)).toBe(expected.has(label));
    }
    expect(series.get(H0 + HOUR_MS / 2)).toBeUndefined();
    expect(series.size).toBe(7);
    expect([...series]).toEqual([...expected]);
    expect([...series.keys()]).toEqual([...expected.keys()]);
    expect([...series.values()]).toEqual([...expected.values()]);
    const seen: number[] = [];
    series.forEach((_, key) => {
      seen.push(key);
    });
    expect(seen).toEqual([...expected.keys()]);
  });

  it("keeps Map semantics for unordered or repeated hours", () => {
    const aggs = [agg(3, 30), agg(1, 10), agg(3, 33), agg(2, 20)];
    const series = hourSeries(aggs, HOUR_MS);
    expect([...series]).toEqual([...eager(aggs)]);
    expect(series.get(H0 + 3 * HOUR_MS)?.mean).toBe(33);
  });

  it("answers validMean as the hour values do: short sampling, no valid reading, gaps, unclean means", () => {
    const aggs: HourlyAggregate[] = [
      agg(0, 31.000000000000004),
      { ...agg(1, 40), validPeriodMs: 44 * 60_000 }, // < 45 min of sampling: not valid
      { ...agg(2, 41), validPeriodMs: 45 * 60_000 },
      agg(3, null),
      { ...agg(4, 50, 9), validPeriodMs: 0 }, // 9 instantaneous readings × 5 min = 45 min
      { ...agg(5, 51, 8), validPeriodMs: 0 }, // 8 × 5 min = 40 min: not valid
      agg(8, 0.1 + 0.2),
    ];
    const series = hourSeries(aggs, 5 * 60_000);
    const viaMap = new Map(aggs.map((a) => [a.hourEnd, hourValue(a, 5 * 60_000)]));
    for (let h = -1; h < 10; h++) {
      const label = H0 + h * HOUR_MS;
      const hour = viaMap.get(label);
      // Asked twice: the second answer comes from what the first computed.
      for (let k = 0; k < 2; k++) {
        expect(validMean(series, label)).toBe(hour?.valid && hour.mean !== null ? hour.mean : undefined);
        expect(validMean(viaMap, label)).toBe(validMean(series, label));
      }
    }
    expect(validMean(series, H0)).toBe(31);
    expect(validMean(series, H0 + HOUR_MS)).toBeUndefined();
    expect(validMean(series, H0 + 4 * HOUR_MS)).toBe(50);
    expect(validMean(series, H0 + 5 * HOUR_MS)).toBeUndefined();
    expect(validMean(series, H0 + 8 * HOUR_MS)).toBe(0.3);
  });

  it("is empty for no aggregates", () => {
    const series = hourSeries([], HOUR_MS);
    expect(series.size).toBe(0);
    expect(series.get(H0)).toBeUndefined();
  });
});

// One averaged reading of 15 min and instantaneous readings every 5 min in the same hour.
describe("an hour mixing averaged and instantaneous readings", () => {
  const MIN = 60_000;
  const mixed = (hour: number, validCount: number): HourlyAggregate => ({
    ...agg(hour, 49, validCount),
    validPeriodMs: 15 * MIN,
  });

  it("credits the averaged time plus the interval per instantaneous reading, capped at 1 h", () => {
    expect(hourValue(mixed(0, 10), 5 * MIN, 9)).toMatchObject({ valid: true, sampledMs: HOUR_MS, mean: 49 });
    expect(hourValue(mixed(0, 10), 10 * MIN, 9)).toMatchObject({ valid: true, sampledMs: HOUR_MS });
    expect(hourValue(mixed(0, 4), 5 * MIN, 3)).toMatchObject({
      valid: false,
      sampledMs: 30 * MIN,
      reason: expect.stringMatching(/^30 min of valid sampling; /),
    });
    // Without the count, the averaged time only; never more instantaneous readings than the others.
    expect(hourValue(mixed(0, 10), 5 * MIN)).toMatchObject({ valid: false, sampledMs: 15 * MIN });
    expect(hourValue(mixed(0, 4), 5 * MIN, 99).sampledMs).toBe(30 * MIN);
  });

  it("hourSeries and validMean take the counts by hour label", () => {
    const aggs = [mixed(0, 10), mixed(1, 10), mixed(2, 4)];
    const counts = new Map([
      [H0, 9],
      [H0 + 2 * HOUR_MS, 3],
    ]);
    for (const series of [
      hourSeries(aggs, 5 * MIN, counts),
      hourSeries([...aggs].reverse(), 5 * MIN, counts),
    ]) {
      expect([...series.values()].map((h) => [h.hourEnd, h.valid, h.sampledMs])).toEqual(
        expect.arrayContaining([
          [H0, true, HOUR_MS],
          [H0 + HOUR_MS, false, 15 * MIN],
          [H0 + 2 * HOUR_MS, false, 30 * MIN],
        ]),
      );
      expect(validMean(series, H0)).toBe(49);
      expect(validMean(series, H0 + HOUR_MS)).toBeUndefined();
    }
  });

  it("hoursToRecount: hours with averaged time short of 45 min and more than one valid reading", () => {
    const aggs = [
      mixed(0, 10), // recount
      { ...mixed(1, 10), validPeriodMs: 45 * MIN }, // valid on its averaged time
      mixed(2, 1), // one averaged reading
      { ...mixed(3, 10), validPeriodMs: 0 }, // instantaneous only
      agg(4, null), // no valid reading
      mixed(5, 2), // recount
    ];
    expect(hoursToRecount(hourlyColumnsOf("ld-aq-01", "pm25", aggs))).toEqual([H0, H0 + 5 * HOUR_MS]);
  });
});
