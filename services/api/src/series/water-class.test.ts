import { DAY_MS, HOUR_MS, type MetricId } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { hourSeries } from "./hourly-validity.ts";
import type { HourSeries } from "./types.ts";
import { phAveragingLabel, waterClasses, waterClassOf, waterClassToDate } from "./water-class.ts";

const T = (iso: string) => Date.parse(iso);
const day = T("2026-11-20T00:00:00+08:00");

function constant(metric: MetricId, values: readonly (number | null)[]): HourSeries {
  return hourSeries(
    values.flatMap((v, i) =>
      v === null
        ? []
        : [
            {
              stationId: "w",
              metric,
              hourEnd: day + (i + 1) * HOUR_MS,
              mean: v,
              min: v,
              max: v,
              validCount: 1,
              totalCount: 1,
              validPeriodMs: 0,
            },
          ],
    ),
    4 * HOUR_MS,
  );
}

/** 24 hourly values of the day, `value(h)` for the hour starting at h:00 (null: no value). */
const day24 = (value: (h: number) => number | null) => Array.from({ length: 24 }, (_, h) => value(h));

describe("water class per period", () => {
  it("classes the day from period means; NH3-N decides", () => {
    // NH3-N alternating 1.0, 1.4 → mean 1.2 (class IV); DO 6.5 (II); temp below zero is left out.
    const series = new Map<MetricId, HourSeries>([
      [
        "nh3n",
        constant(
          "nh3n",
          day24((h) => (h % 2 === 0 ? 1.0 : 1.4)),
        ),
      ],
      [
        "do",
        constant(
          "do",
          day24(() => 6.5),
        ),
      ],
      [
        "temp",
        constant(
          "temp",
          day24(() => -0.5),
        ),
      ],
      [
        "cond",
        constant(
          "cond",
          day24(() => 320),
        ),
      ],
    ]);
    const [d] = waterClasses(series, day, day + 24 * HOUR_MS, "1d", {
      waterBody: "river",
      targetClass: "III",
    });
    expect(d?.valid).toBe(true);
    expect(d?.means).toEqual({ nh3n: 1.2, do: 6.5, temp: -0.5, cond: 320 });
    expect(d?.counts).toEqual({ nh3n: 24, do: 24, temp: 24, cond: 24 });
    expect(d?.assessment).toMatchObject({
      class: "IV",
      deciding: ["nh3n"],
      meetsTarget: false,
      notAssessed: ["cond"],
      parameterClasses: { nh3n: "IV", do: "II" },
    });
  });
  it("a class-deciding parameter without a valid daily mean makes the day invalid; a reference one does not", () => {
    // NH3-N every 4 h (6 hourly means) or 19 hourly means: neither reaches the daily ≥ 20.
    const fourHourly = new Map<MetricId, HourSeries>([
      [
        "nh3n",
        constant(
          "nh3n",
          day24((h) => (h % 4 === 0 ? 0.3 : null)),
        ),
      ],
      [
        "do",
        constant(
          "do",
          day24(() => 6.5),
        ),
      ],
    ]);
    const [d] = waterClasses(fourHourly, day, day + DAY_MS, "1d", { waterBody: "river" });
    expect(d).toMatchObject({
      valid: false,
      assessment: null,
      means: { do: 6.5 },
      invalidParameters: { nh3n: "6 valid hourly means; needs ≥ 20" },
      reason: "not assessed: nh3n (6 valid hourly means; needs ≥ 20)",
    });
    const nineteen = new Map<MetricId, HourSeries>([
      [
        "nh3n",
        constant(
          "nh3n",
          day24((h) => (h < 19 ? 0.3 : null)),
        ),
      ],
      [
        "do",
        constant(
          "do",
          day24(() => 6.5),
        ),
      ],
    ]);
    expect(waterClasses(nineteen, day, day + DAY_MS, "1d", { waterBody: "river" })[0]?.valid).toBe(false);
    // TN (a reference item, 环办〔2011〕22号) with 3 hours: listed, but the class stands.
    const twenty = new Map<MetricId, HourSeries>([
      [
        "nh3n",
        constant(
          "nh3n",
          day24((h) => (h < 20 ? 0.3 : null)),
        ),
      ],
      [
        "do",
        constant(
          "do",
          day24(() => 6.5),
        ),
      ],
      [
        "tn",
        constant(
          "tn",
          day24((h) => (h < 3 ? 2.5 : null)),
        ),
      ],
    ]);
    const [ok] = waterClasses(twenty, day, day + DAY_MS, "1d", { waterBody: "river" });
    expect(ok).toMatchObject({
      valid: true,
      counts: { nh3n: 20, do: 24, tn: 3 },
      invalidParameters: { tn: "3 valid hourly means; needs ≥ 20" },
      assessment: { class: "II" },
    });
  });
  it("a 24-h window that is not a calendar day needs ≥ 20 valid hourly means per parameter", () => {
    const series = new Map<MetricId, HourSeries>([
      [
        "nh3n",
        constant(
          "nh3n",
          day24((h) => (h < 20 ? 1.2 : null)),
        ),
      ],
      [
        "do",
        constant(
          "do",
          day24((h) => (h < 19 ? 6.5 : null)),
        ),
      ],
    ]);
    const window = { start: day - 4 * HOUR_MS, end: day + 20 * HOUR_MS, label: "24h" };
    // The last 24 h at 20:00: hours labelled 01:00 … 20:00 of the day hold the data.
    expect(waterClassOf(series, window, { waterBody: "river" })).toMatchObject({
      valid: false,
      counts: { nh3n: 20, do: 19 },
      reason: "not assessed: do (19 valid hourly means; needs ≥ 20)",
    });
    expect(() =>
      waterClassOf(series, { ...window, end: window.end + HOUR_MS }, { waterBody: "river" }),
    ).toThrow(RangeError);
  });
  it("a year to date: the mean of its valid months, invalid while an ended month is not valid", () => {
    const jan = T("2026-01-01T00:00:00+08:00");
    const days = (n: number, value: number, from = jan) =>
      Array.from({ length: n * 24 }, (_, h) => ({ hourEnd: from + (h + 1) * HOUR_MS, value }));
    const series = (points: { hourEnd: number; value: number }[]) =>
      hourSeries(
        points.map((p) => ({
          stationId: "w",
          metric: "nh3n" as const,
          hourEnd: p.hourEnd,
          mean: p.value,
          min: p.value,
          max: p.value,
          validCount: 1,
          totalCount: 1,
          validPeriodMs: 0,
        })),
        HOUR_MS,
      );
    const feb = T("2026-02-01T00:00:00+08:00");
    // January: 27 days of 0.4; February: 25 days (its minimum) of 1.2; March 1–10 at 2.0 (not ended).
    const full = new Map<MetricId, HourSeries>([
      [
        "nh3n",
        series([...days(27, 0.4), ...days(25, 1.2, feb), ...days(10, 2.0, T("2026-03-01T00:00:00+08:00"))]),
      ],
    ]);
    const toMarch11 = { start: jan, end: T("2026-03-11T00:00:00+08:00"), label: "2026" };
    const year = waterClassToDate(full, toMarch11, "1y", { waterBody: "river" });
    // Mean of the January and February means (March has 10 valid days: not valid, not ended).
    expect(year).toMatchObject({
      valid: true,
      means: { nh3n: 0.8 },
      counts: { nh3n: 2 },
      assessment: { class: "III" },
    });
    // February with 24 valid days (minimum 25): an ended month below its minimum.
    const short = new Map<MetricId, HourSeries>([
      ["nh3n", series([...days(27, 0.4), ...days(24, 1.2, feb)])],
    ]);
    expect(waterClassToDate(short, toMarch11, "1y", { waterBody: "river" })).toMatchObject({
      valid: false,
      reason: "not assessed: nh3n (no valid year value (2026-02: 24 valid daily means; needs ≥ 25))",
    });
    const month = waterClassToDate(
      short,
      { start: feb, end: T("2026-03-01T00:00:00+08:00"), label: "2026-02" },
      "1mo",
      {
        waterBody: "river",
      },
    );
    expect(month).toMatchObject({ valid: false, counts: { nh3n: 24 } });
  });
  it("the same day at a reservoir and at a river: lake TP column, TN reference only (water-gb3838.md examples 6–7)", () => {
    // GB 3838-2002 Table 1 item 8 (TP 0.04: III at a lake, II at a river); 环办〔2011〕22号: TN is a reference item.
    const series = new Map<MetricId, HourSeries>([
      [
        "ph",
        constant(
          "ph",
          day24(() => 8.0),
        ),
      ],
      [
        "do",
        constant(
          "do",
          day24(() => 7.8),
        ),
      ],
      [
        "codmn",
        constant(
          "codmn",
          day24(() => 3.6),
        ),
      ],
      [
        "nh3n",
        constant(
          "nh3n",
          day24(() => 0.2),
        ),
      ],
      [
        "tp",
        constant(
          "tp",
          day24((h) => (h % 2 === 0 ? 0.03 : 0.05)),
        ),
      ],
      [
        "tn",
        constant(
          "tn",
          day24(() => 1.2),
        ),
      ],
    ]);
    const [lake] = waterClasses(series, day, day + 24 * HOUR_MS, "1d", { waterBody: "lake" });
    expect(lake?.means.tp).toBe(0.04);
    expect(lake?.assessment).toMatchObject({
      class: "III",
      deciding: ["tp"],
      referenceOnly: ["tn"],
      meetsTarget: true,
      parameterClasses: { ph: "I", do: "I", codmn: "II", nh3n: "II", tp: "III", tn: "IV" },
    });
    const [river] = waterClasses(series, day, day + 24 * HOUR_MS, "1d", { waterBody: "river" });
    expect(river?.assessment).toMatchObject({
      class: "II",
      deciding: ["codmn", "nh3n", "tp"],
      meetsTarget: true,
    });
    expect(river?.assessment?.parameterClasses).toStrictEqual({
      ph: "I",
      do: "I",
      codmn: "II",
      nh3n: "II",
      tp: "II",
    });
  });
  it("pH's day mean through the hydrogen-ion concentration by default, arithmetic as set", () => {
    // Hourly pH 5.5 and 9.4 in turn, 12 hours each. Through [H+]: (10^−5.5 + 10^−9.4) / 2 =
    // (3.16228e−6 + 0.00040e−6) / 2 = 1.58134e−6 mol/L, pH = 6 − log10(1.58134) = 6 − 0.19902 = 5.80098:
    // outside GB 3838's 6–9, Class 劣V. Arithmetically (5.5 + 9.4) / 2 = 7.45, Class I.
    const series = new Map<MetricId, HourSeries>([
      [
        "ph",
        constant(
          "ph",
          day24((h) => (h % 2 === 0 ? 5.5 : 9.4)),
        ),
      ],
    ]);
    const section = { waterBody: "river", targetClass: "III" } as const;
    const [hydrogen] = waterClasses(series, day, day + DAY_MS, "1d", section);
    expect(hydrogen?.means.ph).toBeCloseTo(5.80098, 5);
    expect(hydrogen?.assessment).toMatchObject({ class: "劣V", deciding: ["ph"], meetsTarget: false });
    const [arithmetic] = waterClasses(
      series,
      day,
      day + DAY_MS,
      "1d",
      section,
      {},
      { phAveraging: "arithmetic" },
    );
    expect(arithmetic?.means.ph).toBe(7.45);
    expect(arithmetic?.assessment).toMatchObject({ class: "I", meetsTarget: true });
    // The network map's 24-h window takes the same rule.
    const window = { start: day, end: day + DAY_MS, label: "24h" };
    expect(waterClassOf(series, window, section).means.ph).toBeCloseTo(5.80098, 5);
    expect(waterClassOf(series, window, section, {}, { phAveraging: "arithmetic" }).means.ph).toBe(7.45);
    // Other metrics stay arithmetic.
    const nh3n = new Map<MetricId, HourSeries>([
      [
        "nh3n",
        constant(
          "nh3n",
          day24((h) => (h % 2 === 0 ? 1.0 : 1.4)),
        ),
      ],
    ]);
    expect(waterClasses(nh3n, day, day + DAY_MS, "1d", section)[0]?.means.nh3n).toBe(1.2);
    expect(phAveragingLabel()).toMatchObject({ method: "hydrogen-ion", provisional: true });
    expect(phAveragingLabel().rule).toContain("环办监测函〔2020〕82号 (provisional)");
    expect(phAveragingLabel("arithmetic")).toMatchObject({ method: "arithmetic", provisional: true });
  });
  it("pH's month mean from daily means and year mean from monthly means, each through [H+]", () => {
    const hoursOf = (from: number, nDays: number, value: (d: number) => number) =>
      hourSeries(
        Array.from({ length: nDays * 24 }, (_, h) => {
          const v = value(Math.floor(h / 24));
          return {
            stationId: "w",
            metric: "ph" as const,
            hourEnd: from + (h + 1) * HOUR_MS,
            mean: v,
            min: v,
            max: v,
            validCount: 1,
            totalCount: 1,
            validPeriodMs: 0,
          };
        }),
        HOUR_MS,
      );
    const jan = T("2026-01-01T00:00:00+08:00");
    const feb = T("2026-02-01T00:00:00+08:00");
    const mar = T("2026-03-01T00:00:00+08:00");
    const section = { waterBody: "river" } as const;
    // February: days of pH 6.0 and 8.0 in turn, 14 each. Through [H+]: (10^−6 + 10^−8) / 2 =
    // 5.05e−7, pH = 7 − log10(5.05) = 7 − 0.70329 = 6.29671; arithmetically 7.
    const alternating = new Map<MetricId, HourSeries>([
      ["ph", hoursOf(feb, 28, (d) => (d % 2 === 0 ? 6 : 8))],
    ]);
    const february = { start: feb, end: mar, label: "2026-02" };
    expect(waterClassToDate(alternating, february, "1mo", section).means.ph).toBeCloseTo(6.29671, 5);
    expect(
      waterClassToDate(alternating, february, "1mo", section, {}, { phAveraging: "arithmetic" }).means.ph,
    ).toBe(7);
    // The year to 1 March: January all 6.0, February all 8.0 — the same numbers from the two monthly means.
    const months = new Map<MetricId, HourSeries>([["ph", hoursOf(jan, 59, (d) => (d < 31 ? 6 : 8))]]);
    const year = { start: jan, end: mar, label: "2026" };
    expect(waterClassToDate(months, year, "1y", section)).toMatchObject({ valid: true, counts: { ph: 2 } });
    expect(waterClassToDate(months, year, "1y", section).means.ph).toBeCloseTo(6.29671, 5);
    expect(waterClassToDate(months, year, "1y", section, {}, { phAveraging: "arithmetic" }).means.ph).toBe(7);
  });
  it("hourly periods; a period without values is invalid", () => {
    const series = new Map<MetricId, HourSeries>([["do", constant("do", [8])]]);
    const out = waterClasses(series, day, day + 2 * HOUR_MS, "1h", { waterBody: "lake" });
    expect(out.map((p) => [p.label, p.valid, p.assessment?.class ?? null])).toEqual([
      ["2026-11-20T01:00:00+08:00", true, "I"],
      ["2026-11-20T02:00:00+08:00", false, null],
    ]);
  });
});
