import type { MetricId, Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { hourlyReadings, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

const NOW = T("2026-01-05T12:00:00+08:00");
/** Late on 2026-01-05: the day has 22 valid hourly means but has not ended. */
const LATE = T("2026-01-05T22:30:00+08:00");

/** `count` hourly means of `metric` from Beijing `date` 00:00. */
const hours = (stationId: string, metric: MetricId, date: string, value: number, count = 24): Reading[] =>
  hourlyReadings(stationId, metric, `${date}T00:00:00+08:00`, value, count);

/** Whole days of hourly means from 2026-01-01, `days` of them. */
const januaryDays = (stationId: string, days: number, values: Partial<Record<MetricId, number>>): Reading[] =>
  Array.from({ length: days }, (_, d) =>
    Object.entries(values).flatMap(([metric, value]) =>
      hours(stationId, metric as MetricId, `2026-01-${String(d + 1).padStart(2, "0")}`, value as number),
    ),
  ).flat();

const api = useApiFixture({
  name: "compliance",
  stations: [
    // The CSV test reads its name.
    { ...TEST_STATION.aq1, name: { zh: "甲", en: "A" }, metrics: ["pm25"] },
    {
      id: "aq2",
      name: { zh: "乙", en: "B" },
      kind: "air",
      location: { lat: 28.46, lon: 119.9 },
      township: "岩泉街道",
      metrics: ["pm25"],
    },
    { ...TEST_STATION.wq1, metrics: ["do", "nh3n"] },
    {
      id: "wq2",
      name: { zh: "水库", en: "Reservoir" },
      kind: "water",
      location: { lat: 28.48, lon: 119.74 },
      township: "联城街道",
      metrics: ["do", "nh3n"],
      water: { waterBody: "lake", river: "黄村水库", targetClass: "II", drinkingWaterSource: true },
    },
    {
      id: "wq3",
      name: { zh: "下游", en: "Downstream" },
      kind: "water",
      location: { lat: 28.4, lon: 119.8 },
      township: "碧湖镇",
      metrics: ["do", "nh3n"],
      water: { waterBody: "river", river: "瓯江", targetClass: "III" },
    },
  ],
  now: NOW,
  readings: [
    ...hours("aq1", "pm25", "2026-01-01", 40),
    ...hours("aq1", "pm25", "2026-01-02", 40),
    ...hours("aq1", "pm25", "2026-01-03", 40),
    // 19 valid hours: not a valid day (GB 3095 Table 4 needs 20).
    ...hours("aq1", "pm25", "2026-01-04", 90, 19),
    ...hours("aq2", "pm25", "2026-01-01", 20),
    ...hours("aq2", "pm25", "2026-01-02", 20),
    // 2025 at aq2: valid days on 2025-12-30/31 only, far above the target — 2 of the 324 an annual mean needs.
    ...hours("aq2", "pm25", "2025-12-30", 54),
    ...hours("aq2", "pm25", "2025-12-31", 54),
    // Today (2026-01-05) until 22:00: PM2.5 100 at aq1, which may not count before the day has ended.
    ...hours("aq1", "pm25", "2026-01-05", 100, 22),
    // January 2026, water. wq1: 27 whole days (the monthly minimum), NH3-N 1.2 mg/L = Class IV
    // (target III), then 2026-01-28 until 22:00 at NH3-N 30 (worse than V), which may not count
    // before that day has ended. wq3: 27 days of NH3-N 0.4 = Class II (target III).
    ...januaryDays("wq1", 27, { nh3n: 1.2, do: 6.5 }),
    ...hours("wq1", "nh3n", "2026-01-28", 30, 22),
    ...hours("wq1", "do", "2026-01-28", 6.5, 22),
    ...januaryDays("wq3", 27, { nh3n: 0.4, do: 7.6 }),
    // wq2, the drinking-water source: 9 days of NH3-N 0.8 (Class III, target II) — too few for a
    // monthly mean (≥ 27 valid days), so its class is not known and it must not count as missing its target.
    ...januaryDays("wq2", 9, { nh3n: 0.8, do: 7.6 }),
  ],
});

describe("GET /api/v1/compliance/pm25", () => {
  it("assesses valid daily means year to date per station and district-wide against 32", async () => {
    const res = await api.app.inject({ url: "/api/v1/compliance/pm25" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // Jan 1–4 are completed; today (Jan 5) is not yet a day of the year to date.
    expect(body).toMatchObject({ year: 2026, elapsedDays: 4, daysInYear: 365, target: { value: 32 } });
    expect(body.to).toBe("2026-01-05T00:00:00+08:00");
    const [aq1, aq2] = body.stations;
    // 3 valid days of 40 (the 19-hour day does not count); the 361 days left (today included)
    // must average ≤ (32.5·364 − 120)/361: an annual mean of 32.5 is reported 32 (half-even) and meets 32.
    expect(aq1).toMatchObject({ stationId: "aq1", status: "at_risk", ytdMean: 40, validDays: 3, target: 32 });
    expect(aq1.elapsedDays).toBe(4);
    expect(aq1.roundingThreshold).toEqual({ value: 32.5, inclusive: true });
    expect(aq1.requiredMeanForRest).toBeCloseTo((32.5 * 364 - 120) / 361, 9);
    expect(aq1.invalidMean).toBeNull();
    expect(aq1.nationalLimit).toMatchObject({ value: 35 });
    expect(aq2).toMatchObject({ stationId: "aq2", status: "on_track", ytdMean: 20, validDays: 2 });
    // District days: (40+20)/2, (40+20)/2, 40 → mean 33.33 → 33.
    expect(body.district).toMatchObject({
      stationId: "district",
      validDays: 3,
      ytdMean: 33,
      status: "at_risk",
    });
    expect(body.district.unroundedYtdMean).toBeCloseTo(100 / 3, 9);
  });

  it("leaves out today even when it already has ≥ 20 valid hourly means", async () => {
    api.now = LATE;
    const body = (await api.app.inject({ url: "/api/v1/compliance/pm25" })).json();
    expect(body).toMatchObject({ inProgress: true, elapsedDays: 4, to: "2026-01-05T00:00:00+08:00" });
    // Counting today's 22 hours of 100 would give 4 valid days and a mean of 55.
    expect(body.stations[0]).toMatchObject({ stationId: "aq1", validDays: 3, ytdMean: 40 });
    expect(body.district).toMatchObject({ validDays: 3, ytdMean: 33 });
    const csvText = (await api.app.inject({ url: "/api/v1/compliance/pm25?format=csv" })).body;
    const csv = csvText.split("\r\n");
    expect(csv[1]).toMatch(/^aq1,甲,A,at_risk,40,40,3,4,32,/);
    expect(parseCsv(csvText).rows[0]).toMatchObject({ in_progress: "true", roundingThreshold: "32.5" });
    // Once the day has ended it counts: 4 valid days, (120 + 100) / 4 = 55.
    api.now = T("2026-01-06T00:00:00+08:00");
    const next = (await api.app.inject({ url: "/api/v1/compliance/pm25" })).json();
    expect(next).toMatchObject({ elapsedDays: 5, to: "2026-01-06T00:00:00+08:00" });
    expect(next.stations[0]).toMatchObject({ validDays: 4, ytdMean: 55 });
    // A past year is complete: its `to` is its end, all its days count.
    const past = (await api.app.inject({ url: "/api/v1/compliance/pm25?year=2025" })).json();
    expect(past).toMatchObject({ inProgress: false, elapsedDays: 365, to: "2026-01-01T00:00:00+08:00" });
  });

  it("says no_data for a year without data and 400 for a bad year", async () => {
    const empty = (await api.app.inject({ url: "/api/v1/compliance/pm25?year=2025" })).json();
    expect(empty.stations[0]).toMatchObject({ status: "no_data", validDays: 0, ytdMean: null });
    const bad = await api.app.inject({ url: "/api/v1/compliance/pm25?year=twenty" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "query.invalid", parameter: "year" });
  });
});

describe("GET /api/v1/compliance/pm25 gives no verdict without a valid annual mean (GB 3095 Table 4)", () => {
  type Row = Record<string, unknown> & { stationId: string };
  const row = (body: { stations: Row[] }, id: string) => body.stations.find((s) => s.stationId === id) as Row;

  it("a closed year with 2 valid days: insufficient_data, not exceeded, with what is missing (JSON and CSV)", async () => {
    api.now = NOW;
    const body = (await api.app.inject({ url: "/api/v1/compliance/pm25?year=2025" })).json();
    // air-aqi.md §7: ≥ 324 daily means and ≥ 27 in every month (25 in February), else invalid and
    // not to be used (GB 3095-2012 §6.1): no ytdMean; the mean of the 2 days only as invalidMean.
    expect(row(body, "aq2")).toMatchObject({
      status: "insufficient_data",
      ytdMean: null,
      unroundedYtdMean: null,
      invalidMean: 54,
      requiredMeanForRest: null,
      validDays: 2,
      sufficientData: false,
      validityAttainable: false,
      validity: {
        requiredDays: 324,
        attainableDays: 2,
        shortMonths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      },
    });
    expect((row(body, "aq2").validity as { months: unknown[] }).months[11]).toEqual({
      month: 12,
      validDays: 2,
      minimum: 27,
      attainableDays: 2,
    });
    expect(body.district).toMatchObject({
      status: "insufficient_data",
      validDays: 2,
      validityAttainable: false,
    });
    const csv = parseCsv(
      (await api.app.inject({ url: "/api/v1/compliance/pm25?year=2025&format=csv" })).body,
    );
    const aq2 = csv.rows.find((r) => r.stationId === "aq2");
    expect(aq2).toMatchObject({
      status: "insufficient_data",
      ytdMean: "",
      invalidMean: "54",
      validityAttainable: "false",
      attainableDays: "2",
      shortMonths: "1;2;3;4;5;6;7;8;9;10;11;12",
    });
    expect(csv.rows.find((r) => r.stationId === "district")?.status).toBe("insufficient_data");
  });

  it("a year whose monthly minimum is out of reach: insufficient_data while the year runs", async () => {
    // 2026-01-10: 9 days of January completed, 22 left; aq2 has 2 valid → at most 24 < 27.
    api.now = T("2026-01-10T12:00:00+08:00");
    const body = (await api.app.inject({ url: "/api/v1/compliance/pm25" })).json();
    expect(row(body, "aq2")).toMatchObject({
      status: "insufficient_data",
      validityAttainable: false,
      validity: { shortMonths: [1] },
    });
    expect((row(body, "aq2").validity as { months: unknown[] }).months[0]).toEqual({
      month: 1,
      validDays: 2,
      minimum: 27,
      attainableDays: 24,
    });
    // At 2026-01-05 January could still reach 27 (2 + 27 days left): a projection is given.
    api.now = NOW;
    const early = (await api.app.inject({ url: "/api/v1/compliance/pm25" })).json();
    expect(row(early, "aq2")).toMatchObject({ status: "on_track", validityAttainable: true });
    expect(row(early, "aq2").validity).toMatchObject({ shortMonths: [], attainableDays: 363 });
  });
});

const section = (body: { sections: { stationId: string }[] }, id: string) =>
  body.sections.find((s) => s.stationId === id) as Record<string, unknown>;

describe("GET /api/v1/compliance/water", () => {
  it("counts only sections with a valid class: 9 days of data make no monthly class", async () => {
    api.now = T("2026-02-03T09:00:00+08:00");
    const body = (
      await api.app.inject({ url: "/api/v1/compliance/water?period=month&at=2026-01-15T00:00:00%2B08:00" })
    ).json();
    expect(body).toMatchObject({ period: "month", label: "2026-01", inProgress: false });
    expect(body.all).toEqual({ sections: 3, assessed: 2, notAssessable: 1, meeting: 1, share: 0.5 });
    expect(body.drinkingWater).toEqual({
      sections: 1,
      assessed: 0,
      notAssessable: 1,
      meeting: 0,
      share: null,
    });
    // January's 28 valid days: (27·1.2 + 30)/28 > 2.0, worse than Class V.
    expect(section(body, "wq1")).toMatchObject({
      valid: true,
      class: "劣V",
      meetsTarget: false,
      counts: { nh3n: 28 },
    });
    expect(section(body, "wq3")).toMatchObject({
      valid: true,
      class: "II",
      meetsTarget: true,
      means: { nh3n: 0.4 },
    });
    expect(section(body, "wq2")).toMatchObject({
      valid: false,
      class: null,
      meetsTarget: null,
      deciding: [],
      means: {},
      counts: { nh3n: 9, do: 9 },
      invalidParameters: { nh3n: "9 valid daily means; needs ≥ 27", do: "9 valid daily means; needs ≥ 27" },
      reason: "not assessed: do (9 valid daily means; needs ≥ 27); nh3n (9 valid daily means; needs ≥ 27)",
    });
    // The same month from /series: the validity the class is built on.
    const series = (
      await api.app.inject({
        url: "/api/v1/series?station=wq2&metric=nh3n&every=1mo&from=2026-01-01T00:00:00%2B08:00&to=2026-02-01T00:00:00%2B08:00",
      })
    ).json();
    expect(series.periods[0]).toMatchObject({ valid: false, reason: "9 valid daily means; needs ≥ 27" });
    const csv = (
      await api.app.inject({
        url: "/api/v1/compliance/water?period=month&at=2026-01-15T00:00:00%2B08:00&format=csv",
      })
    ).body;
    expect(csv.split("\r\n")[0]).toContain("valid,reason,invalidParameters,in_progress");
    const bad = await api.app.inject({ url: "/api/v1/compliance/water?period=week" });
    expect(bad.json().error).toMatchObject({ parameter: "period" });
  });
  it("a year's class: the mean of its valid months, valid when every ended month is", async () => {
    api.now = T("2026-02-03T09:00:00+08:00");
    const year = (await api.app.inject({ url: "/api/v1/compliance/water?period=year" })).json();
    expect(year).toMatchObject({ label: "2026", inProgress: true, to: "2026-02-03T00:00:00+08:00" });
    expect(year.all).toEqual({ sections: 3, assessed: 2, notAssessable: 1, meeting: 1, share: 0.5 });
    // February (2 completed days) has not ended: left out; January decides.
    expect(section(year, "wq3")).toMatchObject({ valid: true, class: "II", counts: { nh3n: 1 } });
    expect(section(year, "wq2")).toMatchObject({ valid: false, class: null });
    expect(section(year, "wq2").reason).toContain("2026-01: 9 valid daily means; needs ≥ 27");
    // A whole year with 11 months without data has no class.
    api.now = T("2027-01-02T09:00:00+08:00");
    const whole = (
      await api.app.inject({ url: "/api/v1/compliance/water?period=year&at=2026-06-01T00:00:00%2B08:00" })
    ).json();
    expect(whole).toMatchObject({ inProgress: false, to: "2027-01-01T00:00:00+08:00" });
    expect(whole.all).toEqual({ sections: 3, assessed: 0, notAssessable: 3, meeting: 0, share: null });
    expect(section(whole, "wq3").reason).toContain("2026-02: 0 valid daily means; needs ≥ 25");
  });
});

describe("GET /api/v1/compliance/water to date uses completed days only", () => {
  it("today's hours do not enter the month's or the year's class", async () => {
    api.now = T("2026-01-28T22:30:00+08:00");
    for (const period of ["month", "year"]) {
      const body = (await api.app.inject({ url: `/api/v1/compliance/water?period=${period}` })).json();
      expect(body).toMatchObject({ inProgress: true, to: "2026-01-28T00:00:00+08:00" });
      // With today's 22 hours of 30 the NH3-N mean would be worse than Class V.
      expect(section(body, "wq1")).toMatchObject({ valid: true, class: "IV", means: { nh3n: 1.2 } });
    }
    expect(
      section((await api.app.inject({ url: "/api/v1/compliance/water?period=month" })).json(), "wq1"),
    ).toMatchObject({
      counts: { nh3n: 27 },
    });
    // After the day has ended its hours count: 28 valid days, (27·1.2 + 30)/28 > 2.0.
    api.now = T("2026-01-29T00:00:00+08:00");
    const after = (await api.app.inject({ url: "/api/v1/compliance/water?period=month" })).json();
    const wq1 = section(after, "wq1") as { means: { nh3n: number }; class: string };
    expect(wq1.means.nh3n).toBeCloseTo((27 * 1.2 + 30) / 28, 9);
    expect(wq1.class).toBe("劣V");
  });
  it("early in a month the month to date has too few days for a class", async () => {
    api.now = T("2026-01-05T12:00:00+08:00");
    const early = (await api.app.inject({ url: "/api/v1/compliance/water?period=month" })).json();
    expect(early.all).toEqual({ sections: 3, assessed: 0, notAssessable: 3, meeting: 0, share: null });
    // The reason says the month cannot have a class yet, whatever the data: only 4 days have ended.
    expect(section(early, "wq1").reason).toBe(
      "not assessable yet: only 4 days of 2026-01 completed, and a monthly mean needs ≥ 27 valid daily means (25 in February), possible from 2026-01-28 at the earliest; not assessed: do (4 valid daily means; needs ≥ 27); nh3n (4 valid daily means; needs ≥ 27)",
    );
    // The year to date, still in January, says the same.
    const year = (await api.app.inject({ url: "/api/v1/compliance/water?period=year" })).json();
    expect(section(year, "wq1").reason).toMatch(/^not assessable yet: only 4 days of 2026-01 completed/);
    // From the 27th completed day a month to date can have a class: no such words for a section without one.
    api.now = T("2026-01-28T10:00:00+08:00");
    const later = (await api.app.inject({ url: "/api/v1/compliance/water?period=month" })).json();
    expect(section(later, "wq2").reason).toBe(
      "not assessed: do (9 valid daily means; needs ≥ 27); nh3n (9 valid daily means; needs ≥ 27)",
    );
    api.now = T("2026-01-01T10:00:00+08:00");
    const body = (await api.app.inject({ url: "/api/v1/compliance/water?period=month" })).json();
    expect(body).toMatchObject({ inProgress: true, to: "2026-01-01T00:00:00+08:00" });
    expect(body.all).toMatchObject({ sections: 3, assessed: 0, share: null });
  });
});

describe("GET /api/v1/compliance/aqi-days", () => {
  it("counts completed days by daily AQI category", async () => {
    const body = (await api.app.inject({ url: "/api/v1/compliance/aqi-days" })).json();
    expect(body.categories).toHaveLength(6);
    const aq1 = body.stations.find((s: { stationId: string }) => s.stationId === "aq1");
    // Jan 1–4 completed; PM2.5 40 → IAQI 57 (良, level 2); Jan 4 has no valid daily mean.
    expect(aq1).toMatchObject({ days: 4, counts: { 1: 0, 2: 3, 3: 0, 4: 0, 5: 0, 6: 0, na: 1 } });
    const aq2 = body.stations.find((s: { stationId: string }) => s.stationId === "aq2");
    expect(aq2.counts).toMatchObject({ 1: 2, na: 2 });
  });
});

describe("CSV carries what the JSON rows carry", () => {
  it("/compliance/water: means, counts, and the all / drinkingWater shares as rows of their own", async () => {
    api.now = T("2026-02-03T09:00:00+08:00");
    const url = "/api/v1/compliance/water?period=month&at=2026-01-15T00:00:00%2B08:00";
    const json = (await api.app.inject({ url })).json();
    const csv = parseCsv((await api.app.inject({ url: `${url}&format=csv` })).body);
    for (const s of json.sections) {
      const row = csv.rows.find((r) => r.stationId === s.stationId);
      expect(JSON.parse(row?.means ?? "null"), s.stationId).toEqual(s.means);
      expect(JSON.parse(row?.counts ?? "null"), s.stationId).toEqual(s.counts);
    }
    const all = csv.rows.find((r) => r.stationId === "all");
    expect(all).toMatchObject({
      sections: "3",
      assessed: "2",
      notAssessable: "1",
      meeting: "1",
      share: "0.5",
    });
    const drinking = csv.rows.find((r) => r.stationId === "drinkingWater");
    expect(drinking).toMatchObject({ sections: "1", assessed: "0", share: "" });
    expect(csv.rows).toHaveLength(json.sections.length + 2);
  });

  it("/compliance/pm25: validityAttainable", async () => {
    const json = (await api.app.inject({ url: "/api/v1/compliance/pm25" })).json();
    const csv = parseCsv((await api.app.inject({ url: "/api/v1/compliance/pm25?format=csv" })).body);
    for (const s of [...json.stations, json.district]) {
      const row = csv.rows.find((r) => r.stationId === s.stationId);
      expect(row?.validityAttainable, s.stationId).toBe(String(s.validityAttainable));
      expect(row?.sufficientData, s.stationId).toBe(String(s.sufficientData));
    }
  });
});
