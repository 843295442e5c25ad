import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BACKFILL_LIMITS } from "./decoder-submit.ts";
import { ImportError } from "./errors.ts";
import { type ImportProgress, importCsv, type Submit } from "./import-csv.ts";
import { decoderSubmit, fixture, registry } from "./testdata/decoder-rig.ts";

const tmp = mkdtempSync(join(tmpdir(), "qingshan-importer-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("importCsv — long format", () => {
  it("groups rows per station and time into wire observations and accepts them all", async () => {
    const sink = decoderSubmit();
    const summary = await importCsv(fixture("long.csv"), { submit: sink.submit, stations: registry });
    expect(summary).toEqual({
      rows: 10,
      values: 10,
      accepted: 10,
      duplicates: 0,
      duplicateLines: [],
      rejected: 0,
      byReason: {},
      errors: [],
      layout: "long",
    });
    expect(sink.messages.map((m) => m.topic).sort()).toEqual([
      "stations/ld-aq-01/air",
      "stations/ld-noi-01/noi",
      "stations/ld-wq-05/water",
    ]);
    const air = JSON.parse(sink.messages.find((m) => m.topic === "stations/ld-aq-01/air")?.payload ?? "[]");
    expect(air).toEqual([
      {
        ts: "2026-11-28T09:00:00+08:00",
        values: { pm25: 35, pm10: 62, co: 0.8 },
        flags: { co: "C" },
        period: "PT1H",
      },
      { ts: "2026-11-28T10:00:00+08:00", values: { pm25: 41, o3: 96 }, flags: { pm25: "N" }, period: "PT1H" },
    ]);
    const co = sink.readings.find((r) => r.metric === "co");
    expect(co).toMatchObject({
      stationId: "ld-aq-01",
      ts: Date.parse("2026-11-28T01:00:00Z"),
      periodMs: 3_600_000,
      value: 0.8,
      flag: "C",
      source: "import",
    });
    expect(sink.readings.find((r) => r.metric === "noi")).toMatchObject({
      ts: 1795831200000,
      periodMs: 300_000,
    });
  });
});

describe("importCsv — wide format", () => {
  it("detects the layout from the header, skips empty cells, applies <metric>_flag columns", async () => {
    const sink = decoderSubmit();
    const summary = await importCsv(fixture("wide.csv"), { submit: sink.submit, stations: registry });
    expect(summary).toMatchObject({ rows: 5, values: 28, accepted: 28, rejected: 0, layout: "wide" });
    const pm25 = sink.readings.filter((r) => r.metric === "pm25");
    expect(pm25.map((r) => [r.stationId, r.value, r.flag])).toEqual([
      ["ld-aq-01", 33, "N"],
      ["ld-aq-01", 35, "C"],
      ["ld-aq-02", 30, "N"],
      ["ld-aq-03", 29, "N"],
    ]);
    // Offset-less times are Beijing time.
    expect(pm25[0]?.ts).toBe(Date.parse("2026-11-28T00:00:00Z"));
  });
});

describe("importCsv — bad rows", () => {
  it("counts every bad row or value with its line and reason, and imports the good ones", async () => {
    const sink = decoderSubmit();
    const summary = await importCsv(fixture("bad.csv"), { submit: sink.submit, stations: registry });
    expect(summary.rows).toBe(13);
    expect(summary.values).toBe(8);
    expect(summary.accepted).toBe(2);
    expect(summary.rejected).toBe(11);
    expect(summary.byReason).toEqual({
      "csv.columns": 1,
      "station.unknown": 1,
      "ts.invalid": 1,
      "value.not_number": 1,
      "value.out_of_range": 1,
      "metric.unknown": 2,
      "metric.not_at_station": 1,
      "flag.unknown": 1,
      "csv.field": 1,
      "csv.malformed": 1,
    });
    const byLine = Object.fromEntries(summary.errors.map((e) => [e.line, e.code]));
    expect(byLine).toEqual({
      3: "csv.columns",
      4: "station.unknown",
      5: "ts.invalid",
      6: "value.not_number",
      7: "value.out_of_range",
      8: "metric.unknown",
      9: "metric.not_at_station",
      10: "flag.unknown",
      11: "csv.field",
      14: "metric.unknown",
      16: "csv.malformed",
    });
    // The batch's rejections (lines 6–10, 14) come back after rows 11 and 16 were read: sorted.
    expect(summary.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 16]);
    const firstFive = await importCsv(fixture("bad.csv"), {
      submit: decoderSubmit().submit,
      stations: registry,
      maxErrors: 5,
    });
    expect(firstFive.rejected).toBe(11);
    expect(firstFive.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(summary.errors.find((e) => e.line === 7)?.message).toMatch(
      /line 7: value.out_of_range: "values.pm10" is 99999/,
    );
    expect(sink.readings.map((r) => r.value)).toEqual([35, 37]);
  });

  it("traces a rejected observation (ts too late) to all of its values", async () => {
    const path = join(tmp, "late.csv");
    writeFileSync(
      path,
      "station,ts,pm25,pm10,o3\nld-aq-01,2026-11-01 10:00,30,50,60\nld-aq-01,2026-11-28 10:00,31,51,61\n",
    );
    const sink = decoderSubmit();
    const summary = await importCsv(path, { submit: sink.submit, stations: registry });
    expect(summary).toMatchObject({
      rows: 2,
      values: 6,
      accepted: 3,
      rejected: 3,
      byReason: { "ts.too_late": 3 },
    });
    expect(summary.errors).toEqual([
      expect.objectContaining({ line: 2, code: "ts.too_late", stationId: "ld-aq-01" }),
    ]);
  });

  it("reads an export's Unix seconds and HJ 212 DataTime as the instants they are, not as 1970 or year 2610", async () => {
    // The same hour three ways: 2026-11-28 09:00 Beijing time. Before, 10 digits were milliseconds
    // (1970-01-21, ts.too_late) and 14 digits too (year 2610, ts.future).
    const path = join(tmp, "compact-times.csv");
    writeFileSync(
      path,
      "station,ts,metric,value\nld-aq-01,1795827600,pm25,35\nld-aq-01,20261128090000,pm10,62\nld-aq-01,202611280900,o3,50\n",
    );
    const sink = decoderSubmit(BACKFILL_LIMITS);
    const summary = await importCsv(path, { submit: sink.submit, stations: registry });
    expect(summary).toMatchObject({ rows: 3, values: 3, accepted: 3, rejected: 0, byReason: {} });
    expect(sink.readings.map((r) => [r.metric, r.ts]).sort()).toEqual([
      ["o3", Date.parse("2026-11-28T09:00:00+08:00")],
      ["pm10", Date.parse("2026-11-28T09:00:00+08:00")],
      ["pm25", Date.parse("2026-11-28T09:00:00+08:00")],
    ]);
  });

  it("says a too-old row's time in Beijing time and names the lateness that applied", async () => {
    const path = join(tmp, "ancient.csv");
    writeFileSync(path, "station,ts,pm25\nld-aq-01,2016-11-01 10:00,30\nld-aq-01,2026-11-01 10:00,31\n");
    const backfill = decoderSubmit(BACKFILL_LIMITS);
    const summary = await importCsv(path, { submit: backfill.submit, stations: registry });
    expect(summary.accepted).toBe(1);
    // 10 × 366 days before 2026-11-28T12:00+08:00.
    expect(summary.errors.map((e) => e.message)).toEqual([
      'line 2: ts.too_late: "ts" is "2016-11-01T10:00:00+08:00", expected no older than 3660 days before now (the fixed lateness of an import of history, 10 × 366 days, not ingest.maxLatenessHours): from 2016-11-20T12:00:00+08:00 on',
    ]);
    const plain = await importCsv(path, { submit: decoderSubmit().submit, stations: registry });
    expect(plain.errors.map((e) => e.message)).toEqual([
      'line 2: ts.too_late: "ts" is "2016-11-01T10:00:00+08:00", expected no older than 7 days before now (the decoder\'s default lateness; give createDecoderSubmit limits.maxLatenessMs for history): from 2026-11-21T12:00:00+08:00 on',
      'line 3: ts.too_late: "ts" is "2026-11-01T10:00:00+08:00", expected no older than 7 days before now (the decoder\'s default lateness; give createDecoderSubmit limits.maxLatenessMs for history): from 2026-11-21T12:00:00+08:00 on',
    ]);
  });

  it("keeps only maxErrors errors but counts them all", async () => {
    const path = join(tmp, "many-bad.csv");
    const lines = ["station,ts,metric,value"];
    for (let i = 0; i < 50; i++) lines.push(`ld-zz-${i},2026-11-28 10:00,pm25,1`);
    writeFileSync(path, `${lines.join("\n")}\n`);
    const summary = await importCsv(path, {
      submit: decoderSubmit().submit,
      stations: registry,
      maxErrors: 5,
    });
    expect(summary.rejected).toBe(50);
    expect(summary.errors).toHaveLength(5);
  });

  it("fails with IMPORT_HEADER when station or ts columns are missing, IMPORT_FILE when the file is absent", async () => {
    const path = join(tmp, "no-ts.csv");
    writeFileSync(path, "station,pm25\nld-aq-01,3\n");
    const options = { submit: decoderSubmit().submit, stations: registry };
    await expect(importCsv(path, options)).rejects.toMatchObject({ code: "IMPORT_HEADER" });
    await expect(importCsv(join(tmp, "absent.csv"), options)).rejects.toBeInstanceOf(ImportError);
    await expect(importCsv(join(tmp, "absent.csv"), options)).rejects.toMatchObject({ code: "IMPORT_FILE" });
  });

  it("refuses a FIFO with IMPORT_FILE before opening it, instead of waiting forever for a writer", async () => {
    // Before, the encoding check drained a pipe and the import's own open of a FIFO blocked, with
    // no writer left, beyond the reach of SIGINT; `<(zcat …)` was imported as an "empty" file.
    const fifo = join(tmp, "readings.fifo");
    execFileSync("mkfifo", [fifo]);
    try {
      const error = await importCsv(fifo, { submit: decoderSubmit().submit, stations: registry }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ImportError);
      expect((error as ImportError).message).toBe(
        `IMPORT_FILE: ${fifo} is not a regular file (a pipe, a FIFO or a device?): the import reads the file twice, first to check its whole encoding so that a file it cannot read imports nothing. Write it to a file first (e.g. zcat readings.csv.gz > readings.csv). Nothing was imported.`,
      );
    } finally {
      // Opening a FIFO read-write never blocks on Linux, and releases a reader blocked in its open.
      closeSync(openSync(fifo, "r+"));
    }
  }, 10_000);

  it("stops with IMPORT_SUBMIT and the partial summary when submit throws", async () => {
    let calls = 0;
    const failing: Submit = async () => {
      calls += 1;
      if (calls === 2) throw new Error("HTTP 503");
      return { accepted: 1, rejections: [] };
    };
    const error = await importCsv(fixture("long.csv"), {
      submit: failing,
      stations: registry,
      batchSize: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe("IMPORT_SUBMIT");
    expect((error as ImportError).message).toMatch(/HTTP 503/);
    expect((error as ImportError).summary).toMatchObject({ accepted: 1 });
  });
});

describe("importCsv — duplicates", () => {
  it("counts a value repeating an accepted station, metric and time of the file as a duplicate, not accepted", async () => {
    const path = join(tmp, "duplicates.csv");
    writeFileSync(
      path,
      [
        "station,ts,metric,value,period",
        "ld-aq-01,2026-11-28 09:00,pm25,30,PT1H",
        // The same instant spelt otherwise, and with another period: the store's key is station + metric + ts.
        "ld-aq-01,2026-11-28T01:00:00Z,pm25,31,PT1H",
        "ld-aq-01,2026-11-28T09:00:00+08:00,pm25,32,PT5M",
        // Rejected: no reading, so not a duplicate; the stored value stays line 4's.
        "ld-aq-01,2026-11-28 09:00,pm25,99999,PT1H",
        "ld-aq-01,2026-11-28 09:00,pm10,50,PT1H",
        "ld-aq-02,2026-11-28 09:00,pm25,30,PT1H",
      ].join("\n"),
    );
    for (const batchSize of [500, 1]) {
      const sink = decoderSubmit();
      const summary = await importCsv(path, { submit: sink.submit, stations: registry, batchSize });
      expect(summary).toMatchObject({
        rows: 6,
        values: 6,
        accepted: 3,
        duplicates: 2,
        duplicateLines: [3, 4],
        rejected: 1,
        byReason: { "value.out_of_range": 1 },
      });
      // Delivered in file order: the store keeps the last write of a key, line 4's 32.
      expect(
        sink.readings.filter((r) => r.stationId === "ld-aq-01" && r.metric === "pm25").map((r) => r.value),
      ).toEqual([30, 31, 32]);
    }
  });
});

describe("importCsv — interrupted", () => {
  it("lets the submit in flight finish, reads and submits nothing more, and says what was not sent", async () => {
    const path = join(tmp, "interrupted.csv");
    const start = Date.parse("2026-11-01T00:00:00+08:00");
    const lines = ["station,ts,metric,value"];
    for (let h = 0; h < 600; h++) {
      const ts = new Date(start + h * 3_600_000).toISOString();
      lines.push(`ld-aq-01,${ts},pm25,${h % 90}`, `ld-aq-02,${ts},pm25,${h % 90}`);
    }
    writeFileSync(path, `${lines.join("\n")}\n`);
    const controller = new AbortController();
    const sink = decoderSubmit(BACKFILL_LIMITS);
    const topics: string[] = [];
    const submit: Submit = async (topic, payload) => {
      topics.push(topic);
      controller.abort("SIGINT");
      return sink.submit(topic, payload);
    };
    const error = await importCsv(path, { submit, stations: registry, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe("IMPORT_INTERRUPTED");
    expect((error as ImportError).message).toBe(
      `IMPORT_INTERRUPTED: import of ${path} interrupted after line 1000`,
    );
    // ld-aq-01's 500th row, line 1000, filled the first batch; ld-aq-02's 499 rows were never sent.
    expect(topics).toEqual(["stations/ld-aq-01/air"]);
    expect(sink.readings).toHaveLength(500);
    const summary = (error as ImportError).summary;
    expect(summary).toMatchObject({ rows: 999, values: 999, accepted: 500, rejected: 0 });
    // Line 3 holds ld-aq-02's first value, never sent: only line 2 is answered.
    expect(summary?.stopped).toEqual({ line: 1000, unsent: 499, confirmed: 2 });
  });

  it("stops before reading a row when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort("SIGTERM");
    const never: Submit = async () => {
      throw new Error("submit called");
    };
    const error = await importCsv(fixture("long.csv"), {
      submit: never,
      stations: registry,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect((error as ImportError).code).toBe("IMPORT_INTERRUPTED");
    expect((error as ImportError).message).toMatch(/interrupted before any row was read$/);
    expect((error as ImportError).summary).toMatchObject({
      rows: 0,
      values: 0,
      stopped: { line: 0, unsent: 0, confirmed: 0 },
    });
  });
});

describe("importCsv — large files", () => {
  it("streams a large file in batches of at most 500 observations, reporting progress", async () => {
    const path = join(tmp, "large.csv");
    const start = Date.parse("2026-11-22T00:00:00+08:00");
    const stations = ["ld-aq-01", "ld-aq-02", "ld-aq-03", "ld-aq-04"];
    const out: string[] = ["station,ts,metric,value,flag,period"];
    // 4 stations × 144 hours × 6 metrics = 3 456 rows, then 144 hours of 5-minute NOI data.
    for (const s of stations) {
      for (let h = 0; h < 144; h++) {
        const ts = new Date(start + h * 3_600_000).toISOString();
        for (const m of ["pm25", "pm10", "so2", "no2", "co", "o3"])
          out.push(`${s},${ts},${m},${(h % 50) + 1},,PT1H`);
      }
    }
    for (let i = 0; i < 144 * 12; i++) {
      const ts = new Date(start + i * 300_000).toISOString();
      out.push(`ld-noi-02,${ts},noi,${1000 + (i % 700)},,PT5M`);
    }
    writeFileSync(path, `${out.join("\n")}\n`);
    const sink = decoderSubmit();
    const progress: ImportProgress[] = [];
    const summary = await importCsv(path, {
      submit: sink.submit,
      stations: registry,
      onProgress: (p) => progress.push(p),
    });
    const rows = out.length - 1;
    expect(summary).toMatchObject({ rows, values: rows, accepted: rows, rejected: 0 });
    for (const m of sink.messages) expect(JSON.parse(m.payload).length).toBeLessThanOrEqual(500);
    expect(sink.messages.length).toBeGreaterThanOrEqual(Math.ceil(144 / 500) * 4 + Math.ceil(1728 / 500));
    expect(progress.at(-1)).toMatchObject({ rows, accepted: rows });
    expect(progress.at(-1)?.bytesRead).toBe(progress.at(-1)?.totalBytes);
    const bytes = progress.map((p) => p.bytesRead);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
  });
});
