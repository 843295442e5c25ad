import type { HourlyAggregate } from "@qingshan/store";
import { describe, expect, it } from "vitest";
import { identicalHour, runStart } from "./run-start.ts";

const H = 3_600_000;
const T0 = Date.parse("2026-11-28T00:00:00+08:00");

/** The hour ending T0 + i h with `valid` of `total` readings valid, min/max of the valid ones. */
function hour(
  i: number,
  valid: number,
  total: number,
  min: number | null = null,
  max = min,
): HourlyAggregate {
  return {
    stationId: "wq-f",
    metric: "tp",
    hourEnd: T0 + i * H,
    mean: min === null || max === null ? null : (min + max) / 2,
    min,
    max,
    validCount: valid,
    totalCount: total,
    validPeriodMs: 0,
  };
}

describe("runStart", () => {
  const recentFrom = T0 + 10 * H;
  it("a run of identical values: uniform hours, then the hour whose range holds the value", () => {
    const hourly = [
      hour(7, 6, 6, 0.05, 0.09),
      hour(8, 6, 6, 0.05, 0.08), // ends with 0.08
      hour(9, 6, 6, 0.08),
      hour(10, 6, 6, 0.08),
    ];
    expect(runStart(hourly, T0, recentFrom, identicalHour(0.08))).toBe(T0 + 7 * H);
    expect(runStart(hourly, T0, recentFrom, identicalHour(undefined))).toBe(T0 + 7 * H);
    expect(runStart(hourly, T0, recentFrom, identicalHour(0.3))).toBeUndefined();
  });
});
