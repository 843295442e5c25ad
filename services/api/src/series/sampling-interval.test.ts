import { HOUR_MS, type MetricId } from "@qingshan/domain";
import type { HourlyAggregate } from "@qingshan/store";
import { describe, expect, it } from "vitest";
import { AIR_VALIDITY, aggregate, dailyMean } from "./aggregate.ts";
import { hourSeries } from "./hourly-validity.ts";
import { noiGrades } from "./noi-grade.ts";

const FOUR_H = 4 * HOUR_MS;
const DAY = Date.parse("2026-11-27T00:00:00+08:00");

/** One instantaneous reading at the start of each 4-h cycle of the day, except `missed` cycles (0…5). */
function fourHourly(metric: MetricId, value: number, missed: readonly number[] = []) {
  const aggs: HourlyAggregate[] = [];
  for (let i = 0; i < 6; i++) {
    if (missed.includes(i)) continue;
    const hourEnd = DAY + i * FOUR_H + HOUR_MS;
    aggs.push({
      stationId: "s",
      metric,
      hourEnd,
      mean: value,
      min: value,
      max: value,
      validCount: 1,
      totalCount: 1,
      validPeriodMs: 0,
    });
  }
  return hourSeries(aggs, FOUR_H);
}

describe("a metric measured every 4 h: the day's minimum scales (standards dailyMinimum)", () => {
  it("dailyMean (the network's last 24 h) agrees with aggregate", () => {
    const tp = fourHourly("tp", 0.06, [2]);
    expect(dailyMean(tp, DAY, DAY + 24 * HOUR_MS, AIR_VALIDITY, "tp", FOUR_H)).toEqual({
      value: 0.06,
      validHours: 5,
      valid: true,
    });
    expect(
      dailyMean(fourHourly("tp", 0.06, [2, 3]), DAY, DAY + 24 * HOUR_MS, AIR_VALIDITY, "tp", FOUR_H),
    ).toEqual({
      value: null,
      validHours: 4,
      valid: false,
      reason: "4 valid values (total phosphorus is measured every 4 h); needs ≥ 5 of 6",
    });
    // Without the interval (an hourly metric) the same hours are far too few.
    expect(dailyMean(tp, DAY, DAY + 24 * HOUR_MS, AIR_VALIDITY, "tp")).toMatchObject({ valid: false });
    const [day] = aggregate(tp, DAY, DAY + 24 * HOUR_MS, "1d", "mean", AIR_VALIDITY, "tp", FOUR_H);
    expect(day).toMatchObject({ valid: true, value: 0.06, validCount: 5, totalCount: 6 });
  });

  it("a pollutant GB 3095 Table 4's 24-h row lists never scales, even measured every 4 h", () => {
    const pm25 = fourHourly("pm25", 30);
    const [day] = aggregate(pm25, DAY, DAY + 24 * HOUR_MS, "1d", "mean", AIR_VALIDITY, "pm25", FOUR_H);
    expect(day).toMatchObject({ valid: false, reason: "6 valid hourly means; needs ≥ 20", totalCount: 24 });
    const [hour] = aggregate(
      pm25,
      DAY + HOUR_MS,
      DAY + 2 * HOUR_MS,
      "1h",
      "mean",
      AIR_VALIDITY,
      "pm25",
      FOUR_H,
    );
    expect(hour).toMatchObject({ valid: false, reason: "no reading in the hour" });
    expect(hour).not.toHaveProperty("notSampled");
  });

  it("NOI measured every 4 h: its day is graded with the scaled minimum too (as the evaluator's windows)", () => {
    const noi = fourHourly("noi", 1200);
    const [day] = noiGrades(noi, DAY, DAY + 24 * HOUR_MS, "1d", undefined, FOUR_H);
    expect(day).toMatchObject({ valid: true, value: 1200, validCount: 6, totalCount: 6 });
    expect(day?.grade).not.toBeNull();
    expect(day?.rule).toContain("scaled to negative oxygen ions measured every 4 h");
  });
});
