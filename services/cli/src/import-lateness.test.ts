import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { importCsv } from "@qingshan/importer";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { createApiSubmit } from "./import.ts";
import { startTestApi } from "./testing/api-service.ts";

const cleanups = cleanupsAfterEach();

describe("qingshan import through the API's backfill endpoint", () => {
  it("rejects a row older than 10 × 366 days in Beijing time, naming the import's fixed lateness", async () => {
    const dataDir = tempDir(cleanups, "qingshan-cli-import-");
    const { url, registry } = await startTestApi(cleanups, { dataDir });

    const file = join(dataDir, "ancient.csv");
    writeFileSync(file, "station,ts,metric,value\nld-aq-01,2001-01-01T08:00:00+08:00,pm25,30\n");
    const summary = await importCsv(file, { submit: createApiSubmit(url), stations: registry });
    expect(summary.byReason).toEqual({ "ts.too_late": 1 });
    expect(summary.errors[0]?.message).toMatch(
      /^line 2: ts\.too_late: "ts" is "2001-01-01T08:00:00\+08:00", expected no older than 3660 days before now \(the fixed lateness of an import of history, 10 × 366 days, not ingest\.maxLatenessHours\): from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+08:00 on$/,
    );
  });
});
