import { HOUR_MS, type MetricId } from "@qingshan/domain";
import type { HourlyAggregate } from "@qingshan/store";
import { describe, expect, it } from "vitest";
import { aggregate } from "./aggregate.ts";
import { type AqiEdition, dailyAqiInputs, hourlyAqiInputs } from "./aqi-inputs.ts";
import { daysInMonth, periods } from "./calendar.ts";
import { hourSeries, hourValue } from "./hourly-validity.ts";
import { rollingMean } from "./rolling.ts";
import type { HourSeries } from "./types.ts";

const T = (iso: string) => Date.parse(iso);

function agg(hourEnd: number, mean: number, extra: Partial<HourlyAggregate> = {}): HourlyAggregate {
  return {
    stationId: "s",
    metric: "pm25",
    hourEnd,
    mean,
    min: mean,
    max: mean,
    validCount: 1,
    totalCount: 1,
    validPeriodMs: HOUR_MS,
    ...extra,
  };
}

/** Hour series with the given means on consecutive hours labelled first, first+1h, … (null = no data). */
function series(first: number, means: readonly (number | null)[]): HourSeries {
  const aggs = means.flatMap((m, i) => (m === null ? [] : [agg(first + i * HOUR_MS, m)]));
  return hourSeries(aggs, HOUR_MS);
}

describe("hourly validity (GB 3095 Table 4: ≥ 45 min)", () => {
  const h = T("2026-11-29T10:00:00+08:00");
  it("credits period readings with their period and instantaneous ones with the reporting interval", () => {
    expect(hourValue(agg(h, 30, { validPeriodMs: 45 * 60_000 }), HOUR_MS).valid).toBe(true);
    expect(hourValue(agg(h, 30, { validPeriodMs: 40 * 60_000 }), HOUR_MS)).toMatchObject({
      valid: false,
      mean: null,
    });
    expect(hourValue(agg(h, 30, { validPeriodMs: 0, validCount: 9, totalCount: 12 }), 300_000)).toMatchObject(
      { valid: true, mean: 30, sampledMs: 45 * 60_000 },
    );
    expect(hourValue(agg(h, 30, { validPeriodMs: 0, validCount: 8, totalCount: 12 }), 300_000).valid).toBe(
      false,
    );
  });
  it("a short hour cites GB 3095 Table 4 for the gases it lists, a local rule for PM, water and NOI", () => {
    const short = (metric: MetricId) =>
      hourValue(agg(h, 30, { metric, validPeriodMs: 40 * 60_000 }), HOUR_MS).reason;
    for (const gas of ["so2", "no2", "co", "o3"] as const) {
      expect(short(gas)).toBe("40 min of valid sampling; GB 3095 Table 4 needs ≥ 45 min in the hour");
    }
    expect(short("pm25")).toBe(
      "40 min of valid sampling; local rule (GB 3095 Table 4's 1-h minimum applied to PM2.5) needs ≥ 45 min in the hour",
    );
    expect(short("pm10")).toContain("local rule (GB 3095 Table 4's 1-h minimum applied to PM10)");
    expect(short("nh3n")).toContain("local rule (GB 3095 Table 4's 1-h minimum applied to ammonia nitrogen)");
    expect(short("noi")).toContain(
      "local rule (GB 3095 Table 4's 1-h minimum applied to negative oxygen ions)",
    );
    expect(short("ph")).toContain("applied to pH)");
  });
  it("the hourly periods' rule names the same source for the metric", () => {
    const s = hourSeries([agg(h, 30)], HOUR_MS);
    const rule = (metric?: MetricId) =>
      aggregate(s, h - HOUR_MS, h, "1h", "mean", undefined, metric)[0]?.rule;
    expect(rule("o3")).toBe("GB 3095 Table 4: ≥ 45 min of sampling in the hour");
    expect(rule("pm25")).toBe(
      "local rule (GB 3095 Table 4's 1-h minimum applied to PM2.5): ≥ 45 min of sampling in the hour",
    );
    expect(rule()).toBe(
      "GB 3095 Table 4 (SO2, NO2, CO, O3; a local rule for other metrics): ≥ 45 min of sampling in the hour",
    );
  });
  it("an hour of flagged readings only is invalid with the count of flagged readings", () => {
    const v = hourValue(
      agg(h, 0, { mean: null, min: null, max: null, validCount: 0, totalCount: 3 }),
      HOUR_MS,
    );
    expect(v).toMatchObject({
      valid: false,
      reason: "no valid reading in the hour (3 flagged readings excluded)",
    });
  });
});

describe("Beijing calendar periods", () => {
  it("a day is labelled by its Beijing date; 16:30Z belongs to the next Beijing day", () => {
    const [day] = periods(T("2026-11-28T16:30:00Z"), T("2026-11-28T16:31:00Z"), "1d");
    expect(day).toEqual({
      start: T("2026-11-29T00:00:00+08:00"),
      end: T("2026-11-30T00:00:00+08:00"),
      label: "2026-11-29",
    });
  });
  it("hours are labelled by their end, months by YYYY-MM", () => {
    expect(
      periods(T("2026-11-29T00:00:00+08:00"), T("2026-11-29T02:00:00+08:00"), "1h").map((p) => p.label),
    ).toEqual(["2026-11-29T01:00:00+08:00", "2026-11-29T02:00:00+08:00"]);
    expect(
      periods(T("2026-01-15T00:00:00+08:00"), T("2026-03-01T00:00:00+08:00"), "1mo").map((p) => p.label),
    ).toEqual(["2026-01", "2026-02"]);
    expect(daysInMonth(T("2028-02-10T00:00:00+08:00"))).toBe(29);
  });
});

describe("aggregate", () => {
  const day = T("2026-11-29T00:00:00+08:00");
  const from = day;
  const to = day + 24 * HOUR_MS;
  it("a day with 20 valid hourly means is valid; 19 is not, and its mean is null", () => {
    const twenty = series(day + HOUR_MS, [...Array(20).fill(10), ...Array(4).fill(null)]);
    expect(aggregate(twenty, from, to, "1d", "mean")).toEqual([
      {
        start: day,
        end: to,
        label: "2026-11-29",
        value: 10,
        valid: true,
        validCount: 20,
        totalCount: 24,
        rule: "GB 3095 Table 4 (SO2, NO2, CO, PM10, PM2.5; a local rule for other metrics): daily mean needs ≥ 20 valid hourly means",
        provisional: false,
      },
    ]);
    const nineteen = series(day + HOUR_MS, [...Array(19).fill(10), ...Array(5).fill(null)]);
    expect(aggregate(nineteen, from, to, "1d", "mean")[0]).toMatchObject({
      value: null,
      valid: false,
      reason: "19 valid hourly means; needs ≥ 20",
    });
    expect(aggregate(nineteen, from, to, "1d", "count")[0]).toMatchObject({ value: 19, valid: false });
  });
  it("the hour labelled D+1 00:00 belongs to day D, the hour labelled D 00:00 does not", () => {
    const s = series(day, [1000, ...Array(23).fill(10), 34]);
    const [d] = aggregate(s, from, to, "1d", "max");
    expect(d).toMatchObject({ value: 34, validCount: 24 });
    expect(aggregate(s, from, to, "1d", "min")[0]?.value).toBe(10);
  });
  it("hourly min/max/count come from the hour's readings; missing hours are reported", () => {
    const s = hourSeries(
      [agg(day + HOUR_MS, 12, { min: 8, max: 20, validCount: 4, totalCount: 5 })],
      HOUR_MS,
    );
    const out = aggregate(s, day, day + 2 * HOUR_MS, "1h", "max");
    expect(out.map((p) => [p.value, p.valid, p.reason])).toEqual([
      [20, true, undefined],
      [null, false, "no reading in the hour"],
    ]);
    expect(aggregate(s, day, day + HOUR_MS, "1h", "count")[0]?.value).toBe(4);
  });
  it("a month needs 27 valid days (25 in February) and is labelled provisional", () => {
    const feb = T("2026-02-01T00:00:00+08:00");
    const hours = (days: number) => series(feb + HOUR_MS, Array(days * 24).fill(5));
    const end = T("2026-03-01T00:00:00+08:00");
    expect(aggregate(hours(25), feb, end, "1mo", "mean")[0]).toMatchObject({
      label: "2026-02",
      value: 5,
      valid: true,
      validCount: 25,
      totalCount: 28,
      provisional: true,
    });
    expect(aggregate(hours(24), feb, end, "1mo", "mean")[0]).toMatchObject({
      value: null,
      valid: false,
      reason: "24 valid daily means; needs ≥ 25",
    });
  });
});

describe("rolling means", () => {
  it("8-h O3 needs 6 of 8 valid hours", () => {
    const t = T("2026-11-29T08:00:00+08:00");
    const s = series(t - 7 * HOUR_MS, [10, 20, null, null, 30, 40, 50, 60]);
    expect(rollingMean(s, t, 8, 6)).toEqual({ value: 35, validHours: 6 });
    expect(rollingMean(s, t - HOUR_MS, 8, 6)).toEqual({ value: null, validHours: 5 });
  });
});

describe("AQI inputs", () => {
  const standardFor = (date: string): AqiEdition => (date < "2026-03-01" ? "HJ633-2012" : "HJ633-2026");
  it("2026 real-time uses the six 1-h means", () => {
    const h = T("2026-11-29T10:00:00+08:00");
    const one = (v: number) => series(h, [v]);
    const inputs = hourlyAqiInputs(
      { so2: one(9), no2: one(35), co: one(0.9), o3: one(95), pm10: one(100), pm25: one(88) },
      h,
      { standardFor },
    );
    expect(inputs.standard).toBe("HJ633-2026");
    expect(inputs.concentrations).toEqual({
      so2_1h: 9,
      no2_1h: 35,
      co_1h: 0.9,
      o3_1h: 95,
      pm10_1h: 100,
      pm25_1h: 88,
    });
  });
  it("2012 real-time: O3 8-h rolling, PM 24-h rolling by option, SO2 24-h rolling; 24:00 is the old day", () => {
    const h = T("2026-03-01T00:00:00+08:00");
    const first = h - 23 * HOUR_MS;
    const s = (v: number, n = 24) => series(first, [...Array(24 - n).fill(null), ...Array(n).fill(v)]);
    const inputs = hourlyAqiInputs(
      { so2: s(10), no2: s(20), co: s(1), o3: s(50, 5), pm10: s(80, 20), pm25: s(45, 19) },
      h,
      { standardFor, pmRealtimeBasis2012: "rolling24h" },
    );
    expect(inputs).toMatchObject({ standard: "HJ633-2012", date: "2026-02-28", pmBasis: "rolling24h" });
    expect(inputs.concentrations).toEqual({
      so2_1h: 10,
      no2_1h: 20,
      co_1h: 1,
      o3_1h: 50,
      o3_8h: null,
      so2_24h: 10,
      pm10_24h: 80,
      pm25_24h: null,
    });
    expect(inputs.indicators.o3_8h?.reason).toBe("5 valid hourly means; needs ≥ 6");
    expect(hourlyAqiInputs({ pm25: s(45) }, h, { standardFor }).concentrations.pm25_1h).toBe(45);
  });
  it("daily: 24-h means, O3 max 8-h over windows 08:00…24:00 only, 2012 adds O3 max 1-h", () => {
    const day = T("2026-11-29T00:00:00+08:00");
    // O3 huge in the previous day's last hours must not enter; day values rise 10..240.
    const o3 = series(day - 6 * HOUR_MS, [
      ...Array(7).fill(900),
      ...Array.from({ length: 24 }, (_, i) => 10 * (i + 1)),
    ]);
    const inputs = dailyAqiInputs({ o3, pm25: series(day + HOUR_MS, Array(24).fill(60)) }, day, {
      standardFor,
    });
    // max window = hours labelled 17:00…24:00 = mean(170…240) = 205
    expect(inputs.concentrations).toMatchObject({ o3_8h: 205, pm25_24h: 60, so2_24h: null });
    expect(inputs.indicators.o3_8h?.validCount).toBe(17);
    expect(inputs.concentrations.o3_1h).toBeUndefined();
    const old = dailyAqiInputs(
      { o3: series(day - 3 * 365 * 24 * HOUR_MS, [1]) },
      T("2025-11-29T00:00:00+08:00"),
      {
        standardFor,
      },
    );
    expect(old.standard).toBe("HJ633-2012");
    expect(old.indicators.o3_1h?.reason).toBe("0 valid hourly means; needs ≥ 20");
  });
  it("O3 8-h with fewer than 14 valid windows is still valid above the limit (HJ 663 §6.1.2)", () => {
    const day = T("2026-11-29T00:00:00+08:00");
    const low = series(day + HOUR_MS, [...Array(16).fill(100), ...Array(8).fill(null)]);
    expect(dailyAqiInputs({ o3: low }, day, { standardFor }).indicators.o3_8h).toMatchObject({
      value: null,
      validCount: 11,
    });
    const high = series(day + HOUR_MS, [...Array(16).fill(170), ...Array(8).fill(null)]);
    expect(dailyAqiInputs({ o3: high }, day, { standardFor }).concentrations.o3_8h).toBe(170);
    expect(dailyAqiInputs({ o3: high }, day, { standardFor, airArea: "class1" }).concentrations.o3_8h).toBe(
      170,
    );
  });
});

describe("means without floating-point noise", () => {
  it("24 × 1.2 averages to exactly 1.2; 34.5 stays a half-even tie", () => {
    const first = Date.parse("2026-11-29T01:00:00+08:00");
    const s = series(first, Array(24).fill(1.2));
    expect(aggregate(s, first - HOUR_MS, first + 23 * HOUR_MS, "1d", "mean")[0]?.value).toBe(1.2);
    expect(
      rollingMean(series(first, [34.4, 34.6, 34.5, 34.5, 34.5, 34.5, 34.5, 34.5]), first + 7 * HOUR_MS, 8, 6)
        .value,
    ).toBe(34.5);
  });
});
