import { HOUR_MS } from "@qingshan/domain";
import type { HourlyAggregate } from "@qingshan/store";
import { describe, expect, it } from "vitest";
import { hourSeries, hourValue } from "./hourly-validity.ts";

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

  it("is empty for no aggregates", () => {
    const series = hourSeries([], HOUR_MS);
    expect(series.size).toBe(0);
    expect(series.get(H0)).toBeUndefined();
  });
});
