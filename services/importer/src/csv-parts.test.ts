import { PassThrough } from "node:stream";
import { decodeStationMessage, type Station } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { batchPayload, createBatcher } from "./batcher.ts";
import { detectLayout } from "./csv-layout.ts";
import { cellValue, csvTimestamp, csvTimestampHint } from "./csv-values.ts";
import { createProgressReporter } from "./progress.ts";
import { registry } from "./testdata/decoder-rig.ts";

describe("csvTimestamp", () => {
  it.each([
    ["2026-11-28 10:00", "2026-11-28T10:00:00+08:00"],
    ["2026/11/28 9:05:30", "2026-11-28T09:05:30+08:00"],
    ["2026-11-28T10:00:00+08:00", "2026-11-28T10:00:00+08:00"],
    ["2026-11-28T02:00:00Z", "2026-11-28T10:00:00+08:00"],
    ["2026-11-28T02:00:00.250Z", "2026-11-28T02:00:00.250Z"],
    ["1795831200000", 1795831200000],
    ["yesterday", undefined],
    ["2026-13-40 10:00", undefined],
    ["2026-11-28T10:00:00", "2026-11-28T10:00:00+08:00"],
    // Unix time in seconds (10 digits), not milliseconds of January 1970.
    ["1795831200", 1795831200000],
    // HJ 212 DataTime, Beijing time, with and without seconds.
    ["20261128100000", "2026-11-28T10:00:00+08:00"],
    ["202611281000", "2026-11-28T10:00:00+08:00"],
    ["20260230100000", undefined],
    ["2026-02-30 10:00", undefined],
    ["2026-11-28 24:00", "2026-11-29T00:00:00+08:00"],
    // With an offset, only the wire contract's form (as MQTT messages): a date that exists, not rolled over.
    ["2026-02-30T10:00:00+08:00", undefined],
    ["2026-11-28T10:00:00+0800", undefined],
    ["2026-11-28T02:00:00z", undefined],
    ["2026-11-28T10:00+08:00", undefined],
  ])("%s → %s", (text, expected) => {
    expect(csvTimestamp(text)).toEqual(expected);
  });

  it("takes a text with an offset exactly when the wire decoder does", () => {
    const station = registry.get("ld-aq-01") as Station;
    const now = Date.parse("2026-11-28T12:00:00+08:00");
    for (const ts of [
      "2026-11-28T10:00:00+08:00",
      "2026-11-28T10:00:00+0800",
      "2026-11-28T10:00:00+08",
      "2026-11-28T02:00:00Z",
      "2026-11-28T02:00:00z",
      "2026-11-28t02:00:00Z",
      "2026-11-28 10:00:00+08:00",
      "2026-11-28T10:00+08:00",
      "2026-11-28T10:00:00.5+08:00",
      "2026-11-28T01:00:00-00:00",
      "2026-02-30T10:00:00+08:00",
      "2026-11-28T25:00:00Z",
      "2026-11-28T10:00:00+24:00",
    ]) {
      const wire = decodeStationMessage(
        "stations/ld-aq-01/air",
        JSON.stringify({ ts, values: { pm25: 1 } }),
        {
          now,
          lookupStation: () => station,
        },
      );
      expect([ts, csvTimestamp(ts) !== undefined]).toEqual([ts, wire.readings.length === 1]);
    }
  });

  it.each([
    ["2026-11-28T10:00:00+0800", "the offset needs a colon, +08:00, as in MQTT messages (the wire contract)"],
    [
      "2026-11-28T10:00:00-05",
      "the offset needs its minutes, -05:00, as in MQTT messages (the wire contract)",
    ],
    ["2026-11-28T02:00:00z", "UTC is an upper-case Z, as in MQTT messages (the wire contract)"],
    [
      "2026-11-28 10:00:00+08:00",
      "with an offset, date and time are joined by an upper-case T, as in MQTT messages (the wire contract)",
    ],
    [
      "2026-11-28T10:00+08:00",
      "with an offset, the time needs its seconds, hh:mm:ss, as in MQTT messages (the wire contract)",
    ],
    ["2026-02-30T10:00:00+08:00", undefined],
  ])("csvTimestampHint(%s) → %s", (text, hint) => {
    expect(csvTimestampHint(text)).toBe(hint);
  });
});

describe("cellValue", () => {
  it("turns numeric text into numbers and passes anything else on as text", () => {
    expect(cellValue(" 35.5 ")).toBe(35.5);
    expect(cellValue("-1e-3")).toBe(-0.001);
    expect(cellValue(".5")).toBe(0.5);
    expect(cellValue("n/a")).toBe("n/a");
    expect(cellValue("0x10")).toBe("0x10");
    expect(cellValue("NaN")).toBe("NaN");
  });
});

describe("detectLayout", () => {
  it("detects long format with optional columns in any order", () => {
    expect(detectLayout(["value", "Metric", "TS", "station", "period"])).toEqual({
      kind: "long",
      width: 5,
      station: 3,
      ts: 2,
      metric: 1,
      value: 0,
      period: 4,
    });
  });

  it("detects wide format, metric aliases and <metric>_flag columns", () => {
    expect(detectLayout(["station_id", "time", "PM2.5", "NH3-N", "pm25_flag"])).toEqual({
      kind: "wide",
      width: 5,
      station: 0,
      ts: 1,
      metrics: [
        { index: 2, metric: "pm25", flag: 4 },
        { index: 3, metric: "nh3n" },
      ],
    });
  });

  it("rejects headers without station, ts, metric columns or with half a long layout", () => {
    expect(() => detectLayout(["ts", "pm25"])).toThrow(/IMPORT_HEADER/);
    expect(() => detectLayout(["station", "ts"])).toThrow(/no metric columns/);
    expect(() => detectLayout(["station", "ts", "metric"])).toThrow(/"metric" and a "value"/);
  });

  it("refuses a header naming one column twice, with both positions, instead of using the first", () => {
    expect(() => detectLayout(["station", "ts", "metric", "value", "flag", "value"])).toThrow(
      'IMPORT_HEADER: the header names the column value twice: column 4 "value" and column 6 "value"; remove or rename one. Nothing was imported.',
    );
    expect(() => detectLayout(["station", "ts", "pm25", "PM2.5 "])).toThrow(
      'the header names the column pm25 twice: column 3 "pm25" and column 4 "PM2.5"',
    );
    expect(() => detectLayout(["Station_ID", "ts", "station", "pm25"])).toThrow(
      'the header names the column station twice: column 1 "Station_ID" and column 3 "station"',
    );
    expect(() => detectLayout(["station", "ts", "pm25", "pm25_flag", "PM2.5_flag"])).toThrow(
      'the header names the column pm25_flag twice: column 4 "pm25_flag" and column 5 "PM2.5_flag"',
    );
    // Empty header cells (trailing delimiters) are no column.
    expect(detectLayout(["station", "ts", "pm25", "", ""]).kind).toBe("wide");
  });
});

describe("createBatcher", () => {
  it("groups values by station and time, splits repeated metrics, and caps batches", () => {
    const batcher = createBatcher({ maxObservations: 2 });
    const ts = "2026-11-28T10:00:00+08:00";
    expect(batcher.add("a", { ts, metric: "pm25", value: 1, line: 2 })).toEqual([]);
    expect(batcher.add("a", { ts, metric: "pm10", value: 2, line: 3 })).toEqual([]);
    // Same metric, same time: a second observation, which fills the batch of two.
    const [full] = batcher.add("a", { ts, metric: "pm25", value: 3, flag: "C", line: 4 });
    expect(full?.values).toBe(3);
    expect(JSON.parse(batchPayload(full as NonNullable<typeof full>))).toEqual([
      { ts, values: { pm25: 1, pm10: 2 } },
      { ts, values: { pm25: 3 }, flags: { pm25: "C" } },
    ]);
    batcher.add("b", { ts: 5, period: "PT5M", metric: "noi", value: 900, line: 5 });
    const rest = batcher.drain();
    expect(rest.map((b) => b.stationId)).toEqual(["b"]);
    expect(JSON.parse(batchPayload(rest[0] as NonNullable<(typeof rest)[0]>))).toEqual([
      { ts: 5, values: { noi: 900 }, period: "PT5M" },
    ]);
    expect(batcher.drain()).toEqual([]);
  });

  it("drains everything when too many values are pending", () => {
    const batcher = createBatcher({ maxObservations: 500, maxPendingValues: 3 });
    for (let i = 0; i < 3; i++)
      expect(batcher.add(`s${i}`, { ts: i, metric: "pm25", value: i, line: i })).toEqual([]);
    expect(batcher.add("s3", { ts: 3, metric: "pm25", value: 3, line: 3 }).map((b) => b.stationId)).toEqual([
      "s0",
      "s1",
      "s2",
      "s3",
    ]);
  });
});

/** A progress reporter writing to a stream whose output is recorded; `text()` is what it drew so far. */
function recordedProgress() {
  const stream = new PassThrough();
  let drawn = "";
  stream.on("data", (chunk: Buffer) => {
    drawn += chunk.toString("utf8");
  });
  return { progress: createProgressReporter({ stream, noTTYOutput: true }), text: () => drawn };
}

describe("createProgressReporter", () => {
  it("draws a bar with rows, accepted, duplicate and rejected counts", () => {
    const { progress, text } = recordedProgress();
    progress.onProgress({
      bytesRead: 50,
      totalBytes: 100,
      rows: 10,
      accepted: 9,
      duplicates: 0,
      rejected: 1,
    });
    progress.onProgress({
      bytesRead: 100,
      totalBytes: 100,
      rows: 20,
      accepted: 17,
      duplicates: 1,
      rejected: 2,
    });
    progress.stop();
    expect(text()).toMatch(/100% \| 20 rows \| 17 accepted \| 1 duplicates \| 2 rejected/);
  });

  it("draws the first report at the bytes already read, not at 0 % beside its counts", () => {
    const { progress, text } = recordedProgress();
    progress.onProgress({
      bytesRead: 30,
      totalBytes: 100,
      rows: 9000,
      accepted: 3000,
      duplicates: 0,
      rejected: 4,
    });
    progress.stop();
    expect(text()).toMatch(/30% \| 9000 rows/);
    expect(text()).not.toMatch(/ 0% \| 9000 rows/);
  });
});
