import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStationRegistry, HOUR_MS, type MetricId, type Reading } from "@qingshan/domain";
import { createDuckDbStore, type TimeSeriesStore } from "@qingshan/store";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../index.ts";

const T = (iso: string) => Date.parse(iso);
const NOW = T("2026-01-05T12:00:00+08:00");
const registry = createStationRegistry([
  {
    id: "aq1",
    name: { zh: "甲", en: "A" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
    metrics: ["pm25"],
  },
  {
    id: "aq2",
    name: { zh: "乙", en: "B" },
    kind: "air",
    location: { lat: 28.46, lon: 119.9 },
    township: "岩泉街道",
    metrics: ["pm25"],
  },
  {
    id: "wq1",
    name: { zh: "断面一", en: "Section 1" },
    kind: "water",
    location: { lat: 28.33, lon: 119.75 },
    township: "大港头镇",
    metrics: ["do", "nh3n"],
    water: { waterBody: "river", river: "瓯江", targetClass: "III" },
  },
  {
    id: "wq2",
    name: { zh: "水库", en: "Reservoir" },
    kind: "water",
    location: { lat: 28.48, lon: 119.74 },
    township: "联城街道",
    metrics: ["do", "nh3n"],
    water: { waterBody: "lake", river: "黄村水库", targetClass: "II", drinkingWaterSource: true },
  },
]);

/** `hours` hourly means of `metric` from Beijing `date` 00:00. */
function hours(stationId: string, metric: MetricId, date: string, value: number, count = 24): Reading[] {
  const start = T(`${date}T00:00:00+08:00`);
  return Array.from({ length: count }, (_, h) => ({
    stationId,
    metric,
    ts: start + h * HOUR_MS,
    periodMs: HOUR_MS,
    value,
    flag: "N" as const,
    source: "import" as const,
    receivedAt: NOW,
  }));
}

let dir: string;
let store: TimeSeriesStore;
let app: FastifyInstance;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "qingshan-api-compliance-"));
  store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
  await store.start();
  await store.writeReadings([
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
  ]);
  app = createApp({ store, registry, now: () => NOW, metricsRegistry: new Registry() });
});

afterAll(async () => {
  await app?.close();
  await store?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("GET /api/v1/compliance/pm25", () => {
  it("assesses valid daily means year to date per station and district-wide against 32", async () => {
    const res = await app.inject({ url: "/api/v1/compliance/pm25" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ year: 2026, elapsedDays: 5, daysInYear: 365, target: { value: 32 } });
    const [aq1, aq2] = body.stations;
    // 3 valid days of 40 (the 19-hour day does not count); the rest must average ≤ (32·363 − 120)/360.
    expect(aq1).toMatchObject({ stationId: "aq1", status: "at_risk", ytdMean: 40, validDays: 3, target: 32 });
    expect(aq1.requiredMeanForRest).toBeCloseTo((32 * 363 - 120) / 360, 9);
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

  it("says no_data for a year without data and 400 for a bad year", async () => {
    const empty = (await app.inject({ url: "/api/v1/compliance/pm25?year=2025" })).json();
    expect(empty.stations[0]).toMatchObject({ status: "no_data", validDays: 0, ytdMean: null });
    const bad = await app.inject({ url: "/api/v1/compliance/pm25?year=twenty" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "query.invalid", parameter: "year" });
  });
});

describe("GET /api/v1/compliance/water", () => {
  it("gives the share of sections meeting their target this month, drinking water apart", async () => {
    const body = (await app.inject({ url: "/api/v1/compliance/water?period=month" })).json();
    expect(body).toMatchObject({ period: "month", label: "2026-01" });
    expect(body.all).toEqual({ sections: 2, assessed: 2, meeting: 1, share: 0.5 });
    expect(body.drinkingWater).toEqual({ sections: 1, assessed: 1, meeting: 1, share: 1 });
    const wq1 = body.sections.find((s: { stationId: string }) => s.stationId === "wq1");
    expect(wq1).toMatchObject({ class: "IV", targetClass: "III", meetsTarget: false, deciding: ["nh3n"] });
    const year = (await app.inject({ url: "/api/v1/compliance/water?period=year" })).json();
    expect(year).toMatchObject({ label: "2026", all: { meeting: 1, assessed: 2 } });
    const bad = await app.inject({ url: "/api/v1/compliance/water?period=week" });
    expect(bad.json().error).toMatchObject({ parameter: "period" });
  });
});

describe("GET /api/v1/compliance/aqi-days", () => {
  it("counts completed days by daily AQI category", async () => {
    const body = (await app.inject({ url: "/api/v1/compliance/aqi-days" })).json();
    expect(body.categories).toHaveLength(6);
    const aq1 = body.stations.find((s: { stationId: string }) => s.stationId === "aq1");
    // Jan 1–4 completed; PM2.5 40 → IAQI 57 (良, level 2); Jan 4 has no valid daily mean.
    expect(aq1).toMatchObject({ days: 4, counts: { 1: 0, 2: 3, 3: 0, 4: 0, 5: 0, 6: 0, na: 1 } });
    const aq2 = body.stations.find((s: { stationId: string }) => s.stationId === "aq2");
    expect(aq2.counts).toMatchObject({ 1: 2, na: 2 });
  });
});
