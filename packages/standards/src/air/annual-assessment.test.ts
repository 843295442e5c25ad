import { describe, expect, it } from "vitest";
import { type AnnualDailyValue, assessAnnualAir, hj663Percentile } from "./annual-assessment.ts";

describe("hj663Percentile (HJ 663-2013 Appendix A: k = 1 + (n − 1)·p%, m_p = X(s) + (X(s+1) − X(s))·(k − s))", () => {
  it("the source's example: {3, 4, 8, 2, 5, 4}, 90th → sorted 2 3 4 4 5 8, k = 5.5, 5 + 3 × 0.5 = 6.5", () => {
    expect(hj663Percentile([3, 4, 8, 2, 5, 4], 90)).toEqual({
      value: 6.5,
      exact: { numerator: 13n, denominator: 2n },
      n: 6,
      k: 5.5,
      s: 5,
    });
  });

  it("n = 1: k = 1 whatever p, the value itself", () => {
    for (const p of [90, 95, 98]) {
      expect(hj663Percentile([42.3], p)).toEqual({
        value: 42.3,
        exact: { numerator: 423n, denominator: 10n },
        n: 1,
        k: 1,
        s: 1,
      });
    }
  });

  it("an integer k takes X(k) with no interpolation: n = 11, 90th → k = 10; n = 21, 95th → k = 20; n = 51, 98th → k = 50", () => {
    const shuffled = (n: number) => Array.from({ length: n }, (_, i) => ((i * 4) % n) + 1);
    expect(hj663Percentile(shuffled(11), 90)).toMatchObject({ value: 10, k: 10, s: 10 });
    expect(hj663Percentile(shuffled(21), 95)).toMatchObject({ value: 20, k: 20, s: 20 });
    expect(hj663Percentile(shuffled(51), 98)).toMatchObject({ value: 50, k: 50, s: 50 });
  });

  it("a fractional k interpolates exactly: 365 daily means 0.1 … 36.5, 98th → k = 357.72, 35.7 + 0.1 × 0.72 = 35.772", () => {
    const values = Array.from({ length: 365 }, (_, i) => (365 - i) / 10);
    const p98 = hj663Percentile(values, 98);
    expect(p98).toEqual({
      value: 35.772,
      exact: { numerator: 8943n, denominator: 250n },
      n: 365,
      k: 357.72,
      s: 357,
    });
    // 95th: k = 1 + 364 × 0.95 = 346.8 → 34.6 + 0.1 × 0.8 = 34.68 (a float 34.6 + 0.1 × 0.8 is 34.680000000000007).
    expect(hj663Percentile(values, 95)).toMatchObject({ value: 34.68, k: 346.8, s: 346 });
  });

  it("invalid days (null) are left out before n is counted: [12, null, 40], 95th → n = 2, k = 1.95, 12 + 28 × 0.95 = 38.6", () => {
    expect(hj663Percentile([12, null, 40], 95)).toEqual({
      value: 38.6,
      exact: { numerator: 193n, denominator: 5n },
      n: 2,
      k: 1.95,
      s: 1,
    });
    expect(hj663Percentile([null, null], 95)).toBeNull();
    expect(hj663Percentile([], 90)).toBeNull();
  });

  it("p = 0 and p = 100 give the minimum and the maximum; p outside 0…100 is a RangeError", () => {
    expect(hj663Percentile([5, 1, 9], 0)).toMatchObject({ value: 1, k: 1 });
    expect(hj663Percentile([5, 1, 9], 100)).toMatchObject({ value: 9, k: 3 });
    expect(() => hj663Percentile([1], 101)).toThrow(RangeError);
    expect(() => hj663Percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

const DAY_MS = 86_400_000;
/** The Beijing dates of a year, 1 January first. */
const datesOf = (year: number): string[] => {
  const out: string[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += DAY_MS)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};
const daysOf = (year: number, value: (i: number, date: string) => number | null): AnnualDailyValue[] =>
  datesOf(year).map((date, i) => ({ date, value: value(i, date) }));

describe("assessAnnualAir (HJ 663 annual assessment against GB 3095)", () => {
  // 2025: 365 days of every pollutant; PM2.5 30 except 19 days at 80 (> 75) — the 95th percentile
  // k = 1 + 364 × 0.95 = 346.8: X(346) = 30 (the last of 346 days at 30), X(347) = 80 → 30 + 50 × 0.8 = 70.
  // O3 40 days at 170: k = 1 + 364 × 0.9 = 328.6, X(328) = X(329) = 170 (325 days at 120) → 170 > 160.
  const full = {
    so2: daysOf(2025, () => 10),
    no2: daysOf(2025, (i) => (i % 2 === 0 ? 30 : 35)),
    pm10: daysOf(2025, () => 60),
    pm25: daysOf(2025, (i) => (i < 19 ? 80 : 30)),
    co: daysOf(2025, () => 0.8),
    o3: daysOf(2025, (i) => (i < 40 ? 170 : 120)),
  };

  it("computes the ten statistics, unrounded, with their GB 3095-2012 Grade II limits", () => {
    const a = assessAnnualAir({ year: 2025, daily: full });
    expect(a.status).toBe("not_met");
    expect(a.exceeding).toEqual(["o3_8h_p90"]);
    const byId = Object.fromEntries(a.statistics.map((s) => [s.id, s]));
    expect(byId.pm25_24h_p95).toEqual({
      id: "pm25_24h_p95",
      pollutant: "pm25",
      name: "PM2.5 95th percentile of daily means",
      percentile: 95,
      value: 70,
      unit: "µg/m³",
      validDays: 365,
      invalidDays: 0,
      position: { k: 346.8, s: 346 },
      limit: { value: 75, averaging: "24h", source: "GB 3095-2012 Table 1, Grade II" },
      sufficientData: true,
      validity: {
        rule: "local rule by analogy: GB 3095 Table 4's annual minimum (≥ 324 valid days, ≥ 27 in every month, 25 in February) applied to the percentile (provisional: HJ 663's own minimum for percentile statistics is not applied)",
        reason: "365 daily means, every month at its minimum",
        provisional: true,
      },
      exceedsLimit: false,
    });
    // PM2.5 annual mean (19 × 80 + 346 × 30) / 365 = 11 900 / 365 = 32.6…, limit 35.
    expect(byId.pm25_annual).toMatchObject({
      value: 11900 / 365,
      position: null,
      limit: { value: 35, averaging: "annual" },
      exceedsLimit: false,
      validity: { provisional: false },
    });
    expect(byId.o3_8h_p90).toMatchObject({
      value: 170,
      position: { k: 328.6, s: 328 },
      limit: { value: 160, averaging: "dailyMax8h" },
      exceedsLimit: true,
    });
    expect(byId.no2_annual).toMatchObject({ value: (183 * 30 + 182 * 35) / 365, limit: { value: 40 } });
    expect(byId.no2_24h_p98).toMatchObject({ value: 35, limit: { value: 80 } });
    expect(byId.co_24h_p95).toMatchObject({ value: 0.8, unit: "mg/m³", limit: { value: 4 } });
    expect(byId.pm10_annual).toMatchObject({ value: 60, limit: { value: 70 }, exceedsLimit: false });
    expect(byId.so2_24h_p98).toMatchObject({ value: 10, limit: { value: 150 } });
    expect(a.statistics.map((s) => s.id)).toEqual([
      "so2_annual",
      "so2_24h_p98",
      "no2_annual",
      "no2_24h_p98",
      "pm10_annual",
      "pm10_24h_p95",
      "pm25_annual",
      "pm25_24h_p95",
      "co_24h_p95",
      "o3_8h_p90",
    ]);
  });

  it("a percentile equal to the limit complies; one above it exceeds, compared exactly", () => {
    // k = 328.6: 37 days at 160 give X(328) = 100, X(329) = 160 → 100 + 60 × 0.6 = 136; 38 days, X(328) = 160.
    const o3At = (days: number) =>
      assessAnnualAir({
        year: 2025,
        daily: { ...full, o3: daysOf(2025, (i) => (i < days ? 160 : 100)) },
      }).statistics.find((s) => s.id === "o3_8h_p90");
    expect(o3At(37)).toMatchObject({ value: 136, exceedsLimit: false });
    expect(o3At(38)).toMatchObject({ value: 160, exceedsLimit: false });
    const above = assessAnnualAir({
      year: 2025,
      daily: { ...full, o3: daysOf(2025, (i) => (i < 38 ? 160.1 : 100)) },
    });
    expect(above.statistics.find((s) => s.id === "o3_8h_p90")).toMatchObject({
      value: 160.1,
      exceedsLimit: true,
    });
  });

  it("all ten within their limits: met", () => {
    const a = assessAnnualAir({ year: 2025, daily: { ...full, o3: daysOf(2025, () => 120) } });
    expect(a).toMatchObject({ status: "met", exceeding: [], grade: "II" });
  });

  it("invalid days are left out and counted; too few valid days is insufficient data, with no exceedance verdict", () => {
    // February 2025 with 4 invalid days: 24 valid, below its minimum of 25.
    const pm25 = daysOf(2025, (i, date) =>
      date >= "2025-02-01" && date <= "2025-02-04" ? null : i < 20 ? 80 : 90,
    );
    const a = assessAnnualAir({ year: 2025, daily: { ...full, o3: daysOf(2025, () => 120), pm25 } });
    const p95 = a.statistics.find((s) => s.id === "pm25_24h_p95");
    expect(p95).toMatchObject({
      value: 90,
      validDays: 361,
      invalidDays: 4,
      sufficientData: false,
      exceedsLimit: null,
      validity: { reason: "months below their minimum (27, February 25): 2025-02 has 24" },
    });
    expect(a.status).toBe("insufficient_data");
    expect(a.exceeding).toEqual([]);
  });

  it("a pollutant not measured has no value and leaves the verdict insufficient_data", () => {
    const { co: _co, ...withoutCo } = full;
    const a = assessAnnualAir({ year: 2025, daily: { ...withoutCo, o3: daysOf(2025, () => 120) } });
    expect(a.statistics.find((s) => s.id === "co_24h_p95")).toMatchObject({
      value: null,
      validDays: 0,
      position: null,
      sufficientData: false,
      exceedsLimit: null,
      validity: { reason: "no daily values (pollutant not measured)" },
    });
    expect(a.status).toBe("insufficient_data");
  });

  it("while the year runs the status is in_progress; limits follow the limit date (GB 3095-2026 transition)", () => {
    const a = assessAnnualAir({
      year: 2027,
      daily: { pm25: daysOf(2027, () => 32).slice(0, 100) },
      yearEnded: false,
      limitDate: "2027-04-10",
    });
    expect(a.status).toBe("in_progress");
    expect(a.statistics.find((s) => s.id === "pm25_annual")).toMatchObject({
      value: 32,
      validDays: 100,
      sufficientData: false,
      limit: { value: 30, source: "GB 3095-2026 Table 1 (transition 2026-03-01…2030-12-31), Grade II" },
    });
  });

  it("Grade I on request; a date outside the year is a RangeError", () => {
    const a = assessAnnualAir({ year: 2025, daily: full, grade: "I" });
    expect(a.statistics.find((s) => s.id === "pm25_annual")?.limit?.value).toBe(15);
    expect(() =>
      assessAnnualAir({ year: 2024, daily: { pm25: [{ date: "2025-01-01", value: 1 }] } }),
    ).toThrow(RangeError);
  });
});
