import { type Gb3095Averaging, type Gb3095Pollutant, gb3095Limit } from "@qingshan/standards";
import { describe, expect, it } from "vitest";
import {
  airLimitLines,
  editionChanges,
  editionOn,
  type Gb3095Edition,
  periodDate,
  plottedStatistic,
} from "../public/js/limit-lines.js";

/** The API's gb3095Editions, rebuilt here from @qingshan/standards (air-aqi.md §6.1, §6.2). */
function limitsOn(date: string): Gb3095Edition["limits"] {
  const out: Gb3095Edition["limits"] = {};
  for (const grade of ["I", "II"] as const) {
    out[grade] = {};
    for (const p of ["pm25", "pm10", "so2", "no2", "co", "o3"] as Gb3095Pollutant[]) {
      const byAvg: Record<string, number> = {};
      for (const a of ["annual", "24h", "1h", "dailyMax8h"] as Gb3095Averaging[]) {
        const limit = gb3095Limit(date, grade, p, a);
        if (limit) byAvg[a] = limit.value;
      }
      (out[grade] as Record<string, Record<string, number>>)[p] = byAvg;
    }
  }
  return out;
}
const EDITIONS: Gb3095Edition[] = [
  { phase: "2012", edition: "GB 3095-2012", from: null, to: "2026-03-01", limits: limitsOn("2026-02-28") },
  {
    phase: "2026-transition",
    edition: "GB 3095-2026",
    from: "2026-03-01",
    to: "2031-01-01",
    limits: limitsOn("2026-03-01"),
  },
  {
    phase: "2026-final",
    edition: "GB 3095-2026",
    from: "2031-01-01",
    to: null,
    limits: limitsOn("2031-01-01"),
  },
];

const HOUR = 3_600_000;
const iso = (ms: number) => `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
/** Periods of `every` ending at the hours or days from `firstEnd`, as /series gives them. */
function periods(firstEnd: string, count: number, stepMs: number) {
  const start = Date.parse(firstEnd);
  return Array.from({ length: count }, (_, i) => ({ end: iso(start + i * stepMs) }));
}

describe("limit-lines: the GB 3095 lines of an air chart", () => {
  it("names the statistic plotted", () => {
    expect(plottedStatistic("o3", "1d")).toBe("dailyMax8h");
    expect(plottedStatistic("pm25", "1d")).toBe("24h");
    expect(plottedStatistic("o3", "1h")).toBe("1h");
    expect(plottedStatistic("pm25", "1mo")).toBe("month");
  });

  it("dates a period by its last instant (the hour labelled 00:00 ends the day before)", () => {
    expect(periodDate({ end: "2026-03-01T00:00:00+08:00" })).toBe("2026-02-28");
    expect(periodDate({ end: "2026-03-01T01:00:00+08:00" })).toBe("2026-03-01");
    expect(periodDate({ end: "2026-03-02T00:00:00+08:00" })).toBe("2026-03-01");
    expect(editionOn(EDITIONS, "2026-02-28")?.edition).toBe("GB 3095-2012");
    expect(editionOn(EDITIONS, "2026-03-01")?.phase).toBe("2026-transition");
    expect(editionOn(EDITIONS, "2031-01-01")?.phase).toBe("2026-final");
  });

  it("O3 daily: the daily maximum 8-h limit only, whatever the edition", () => {
    const days = periods("2026-02-27T00:00:00+08:00", 4, 24 * HOUR);
    expect(
      airLimitLines({
        editions: EDITIONS,
        grade: "II",
        metric: "o3",
        every: "1d",
        periods: days,
        lang: "zh",
      }),
    ).toEqual([
      {
        kind: "limit",
        averaging: "dailyMax8h",
        values: [160, 160, 160, 160],
        runs: [
          { first: 0, last: 3, value: 160, edition: "GB 3095-2012", name: "日最大8小时平均二级限值 160" },
        ],
      },
    ]);
  });

  it("PM2.5 daily across 2026-03-01: the 24-h limit and the annual reference step with the edition", () => {
    // Days 2026-02-27 … 2026-03-02 (ending 02-28 00:00 … 03-03 00:00).
    const days = periods("2026-02-28T00:00:00+08:00", 4, 24 * HOUR);
    const lines = airLimitLines({
      editions: EDITIONS,
      grade: "II",
      metric: "pm25",
      every: "1d",
      periods: days,
      lang: "zh",
    });
    expect(lines.map((l) => [l.kind, l.averaging, l.values])).toEqual([
      ["limit", "24h", [75, 75, 60, 60]],
      ["reference", "annual", [35, 35, 30, 30]],
    ]);
    expect(lines[0]?.runs).toEqual([
      { first: 0, last: 1, value: 75, edition: "GB 3095-2012", name: "24小时平均二级限值 75" },
      { first: 2, last: 3, value: 60, edition: "GB 3095-2026", name: "24小时平均二级限值 60" },
    ]);
    expect(lines[1]?.runs.map((r) => r.name)).toEqual([
      "参考 · 年平均二级限值 35",
      "参考 · 年平均二级限值 30",
    ]);
    expect(editionChanges(EDITIONS, days)).toEqual([
      { index: 2, edition: "GB 3095-2026", phase: "2026-transition" },
    ]);
  });

  it("Grade I PM2.5 does not step in 2026 (35 in both editions) but does in 2031 (25)", () => {
    const days = periods("2030-12-31T00:00:00+08:00", 3, 24 * HOUR);
    const [limit] = airLimitLines({
      editions: EDITIONS,
      grade: "I",
      metric: "pm25",
      every: "1d",
      periods: days,
      lang: "en",
    });
    expect(limit?.values).toEqual([35, 35, 25]);
    expect(limit?.runs.map((r) => r.name)).toEqual(["24-h Grade I limit 35", "24-h Grade I limit 25"]);
  });

  it("hourly PM: no limit line, the 24-h limit as a named reference; the hour labelled 00:00 keeps its day's edition", () => {
    const hours = periods("2026-02-28T23:00:00+08:00", 3, HOUR); // 23:00, 24:00 (= 03-01 00:00), 03-01 01:00
    const lines = airLimitLines({
      editions: EDITIONS,
      grade: "II",
      metric: "pm10",
      every: "1h",
      periods: hours,
      lang: "en",
    });
    expect(lines.map((l) => [l.kind, l.averaging, l.values])).toEqual([
      ["reference", "24h", [150, 150, 120]],
    ]);
    expect(lines[0]?.runs.map((r) => r.name)).toEqual([
      "Reference · 24-h Grade II limit 150",
      "Reference · 24-h Grade II limit 120",
    ]);
  });

  it("hourly gases against their 1-h limit; monthly means get only the annual reference", () => {
    const hours = periods("2026-11-19T01:00:00+08:00", 2, HOUR);
    expect(
      airLimitLines({
        editions: EDITIONS,
        grade: "II",
        metric: "no2",
        every: "1h",
        periods: hours,
        lang: "zh",
      }).map((l) => [l.kind, l.averaging, l.values]),
    ).toEqual([["limit", "1h", [200, 200]]]);
    const months = [{ end: "2026-03-01T00:00:00+08:00" }, { end: "2026-04-01T00:00:00+08:00" }];
    expect(
      airLimitLines({
        editions: EDITIONS,
        grade: "II",
        metric: "pm25",
        every: "1mo",
        periods: months,
        lang: "zh",
      }).map((l) => [l.kind, l.averaging, l.values]),
    ).toEqual([["reference", "annual", [35, 30]]]);
    expect(
      airLimitLines({
        editions: EDITIONS,
        grade: "II",
        metric: "o3",
        every: "1mo",
        periods: months,
        lang: "zh",
      }),
    ).toEqual([]);
  });
});
