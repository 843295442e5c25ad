import { HOUR_MS, type MetricId, type Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

/** Mid-hour: the hour labelled 17:00 (16:00–17:00) and the day 2026-11-29 are in progress. */
const MID_HOUR = T("2026-11-29T16:50:00+08:00");
const FIVE_MIN = 300_000;

/** Hourly means from 2026-11-28 00:00 up to the hour ending 2026-11-29 16:00 (all complete at 16:00). */
function completeHours(stationId: string, values: Partial<Record<MetricId, number>>): Reading[] {
  const first = T("2026-11-28T00:00:00+08:00");
  const count = (T("2026-11-29T16:00:00+08:00") - first) / HOUR_MS;
  return Array.from({ length: count }, (_, h) =>
    Object.entries(values).map(([m, v]) =>
      reading(stationId, m as MetricId, first + h * HOUR_MS, HOUR_MS, v as number),
    ),
  ).flat();
}

/** 5-minute readings from 16:00 on 2026-11-29 covering `minutes` of the hour in progress. */
function currentHour(stationId: string, metric: MetricId, minutes: number, value: number): Reading[] {
  const start = T("2026-11-29T16:00:00+08:00");
  return Array.from({ length: minutes / 5 }, (_, i) =>
    reading(stationId, metric, start + i * FIVE_MIN, FIVE_MIN, value),
  );
}

const api = useApiFixture({
  name: "in-progress",
  stations: [
    { ...TEST_STATION.aq1, reportingIntervalMs: FIVE_MIN },
    { ...TEST_STATION.wq1, metrics: ["do", "nh3n"] },
    { ...TEST_STATION.noi1, metrics: ["noi"] },
  ],
  now: MID_HOUR,
  readings: [
    ...completeHours("aq1", { so2: 10, no2: 30, co: 0.8, o3: 90, pm10: 80, pm25: 60 }),
    // By 16:50, 50 min of PM2.5, NO2, CO, O3 (valid hours) but only 20 min of SO2 and PM10.
    ...currentHour("aq1", "pm25", 50, 130),
    ...currentHour("aq1", "no2", 50, 30),
    ...currentHour("aq1", "co", 50, 0.8),
    ...currentHour("aq1", "o3", 50, 90),
    ...currentHour("aq1", "so2", 20, 10),
    ...currentHour("aq1", "pm10", 20, 80),
    ...completeHours("wq1", { do: 6.5, nh3n: 1.2 }),
    ...completeHours("noi1", { noi: 1300 }),
    ...currentHour("noi1", "noi", 50, 1250),
  ],
  app: { dashboard: false },
});

const get = async (path: string, params: Record<string, string>) => {
  const res = await api.app.inject({ url: `/api/v1/${path}?${new URLSearchParams(params)}` });
  expect(res.statusCode).toBe(200);
  return res;
};
const json = async (path: string, params: Record<string, string>) => (await get(path, params)).json();
type Row = { label: string; inProgress: boolean };
const marks = (rows: Row[]) => rows.map((r) => [r.label, r.inProgress]);
/** The in_progress column of a CSV answer, one entry per data row. */
const csvColumn = async (path: string, params: Record<string, string>) => {
  const { header, rows } = parseCsv((await get(path, { ...params, format: "csv" })).body);
  expect(header).toContain("in_progress");
  return rows.map((r) => r.in_progress);
};

describe("GET /series marks periods that have not ended", () => {
  const series = { station: "aq1", metric: "pm25" };
  it("at 16:50 the hour labelled 17:00 is in progress, with its value kept; 15:00 and 16:00 are complete", async () => {
    const params = { ...series, from: "2026-11-29T14:00:00+08:00", every: "1h" };
    const body = await json("series", params);
    expect(marks(body.periods)).toEqual([
      ["2026-11-29T15:00:00+08:00", false],
      ["2026-11-29T16:00:00+08:00", false],
      ["2026-11-29T17:00:00+08:00", true],
    ]);
    expect(body.periods[2]).toMatchObject({ value: 130, valid: true });
    expect(await csvColumn("series", params)).toEqual(["false", "false", "true"]);
  });
  it("today is in progress, yesterday is not", async () => {
    const body = await json("series", { ...series, from: "2026-11-28T00:00:00+08:00", every: "1d" });
    expect(marks(body.periods)).toEqual([
      ["2026-11-28", false],
      ["2026-11-29", true],
    ]);
  });
  it("a period ending exactly at now is complete: at 16:00 the hour labelled 16:00 is, 17:00 is not", async () => {
    api.now = T("2026-11-29T16:00:00+08:00");
    const params = { ...series, from: "2026-11-29T14:00:00+08:00", to: "2026-11-29T17:00:00+08:00" };
    expect(marks((await json("series", { ...params, every: "1h" })).periods)).toEqual([
      ["2026-11-29T15:00:00+08:00", false],
      ["2026-11-29T16:00:00+08:00", false],
      ["2026-11-29T17:00:00+08:00", true],
    ]);
    api.now = T("2026-11-30T00:00:00+08:00");
    const day = await json("series", { ...series, from: "2026-11-29T00:00:00+08:00", every: "1d" });
    expect(marks(day.periods)).toEqual([["2026-11-29", false]]);
  });
});

describe("GET /aqi marks the hour and the day in progress", () => {
  it("the hour in progress keeps its AQI and category but is marked; short hours cite their rule", async () => {
    const params = { station: "aq1", from: "2026-11-29T14:00:00+08:00", period: "hour" };
    const { results } = await json("aqi", params);
    expect(marks(results)).toEqual([
      ["2026-11-29T15:00:00+08:00", false],
      ["2026-11-29T16:00:00+08:00", false],
      ["2026-11-29T17:00:00+08:00", true],
    ]);
    const current = results[2];
    // PM2.5 1-h 130 over 50 min indexes above 100, so HJ 633-2026 publishes it despite missing SO2/PM10.
    expect(current.aqi).toBeGreaterThan(100);
    expect(current.category).not.toBeNull();
    expect(current.indicators.so2_1h.reason).toBe(
      "20 min of valid sampling; GB 3095 Table 4 needs ≥ 45 min in the hour",
    );
    expect(current.indicators.pm10_1h.reason).toBe(
      "20 min of valid sampling; local rule (GB 3095 Table 4's 1-h minimum applied to PM10) needs ≥ 45 min in the hour",
    );
    expect(results[1].aqi).not.toBeNull();
    expect(await csvColumn("aqi", params)).toEqual(["false", "false", "true"]);
  });
  it("the daily AQI of today is in progress, yesterday's is not", async () => {
    const params = { station: "aq1", from: "2026-11-28T00:00:00+08:00", period: "day" };
    const { results } = await json("aqi", params);
    expect(marks(results)).toEqual([
      ["2026-11-28", false],
      ["2026-11-29", true],
    ]);
    expect(results[0].aqi).not.toBeNull();
    expect(await csvColumn("aqi", params)).toEqual(["false", "true"]);
  });
  it("at 16:00 the default range ends with the complete hour labelled 16:00", async () => {
    api.now = T("2026-11-29T16:00:00+08:00");
    const { results } = await json("aqi", { station: "aq1", period: "hour" });
    expect(results.at(-1)).toMatchObject({ label: "2026-11-29T16:00:00+08:00", inProgress: false });
    expect(results.every((r: Row) => !r.inProgress)).toBe(true);
  });
});

describe("GET /water/class and /noi/grade mark periods in progress", () => {
  it("today's class is in progress, yesterday's is not; hours likewise", async () => {
    const daily = { station: "wq1", from: "2026-11-28T00:00:00+08:00", period: "1d" };
    const { results } = await json("water/class", daily);
    expect(marks(results)).toEqual([
      ["2026-11-28", false],
      ["2026-11-29", true],
    ]);
    expect(results[0]).toMatchObject({ class: "IV", valid: true });
    // At 16:50 today has 16 hourly means: no valid daily mean yet (≥ 20), so no class.
    expect(results[1]).toMatchObject({ class: null, valid: false });
    expect(await csvColumn("water/class", daily)).toEqual(["false", "true"]);
    const hourly = await json("water/class", {
      station: "wq1",
      from: "2026-11-29T15:00:00+08:00",
      period: "1h",
    });
    expect(marks(hourly.results)).toEqual([
      ["2026-11-29T16:00:00+08:00", false],
      ["2026-11-29T17:00:00+08:00", true],
    ]);
  });
  it("the NOI grade of the hour in progress is marked", async () => {
    const params = { station: "noi1", from: "2026-11-29T15:00:00+08:00", period: "1h" };
    const { results } = await json("noi/grade", params);
    expect(marks(results)).toEqual([
      ["2026-11-29T16:00:00+08:00", false],
      ["2026-11-29T17:00:00+08:00", true],
    ]);
    expect(results[1]).toMatchObject({ value: 1250, valid: true });
    expect(results[1].grade).not.toBeNull();
    expect(await csvColumn("noi/grade", params)).toEqual(["false", "true"]);
  });
});

describe("compliance marks the month or year in progress", () => {
  it("the month and year containing now are in progress, earlier ones are not", async () => {
    expect((await json("compliance/water", { period: "month" })).inProgress).toBe(true);
    expect(
      (await json("compliance/water", { period: "month", at: "2026-10-15T00:00:00+08:00" })).inProgress,
    ).toBe(false);
    // The section's row, then the `all` and `drinkingWater` share rows.
    expect(await csvColumn("compliance/water", { period: "month" })).toEqual(["true", "true", "true"]);
    expect((await json("compliance/pm25", {})).inProgress).toBe(true);
    expect((await json("compliance/pm25", { year: "2025" })).inProgress).toBe(false);
    expect(await csvColumn("compliance/pm25", { year: "2025" })).toEqual(["false", "false"]);
  });

  it("the excellent/good-day counts of the year in progress say so; a closed year's do not", async () => {
    expect((await json("compliance/aqi-days", {})).inProgress).toBe(true);
    expect(await csvColumn("compliance/aqi-days", {})).toEqual(["true"]);
    expect((await json("compliance/aqi-days", { year: "2025" })).inProgress).toBe(false);
    expect(await csvColumn("compliance/aqi-days", { year: "2025" })).toEqual(["false"]);
  });
});
