import type { MetricId, Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { hourlyReadings, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const NOW = T("2026-01-05T12:00:00+08:00");
/** Late on 2026-01-05: the day has 22 valid hourly means but has not ended. */
const LATE = T("2026-01-05T22:30:00+08:00");

/** `count` hourly means of `metric` from Beijing `date` 00:00. */
const hours = (stationId: string, metric: MetricId, date: string, value: number, count = 24): Reading[] =>
  hourlyReadings(stationId, metric, `${date}T00:00:00+08:00`, value, count);

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
    // wq1: NH3-N 1.2 mg/L is Class IV (target III); wq2: 0.4 is Class II (target II).
    ...hours("wq1", "nh3n", "2026-01-02", 1.2),
    ...hours("wq1", "do", "2026-01-02", 6.5),
    ...hours("wq2", "nh3n", "2026-01-02", 0.4),
    ...hours("wq2", "do", "2026-01-02", 7.6),
    // Today (2026-01-05) until 22:00: PM2.5 100 at aq1, NH3-N 3.0 (Class V) at wq1. Neither may
    // count before the day has ended.
    ...hours("aq1", "pm25", "2026-01-05", 100, 22),
    ...hours("wq1", "nh3n", "2026-01-05", 3.0, 22),
    ...hours("wq1", "do", "2026-01-05", 6.5, 22),
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
    // must average ≤ (32·364 − 120)/361.
    expect(aq1).toMatchObject({ stationId: "aq1", status: "at_risk", ytdMean: 40, validDays: 3, target: 32 });
    expect(aq1.elapsedDays).toBe(4);
    expect(aq1.requiredMeanForRest).toBeCloseTo((32 * 364 - 120) / 361, 9);
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
    const csv = (await api.app.inject({ url: "/api/v1/compliance/pm25?format=csv" })).body.split("\r\n");
    expect(csv[1]).toMatch(/^aq1,甲,A,at_risk,40,40,3,4,32,/);
    expect(csv[1]?.endsWith(",true")).toBe(true);
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

describe("GET /api/v1/compliance/water", () => {
  it("gives the share of sections meeting their target this month, drinking water apart", async () => {
    const body = (await api.app.inject({ url: "/api/v1/compliance/water?period=month" })).json();
    expect(body).toMatchObject({ period: "month", label: "2026-01" });
    expect(body.all).toEqual({ sections: 2, assessed: 2, meeting: 1, share: 0.5 });
    expect(body.drinkingWater).toEqual({ sections: 1, assessed: 1, meeting: 1, share: 1 });
    const wq1 = body.sections.find((s: { stationId: string }) => s.stationId === "wq1");
    expect(wq1).toMatchObject({ class: "IV", targetClass: "III", meetsTarget: false, deciding: ["nh3n"] });
    const year = (await api.app.inject({ url: "/api/v1/compliance/water?period=year" })).json();
    expect(year).toMatchObject({ label: "2026", all: { meeting: 1, assessed: 2 } });
    expect(year.sections.find((s: { stationId: string }) => s.stationId === "wq1")).toMatchObject({
      class: "IV",
    });
    const bad = await api.app.inject({ url: "/api/v1/compliance/water?period=week" });
    expect(bad.json().error).toMatchObject({ parameter: "period" });
  });
});

describe("GET /api/v1/compliance/water to date uses completed days only", () => {
  it("today's hours do not enter the month's or the year's class", async () => {
    api.now = LATE;
    for (const period of ["month", "year"]) {
      const body = (await api.app.inject({ url: `/api/v1/compliance/water?period=${period}` })).json();
      expect(body).toMatchObject({ inProgress: true, to: "2026-01-05T00:00:00+08:00" });
      const wq1 = body.sections.find((s: { stationId: string }) => s.stationId === "wq1");
      // With today's 22 hours of 3.0 the NH3-N mean would be (24·1.2 + 22·3.0)/46 ≈ 2.06: worse than Class V.
      expect(wq1).toMatchObject({ class: "IV", means: { nh3n: 1.2 }, counts: { nh3n: 24 } });
    }
    // After the day has ended its hours count: (24·1.2 + 22·3.0)/46 > 2.0 (Class V's limit).
    api.now = T("2026-01-06T00:00:00+08:00");
    const after = (await api.app.inject({ url: "/api/v1/compliance/water?period=month" })).json();
    const wq1 = after.sections.find((s: { stationId: string }) => s.stationId === "wq1");
    expect(wq1.means.nh3n).toBeCloseTo((24 * 1.2 + 22 * 3.0) / 46, 9);
    expect(wq1.class).toBe("劣V");
  });
  it("on the month's first day the month to date has no completed day", async () => {
    api.now = T("2026-01-01T10:00:00+08:00");
    const body = (await api.app.inject({ url: "/api/v1/compliance/water?period=month" })).json();
    expect(body).toMatchObject({ inProgress: true, to: "2026-01-01T00:00:00+08:00" });
    expect(body.all).toMatchObject({ sections: 2, assessed: 0, share: null });
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
