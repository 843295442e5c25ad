import type { MetricId, Reading } from "@qingshan/domain";
import { HOUR_MS } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { hourlyReadings, reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const NOW = T("2026-11-29T12:00:00+08:00");

/** `count` hourly means of each metric from Beijing `date` 00:00. */
const hours = (
  stationId: string,
  date: string,
  values: Partial<Record<MetricId, number>>,
  count = 24,
): Reading[] =>
  Object.entries(values).flatMap(([metric, value]) =>
    hourlyReadings(stationId, metric as MetricId, `${date}T00:00:00+08:00`, value as number, count),
  );

/** Whole days `first`…`last` of a month `yyyy-mm`. */
const days = (
  stationId: string,
  month: string,
  first: number,
  last: number,
  values: Partial<Record<MetricId, number>>,
) =>
  Array.from({ length: last - first + 1 }, (_, i) =>
    hours(stationId, `${month}-${String(first + i).padStart(2, "0")}`, values),
  ).flat();

// Class II values at a river: CODMn 3, NH3-N 0.3, TP 0.05 (GB 3838-2002 Table 1); DO 7.0, pH 7.5 class I.
const RIVER_DAY = { ph: 7.5, codmn: 3, nh3n: 0.3 };
// Class III at a lake (TP 0.04, lake column), below the drinking-water source's target II.
const LAKE_DAY = { ph: 7.5, do: 7.0, codmn: 3, nh3n: 0.3, tp: 0.04 };

const api = useApiFixture({
  name: "water-class",
  stations: [
    { ...TEST_STATION.wq1, id: "wqd", metrics: ["ph", "do", "codmn", "nh3n", "tp", "temp", "cond"] },
    {
      ...TEST_STATION.wq1,
      id: "wqm",
      metrics: ["ph", "do", "codmn", "nh3n", "tp"],
      water: { waterBody: "lake", river: "黄村水库", targetClass: "II", drinkingWaterSource: true },
    },
    { ...TEST_STATION.wq1, id: "wqph", metrics: ["ph", "do", "codmn", "nh3n", "tp"] },
  ],
  now: NOW,
  readings: [
    // 2026-11-20: TP has 18 valid hourly means, DO 17 — neither has a valid daily mean (≥ 20).
    ...hours("wqd", "2026-11-20", RIVER_DAY),
    ...hours("wqd", "2026-11-20", { tp: 0.05 }, 18),
    ...hours("wqd", "2026-11-20", { do: 7.0 }, 17),
    // 2026-11-21: 20 hours of every class-deciding parameter (the minimum); temperature (a
    // reference item) 5 hours and conductivity (no class) none: they do not decide.
    ...hours("wqd", "2026-11-21", { ...RIVER_DAY, tp: 0.05, do: 7.0 }, 20),
    ...hours("wqd", "2026-11-21", { temp: 14 }, 5),
    // wqm: October 1–27 (27 valid days, the monthly minimum); November 1–9 only.
    ...days("wqm", "2026-10", 1, 27, LAKE_DAY),
    ...days("wqm", "2026-11", 1, 9, LAKE_DAY),
    // wqph, 2026-11-22: hourly pH 5.5 and 9.4 in turn; the other items Class I at a river.
    ...Array.from({ length: 24 }, (_, h) =>
      reading("wqph", "ph", T("2026-11-22T00:00:00+08:00") + h * HOUR_MS, HOUR_MS, h % 2 === 0 ? 5.5 : 9.4),
    ),
    ...hours("wqph", "2026-11-22", { do: 8.0, codmn: 1.5, nh3n: 0.1, tp: 0.01 }),
  ],
});

async function get(url: string) {
  const res = await api.app.inject({ url });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const range = (from: string, to: string) =>
  `from=${encodeURIComponent(`${from}T00:00:00+08:00`)}&to=${encodeURIComponent(`${to}T00:00:00+08:00`)}`;

describe("GET /api/v1/water/class uses the /series validity of each parameter", () => {
  it("a day with 18 hourly TP means and 17 DO is not valid; one with 20 of each is", async () => {
    const body = await get(`/api/v1/water/class?station=wqd&period=1d&${range("2026-11-20", "2026-11-22")}`);
    const [short, enough] = body.results;
    expect(short).toMatchObject({
      label: "2026-11-20",
      valid: false,
      class: null,
      meetsTarget: null,
      means: { ph: 7.5, codmn: 3, nh3n: 0.3 },
      counts: { ph: 24, do: 17, codmn: 24, nh3n: 24, tp: 18, temp: 0, cond: 0 },
      invalidParameters: { do: "17 valid hourly means; needs ≥ 20", tp: "18 valid hourly means; needs ≥ 20" },
      reason: "not assessed: do (17 valid hourly means; needs ≥ 20); tp (18 valid hourly means; needs ≥ 20)",
    });
    expect(short.means).not.toHaveProperty("tp");
    // The same day from /series.
    const series = await get(
      `/api/v1/series?station=wqd&metric=tp&every=1d&${range("2026-11-20", "2026-11-21")}`,
    );
    expect(series.periods[0]).toMatchObject({ valid: false, reason: "18 valid hourly means; needs ≥ 20" });

    expect(enough).toMatchObject({
      label: "2026-11-21",
      valid: true,
      class: "II",
      meetsTarget: true,
      means: { ph: 7.5, do: 7, codmn: 3, nh3n: 0.3, tp: 0.05 },
      counts: { tp: 20, do: 20, temp: 5 },
      invalidParameters: {
        temp: "5 valid hourly means; needs ≥ 20",
        cond: "0 valid hourly means; needs ≥ 20",
      },
    });
    expect(enough).not.toHaveProperty("reason");
    const csv = (
      await api.app.inject({
        url: `/api/v1/water/class?station=wqd&period=1d&format=csv&${range("2026-11-20", "2026-11-22")}`,
      })
    ).body.split("\r\n");
    expect(csv[0]).toContain(",means,invalidParameters,in_progress");
    expect(csv[1]).toMatch(/^2026-11-20,.*,false,not assessed: do \(17 valid/);
  });

  it("an hour without a DO or TP value is not valid", async () => {
    const body = await get(
      `/api/v1/water/class?station=wqd&period=1h&from=${encodeURIComponent("2026-11-20T16:00:00+08:00")}&to=${encodeURIComponent("2026-11-20T19:00:00+08:00")}`,
    );
    expect(body.results.map((p: { label: string; valid: boolean }) => [p.label, p.valid])).toEqual([
      ["2026-11-20T17:00:00+08:00", true],
      ["2026-11-20T18:00:00+08:00", false],
      ["2026-11-20T19:00:00+08:00", false],
    ]);
    expect(body.results[0]).toMatchObject({ class: "II", means: { tp: 0.05, do: 7 } });
    expect(body.results[1].reason).toBe("not assessed: do (no reading in the hour)");
    expect(body.results[2].reason).toBe(
      "not assessed: do (no reading in the hour); tp (no reading in the hour)",
    );
  });

  it("a month with 9 valid days is not valid; one with 27 is", async () => {
    const body = await get(`/api/v1/water/class?station=wqm&period=1mo&${range("2026-10-01", "2026-12-01")}`);
    const [october, november] = body.results;
    expect(october).toMatchObject({
      label: "2026-10",
      valid: true,
      class: "III",
      meetsTarget: false,
      deciding: ["tp"],
      counts: { tp: 27 },
      inProgress: false,
    });
    expect(november).toMatchObject({
      label: "2026-11",
      valid: false,
      class: null,
      meetsTarget: null,
      means: {},
      counts: { tp: 9 },
      inProgress: true,
    });
    expect(november.reason).toMatch(/^not assessed: ph \(9 valid daily means; needs ≥ 27\); do/);
    const series = await get(
      `/api/v1/series?station=wqm&metric=tp&every=1mo&${range("2026-11-01", "2026-12-01")}`,
    );
    expect(series.periods[0]).toMatchObject({ valid: false, reason: "9 valid daily means; needs ≥ 27" });
  });
});

describe("GET /api/v1/water/class averages pH through the hydrogen-ion concentration (provisional)", () => {
  const url = `/api/v1/water/class?station=wqph&period=1d&${range("2026-11-22", "2026-11-23")}`;

  it("by default: hourly pH 5.5 and 9.4 in turn make a day of pH 5.80, Class 劣V, and the answer says how", async () => {
    // (10^−5.5 + 10^−9.4) / 2 = 1.58134e−6 mol/L → pH 6 − log10(1.58134) = 5.80098 (outside 6–9: 劣V).
    const body = await get(url);
    expect(body.phAveraging).toEqual({
      method: "hydrogen-ion",
      rule: expect.stringContaining("环办监测函〔2020〕82号 (provisional)"),
      provisional: true,
    });
    expect(body.results[0]).toMatchObject({
      valid: true,
      class: "劣V",
      deciding: ["ph"],
      meetsTarget: false,
    });
    expect(body.results[0].means.ph).toBeCloseTo(5.80098, 5);
    // /series keeps the arithmetic mean of the same day.
    const series = await get(
      `/api/v1/series?station=wqph&metric=ph&every=1d&${range("2026-11-22", "2026-11-23")}`,
    );
    expect(series.periods[0].value).toBe(7.45);
    const csv = (await api.app.inject({ url: `${url}&format=csv` })).body.split("\r\n");
    expect(csv[0]).toMatch(/,in_progress,phAveraging,phAveragingProvisional$/);
    expect(csv[1]).toMatch(/,hydrogen-ion,true$/);
  });

  it("with water.phAveraging arithmetic: pH 7.45, Class I, still labelled provisional", async () => {
    const app = api.appWith({ water: { phAveraging: "arithmetic" } });
    const body = (await app.inject({ url })).json();
    expect(body.phAveraging).toMatchObject({ method: "arithmetic", provisional: true });
    expect(body.results[0]).toMatchObject({
      valid: true,
      class: "I",
      meetsTarget: true,
      means: { ph: 7.45 },
    });
    const compliance = (
      await app.inject({ url: "/api/v1/compliance/water?period=month&at=2026-11-25T00:00:00%2B08:00" })
    ).json();
    expect(compliance.phAveraging).toMatchObject({ method: "arithmetic", provisional: true });
  });
});
