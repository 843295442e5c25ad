import type { MetricId, Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { hourlyReadings, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

/** `count` hourly means of each metric from `from` (Beijing ISO). */
function hours(stationId: string, from: string, count: number, values: Partial<Record<MetricId, number>>) {
  return Object.entries(values).flatMap(([metric, v]) =>
    hourlyReadings(stationId, metric as MetricId, from, v as number, count),
  );
}

const READINGS: Reading[] = [
  // 2025-06-01 (HJ 633-2012): gases all morning, PM only in the 5 hours labelled 08:00…12:00.
  ...hours("aq1", "2025-06-01T00:00:00+08:00", 12, { so2: 10, no2: 30, co: 0.8, o3: 60 }),
  ...hours("aq1", "2025-06-01T07:00:00+08:00", 5, { pm10: 80, pm25: 50 }),
];

const api = useApiFixture({
  name: "aqi-reporting",
  stations: [TEST_STATION.aq1],
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
