import { HOUR_MS, type MetricId } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { AIR_VALIDITY, aggregate } from "./aggregate.ts";
import { hourSeries } from "./hourly-validity.ts";
import { noiGrades } from "./noi-grade.ts";
import type { Every } from "./types.ts";

const T = (iso: string) => Date.parse(iso);
const JAN = T("2026-01-01T00:00:00+08:00");
const FEB = T("2026-02-01T00:00:00+08:00");

/** Every hour of January 2026 at 10 (valid), for `metric`. */
function january(metric: MetricId) {
  const aggs = Array.from({ length: 31 * 24 }, (_, i) => ({
    stationId: "s",
    metric,
    hourEnd: JAN + (i + 1) * HOUR_MS,
    mean: 10,
    min: 10,
    max: 10,
    validCount: 1,
    totalCount: 1,
    validPeriodMs: HOUR_MS,
  }));
  return hourSeries(aggs, HOUR_MS);
}

const rule = (metric: MetricId, every: Every) =>
  aggregate(
    january(metric),
    JAN,
    every === "1mo" ? FEB : JAN + (every === "1d" ? 24 : 1) * HOUR_MS,
    every,
    "mean",
    AIR_VALIDITY,
    metric,
  )[0]?.rule;

describe("validity rule texts cite GB 3095 Table 4 / HJ 663 only for the metrics they list", () => {
  it("a gas listed in Table 4 (NO2): Table 4 for the hour and the day, HJ 663 for the month", () => {
    expect(rule("no2", "1h")).toBe("GB 3095 Table 4: ≥ 45 min of sampling in the hour");
    expect(rule("no2", "1d")).toBe("GB 3095 Table 4: daily mean needs ≥ 20 valid hourly means");
    expect(rule("no2", "1mo")).toBe(
      "HJ 663 (provisional): monthly mean needs ≥ 27 valid days (≥ 25 in February)",
    );
  });
  it("PM2.5: a local rule for the hour (Table 4 lists no 1-h PM mean), Table 4 for the day", () => {
    expect(rule("pm25", "1h")).toBe(
      "local rule (GB 3095 Table 4's 1-h minimum applied to PM2.5): ≥ 45 min of sampling in the hour",
    );
    expect(rule("pm25", "1d")).toBe("GB 3095 Table 4: daily mean needs ≥ 20 valid hourly means");
    expect(rule("pm25", "1mo")).toBe(
      "HJ 663 (provisional): monthly mean needs ≥ 27 valid days (≥ 25 in February)",
    );
  });
  it("O3: Table 4 for the hour, HJ 663 for the month; its 24-h mean is a local rule (its daily statistic is the max 8-h)", () => {
    expect(rule("o3", "1h")).toBe("GB 3095 Table 4: ≥ 45 min of sampling in the hour");
    expect(rule("o3", "1d")).toBe(
      "local rule (GB 3095 Table 4's 24-h minimum applied to O3, whose daily statistic is the daily maximum 8-h mean, HJ 663 §6.1.2): daily mean needs ≥ 20 valid hourly means",
    );
    expect(rule("o3", "1mo")).toBe(
      "HJ 663 (provisional): monthly mean needs ≥ 27 valid days (≥ 25 in February)",
    );
  });
  it("a water metric (ammonia nitrogen): local rules by analogy at every step", () => {
    expect(rule("nh3n", "1h")).toBe(
      "local rule (GB 3095 Table 4's 1-h minimum applied to ammonia nitrogen): ≥ 45 min of sampling in the hour",
    );
    expect(rule("nh3n", "1d")).toBe(
      "local rule (GB 3095 Table 4's 24-h minimum applied to ammonia nitrogen): daily mean needs ≥ 20 valid hourly means",
    );
    expect(rule("nh3n", "1mo")).toBe(
      "local rule (HJ 663's monthly minimum applied to ammonia nitrogen): monthly mean needs ≥ 27 valid days (≥ 25 in February)",
    );
    for (const metric of ["so2", "co", "pm10"] as const) {
      expect(rule(metric, "1d")).toBe("GB 3095 Table 4: daily mean needs ≥ 20 valid hourly means");
    }
    expect(rule("ph", "1d")).toContain("local rule (GB 3095 Table 4's 24-h minimum applied to pH)");
  });
  it("NOI grades keep their own source (a local rule: no NOI standard sets minimums) for days and months", () => {
    const [day] = noiGrades(january("noi"), JAN, JAN + 24 * HOUR_MS, "1d");
    expect(day?.rule).toBe(
      "local rule (air-quality minimums, GB 3095 Table 4 / HJ 663, applied to negative oxygen ions): daily mean needs ≥ 20 valid hourly means",
    );
    const [month] = noiGrades(january("noi"), JAN, FEB, "1mo");
    expect(month?.rule).toBe(
      "local rule (air-quality minimums, GB 3095 Table 4 / HJ 663, applied to negative oxygen ions): monthly mean needs ≥ 27 valid days (≥ 25 in February)",
    );
  });
  it("without a metric the texts say which metrics the standard lists", () => {
    const s = january("pm25");
    expect(aggregate(s, JAN, JAN + 24 * HOUR_MS, "1d", "mean")[0]?.rule).toBe(
      "GB 3095 Table 4 (SO2, NO2, CO, PM10, PM2.5; a local rule for other metrics): daily mean needs ≥ 20 valid hourly means",
    );
    expect(aggregate(s, JAN, FEB, "1mo", "mean")[0]?.rule).toBe(
      "HJ 663, provisional (SO2, NO2, CO, O3, PM10, PM2.5; a local rule for other metrics): monthly mean needs ≥ 27 valid days (≥ 25 in February)",
    );
  });
});
