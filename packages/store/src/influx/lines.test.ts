import { Point } from "@influxdata/influxdb-client";
import type { Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { HOUR_MS, inHourPeriodMs } from "../hour.ts";
import { MEASUREMENT } from "./influxql.ts";
import { readingLine } from "./lines.ts";

/** The line the client's Point writes for a reading: the reference readingLine must match. */
function pointLine(r: Reading): string | undefined {
  return new Point(MEASUREMENT.readings)
    .tag("station", r.stationId)
    .tag("metric", r.metric)
    .floatField("value", r.value)
    .stringField("flag", r.flag)
    .intField("period_ms", r.periodMs)
    .intField("period_capped_ms", inHourPeriodMs(r.ts, r.periodMs))
    .stringField("source", r.source)
    .intField("received_at", r.receivedAt)
    .floatField("weighted_value", r.value * inHourPeriodMs(r.ts, r.periodMs))
    .timestamp(r.ts)
    .toLineProtocol({ convertTime: (value) => (value === undefined ? undefined : String(value)) });
}

const base: Reading = {
  stationId: "LD-AIR-01",
  metric: "pm25",
  ts: 1772323200000,
  periodMs: 60_000,
  value: 12.5,
  flag: "N",
  source: "mqtt-json",
  receivedAt: 1772323200123,
};

describe("readingLine", () => {
  it("writes the same line as the client's Point, escapes and edge values included", () => {
    const cases: Reading[] = [
      base,
      { ...base, stationId: 'a b,c=d\ne\rf\tg\\h"i', metric: "x y" as Reading["metric"] },
      { ...base, source: 'we"ird\\src' as Reading["source"] },
      { ...base, value: -0, periodMs: 0, ts: -1, receivedAt: 0 },
      { ...base, value: 1e-7, periodMs: 7 * HOUR_MS },
      { ...base, value: 123456789012345.67, ts: 8_640_000_000_000 },
      { ...base, value: -3, flag: "D" },
      { ...base, source: undefined as unknown as Reading["source"] },
      { ...base, stationId: "", metric: "" as Reading["metric"] },
    ];
    for (const r of cases) expect(readingLine(r)).toBe(pointLine(r));
  });

  it("credits period_capped_ms only the reading's sampling time inside its hour (GB 3095 Table 4)", () => {
    const line = (ts: number, periodMs: number) => readingLine({ ...base, ts, periodMs });
    expect(line(base.ts + 50 * 60_000, HOUR_MS)).toContain("period_capped_ms=600000i,");
    expect(line(base.ts, 2 * HOUR_MS)).toContain(`period_capped_ms=${HOUR_MS}i,`);
    expect(line(base.ts + 55 * 60_000, 5 * 60_000)).toContain("period_capped_ms=300000i,");
  });

  it("refuses what the client's Point refuses", () => {
    for (const r of [
      { ...base, value: Number.NaN },
      { ...base, value: Number.POSITIVE_INFINITY },
      { ...base, receivedAt: 1e19 },
    ]) {
      expect(() => pointLine(r)).toThrow();
      expect(() => readingLine(r)).toThrow();
    }
  });
});
