import { describe, expect, it } from "vitest";
import { LIANDU_PM25_ANNUAL_TARGET } from "./local-target.ts";
import { airAqiJson } from "./testdata/air-aqi-json.ts";
import {
  annualMeanValidity,
  citeValidityRule,
  dailyMeanValidity,
  dailyMinimum,
  eightHourMeanValidity,
  hourHasEnoughSampling,
  hourlyMeanValidity,
  hourNeedsInstantaneousCount,
  hourSampledMs,
  inHourPeriodMs,
  monthlyMeanValidity,
  o3DailyMax1hValidity,
  o3DailyMax8hValidity,
  readingSampledMs,
  scaledDailyRule,
  scaledDailyShortfall,
  VALIDITY_RULES,
} from "./validity.ts";

describe("GB 3095 Table 4 minimums", () => {
  it("1-h mean: ≥ 45 minutes", () => {
    expect(hourlyMeanValidity(44).valid).toBe(false);
    expect(hourlyMeanValidity(45)).toStrictEqual({
      valid: true,
      reason: "45 of 60 minutes sampled; needs ≥ 45",
      rule: VALIDITY_RULES["hourly-mean"],
    });
  });

  it("daily mean: ≥ 20 hourly means", () => {
    expect(dailyMeanValidity(19).valid).toBe(false);
    expect(dailyMeanValidity(20).valid).toBe(true);
    expect(dailyMeanValidity(24).valid).toBe(true);
  });

  it("8-h mean: ≥ 6 of 8", () => {
    expect(eightHourMeanValidity(5).valid).toBe(false);
    expect(eightHourMeanValidity(6).valid).toBe(true);
  });

  it("annual mean: ≥ 324 days and ≥ 27 every month (≥ 25 in February)", () => {
    const base = [27, 25, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27];
    expect(annualMeanValidity(2025, base).valid).toBe(false); // 322 days
    const enough = [29, 25, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27]; // 324
    expect(annualMeanValidity(2025, enough).valid).toBe(true);
    const shortFeb = [31, 24, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const verdict = annualMeanValidity(2025, shortFeb);
    expect(verdict.valid).toBe(false);
    expect(verdict.reason).toBe("months below their minimum (27, February 25): 2025-02 has 24");
    expect(annualMeanValidity(2025, Array(12).fill(27)).valid).toBe(true);
  });

  it("rejects impossible counts", () => {
    expect(() => dailyMeanValidity(25)).toThrow(RangeError);
    expect(() => hourlyMeanValidity(-1)).toThrow(RangeError);
    expect(() => eightHourMeanValidity(2.5)).toThrow(RangeError);
    expect(() => annualMeanValidity(2025, [30, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])).toThrow(
      /dailyMeansByMonth\[1\]/,
    );
    expect(() => annualMeanValidity(2025, [31])).toThrow(/12 monthly counts/);
  });
});

describe("one reading's sampling time in its hour (45-min rule, shared by the windows, the evaluator and the store)", () => {
  const at = (h: number, m: number) => Date.UTC(2026, 0, 1, h, m);
  it("an averaged reading is credited the part of its period inside its hour (hours labelled by their end)", () => {
    expect(inHourPeriodMs(at(2, 50), 3_600_000)).toBe(600_000);
    expect(inHourPeriodMs(at(2, 0), 3_600_000)).toBe(3_600_000);
    expect(inHourPeriodMs(at(2, 59) + 59_999, 60_000)).toBe(1);
    expect(inHourPeriodMs(at(2, 10), 300_000)).toBe(300_000);
    // Before 1970 (negative epoch ms) the hour still starts on the hour.
    expect(inHourPeriodMs(Date.UTC(1969, 11, 31, 23, 30), 3_600_000)).toBe(1_800_000);
    expect(readingSampledMs(at(2, 50), 3_600_000, 300_000)).toBe(600_000);
  });
  it("an instantaneous reading is credited the reporting interval, at most an hour", () => {
    expect(inHourPeriodMs(at(2, 50), 0)).toBe(0);
    expect(readingSampledMs(at(2, 50), 0, 300_000)).toBe(300_000);
    expect(readingSampledMs(at(2, 50), 0, 7_200_000)).toBe(3_600_000);
  });
});

describe("an hour's sampling from its aggregate (45-min rule, shared by the API and the notifier)", () => {
  const FIVE = 300_000;
  it("instantaneous readings are credited the reporting interval each, capped at 1 h", () => {
    expect(hourSampledMs(1, 0, FIVE)).toBe(FIVE);
    expect(hourHasEnoughSampling(1, 0, FIVE)).toBe(false);
    expect(hourHasEnoughSampling(8, 0, FIVE)).toBe(false);
    expect(hourHasEnoughSampling(9, 0, FIVE)).toBe(true);
    expect(hourSampledMs(20, 0, FIVE)).toBe(3_600_000);
    // An hourly station's one instantaneous reading covers the hour.
    expect(hourHasEnoughSampling(1, 0, 3_600_000)).toBe(true);
  });
  it("averaged time counts as is; a mixed hour's instantaneous readings only when counted (≤ validCount − 1)", () => {
    expect(hourSampledMs(10, 900_000, FIVE)).toBe(900_000);
    expect(hourHasEnoughSampling(10, 900_000, FIVE)).toBe(false);
    expect(hourSampledMs(10, 900_000, FIVE, 9)).toBe(3_600_000);
    expect(hourSampledMs(2, 900_000, FIVE, 5)).toBe(900_000 + FIVE);
    expect(hourHasEnoughSampling(1, 2_700_000, FIVE)).toBe(true);
    expect(hourHasEnoughSampling(0, 0, FIVE)).toBe(false);
  });
  it("an hour needs its instantaneous readings counted only when averaged time < 45 min and ≥ 2 valid readings", () => {
    const cases: [validCount: number, validPeriodMs: number, needs: boolean][] = [
      [10, 900_000, true], // PT15M + 9 others: 15 min alone, up to 60 min with them
      [2, 900_000, true],
      [2, 2_699_999, true],
      [2, 2_700_000, false], // 45 min averaged: valid either way
      [5, 3_600_000, false],
      [1, 900_000, false], // the averaged reading alone
      [9, 0, false], // instantaneous only: the aggregate decides
      [0, 0, false],
    ];
    for (const [validCount, validPeriodMs, needs] of cases) {
      expect([validCount, validPeriodMs, hourNeedsInstantaneousCount(validCount, validPeriodMs)]).toEqual([
        validCount,
        validPeriodMs,
        needs,
      ]);
    }
  });
});

describe("HJ 663", () => {
  it("O3 daily max 8-h: ≥ 14 of 17 windows, or above the limit", () => {
    expect(o3DailyMax8hValidity(14, 100, 160).valid).toBe(true);
    expect(o3DailyMax8hValidity(13, 160, 160).valid).toBe(false);
    expect(o3DailyMax8hValidity(13, 160.1, 160).valid).toBe(true);
    expect(o3DailyMax8hValidity(0, null, 160).valid).toBe(false);
    expect(() => o3DailyMax8hValidity(18, 100, 160)).toThrow(RangeError);
  });

  it("monthly mean: ≥ 27 days, ≥ 25 in February — provisional, medium confidence", () => {
    expect(monthlyMeanValidity(2026, 2, 25).valid).toBe(true);
    expect(monthlyMeanValidity(2026, 2, 24).valid).toBe(false);
    expect(monthlyMeanValidity(2026, 3, 26).valid).toBe(false);
    expect(monthlyMeanValidity(2026, 3, 27).rule).toMatchObject({ provisional: true, confidence: "medium" });
    expect(() => monthlyMeanValidity(2026, 2, 29)).toThrow(RangeError);
    expect(monthlyMeanValidity(2028, 2, 29).valid).toBe(true);
  });
});

describe("Liandu PM2.5 target", () => {
  it("is 32 µg/m³, labelled a local default", () => {
    expect(LIANDU_PM25_ANNUAL_TARGET.value).toBe(airAqiJson.localTarget.PM2_5_annualMean);
    expect(LIANDU_PM25_ANNUAL_TARGET.authority).toBe("local default (not authority)");
  });
});

describe("citeValidityRule", () => {
  it("cites the standard for the pollutants Table 4 lists and a local rule by analogy for the others", () => {
    // GB 3095 Table 4: the 1-h row lists SO2, NO2, CO, O3, NOx; the 24-h row SO2, NO2, CO, PM10, PM2.5, NOx.
    expect(citeValidityRule("hourly-mean", "no2", "NO2", "GB 3095 Table 4")).toBe("GB 3095 Table 4");
    expect(citeValidityRule("hourly-mean", "pm25", "PM2.5", "GB 3095 Table 4")).toBe(
      "local rule (GB 3095 Table 4's 1-h minimum applied to PM2.5)",
    );
    expect(citeValidityRule("daily-mean", "pm25", "PM2.5", "GB 3095 Table 4")).toBe("GB 3095 Table 4");
    expect(citeValidityRule("daily-mean", "o3", "O3", "GB 3095 Table 4")).toBe(
      "local rule (GB 3095 Table 4's 24-h minimum applied to O3)",
    );
    expect(citeValidityRule("annual-mean", "co", "carbon monoxide", "GB 3095-2026 Table 4")).toBe(
      "local rule (GB 3095-2026 Table 4's annual minimum applied to carbon monoxide)",
    );
  });
});

describe("dailyMinimum: the values a day needs by how often the metric is measured", () => {
  const H = 3_600_000;
  it("hourly or more often: 20 of 24 hourly means, texts left to the callers", () => {
    for (const interval of [300_000, H]) {
      expect(dailyMinimum("do", interval)).toEqual({ required: 20, expected: 24 });
      expect(
        scaledDailyRule(dailyMinimum("do", interval), "dissolved oxygen", "GB 3095 Table 4"),
      ).toBeUndefined();
      expect(scaledDailyShortfall(dailyMinimum("do", interval), 3, "dissolved oxygen")).toBeUndefined();
    }
  });

  it("less often: the same share as 20 of 24 of the day's samples, rounded up (a local rule)", () => {
    expect(dailyMinimum("codmn", 4 * H)).toEqual({ required: 5, expected: 6, everyHours: 4 });
    expect(dailyMinimum("tp", 2 * H)).toEqual({ required: 10, expected: 12, everyHours: 2 });
    expect(dailyMinimum("tp", 3 * H)).toEqual({ required: 7, expected: 8, everyHours: 3 });
    expect(dailyMinimum("tp", 6 * H)).toEqual({ required: 4, expected: 4, everyHours: 6 });
    expect(dailyMinimum("tp", 24 * H)).toEqual({ required: 1, expected: 1, everyHours: 24 });
    expect(dailyMinimum("tp", 48 * H)).toEqual({ required: 1, expected: 1, everyHours: 48 });
    expect(scaledDailyRule(dailyMinimum("nh3n", 4 * H), "ammonia nitrogen", "GB 3095-2026 Table 4")).toBe(
      "local rule (GB 3095-2026 Table 4's 24-h minimum of 20 of 24 hourly means, scaled to ammonia nitrogen measured every 4 h): daily mean needs ≥ 5 of the 6 values expected in 24 h",
    );
    expect(scaledDailyShortfall(dailyMinimum("nh3n", 4 * H), 4, "ammonia nitrogen")).toBe(
      "4 valid values (ammonia nitrogen is measured every 4 h); needs ≥ 5 of 6",
    );
  });

  it("never scales the pollutants GB 3095 Table 4's 24-h row lists: they need 20 hourly means", () => {
    for (const metric of VALIDITY_RULES["daily-mean"].pollutants)
      expect(dailyMinimum(metric, 4 * H)).toEqual({ required: 20, expected: 24 });
  });

  it("refuses an interval that is not a positive number of ms", () => {
    expect(() => dailyMinimum("tp", 0)).toThrow(RangeError);
    expect(() => dailyMinimum("tp", Number.NaN)).toThrow(RangeError);
  });
});

describe("O3 daily maximum 1-h mean of the HJ 633-2012 daily report (local rule, shared by /aqi and the evaluator)", () => {
  it("≥ 20 valid hours, or fewer with the maximum above the 1-h limit (exactly)", () => {
    expect(o3DailyMax1hValidity(20, 120, 200).valid).toBe(true);
    expect(o3DailyMax1hValidity(15, 300, 200)).toMatchObject({
      valid: true,
      reason: "15 valid hourly means, but the maximum 300 exceeds the 200 limit",
    });
    expect(o3DailyMax1hValidity(15, 200, 200).valid).toBe(false);
    expect(o3DailyMax1hValidity(15, 200.0000001, 200).valid).toBe(true);
    expect(o3DailyMax1hValidity(0, null, 200).valid).toBe(false);
  });

  it("is marked a provisional local rule and refuses impossible counts", () => {
    expect(VALIDITY_RULES["o3-daily-max-1h"]).toMatchObject({ provisional: true, confidence: "medium" });
    expect(VALIDITY_RULES["o3-daily-max-1h"].source).toMatch(/^local rule/);
    expect(() => o3DailyMax1hValidity(25, 100, 200)).toThrow(RangeError);
  });
});
