import type { MetricId, Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { hourlyReadings, reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

const HOUR_MS = 3_600_000;

/** `count` hourly means of each metric from `from` (Beijing ISO). */
function hours(stationId: string, from: string, count: number, values: Partial<Record<MetricId, number>>) {
  return Object.entries(values).flatMap(([metric, v]) =>
    hourlyReadings(stationId, metric as MetricId, from, v as number, count),
  );
}

/** The 24 hourly means of Beijing day `date`, each metric's values taken in turn. */
function day(stationId: string, date: string, values: Partial<Record<MetricId, readonly number[]>>) {
  const start = T(`${date}T00:00:00+08:00`);
  return Object.entries(values).flatMap(([metric, list]) =>
    Array.from({ length: 24 }, (_, h) =>
      reading(stationId, metric as MetricId, start + h * HOUR_MS, HOUR_MS, list[h % list.length] as number),
    ),
  );
}

const READINGS: Reading[] = [
  // 2025-06-01 (HJ 633-2012): gases all morning, PM only in the 5 hours labelled 08:00…12:00.
  ...hours("aq1", "2025-06-01T00:00:00+08:00", 12, { so2: 10, no2: 30, co: 0.8, o3: 60 }),
  ...hours("aq1", "2025-06-01T07:00:00+08:00", 5, { pm10: 80, pm25: 50 }),
  // 2026-11-20 (HJ 633-2026): PM2.5 88, 89, 89, 89 in turn, a daily mean of 88.75.
  ...day("aq1", "2026-11-20", {
    so2: [9],
    no2: [35],
    co: [0.9],
    o3: [95],
    pm10: [100],
    pm25: [88, 89, 89, 89],
  }),
  // 2026-11-21: aq2 measures all it has; aq1 measures SO2 but has no SO2 value that day.
  ...day("aq2", "2026-11-21", { no2: [35], o3: [95], pm10: [100], pm25: [50] }),
  ...day("aq1", "2026-11-21", { no2: [35], co: [0.9], o3: [95], pm10: [100], pm25: [50] }),
];

/** An air station whose monitoring programme has neither SO2 nor CO. */
const { hj212: _mn, ...aq1 } = TEST_STATION.aq1;
const AQ2 = { ...aq1, id: "aq2", metrics: ["pm25", "pm10", "no2", "o3"] as MetricId[] };

const api = useApiFixture({
  name: "aqi-reporting",
  stations: [TEST_STATION.aq1, AQ2],
  now: T("2026-11-30T12:00:00+08:00"),
  readings: READINGS,
});

const url = (path: string) => `/api/v1/aqi?station=aq1&${path}`;
const hourOf = (from: string, to: string) =>
  `period=hour&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

describe("GET /api/v1/aqi: the PM basis reported is the one indexed (air-aqi.md §3.1)", () => {
  it("2012 hour with basis rolling24h and only 5 valid PM hours: pmBasis rolling24h, missing the 24-h PM means", async () => {
    const q = `${hourOf("2025-06-01T11:00:00+08:00", "2025-06-01T12:00:00+08:00")}&pmBasis=rolling24h`;
    const [result] = (await api.app.inject({ url: url(q) })).json().results;
    expect(result).toMatchObject({ standard: "HJ633-2012", pmBasis: "rolling24h" });
    expect(result.missing).toEqual(["pm10_24h", "pm25_24h"]);
    expect(result.iaqi).toMatchObject({ pm10_24h: null, pm25_24h: null });
    expect(result.iaqi).not.toHaveProperty("pm25_1h");
    expect(result.indicators.pm25_24h.reason).toBe("5 valid hourly means; needs ≥ 20");
    const csv = parseCsv((await api.app.inject({ url: url(`${q}&format=csv`) })).body);
    expect(csv.rows[0]).toMatchObject({ pmBasis: "rolling24h", missing: "pm10_24h;pm25_24h" });
  });

  it("the same hour with basis hourly indexes the 1-h PM means", async () => {
    const q = `${hourOf("2025-06-01T11:00:00+08:00", "2025-06-01T12:00:00+08:00")}&pmBasis=hourly`;
    const [result] = (await api.app.inject({ url: url(q) })).json().results;
    expect(result).toMatchObject({ pmBasis: "hourly", iaqi: { pm10_1h: 65, pm25_1h: 69 } });
    expect(result.missing).toBeUndefined();
  });
});

describe("GET /api/v1/aqi: the HJ 633-2026 concentration rounding is a setting, labelled provisional", () => {
  const q = `period=day&from=${encodeURIComponent("2026-11-20T00:00:00+08:00")}&to=${encodeURIComponent("2026-11-21T00:00:00+08:00")}`;

  it("half-even by default: PM2.5 88.75 → 89, IAQI 127; the row states the mode and provisional", async () => {
    const [result] = (await api.app.inject({ url: url(q) })).json().results;
    expect(result).toMatchObject({
      standard: "HJ633-2026",
      aqi: 127,
      concentrations: { pm25_24h: 89 },
      concentrationRounding: { mode: "half-even", provisional: true },
    });
    // Standards README, Review notes: sources citing HJ 633-2026 §4.2 disagree.
    expect(result.concentrationRounding.rule).toMatch(/^HJ 633-2026 §4\.2\.2–4\.2\.3 \(provisional\)/);
    const csv = parseCsv((await api.app.inject({ url: url(`${q}&format=csv`) })).body);
    expect(csv.rows[0]).toMatchObject({
      c_pm25_24h: "89",
      iaqi_pm25_24h: "127",
      concentrationRounding: "half-even",
      concentrationRoundingProvisional: "true",
    });
  });

  it("truncate as set: 88.75 → 88, IAQI 126, in JSON and CSV", async () => {
    const app = api.appWith({ concentrationRounding2026: "truncate" });
    const [result] = (await app.inject({ url: url(q) })).json().results;
    expect(result).toMatchObject({
      aqi: 126,
      concentrations: { pm25_24h: 88 },
      concentrationRounding: { mode: "truncate", provisional: true },
    });
    const csv = parseCsv((await app.inject({ url: url(`${q}&format=csv`) })).body);
    expect(csv.rows[0]).toMatchObject({ c_pm25_24h: "88", concentrationRounding: "truncate" });
  });

  it("HJ 633-2012 rows carry no rounding label (no such clause)", async () => {
    const q2012 = hourOf("2025-06-01T11:00:00+08:00", "2025-06-01T12:00:00+08:00");
    const [result] = (await api.app.inject({ url: url(q2012) })).json().results;
    expect(result).not.toHaveProperty("concentrationRounding");
    const csv = parseCsv((await api.app.inject({ url: url(`${q2012}&format=csv`) })).body);
    expect(csv.rows[0]).toMatchObject({ concentrationRounding: "", concentrationRoundingProvisional: "" });
  });

  it("an unknown mode is refused when the app is built", () => {
    expect(() => api.appWith({ concentrationRounding2026: "ceiling" as never })).toThrow(
      /concentrationRounding2026/,
    );
  });
});

describe("GET /api/v1/aqi: a pollutant outside the station's programme does not block 2026 publication (HJ 633-2026 §5.3)", () => {
  const range = (period: "hour" | "day", from: string, to: string) =>
    `period=${period}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  const DAY = range("day", "2026-11-21T00:00:00+08:00", "2026-11-22T00:00:00+08:00");
  const HOUR = range("hour", "2026-11-21T09:00:00+08:00", "2026-11-21T10:00:00+08:00");
  const at = (station: string, q: string) => `/api/v1/aqi?station=${station}&${q}`;

  it("a station without SO2 and CO in its metrics: the daily and hourly AQI ≤ 100 are published, SO2/CO not in the programme", async () => {
    const [daily] = (await api.app.inject({ url: at("aq2", DAY) })).json().results;
    // PM10 100 → IAQI 86 (HJ 633-2026 Table 3: 50 → 50, 120 → 100).
    expect(daily).toMatchObject({ standard: "HJ633-2026", aqi: 86, level: 2, primary: ["pm10"] });
    expect(daily.withheld).toBeUndefined();
    expect(daily.missing).toBeUndefined();
    expect(daily.notInProgramme).toEqual(["so2_24h", "co_24h"]);
    expect(daily.concentrations).not.toHaveProperty("so2_24h");
    const [hourly] = (await api.app.inject({ url: at("aq2", HOUR) })).json().results;
    expect(hourly).toMatchObject({ aqi: 86, notInProgramme: ["so2_1h", "co_1h"] });
    expect(hourly.withheld).toBeUndefined();
    const csv = parseCsv((await api.app.inject({ url: at("aq2", `${DAY}&format=csv`) })).body);
    // air-aqi.md §5: "/" for "not in the programme", apart from a missing value.
    expect(csv.rows[0]).toMatchObject({
      aqi: "86",
      c_so2_24h: "/",
      iaqi_so2_24h: "/",
      c_co_24h: "/",
      iaqi_co_24h: "/",
      c_no2_24h: "35",
      missing: "",
      not_in_programme: "so2_24h;co_24h",
    });
  });

  it("a station measuring SO2 with no SO2 value still withholds the AQI ≤ 100; SO2 is missing, not '/'", async () => {
    const [daily] = (await api.app.inject({ url: at("aq1", DAY) })).json().results;
    expect(daily).toMatchObject({ aqi: null, withheld: { aqi: 86 }, missing: ["so2_24h"] });
    expect(daily.notInProgramme).toBeUndefined();
    const csv = parseCsv((await api.app.inject({ url: at("aq1", `${DAY}&format=csv`) })).body);
    expect(csv.rows[0]).toMatchObject({ aqi: "", c_so2_24h: "", missing: "so2_24h", not_in_programme: "" });
  });
});
