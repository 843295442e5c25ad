import type { MetricId, Reading, StationInput } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { getOverHttp, reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const MIN = 60_000;
const at = (hhmm: string) => T(`2026-11-06T${hhmm}:00+08:00`);

const AIR: StationInput = { ...TEST_STATION.aq1, id: "aq5", reportingIntervalMs: 5 * MIN };
const WATER: StationInput = { ...TEST_STATION.wq1, id: "wq5", metrics: ["do"], reportingIntervalMs: 5 * MIN };

/**
 * One averaged reading (PT15M) at `start`, then `n` instantaneous readings (no period) every 5 min
 * from 15 min after it.
 */
function mixedHour(stationId: string, metric: MetricId, start: string, n: number): Reading[] {
  const t0 = at(start);
  return [
    reading(stationId, metric, t0, 15 * MIN, 40),
    ...Array.from({ length: n }, (_, i) => reading(stationId, metric, t0 + 15 * MIN + i * 5 * MIN, 0, 50)),
  ];
}

const api = useApiFixture({
  name: "mixed-hour",
  stations: [AIR, WATER],
  now: T("2026-11-07T12:00:00+08:00"),
  readings: [
    // 03:00–04:00: 15 min averaged + 9 instantaneous × 5 min = 60 min.
    ...mixedHour("aq5", "pm10", "03:00", 9),
    // 05:00–06:00: 15 min + 3 × 5 min = 30 min; a 4th instantaneous reading, flagged C (calibration), is not counted.
    ...mixedHour("aq5", "pm10", "05:00", 3),
    { ...reading("aq5", "pm10", at("05:30"), 0, 50), flag: "C" },
    ...mixedHour("wq5", "do", "03:00", 9),
    ...mixedHour("wq5", "do", "05:00", 3),
  ],
});

const get = getOverHttp(api);

const range = (from: string, to: string) =>
  `from=${encodeURIComponent(`2026-11-06T${from}:00+08:00`)}&to=${encodeURIComponent(`2026-11-06T${to}:00+08:00`)}`;

// services/api README "Rules applied": averaged readings are credited with their part inside the
// hour, instantaneous readings with the metric's interval each — also in the same hour.
describe("an hour mixing averaged and instantaneous readings", () => {
  it("/series credits both: 15 min + 9 × 5 min = 60 min is valid, 15 min + 3 × 5 min = 30 min is not", async () => {
    const body = await get(`/api/v1/series?station=aq5&metric=pm10&every=1h&${range("03:00", "06:00")}`);
    const hours = body.periods.map((p: Record<string, unknown>) => [p.label, p.valid, p.validCount]);
    expect(hours).toEqual([
      ["2026-11-06T04:00:00+08:00", true, 10],
      ["2026-11-06T05:00:00+08:00", false, 0],
      ["2026-11-06T06:00:00+08:00", false, 4],
    ]);
    // The store's mean of a mixed hour is the plain mean (packages/store README).
    expect(body.periods[0].value).toBe(49);
    expect(body.periods[0].reason).toBeUndefined();
    expect(body.periods[2].reason).toMatch(/^30 min of valid sampling; .* needs ≥ 45 min in the hour$/);
  });

  it("/aqi indexes the valid mixed hour's PM10 and not the short one", async () => {
    const body = await get(`/api/v1/aqi?station=aq5&period=hour&${range("03:00", "06:00")}`);
    const pm10 = body.results.map((r: { label: string; indicators: Record<string, { value: unknown }> }) => [
      r.label,
      r.indicators.pm10_1h?.value ?? null,
    ]);
    expect(pm10).toEqual([
      ["2026-11-06T04:00:00+08:00", 49],
      ["2026-11-06T05:00:00+08:00", null],
      ["2026-11-06T06:00:00+08:00", null],
    ]);
  });

  it("/water/class assesses DO in the valid mixed hour and not in the short one", async () => {
    const body = await get(`/api/v1/water/class?station=wq5&period=1h&${range("03:00", "06:00")}`);
    const rows = body.results.map((r: { label: string; means: Record<string, number> }) => [
      r.label,
      r.means.do ?? null,
    ]);
    expect(rows).toEqual([
      ["2026-11-06T04:00:00+08:00", 49],
      ["2026-11-06T05:00:00+08:00", null],
      ["2026-11-06T06:00:00+08:00", null],
    ]);
    expect(body.results[2].reason).toMatch(/30 min of valid sampling/);
  });
});
