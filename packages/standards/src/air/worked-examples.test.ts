import { describe, expect, it } from "vitest";
import { computeAqi } from "./compute-aqi.ts";
import { airAqiJson, indicatorKey, pollutantKey, type WorkedExample } from "./testdata/air-aqi-json.ts";
import type { AqiIndicator, AqiResult } from "./types.ts";

// HJ 633 columns whose table ends at IAQI 500 (SO2 1-h and O3 8-h end earlier: special rules instead).
function aboveScaleOf(example: WorkedExample): AqiIndicator[] {
  const columns = airAqiJson.breakpoints[example.standard];
  return Object.keys(example.expected.iaqi).flatMap((key) => {
    const column = columns[key.replace("PM10_1h", "PM10_24h").replace("PM2_5_1h", "PM2_5_24h")] ?? [];
    const value = example.input[key];
    const full = column.length === airAqiJson.iaqiPoints.length;
    return full && value !== undefined && value > (column[column.length - 1] ?? Number.POSITIVE_INFINITY)
      ? [indicatorKey(key)]
      : [];
  });
}

function expectedResult(example: WorkedExample): AqiResult {
  const category = airAqiJson.categories.find((c) => c.level === example.expected.categoryLevel);
  if (category === undefined) throw new Error(`no category ${example.expected.categoryLevel}`);
  const iaqi = Object.fromEntries(
    Object.entries(example.expected.iaqi).map(([k, v]) => [indicatorKey(k), v]),
  ) as AqiResult["iaqi"];
  const aboveScale = aboveScaleOf(example);
  return {
    standard: example.standard,
    aqi: example.expected.aqi,
    iaqi,
    primary: example.expected.primaryPollutants.map(pollutantKey),
    // HJ 633-2026 deleted the exceeding-pollutant definition: always [].
    exceeding: (example.expected.exceedingPollutants ?? []).map(pollutantKey),
    level: example.expected.categoryLevel as AqiResult["level"],
    category: { zh: category.name_zh, en: category.name_en, color: category.hex },
    // No date given: the 2012 real-time examples follow the 2012 text (24-h rolling PM).
    ...(example.standard === "HJ633-2012" && example.mode === "realtime"
      ? { pmBasis: "rolling24h" as const }
      : {}),
    ...(aboveScale.length > 0 ? { aboveScale } : {}),
  };
}

function concentrationsOf(example: WorkedExample): Partial<Record<AqiIndicator, number>> {
  return Object.fromEntries(Object.entries(example.input).map(([k, v]) => [indicatorKey(k), v]));
}

describe("air-aqi.json worked examples (whole output)", () => {
  it("has all 16 examples", () => {
    expect(airAqiJson.workedExamples).toHaveLength(16);
  });

  it.each(airAqiJson.workedExamples.map((e) => [e.id, e] as const))("%s", (_id, example) => {
    const result = computeAqi({
      standard: example.standard,
      period: example.mode === "daily" ? "day" : "hour",
      concentrations: concentrationsOf(example),
    });
    expect(result).toStrictEqual(expectedResult(example));
  });

  it.each(
    airAqiJson.workedExamples.filter((e) => e.standard === "HJ633-2026").map((e) => [e.id, e] as const),
  )("%s: the same result when the edition comes from the date 2026-03-01", (_id, example) => {
    const result = computeAqi({
      date: "2026-03-01",
      period: example.mode === "daily" ? "day" : "hour",
      concentrations: concentrationsOf(example),
    });
    expect(result).toStrictEqual(expectedResult(example));
  });

  it.each(
    airAqiJson.workedExamples
      .filter((e) => e.standard === "HJ633-2012" && e.mode === "daily")
      .map((e) => [e.id, e] as const),
  )("%s: the same result when the edition comes from the date 2026-02-28", (_id, example) => {
    const result = computeAqi({
      date: "2026-02-28",
      period: "day",
      concentrations: concentrationsOf(example),
    });
    expect(result).toStrictEqual(expectedResult(example));
  });
});
