import { DAY_MS, HOUR_MS, type Reading, type StationInput } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { reading, T, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

/**
 * `sufficientData` means the same in /compliance/pm25 and /compliance/air-annual for a closed
 * year: GB 3095 Table 4's annual minimum (≥ 324 valid daily means and ≥ 27 in every month, 25 in
 * February; air-aqi.md §7). ld-aq-07 in 2025: March has 26 valid days (five days of 19 hours, < 20
 * valid hourly means), every other day is complete — 360 valid days, more than the pro-rata 324,
 * but March is short, so the annual mean is not valid.
 */
const station: StationInput = {
  id: "ld-aq-07",
  name: { zh: "ld-aq-07", en: "ld-aq-07" },
  kind: "air",
  location: { lat: 28.45, lon: 119.92 },
  township: "万象街道",
  airArea: "class2",
  metrics: ["pm25"],
};

const YEAR_START = T("2025-01-01T00:00:00+08:00");
// Day indexes of 2025-03-01 … 2025-03-05 (59 = 1 March).
const SHORT_DAYS = [59, 60, 61, 62, 63];

const readings: Reading[] = Array.from({ length: 365 }, (_, d) =>
  Array.from({ length: SHORT_DAYS.includes(d) ? 19 : 24 }, (_, h) =>
    reading("ld-aq-07", "pm25", YEAR_START + d * DAY_MS + h * HOUR_MS, HOUR_MS, 30),
  ),
).flat();

const api = useApiFixture({
  name: "compliance-sufficient-data",
  stations: [station],
  now: T("2026-12-01T12:00:00+08:00"),
  readings,
});

describe("sufficientData of a closed year: GB 3095 Table 4 in both compliance endpoints", () => {
  it("March with 26 valid days (360 in the year): insufficient in /compliance/pm25 and /compliance/air-annual alike", async () => {
    const pm25 = (await api.app.inject({ url: "/api/v1/compliance/pm25?year=2025" })).json() as {
      stations: Record<string, unknown>[];
    };
    const row = pm25.stations.find((s) => s.stationId === "ld-aq-07");
    expect(row).toMatchObject({
      status: "insufficient_data",
      ytdMean: null,
      validDays: 360,
      sufficientData: false,
      // The projection alone (360 ≥ 324 days) would call it enough: it is a separate field.
      sufficientDataProRata: true,
      validityAttainable: false,
      validity: { shortMonths: [3] },
    });
    const annual = (await api.app.inject({ url: "/api/v1/compliance/air-annual?year=2025" })).json() as {
      stations: { stationId: string; statistics: Record<string, unknown>[] }[];
    };
    const statistic = annual.stations
      .find((s) => s.stationId === "ld-aq-07")
      ?.statistics.find((s) => s.id === "pm25_annual");
    expect(statistic).toMatchObject({ validDays: 360, sufficientData: false });
    expect(row?.sufficientData).toBe(statistic?.sufficientData);

    const csv = parseCsv(
      (await api.app.inject({ url: "/api/v1/compliance/pm25?year=2025&format=csv" })).body,
    ).rows.find((r) => r.stationId === "ld-aq-07");
    expect(csv).toMatchObject({ sufficientData: "false", sufficientDataProRata: "true" });

    const openapi = (await api.app.inject({ url: "/api/openapi.json" })).body;
    expect(openapi).toContain("sufficientDataProRata");
  });
});
