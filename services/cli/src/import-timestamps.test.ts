import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ImportSummary } from "@qingshan/importer";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { startTestApi } from "./testing/api-service.ts";
import { runQingshan as qingshan } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();

const TS_INVALID =
  'is not ISO 8601 with an offset (2026-11-28T10:00:00+08:00), "YYYY-MM-DD HH:mm[:ss]" or "YYYYMMDDhhmm[ss]" (Beijing time, a date that exists) nor epoch ms (13 digits) or seconds (10)';

describe("qingshan import — timestamps as the wire contract takes them", () => {
  it("takes an ISO time with an offset exactly when an MQTT message may send it; offset-less is Beijing time", async () => {
    const dataDir = tempDir(cleanups, "qingshan-cli-import-ts-");
    const { url, bus } = await startTestApi(cleanups, { dataDir });
    const published: { ts: number; value: number }[] = [];
    const subscription = await bus.subscribe<{ ts: number; value: number }>(
      "readings",
      { group: "import-ts-test" },
      async (batch) => {
        published.push(...batch.map((m) => m.value));
      },
    );
    cleanups.push(() => subscription.close());

    const withOffset = [
      "2025-01-15T10:00:00+08:00",
      "2025-01-15T11:00:00+0800",
      "2025-01-15T04:00:00z",
      "2025-02-30T10:00:00+08:00",
      "2025-01-15T14:00+08:00",
      "2025-01-15T07:00:00.500Z",
    ];
    // The same texts in an MQTT-path message: the API's observations endpoint, the wire decoder.
    const wireAccepts: boolean[] = [];
    for (const [i, ts] of withOffset.entries()) {
      const response = await fetch(`${url}/api/v1/stations/ld-aq-01/observations?backfill=true`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ts, values: { pm25: 100 + i } }),
      });
      wireAccepts.push(response.status === 202);
    }
    expect(wireAccepts).toEqual([true, false, false, false, false, true]);
    await waitFor(() => published.length === 2, { what: "the wire's 2 readings published" });
    published.length = 0;

    const file = join(dataDir, "times.csv");
    const rows = withOffset.map((ts, i) => `ld-aq-01,${ts},pm25,${41 + i}`);
    writeFileSync(
      file,
      `station,ts,metric,value\n${rows.join("\n")}\nld-aq-01,2025-01-15T13:00:00,pm25,50\n`,
    );
    const result = await qingshan(["import", file, "--api", url]);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as ImportSummary;
    // The CSV takes what the wire takes, plus the offset-less time (Beijing time).
    expect(withOffset.map((_, i) => !summary.errors.some((e) => e.line === i + 2))).toEqual(wireAccepts);
    expect(summary).toMatchObject({ rows: 7, accepted: 3, rejected: 4, byReason: { "ts.invalid": 4 } });
    expect(summary.errors.map((e) => e.message)).toEqual([
      `line 3: ts "2025-01-15T11:00:00+0800" ${TS_INVALID}: the offset needs a colon, +08:00, as in MQTT messages (the wire contract)`,
      `line 4: ts "2025-01-15T04:00:00z" ${TS_INVALID}: UTC is an upper-case Z, as in MQTT messages (the wire contract)`,
      `line 5: ts "2025-02-30T10:00:00+08:00" ${TS_INVALID}`,
      `line 6: ts "2025-01-15T14:00+08:00" ${TS_INVALID}: with an offset, the time needs its seconds, hh:mm:ss, as in MQTT messages (the wire contract)`,
    ]);
    await waitFor(() => published.length === 3, { what: "3 readings published" });
    expect(published.map((r) => [new Date(r.ts).toISOString(), r.value])).toEqual([
      ["2025-01-15T02:00:00.000Z", 41],
      ["2025-01-15T07:00:00.500Z", 46],
      ["2025-01-15T05:00:00.000Z", 50],
    ]);
  }, 60_000);
});
