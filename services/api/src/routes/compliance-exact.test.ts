import { DAY_MS, HOUR_MS, type Reading, type StationInput } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { reading, T, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

/**
 * /compliance/pm25 on the real DuckDB store with the reviewer's cases, computed with exact
 * fractions: an annual mean of exactly 32.5 is 32 (GB/T 8170 half-even) and meets the target 32;
 * a closed year gets a final verdict; "exceeded" only once the rounding threshold 32.5 is out of
 * reach.
 */

const air = (id: string): StationInput => ({
  id,
  name: { zh: id, en: id },
  kind: "air",
  location: { lat: 28.45, lon: 119.92 },
  township: "万象街道",
  airArea: "class2",
  metrics: ["pm25"],
});

const day0 = (date: string) => T(`${date}T00:00:00+08:00`);

/** Hourly PM2.5 means of one Beijing day: `values[h]` for the hour starting at h:00. */
const dayOf = (stationId: string, start: number, values: readonly number[]): Reading[] =>
  values.map((v, h) => reading(stationId, "pm25", start + h * HOUR_MS, HOUR_MS, v));

/** `days` whole days from `from` (Beijing date), day i with the hourly values `hoursOf(i)`. */
const daysFrom = (stationId: string, from: string, days: number, hoursOf: (i: number) => readonly number[]) =>
  Array.from({ length: days }, (_, i) => dayOf(stationId, day0(from) + i * DAY_MS, hoursOf(i))).flat();

const flat = (value: number, hours = 24): number[] => Array(hours).fill(value);

/**
 * ex-a, 2025: daily means 25.0 … 40.0 (250 + 5i mod 151 tenths), the last day making the exact
 * annual mean 32.5. A float sum of the daily means gives 32.50000000000004 → 33.
 */
const tenths = Array.from({ length: 364 }, (_, i) => 250 + ((i * 5) % 151));
tenths.push(325 * 365 - tenths.reduce((a, b) => a + b, 0));

/**
 * ex-b, 2025: days of 23 valid hours whose means are 747/23, 747/23 and 748.5/23 in turn (each
 * three average exactly 32.5), and two whole days at 32.5: exact annual mean 32.5. The daily means
 * kept to 12 significant digits (32.4782608696, 32.5434782609) average 32.50000000004 → 33: the
 * daily means themselves must stay exact.
 */
const bHours = (i: number): number[] => {
  if (i >= 363) return flat(32.5);
  return [...flat(32.5, 22), [32, 32, 33.5][i % 3] as number];
};

const api = useApiFixture({
  name: "compliance-exact",
  stations: [air("ex-a"), air("ex-b"), air("ex-c"), air("ex-d"), air("ex-q")],
  now: T("2026-12-01T12:00:00+08:00"),
  readings: [
    ...daysFrom("ex-a", "2025-01-01", 365, (i) => flat((tenths[i] as number) / 10)),
    ...daysFrom("ex-b", "2025-01-01", 365, bHours),
    // ex-c, 2023: 32.5 every day, but 3 days (in three months) with 19 valid hours: 362 valid days.
    ...daysFrom("ex-c", "2023-01-01", 365, (i) => flat(32.5, [40, 140, 250].includes(i) ? 19 : 24)),
    // ex-d, 2026 to date (1 December 12:00): 334 completed days at 35.
    ...daysFrom("ex-d", "2026-01-01", 334, () => flat(35)),
    // ex-q, 2024: AQI days — 4 days of PM2.5 80 (IAQI 107, 轻度污染), 5 of 40 (良), 1 day of 10 hours.
    ...daysFrom("ex-q", "2024-03-01", 10, (i) => (i < 4 ? flat(80) : i < 9 ? flat(40) : flat(40, 10))),
  ],
});

type Row = Record<string, unknown> & { stationId: string };
const pm25 = async (year: number) =>
  (await api.app.inject({ url: `/api/v1/compliance/pm25?year=${year}` })).json() as {
    stations: Row[];
    district: Row;
  };
const row = (body: { stations: Row[] }, id: string) => body.stations.find((s) => s.stationId === id) as Row;

describe("GET /api/v1/compliance/pm25 computes the annual mean exactly (air-aqi.md §2)", () => {
  it("365 valid days whose exact mean is 32.5: ytdMean 32 and met (was 32.50000000000002 → 33, exceeded)", async () => {
    const body = await pm25(2025);
    expect(row(body, "ex-a")).toMatchObject({
      validDays: 365,
      unroundedYtdMean: 32.5,
      ytdMean: 32,
      status: "met",
      requiredMeanForRest: null,
      invalidMean: null,
    });
  });

  it("daily means of 23 hours are kept exact: the year averages 32.5 exactly, ytdMean 32, met", async () => {
    const body = await pm25(2025);
    expect(row(body, "ex-b")).toMatchObject({
      validDays: 365,
      unroundedYtdMean: 32.5,
      ytdMean: 32,
      status: "met",
    });
    // District: each day the mean of ex-a's and ex-b's daily means, both years exactly 32.5.
    expect(body.district).toMatchObject({
      validDays: 365,
      unroundedYtdMean: 32.5,
      ytdMean: 32,
      status: "met",
    });
    const csv = parseCsv(
      (await api.app.inject({ url: "/api/v1/compliance/pm25?year=2025&format=csv" })).body,
    );
    expect(csv.rows.find((r) => r.stationId === "ex-b")).toMatchObject({
      status: "met",
      ytdMean: "32",
      unroundedYtdMean: "32.5",
      roundingThreshold: "32.5",
      roundingThresholdInclusive: "true",
    });
  });

  it("a closed year of 362 valid days at exactly 32.5 gets the final verdict met, not at_risk", async () => {
    const body = await pm25(2023);
    expect(row(body, "ex-c")).toMatchObject({
      validDays: 362,
      ytdMean: 32,
      status: "met",
      validityAttainable: true,
    });
  });

  it("334 days at 35: at_risk, not exceeded — a December averaging ≤ 5.56 still gives 32.5 → 32", async () => {
    const body = (await api.app.inject({ url: "/api/v1/compliance/pm25" })).json() as { stations: Row[] };
    const d = row(body, "ex-d");
    expect(d).toMatchObject({ validDays: 334, elapsedDays: 334, ytdMean: 35, status: "at_risk" });
    expect(d.roundingThreshold).toEqual({ value: 32.5, inclusive: true });
    // (32.5 · 365 − 35 · 334) / 31 = 172.5 / 31 (it was (32 · 365 − 11 690) / 31 = −0.32: exceeded).
    expect(d.requiredMeanForRest).toBeCloseTo(172.5 / 31, 12);
  });
});

describe("GET /api/v1/compliance/aqi-days gives the excellent/good-day ratio (优良天数比例)", () => {
  it("days with AQI ≤ 100 over days with a valid daily AQI; na days in neither", async () => {
    api.now = T("2025-02-01T12:00:00+08:00");
    const body = (await api.app.inject({ url: "/api/v1/compliance/aqi-days?year=2024" })).json();
    const q = body.stations.find((s: Row) => s.stationId === "ex-q");
    // 2024 (HJ 633-2012): PM2.5 80 → IAQI 107 (level 3), 40 → 57 (level 2); 366 days, 357 without data.
    expect(q).toMatchObject({
      days: 366,
      counts: { 1: 0, 2: 5, 3: 4, 4: 0, 5: 0, 6: 0, na: 357 },
      excellentGoodDays: 5,
      validAqiDays: 9,
      excellentGoodShare: 5 / 9,
    });
    const other = body.stations.find((s: Row) => s.stationId === "ex-a");
    expect(other).toMatchObject({ excellentGoodDays: 0, validAqiDays: 0, excellentGoodShare: null });
    expect(body.excellentGood).toMatchObject({ target: null });
    const csv = parseCsv(
      (await api.app.inject({ url: "/api/v1/compliance/aqi-days?year=2024&format=csv" })).body,
    );
    expect(csv.rows.find((r) => r.stationId === "ex-q")).toMatchObject({
      excellentGoodDays: "5",
      validAqiDays: "9",
      excellentGoodShare: String(5 / 9),
    });
  });
});
