import type { AddressInfo } from "node:net";
import { DAY_MS, HOUR_MS, type MetricId, type Reading, type StationInput } from "@qingshan/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { reading, T, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";
import { AIR_ANNUAL_COLUMNS } from "./compliance-air-annual.ts";

/**
 * GET /compliance/air-annual over real HTTP on a real DuckDB store, with 2025 (a closed year, so
 * nothing depends on today's date) filled with known hourly values:
 *
 * aa-1 (all six pollutants): SO2 10; NO2 30 and 35 on alternate days; PM10 60; CO 0.8; PM2.5 80 on
 * the first 19 days, 30 after, and 500 on three days of only 19 hours (invalid: < 20 valid hourly
 * means, GB 3095 Table 4) — so 362 valid days, k = 1 + 361 × 0.95 = 343.95, X(343) = 30 (the last of
 * 343 days at 30), X(344) = 80 → 30 + 50 × 0.95 = 77.5 > 75 (with the invalid 500s counted it would
 * be 500); O3 170 on the first 40 days, 120 after, every hour, so each day's maximum 8-h mean is that
 * value: k = 1 + 364 × 0.9 = 328.6, X(328) = X(329) = 170 > 160.
 * aa-2 (PM2.5 only): 40 every hour of the year.
 */

const air = (id: string, metrics: MetricId[]): StationInput => ({
  id,
  name: { zh: id, en: id },
  kind: "air",
  location: { lat: 28.45, lon: 119.92 },
  township: "万象街道",
  airArea: "class2",
  metrics,
});

const YEAR_START = T("2025-01-01T00:00:00+08:00");
const INVALID_DAYS = [100, 200, 300];

/** Hourly means of 2025 for one metric: `valueOnDay(day)` every hour (`hoursOf(day)` hours from 00:00). */
const year2025 = (
  stationId: string,
  metric: MetricId,
  valueOnDay: (day: number) => number,
  hoursOf: (day: number) => number = () => 24,
): Reading[] =>
  Array.from({ length: 365 }, (_, d) =>
    Array.from({ length: hoursOf(d) }, (_, h) =>
      reading(stationId, metric, YEAR_START + d * DAY_MS + h * HOUR_MS, HOUR_MS, valueOnDay(d)),
    ),
  ).flat();

const api = useApiFixture({
  name: "compliance-air-annual",
  stations: [air("aa-1", ["so2", "no2", "pm10", "pm25", "co", "o3"]), air("aa-2", ["pm25"])],
  now: T("2026-12-01T12:00:00+08:00"),
  readings: [
    ...year2025("aa-1", "so2", () => 10),
    ...year2025("aa-1", "no2", (d) => (d % 2 === 0 ? 30 : 35)),
    ...year2025("aa-1", "pm10", () => 60),
    ...year2025("aa-1", "co", () => 0.8),
    ...year2025(
      "aa-1",
      "pm25",
      (d) => (INVALID_DAYS.includes(d) ? 500 : d < 19 ? 80 : 30),
      (d) => (INVALID_DAYS.includes(d) ? 19 : 24),
    ),
    ...year2025("aa-1", "o3", (d) => (d < 40 ? 170 : 120)),
    ...year2025("aa-2", "pm25", () => 40),
  ],
});

let base = "";
beforeAll(async () => {
  await api.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});
const get = (path: string) => fetch(`${base}/api/v1/compliance/air-annual${path}`);

type Statistic = Record<string, unknown> & { id: string };
type Assessment = { stationId: string; status: string; exceeding: string[]; statistics: Statistic[] };
const stat = (a: Assessment, id: string) => a.statistics.find((s) => s.id === id) as Statistic;

describe("GET /api/v1/compliance/air-annual (HJ 663 annual assessment)", () => {
  it("gives each station's ten statistics with valid-day counts, GB 3095-2012 Grade II limits and the verdict", async () => {
    const res = await get("?year=2025");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      year: number;
      inProgress: boolean;
      to: string;
      method: Record<string, string>;
      stations: Assessment[];
      district: Assessment;
    };
    expect(body).toMatchObject({ year: 2025, inProgress: false, to: "2026-01-01T00:00:00+08:00" });
    expect(body.method.source).toBe("HJ 663-2013 Appendix A (normative, 数据统计方法)");
    const a = body.stations.find((s) => s.stationId === "aa-1") as Assessment;
    expect(a.status).toBe("not_met");
    expect(a.exceeding).toEqual(["pm25_24h_p95", "o3_8h_p90"]);
    expect(stat(a, "pm25_24h_p95")).toEqual({
      id: "pm25_24h_p95",
      pollutant: "pm25",
      name: "PM2.5 95th percentile of daily means",
      percentile: 95,
      value: 77.5,
      unit: "µg/m³",
      validDays: 362,
      invalidDays: 3,
      position: { k: 343.95, s: 343 },
      limit: { value: 75, averaging: "24h", source: "GB 3095-2012 Table 1, Grade II" },
      sufficientData: true,
      validity: {
        rule: "local rule by analogy: GB 3095 Table 4's annual minimum (≥ 324 valid days, ≥ 27 in every month, 25 in February) applied to the percentile (provisional: HJ 663's own minimum for percentile statistics is not applied)",
        reason: "362 daily means, every month at its minimum",
        provisional: true,
      },
      exceedsLimit: true,
    });
    // (19 × 80 + 343 × 30) / 362 = 11 810 / 362, unrounded, below 35.
    expect(stat(a, "pm25_annual")).toMatchObject({
      value: 11810 / 362,
      validDays: 362,
      position: null,
      limit: { value: 35, averaging: "annual" },
      exceedsLimit: false,
      validity: { provisional: false },
    });
    expect(stat(a, "o3_8h_p90")).toMatchObject({
      value: 170,
      validDays: 365,
      position: { k: 328.6, s: 328 },
      limit: { value: 160, averaging: "dailyMax8h" },
      exceedsLimit: true,
    });
    expect(stat(a, "no2_annual")).toMatchObject({ value: (183 * 30 + 182 * 35) / 365, exceedsLimit: false });
    expect(stat(a, "no2_24h_p98")).toMatchObject({
      value: 35,
      position: { k: 357.72, s: 357 },
      limit: { value: 80 },
    });
    expect(stat(a, "so2_annual")).toMatchObject({ value: 10, limit: { value: 60 } });
    expect(stat(a, "so2_24h_p98")).toMatchObject({ value: 10, limit: { value: 150 } });
    expect(stat(a, "pm10_annual")).toMatchObject({ value: 60, limit: { value: 70 }, exceedsLimit: false });
    expect(stat(a, "pm10_24h_p95")).toMatchObject({ value: 60, limit: { value: 150 } });
    expect(stat(a, "co_24h_p95")).toMatchObject({ value: 0.8, unit: "mg/m³", limit: { value: 4 } });

    // A station measuring PM2.5 only: its other statistics have no data, but an annual mean of 40
    // with enough valid days is above 35 whatever they are: not met.
    const b = body.stations.find((s) => s.stationId === "aa-2") as Assessment;
    expect(b).toMatchObject({ status: "not_met", exceeding: ["pm25_annual"] });
    expect(stat(b, "pm25_annual")).toMatchObject({ value: 40, exceedsLimit: true });
    expect(stat(b, "pm25_24h_p95")).toMatchObject({ value: 40, validDays: 365, exceedsLimit: false });
    expect(stat(b, "so2_annual")).toMatchObject({
      value: null,
      validDays: 0,
      exceedsLimit: null,
      validity: { reason: "no daily values (pollutant not measured)" },
    });
  });

  it("the district takes each day's mean of the valid station daily values", async () => {
    const body = (await (await get("?year=2025")).json()) as { district: Assessment };
    // PM2.5 days: 19 × (80 + 40) / 2 = 60, 343 × (30 + 40) / 2 = 35, 3 days aa-2 only = 40:
    // mean 13 265 / 365 = 36.3… (> 35); 95th: k = 346.8, X(346) = 40, X(347) = 60 → 56.
    expect(stat(body.district, "pm25_annual")).toMatchObject({
      value: 13265 / 365,
      validDays: 365,
      exceedsLimit: true,
    });
    expect(stat(body.district, "pm25_24h_p95")).toMatchObject({ value: 56, exceedsLimit: false });
    expect(stat(body.district, "so2_annual")).toMatchObject({ value: 10, validDays: 365 });
    expect(body.district).toMatchObject({
      stationId: "district",
      status: "not_met",
      exceeding: ["pm25_annual", "o3_8h_p90"],
    });
  });

  it("agrees with /compliance/pm25 on the PM2.5 annual mean (the same exact daily means)", async () => {
    const pm25 = (await (await fetch(`${base}/api/v1/compliance/pm25?year=2025`)).json()) as {
      stations: { stationId: string; unroundedYtdMean: number; validDays: number }[];
    };
    expect(pm25.stations.find((s) => s.stationId === "aa-1")).toMatchObject({
      unroundedYtdMean: 11810 / 362,
      validDays: 362,
    });
  });

  it("serves CSV: one row per station and statistic, the district last, the documented columns", async () => {
    const res = await get("?year=2025&format=csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="compliance-air-annual-2025.csv"',
    );
    const csv = parseCsv(await res.text());
    expect(csv.header).toEqual([...AIR_ANNUAL_COLUMNS]);
    expect(csv.rows).toHaveLength(30);
    expect(csv.rows.at(-1)?.stationId).toBe("district");
    expect(csv.rows.find((r) => r.stationId === "aa-1" && r.statistic === "pm25_24h_p95")).toEqual({
      stationId: "aa-1",
      name_zh: "aa-1",
      name_en: "aa-1",
      grade: "II",
      status: "not_met",
      statistic: "pm25_24h_p95",
      pollutant: "pm25",
      percentile: "95",
      value: "77.5",
      unit: "µg/m³",
      validDays: "362",
      invalidDays: "3",
      k: "343.95",
      limit: "75",
      limitSource: "GB 3095-2012 Table 1, Grade II",
      sufficientData: "true",
      exceedsLimit: "true",
      validityReason: "362 daily means, every month at its minimum",
      validityProvisional: "true",
      in_progress: "false",
    });
  });

  it("the current year (by the API clock) is in progress: statistics to date, no verdict", async () => {
    const body = (await (await get("")).json()) as {
      year: number;
      inProgress: boolean;
      to: string;
      elapsedDays: number;
      stations: Assessment[];
    };
    expect(body).toMatchObject({
      year: 2026,
      inProgress: true,
      to: "2026-12-01T00:00:00+08:00",
      elapsedDays: 334,
    });
    const a = body.stations.find((s) => s.stationId === "aa-1") as Assessment;
    expect(a).toMatchObject({ status: "in_progress", exceeding: [] });
    // No 2026 data: every day counted invalid; limits of GB 3095-2026 (transition) on 2026-11-30.
    expect(stat(a, "pm25_annual")).toMatchObject({
      value: null,
      validDays: 0,
      invalidDays: 334,
      limit: { value: 30, source: "GB 3095-2026 Table 1 (transition 2026-03-01…2030-12-31), Grade II" },
    });
  });

  it.each([
    ["year=abc", "year"],
    ["year=1999", "year"],
    ["year=2025&format=xml", "format"],
  ])("?%s is a 400 naming %s", async (query, parameter) => {
    const res = await get(`?${query}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: "query.invalid",
      parameter,
    });
  });
});
