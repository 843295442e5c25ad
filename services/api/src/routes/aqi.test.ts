import type { MetricId, Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

const HOUR_MS = 3_600_000;

/** The 24 hourly means of Beijing day `date` for each metric (a value, or values taken in turn). */
function day(date: string, values: Partial<Record<MetricId, number | readonly number[]>>): Reading[] {
  return Object.entries(values).flatMap(([metric, v]) => {
    const list = typeof v === "number" ? [v] : (v as readonly number[]);
    const start = T(`${date}T00:00:00+08:00`);
    return Array.from({ length: 24 }, (_, h) =>
      reading("aq1", metric as MetricId, start + h * HOUR_MS, HOUR_MS, list[h % list.length] as number),
    );
  });
}

const api = useApiFixture({
  name: "aqi",
  stations: [TEST_STATION.aq1],
  now: T("2026-11-30T12:00:00+08:00"),
  readings: [
    // HJ 633-2026 worked example 12 with PM2.5 alternating 88/89: daily mean 88.5 → 88 (half-even) → IAQI 126.
    ...day("2026-11-28", { so2: 9, no2: 35, co: 0.9, o3: 95, pm10: 100, pm25: [88, 89] }),
    // Every pollutant near zero: each rounds to 0 (HJ 633-2026 §4.2.2–4.2.3), every IAQI is 0.
    ...day("2026-11-27", { so2: 0.2, no2: 0.4, co: 0.04, o3: 0.3, pm10: 0.2, pm25: 0.3 }),
    // HJ 633-2012 worked example 2 (2025): PM2.5 alternating 75/77 = 76 → IAQI 102, exceeding PM2.5.
    ...day("2025-12-01", {
      so2: 8,
      no2: 45,
      co: 1.2,
      o3: [150, 110, 110, 110, 110, 110],
      pm10: 120,
      pm25: [75, 77],
    }),
  ],
});

const dayUrl = (from: string, to: string, csv = false) =>
  `/api/v1/aqi?station=aq1&period=day&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${csv ? "&format=csv" : ""}`;

describe("GET /api/v1/aqi: concentrations are what was indexed", () => {
  it("HJ 633-2026: the rounded daily mean (88.5 → 88, IAQI 126) in JSON and CSV; the unrounded in indicators", async () => {
    const url = dayUrl("2026-11-28T00:00:00+08:00", "2026-11-29T00:00:00+08:00");
    const [result] = (await api.app.inject({ url })).json().results;
    // air-aqi.md §2: HJ 633-2026 §4.2.2 rounds PM2.5 to an integer, GB/T 8170 half-even, before indexing.
    expect(result).toMatchObject({ standard: "HJ633-2026", aqi: 126, iaqi: { pm25_24h: 126 } });
    expect(result.concentrations.pm25_24h).toBe(88);
    expect(result.concentrations.co_24h).toBe(0.9);
    expect(result.indicators.pm25_24h.value).toBe(88.5);
    const csv = parseCsv((await api.app.inject({ url: `${url}&format=csv` })).body);
    expect(csv.rows[0]).toMatchObject({ c_pm25_24h: "88", iaqi_pm25_24h: "126" });
  });

  it("HJ 633-2012 (no rounding clause): the mean as computed", async () => {
    const url = dayUrl("2025-12-01T00:00:00+08:00", "2025-12-02T00:00:00+08:00");
    const [result] = (await api.app.inject({ url })).json().results;
    expect(result).toMatchObject({ standard: "HJ633-2012", aqi: 102, concentrations: { pm25_24h: 76 } });
  });
});

describe("GET /api/v1/aqi: HJ 633-2026 does not publish exceeding pollutants", () => {
  it("2026 results have no `exceeding` (JSON, CSV); 2012 results keep it", async () => {
    // air-aqi.md §4 / §10.4: HJ 633-2026 deleted 超标污染物; a 2026-era system must not publish it.
    const url2026 = dayUrl("2026-11-27T00:00:00+08:00", "2026-11-29T00:00:00+08:00");
    const body = (await api.app.inject({ url: url2026 })).json();
    expect(body.results).toHaveLength(2);
    for (const r of body.results) expect(r).not.toHaveProperty("exceeding");
    const csv = parseCsv((await api.app.inject({ url: `${url2026}&format=csv` })).body);
    expect(csv.header).not.toContain("exceeding");
    const url2012 = dayUrl("2025-12-01T00:00:00+08:00", "2025-12-02T00:00:00+08:00");
    const [old] = (await api.app.inject({ url: url2012 })).json().results;
    expect(old.exceeding).toEqual(["pm25"]);
    const oldCsv = parseCsv((await api.app.inject({ url: `${url2012}&format=csv` })).body);
    expect(oldCsv.rows[0]?.exceeding).toBe("pm25");
  });
});

describe("GET /api/v1/aqi: the HJ 633-2026 AQI ranges over 1–500", () => {
  it("a day with every concentration rounding to 0 has AQI 1, level 1 (优)", async () => {
    // air-aqi.md §2 and §4: HJ 633-2026 §4.1.1, AQI 1–500 (level 1 = 1–50).
    const url = dayUrl("2026-11-27T00:00:00+08:00", "2026-11-28T00:00:00+08:00");
    const [result] = (await api.app.inject({ url })).json().results;
    expect(result).toMatchObject({ standard: "HJ633-2026", aqi: 1, level: 1, category: { zh: "优" } });
    expect(result.iaqi.pm25_24h).toBe(0);
    const csv = parseCsv((await api.app.inject({ url: `${url}&format=csv` })).body);
    expect(csv.rows[0]?.aqi).toBe("1");
  });
});
