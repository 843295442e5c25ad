import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ImportSummary } from "@qingshan/importer";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { startTestApi } from "./testing/api-service.ts";
import { runQingshan as qingshan, repoRoot } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();
// Written with `iconv -f utf-8 -t gbk`: Chinese in the header, a metric name (PH值) and a note column.
const gbk = join(repoRoot, "services/importer/src/testdata/gbk-long.csv");

async function apiRig() {
  const dataDir = tempDir(cleanups, "qingshan-cli-import-");
  const { url, bus } = await startTestApi(cleanups, { dataDir });
  const published: { stationId: string; metric: string; value: number }[] = [];
  const subscription = await bus.subscribe<{ stationId: string; metric: string; value: number }>(
    "readings",
    { group: "import-test" },
    async (batch) => {
      published.push(...batch.map((m) => m.value));
    },
  );
  cleanups.push(() => subscription.close());
  return { url, dataDir, published };
}

describe("qingshan import --encoding", () => {
  it("refuses a GBK file read as UTF-8 before importing anything, and imports it with --encoding gbk", async () => {
    const { url, published } = await apiRig();
    const refused = await qingshan(["import", gbk, "--api", url]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      `qingshan: IMPORT_ENCODING: ${gbk} is not UTF-8 text: line 1, byte offset 36 (0xB1 0xB8 0xD7 0xA2 0x0A 0x6C 0x64 0x2D …) cannot be read as UTF-8. ` +
        'Read as GBK, line 1 is "station,ts,metric,value,flag,period,备注". Chinese Excel saves "CSV (逗号分隔)" in GBK: ' +
        'import it with --encoding gbk (option encoding: "gbk"), or save it from Excel as "CSV UTF-8 (逗号分隔)". Nothing was imported.\n',
    );
    expect(published).toEqual([]);

    const imported = await qingshan(["import", gbk, "--api", url, "--encoding", "gbk"]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ rows: 4, accepted: 4, rejected: 0 });
    await waitFor(() => published.length === 4, { what: "4 readings published" });
    expect(published.map((r) => [r.stationId, r.metric, r.value])).toEqual([
      ["ld-wq-05", "ph", 7.24],
      ["ld-wq-05", "nh3n", 0.31],
      ["ld-aq-02", "pm25", 35],
      ["ld-aq-02", "o3", 52],
    ]);
  }, 60_000);

  it("refuses an encoding it does not read, with its usage", async () => {
    const result = await qingshan(["import", gbk, "--encoding", "latin1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'qingshan import: --encoding "latin1" is not utf-8, gbk or gb18030\n' +
        "usage: qingshan import FILE.csv [--api http://localhost:8080] [--encoding utf-8|gbk|gb18030] [--delimiter ,|';'|tab]\n",
    );
  });
});

describe("qingshan import — duplicate rows", () => {
  it("counts rows repeating a station, metric and time as duplicates, not as accepted", async () => {
    const { url, dataDir, published } = await apiRig();
    const file = join(dataDir, "duplicates.csv");
    writeFileSync(
      file,
      "station,ts,metric,value\nld-aq-01,2025-01-15 10:00,pm25,41\nld-aq-01,2025-01-15 10:00,pm25,42\nld-aq-01,2025-01-15T02:00:00Z,pm25,43\n",
    );
    const result = await qingshan(["import", file, "--api", url]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as ImportSummary;
    expect(summary).toMatchObject({ rows: 3, values: 3, accepted: 1, duplicates: 2, duplicateLines: [3, 4] });
    // All three go through, in file order: the store keeps the last (43).
    await waitFor(() => published.length === 3, { what: "3 readings published" });
    expect(published.map((r) => r.value)).toEqual([41, 42, 43]);
  }, 60_000);
});
