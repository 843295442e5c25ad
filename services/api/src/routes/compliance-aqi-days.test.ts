import { AIR_METRICS, HOUR_MS, type MetricId, type Reading, type StationInput } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { reading, T, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

/**
 * /compliance/aqi-days on the real DuckDB store: a day with pollutants missing is excellent/good
 * only when its AQI is complete. The reviewer's case (ld-aq-02, 2025-04-10): PM2.5 200 µg/m³ in
 * only 19 valid hours — no valid daily mean — so the HJ 633-2012 AQI came from the others and read
 * 优, counted as excellent.
 */

const station = (id: string): StationInput => ({
  id,
  name: { zh: id, en: id },
  kind: "air",
  location: { lat: 28.45, lon: 119.92 },
  township: "万象街道",
  airArea: "class2",
  metrics: [...AIR_METRICS],
});

/** Clean hourly means: PM10 40 → IAQI 40 is the AQI of a complete day (优). */
const CLEAN: Partial<Record<MetricId, number>> = { pm25: 20, pm10: 40, so2: 5, no2: 10, co: 0.5, o3: 50 };

/** One Beijing day of hourly means at `id`: `values` per metric, `hours` of them (24 unless given). */
function day(
  id: string,
  date: string,
  values: Partial<Record<MetricId, number | null>>,
  hours: Partial<Record<MetricId, number>> = {},
): Reading[] {
  const start = T(`${date}T00:00:00+08:00`);
  return AIR_METRICS.flatMap((metric) => {
    const v = metric in values ? values[metric] : CLEAN[metric];
    if (v === null || v === undefined) return [];
    return Array.from({ length: hours[metric] ?? 24 }, (_, h) =>
      reading(id, metric, start + h * HOUR_MS, HOUR_MS, v),
    );
  });
}

const api = useApiFixture({
  name: "compliance-aqi-days",
  stations: [station("ld-m"), station("ld-n")],
  now: T("2026-12-01T12:00:00+08:00"),
  readings: [
    // 2025 (HJ 633-2012): a complete clean day (优) …
    ...day("ld-m", "2025-04-09", {}),
    // … the reviewer's day: PM2.5 200 in 19 valid hours, the rest complete → AQI 40 from PM10, 优 on /aqi;
    ...day("ld-m", "2025-04-10", { pm25: 200 }, { pm25: 19 }),
    // … PM2.5 missing, O3 200 all day: O3 8-h IAQI 137 (轻度污染) — polluted whatever PM2.5 was.
    ...day("ld-m", "2025-04-11", { pm25: null, o3: 200 }),
    // 2026 after the switch (HJ 633-2026): a complete day, and one without PM2.5 whose AQI ≤ 100 is withheld.
    ...day("ld-n", "2026-03-10", {}),
    ...day("ld-n", "2026-03-11", { pm25: null }),
  ],
});

type Row = Record<string, unknown> & { stationId: string };

const aqiDays = async (year: number) =>
  (await api.app.inject({ url: `/api/v1/compliance/aqi-days?year=${year}` })).json() as {
    stations: Row[];
    excellentGood: { note: string; standards: string[] };
  };

describe("GET /api/v1/compliance/aqi-days: excellent/good only with a complete daily AQI", () => {
  it("HJ 633-2012: the 19-hour PM2.5 day at 200 is incomplete, not excellent; PM2.5 missing with O3 high is polluted", async () => {
    const body = await aqiDays(2025);
    const m = body.stations.find((s) => s.stationId === "ld-m");
    expect(m).toMatchObject({
      days: 365,
      // 04-09 complete 优; 04-11 level 3 (lower bound); 04-10 in incompleteDays, neither level 1 nor na.
      counts: { 1: 1, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0, na: 362 },
      excellentGoodDays: 1,
      validAqiDays: 2,
      excellentGoodShare: 0.5,
      incompleteDays: 1,
      incompletePollutedDays: 1,
    });
    expect(body.excellentGood.standards).toEqual(["HJ633-2012"]);
    expect(body.excellentGood.note).toMatch(/HJ 633-2012 .*can only be too low/);
    expect(body.excellentGood.note).not.toMatch(/HJ 633-2026/);
    const csv = parseCsv(
      (await api.app.inject({ url: "/api/v1/compliance/aqi-days?year=2025&format=csv" })).body,
    );
    expect(csv.rows.find((r) => r.stationId === "ld-m")).toMatchObject({
      level_1: "1",
      level_3: "1",
      level_na: "362",
      excellentGoodDays: "1",
      validAqiDays: "2",
      excellentGoodShare: "0.5",
      incompleteDays: "1",
      incompletePollutedDays: "1",
    });
  });

  it("the per-day /aqi is unchanged: the 2012 day is published 优 from the pollutants available, PM2.5 missing", async () => {
    const from = encodeURIComponent("2025-04-10T00:00:00+08:00");
    const to = encodeURIComponent("2025-04-12T00:00:00+08:00");
    const body = (
      await api.app.inject({ url: `/api/v1/aqi?station=ld-m&period=day&from=${from}&to=${to}` })
    ).json();
    expect(body.results[0]).toMatchObject({ label: "2025-04-10", aqi: 40, level: 1, missing: ["pm25_24h"] });
    expect(body.results[1]).toMatchObject({ label: "2025-04-11", aqi: 137, level: 3, missing: ["pm25_24h"] });
  });

  it("HJ 633-2026: a withheld day (pollutant missing, AQI ≤ 100) is incomplete, not na; the note covers both editions", async () => {
    const body = await aqiDays(2026);
    const n = body.stations.find((s) => s.stationId === "ld-n");
    expect(n).toMatchObject({
      days: 334,
      counts: { 1: 1, 2: 0, 3: 0, na: 332 },
      excellentGoodDays: 1,
      validAqiDays: 1,
      excellentGoodShare: 1,
      incompleteDays: 1,
      incompletePollutedDays: 0,
    });
    expect(body.excellentGood.standards).toEqual(["HJ633-2012", "HJ633-2026"]);
    expect(body.excellentGood.note).toMatch(/HJ 633-2012/);
    expect(body.excellentGood.note).toMatch(/HJ 633-2026 .*withheld/);
  });
});
