import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { METRICS } from "@qingshan/domain";
import type { ImportSummary } from "@qingshan/importer";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { startTestApi } from "./testing/api-service.ts";
import { runQingshan as qingshan } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();

const TS_INVALID =
  'is not ISO 8601 with an offset (2026-11-28T10:00:00+08:00), "YYYY-MM-DD HH:mm[:ss]" or "YYYYMMDDhhmm[ss]" (Beijing time, a date that exists) nor epoch ms (13 digits) or seconds (10)';

describe("qingshan import — a row with a bad ts and other problems", () => {
  it("names every problem of the row in its error, counting the row once", async () => {
    const dataDir = tempDir(cleanups, "qingshan-cli-import-row-");
    const { url, bus } = await startTestApi(cleanups, { dataDir });
    let published = 0;
    const subscription = await bus.subscribe("readings", { group: "import-row-test" }, async (batch) => {
      published += batch.length;
    });
    cleanups.push(() => subscription.close());
    const file = join(dataDir, "rows.csv");
    writeFileSync(
      file,
      [
        "station,ts,pm25,o3,pm25_flag",
        'ld-aq-01,2025-13-45 10:00,"-3,5",-4,X',
        "ld-aq-99,yesterday,35,40,",
        "ld-aq-01,2025-01-15 10:00,35,40,",
        "",
      ].join("\n"),
    );

    const result = await qingshan(["import", file, "--api", url]);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as ImportSummary;
    expect(summary).toMatchObject({
      rows: 3,
      values: 2,
      accepted: 2,
      rejected: 2,
      byReason: { "ts.invalid": 1, "station.unknown": 1 },
    });
    const [min, max] = METRICS.o3.instrumentRange;
    expect(summary.errors.map((e) => [e.line, e.code, e.message])).toEqual([
      [
        2,
        "ts.invalid",
        `line 2: ts "2025-13-45 10:00" ${TS_INVALID}; the row also has: ` +
          'value.not_number: "values.pm25" is "-3,5", expected a number; ' +
          'flag.unknown: "flags.pm25" is "X", expected one of N F M S D C T B; ' +
          `value.out_of_range: "values.o3" is -4, expected ${min}…${max} µg/m³ (instrument range)`,
      ],
      [
        3,
        "station.unknown",
        `line 3: station "ld-aq-99" is not registered; the row also has: ts "yesterday" ${TS_INVALID}`,
      ],
    ]);
    await waitFor(() => published === 2, { what: "the good row's 2 readings published" });
  }, 60_000);
});
