import { describe, expect, it } from "vitest";
import { annualMeanShortfall, annualTargetVerdict, assessAnnualTarget } from "./annual-target.ts";

describe("assessAnnualTarget (PM2.5 annual target, 32 µg/m³)", () => {
  const base = { daysInYear: 365, target: 32 };

  it("is on track at or below 90% of the target", () => {
    const a = assessAnnualTarget({ ...base, sumOfDailyMeans: 28 * 100, validDays: 100, elapsedDays: 100 });
    expect(a.status).toBe("on_track");
    expect(a.ytdMean).toBe(28);
    expect(a.requiredMeanForRest).toBeCloseTo((32 * 365 - 2800) / 265, 10);
  });

  it("compares the rounded mean: 28.5 rounds half-even to 28 (on track), 29.5 to 30 (at risk)", () => {
    expect(assessAnnualTarget({ ...base, sumOfDailyMeans: 57, validDays: 2, elapsedDays: 2 }).status).toBe(
      "on_track",
    );
    expect(assessAnnualTarget({ ...base, sumOfDailyMeans: 59, validDays: 2, elapsedDays: 2 }).status).toBe(
      "at_risk",
    );
  });

  it("is at risk above the target while the rest of the year can still bring it down", () => {
    const a = assessAnnualTarget({ ...base, sumOfDailyMeans: 40 * 100, validDays: 100, elapsedDays: 100 });
    expect(a.status).toBe("at_risk");
    expect(a.requiredMeanForRest).toBeGreaterThan(0);
  });

  it("is exceeded once the target cannot be met even with clean air for the rest of the year", () => {
    const a = assessAnnualTarget({
      ...base,
      sumOfDailyMeans: 32 * 365 + 1,
      validDays: 300,
      elapsedDays: 300,
    });
    expect(a.status).toBe("exceeded");
    expect(a.requiredMeanForRest).toBeLessThan(0);
  });

  it("at year end, exceeded only when the rounded annual mean is above the target (32.4 → 32 meets it)", () => {
    expect(
      assessAnnualTarget({ ...base, sumOfDailyMeans: 32.4 * 340, validDays: 340, elapsedDays: 365 }).status,
    ).toBe("at_risk");
    expect(
      assessAnnualTarget({ ...base, sumOfDailyMeans: 32.6 * 340, validDays: 340, elapsedDays: 365 }).status,
    ).toBe("exceeded");
  });

  it("reports no data and insufficient data (GB 3095 Table 4: 324 of 365 days, pro rata)", () => {
    expect(assessAnnualTarget({ ...base, sumOfDailyMeans: 0, validDays: 0, elapsedDays: 10 }).status).toBe(
      "no_data",
    );
    expect(
      assessAnnualTarget({ ...base, sumOfDailyMeans: 250, validDays: 8, elapsedDays: 10 }).sufficientData,
    ).toBe(false);
    expect(
      assessAnnualTarget({ ...base, sumOfDailyMeans: 270, validDays: 9, elapsedDays: 10 }).sufficientData,
    ).toBe(true);
  });
});

describe("assessAnnualTarget validityAttainable (GB 3095 Table 4: ≥ 324 days, ≥ 27 a month, 25 in February)", () => {
  const base = { daysInYear: 365, target: 32, sumOfDailyMeans: 0 };
  const months = (counts: Record<number, number>) => Array.from({ length: 12 }, (_, i) => counts[i] ?? 0);

  it("needs validDays + remaining days ≥ 324", () => {
    // 41 remaining after 324 elapsed: 283 + 41 = 324 is still enough, 282 + 41 is not.
    expect(assessAnnualTarget({ ...base, validDays: 283, elapsedDays: 324 }).validityAttainable).toBe(true);
    expect(assessAnnualTarget({ ...base, validDays: 282, elapsedDays: 324 }).validityAttainable).toBe(false);
  });

  it("checks each month's minimum with the days of it not yet elapsed", () => {
    // 10 days of January elapsed: 21 left. 6 + 21 = 27 can still make January; 5 + 21 = 26 cannot.
    expect(
      assessAnnualTarget({ ...base, validDays: 6, elapsedDays: 10, monthCounts: months({ 0: 6 }) })
        .validityAttainable,
    ).toBe(true);
    expect(
      assessAnnualTarget({ ...base, validDays: 5, elapsedDays: 10, monthCounts: months({ 0: 5 }) })
        .validityAttainable,
    ).toBe(false);
    // February 2028 (leap year) has 29 days: after Jan 31 + 10 elapsed, 19 remain; 6 + 19 = 25 is enough.
    const feb = { ...base, daysInYear: 366, validDays: 37, elapsedDays: 41 };
    expect(assessAnnualTarget({ ...feb, monthCounts: months({ 0: 31, 1: 6 }) }).validityAttainable).toBe(
      true,
    );
    expect(assessAnnualTarget({ ...feb, monthCounts: months({ 0: 31, 1: 5 }) }).validityAttainable).toBe(
      false,
    );
    // A past month below its minimum cannot be made good later (85 + 275 ≥ 324 would do).
    expect(
      assessAnnualTarget({
        ...base,
        validDays: 85,
        elapsedDays: 90,
        monthCounts: months({ 0: 26, 1: 28, 2: 31 }),
      }).validityAttainable,
    ).toBe(false);
  });
});

describe("annualTargetVerdict (GB 3095 Table 4: no verdict from an invalid annual mean, air-aqi.md §7)", () => {
  const base = { daysInYear: 365, target: 32 };
  const months = (counts: Record<number, number>) => Array.from({ length: 12 }, (_, i) => counts[i] ?? 0);

  it("gives no verdict for a closed year with 2 valid days, and says what is missing", () => {
    const input = {
      ...base,
      sumOfDailyMeans: 108,
      validDays: 2,
      elapsedDays: 365,
      monthCounts: months({ 11: 2 }),
    };
    const a = assessAnnualTarget(input);
    expect(a.status).toBe("exceeded");
    expect(annualTargetVerdict(a)).toBe("insufficient_data");
    const v = annualMeanShortfall(input);
    expect(v).toMatchObject({ requiredDays: 324, validDays: 2, attainableDays: 2, attainable: false });
    expect(v.shortMonths).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(v.months[1]).toEqual({ month: 2, validDays: 0, minimum: 25, attainableDays: 0 });
  });

  it("gives no verdict once validity is out of reach, even with the target out of reach too", () => {
    // 58 valid days of 333: 58 + 32 < 324.
    const a = assessAnnualTarget({ ...base, sumOfDailyMeans: 40_000, validDays: 58, elapsedDays: 333 });
    expect(a.status).toBe("exceeded");
    expect(a.validityAttainable).toBe(false);
    expect(annualTargetVerdict(a)).toBe("insufficient_data");
  });

  it("keeps 'exceeded' while a valid annual mean is still possible (the rule's certain exceedance)", () => {
    const a = assessAnnualTarget({
      ...base,
      sumOfDailyMeans: 32 * 365 + 1,
      validDays: 300,
      elapsedDays: 300,
    });
    expect(annualTargetVerdict(a)).toBe("exceeded");
    const open = assessAnnualTarget({ ...base, sumOfDailyMeans: 40 * 100, validDays: 100, elapsedDays: 100 });
    expect(annualTargetVerdict(open)).toBe("at_risk");
    expect(
      annualTargetVerdict(assessAnnualTarget({ ...base, sumOfDailyMeans: 0, validDays: 0, elapsedDays: 9 })),
    ).toBe("no_data");
  });
});
