import type { HourlyAggregate } from "@qingshan/store";
import { describe, expect, it } from "vitest";
import { flaggedHour, identicalHour, runStart } from "./run-start.ts";

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
  it("a flag run (no valid readings) is found back to the hour it began in, gaps skipped", () => {
    const hourly = [
      hour(1, 6, 6, 0.05, 0.09), // all N
      hour(2, 3, 6, 0.05, 0.07), // N until 01:30, then C
      hour(3, 0, 6),
      hour(5, 0, 6), // no readings in the hour ending 04:00
      hour(10, 0, 6),
      hour(11, 6, 6, 0.1, 0.2), // after recentFrom: not judged
    ];
    expect(runStart(hourly, T0 - 10 * H, recentFrom, flaggedHour(["N"]))).toBe(T0 + H);
    // Not before the bound (the replay window's start).
    expect(runStart(hourly, T0 + 4 * H, recentFrom, flaggedHour(["N"]))).toBe(T0 + 4 * H);
    // The last stored hour all N: the run (if any) begins after recentFrom.
    expect(runStart([hour(10, 6, 6, 1, 2)], T0, recentFrom, flaggedHour(["N"]))).toBeUndefined();
  });

  it("with flags other than N valid, hours with valid readings may be flagged and are read", () => {
    const hourly = [hour(8, 6, 6, 0.1, 0.2), hour(9, 6, 6, 0.1, 0.2), hour(10, 0, 6)];
    expect(runStart(hourly, T0, recentFrom, flaggedHour(["N", "C"]))).toBe(T0 + 7 * H);
  });

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
