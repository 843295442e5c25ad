import {
  createStationRegistry,
  DAY_MS,
  decodeStationMessage,
  HOUR_MS,
  type MetricId,
  type Reading,
  type StationInput,
} from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { getOverHttp, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const NOW = T("2026-11-29T12:00:00+08:00");
const FOUR_H = 4 * HOUR_MS;

// water-gb3838.md §5: the "five parameters" hourly, CODMn, NH3-N, TP every 4 h (instrument cycle).
const STATION: StationInput = {
  ...TEST_STATION.wq1,
  id: "wq4h",
  metrics: ["ph", "do", "codmn", "nh3n", "tp"],
  metricReportingIntervalMs: { codmn: FOUR_H, nh3n: FOUR_H, tp: FOUR_H },
};
const registry = createStationRegistry([STATION]);

// water-gb3838.md §6 example 2: DO 5.8 is class III (≥ 5, < 6), the others class I–II → section III.
const HOURLY = { ph: 7.2, do: 5.8 };
const FOUR_HOURLY = { codmn: 3.1, nh3n: 0.35, tp: 0.06 };

/** Readings decoded from wire observations as the station sends them: `period` PT1H or PT4H. */
function wire(observations: readonly object[]): Reading[] {
  const { readings, rejections } = decodeStationMessage("stations/wq4h/water", JSON.stringify(observations), {
    now: NOW,
    lookupStation: (id) => registry.get(id),
    limits: { maxLatenessMs: 90 * DAY_MS },
  });
  expect(rejections).toEqual([]);
  return readings;
}

/**
 * One Beijing day: 24 hourly observations of pH and DO, and the 4-hourly parameters at 00:00,
 * 04:00 … 20:00 except the cycles listed in `missed` (by metric: the start hours without a value).
 */
function day(date: string, missed: Partial<Record<MetricId, readonly number[]>> = {}): Reading[] {
  const start = T(`${date}T00:00:00+08:00`);
  const hourly = Array.from({ length: 24 }, (_, h) => ({
    ts: start + h * HOUR_MS,
    values: HOURLY,
    period: "PT1H",
  }));
  const cycles = Array.from({ length: 6 }, (_, i) => i * 4).map((h) => ({
    ts: start + h * HOUR_MS,
    values: Object.fromEntries(
      Object.entries(FOUR_HOURLY).filter(([m]) => !missed[m as MetricId]?.includes(h)),
    ),
    period: "PT4H",
  }));
  return wire([...hourly, ...cycles.filter((c) => Object.keys(c.values).length > 0)]);
}

const api = useApiFixture({
  name: "water-sampling",
  stations: [STATION],
  now: NOW,
  readings: [
    // October 1–27: 27 complete days (the monthly minimum on daily values, unchanged).
    ...Array.from({ length: 27 }, (_, i) => day(`2026-10-${String(i + 1).padStart(2, "0")}`)).flat(),
    // 2026-11-26: TP misses one cycle (5 of 6: valid), NH3-N two (4 of 6: not valid).
    ...day("2026-11-26", { tp: [8], nh3n: [8, 16] }),
    ...day("2026-11-27"),
  ],
});

const get = getOverHttp(api);

const range = (from: string, to: string) =>
  `from=${encodeURIComponent(`${from}T00:00:00+08:00`)}&to=${encodeURIComponent(`${to}T00:00:00+08:00`)}`;

describe("a water station measuring CODMn, NH3-N and TP every 4 h (registry metricReportingIntervalMs)", () => {
  it("gets a daily class from 6 four-hourly values: example 2 is class III, decided by DO", async () => {
    const body = await get(`/api/v1/water/class?station=wq4h&period=1d&${range("2026-11-27", "2026-11-28")}`);
    expect(body.results).toHaveLength(1);
    expect(body.results[0]).toMatchObject({
      label: "2026-11-27",
      valid: true,
      class: "III",
      meetsTarget: true,
      deciding: ["do"],
      means: { ph: 7.2, do: 5.8, codmn: 3.1, nh3n: 0.35, tp: 0.06 },
      counts: { ph: 24, do: 24, codmn: 6, nh3n: 6, tp: 6 },
      invalidParameters: {},
    });
  });

  it("needs 5 of the 6 four-hourly values of a day (20 of 24 scaled); hourly parameters still 20", async () => {
    const body = await get(`/api/v1/water/class?station=wq4h&period=1d&${range("2026-11-26", "2026-11-27")}`);
    expect(body.results[0]).toMatchObject({
      label: "2026-11-26",
      valid: false,
      class: null,
      counts: { tp: 5, nh3n: 4, codmn: 6 },
      means: { tp: 0.06, codmn: 3.1 },
      invalidParameters: { nh3n: "4 valid values (ammonia nitrogen is measured every 4 h); needs ≥ 5 of 6" },
    });
    const tp = await get(
      `/api/v1/series?station=wq4h&metric=tp&every=1d&${range("2026-11-26", "2026-11-28")}`,
    );
    expect(tp.periods).toMatchObject([
      { label: "2026-11-26", valid: true, value: 0.06, validCount: 5, totalCount: 6 },
      { label: "2026-11-27", valid: true, value: 0.06, validCount: 6, totalCount: 6 },
    ]);
    // The rule says it is a local rule by analogy, and how it was scaled.
    expect(tp.periods[0].rule).toBe(
      "local rule (GB 3095 Table 4's 24-h minimum of 20 of 24 hourly means, scaled to total phosphorus measured every 4 h): daily mean needs ≥ 5 of the 6 values expected in 24 h",
    );
    const dox = await get(
      `/api/v1/series?station=wq4h&metric=do&every=1d&${range("2026-11-27", "2026-11-28")}`,
    );
    expect(dox.periods[0]).toMatchObject({
      valid: true,
      validCount: 24,
      totalCount: 24,
      rule: "local rule (GB 3095 Table 4's 24-h minimum applied to dissolved oxygen): daily mean needs ≥ 20 valid hourly means",
    });
  });

  it("GET /stations/:id shows the per-metric intervals", async () => {
    const body = await get("/api/v1/stations/wq4h");
    expect(body.station).toMatchObject({
      reportingIntervalMs: HOUR_MS,
      metricReportingIntervalMs: { codmn: FOUR_H, nh3n: FOUR_H, tp: FOUR_H },
    });
  });

  it("/series every=1h marks the hours between 4-h samples as not sampled, not as missing data", async () => {
    const body = await get(
      `/api/v1/series?station=wq4h&metric=codmn&every=1h&from=${encodeURIComponent("2026-11-27T00:00:00+08:00")}&to=${encodeURIComponent("2026-11-27T05:00:00+08:00")}`,
    );
    const hours = body.periods.map((p: Record<string, unknown>) => [p.label, p.value, p.valid, p.notSampled]);
    expect(hours).toEqual([
      ["2026-11-27T01:00:00+08:00", 3.1, true, undefined],
      ["2026-11-27T02:00:00+08:00", null, false, true],
      ["2026-11-27T03:00:00+08:00", null, false, true],
      ["2026-11-27T04:00:00+08:00", null, false, true],
      ["2026-11-27T05:00:00+08:00", 3.1, true, undefined],
    ]);
    expect(body.periods[1].reason).toBe(
      "not sampled in this hour: permanganate index is measured every 4 h (registry metricReportingIntervalMs)",
    );
    // An hourly parameter's hour without a reading is still missing data.
    const ph = await get(
      `/api/v1/series?station=wq4h&metric=ph&every=1h&from=${encodeURIComponent("2026-11-29T00:00:00+08:00")}&to=${encodeURIComponent("2026-11-29T01:00:00+08:00")}`,
    );
    expect(ph.periods[0]).toMatchObject({ valid: false, reason: "no reading in the hour" });
    expect(ph.periods[0]).not.toHaveProperty("notSampled");
  });

  it("the month rule is unchanged on the daily values: 27 valid days make October valid, class III", async () => {
    const body = await get(
      `/api/v1/water/class?station=wq4h&period=1mo&${range("2026-10-01", "2026-11-01")}`,
    );
    expect(body.results[0]).toMatchObject({
      label: "2026-10",
      valid: true,
      class: "III",
      deciding: ["do"],
      counts: { do: 27, codmn: 27, nh3n: 27, tp: 27 },
    });
    const compliance = await get(
      `/api/v1/compliance/water?period=month&at=${encodeURIComponent("2026-10-15T00:00:00+08:00")}`,
    );
    expect(compliance.sections).toMatchObject([
      { stationId: "wq4h", valid: true, class: "III", meetsTarget: true, counts: { tp: 27 } },
    ]);
  });
});
