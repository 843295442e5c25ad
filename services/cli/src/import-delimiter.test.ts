import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ImportSummary } from "@qingshan/importer";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { startTestApi } from "./testing/api-service.ts";
import { runQingshan as qingshan } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();

/** An API taking imports, with the readings it publishes, and a folder for the files. */
async function apiRig() {
  const dataDir = tempDir(cleanups, "qingshan-cli-import-delimiter-");
  const { url, bus } = await startTestApi(cleanups, { dataDir });
  const published: { stationId: string; metric: string; value: number }[] = [];
  const subscription = await bus.subscribe<{ stationId: string; metric: string; value: number }>(
    "readings",
    { group: "import-delimiter-test" },
    async (batch) => {
      published.push(...batch.map((m) => m.value));
    },
  );
  cleanups.push(() => subscription.close());
  return { url, dataDir, published };
}

describe("qingshan import --delimiter", () => {
  it("says a ;-separated file needs --delimiter ';' (importing nothing), and imports it with the option", async () => {
    const { url, dataDir, published } = await apiRig();
    const file = join(dataDir, "semicolon.csv");
    writeFileSync(
      file,
      "station;ts;metric;value\nld-aq-01;2025-01-15 10:00;pm25;41\nld-aq-01;2025-01-15 11:00;pm25;43\n",
    );

    const refused = await qingshan(["import", file, "--api", url]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      `qingshan: IMPORT_HEADER: header ["station;ts;metric;value"] needs a "station" and a "ts" column: ` +
        `the header looks ;-separated: use --delimiter ';' (option delimiter: ";")\n`,
    );

    const imported = await qingshan(["import", file, "--api", url, "--delimiter", ";"]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout) as ImportSummary).toMatchObject({ rows: 2, accepted: 2, rejected: 0 });
    await waitFor(() => published.length === 2, { what: "2 readings published" });
    expect(published.map((r) => r.value)).toEqual([41, 43]);
  }, 60_000);

  it("names a tab-separated header, and reads it with --delimiter tab", async () => {
    const { url, dataDir, published } = await apiRig();
    const file = join(dataDir, "tab.tsv");
    writeFileSync(file, "station\tts\tpm25\tpm10\nld-aq-02\t2025-01-15 10:00\t35\t62\n");

    const refused = await qingshan(["import", file, "--api", url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'the header looks tab-separated: use --delimiter tab (option delimiter: "\\t")\n',
    );

    const imported = await qingshan(["import", file, "--api", url, "--delimiter", "tab"]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout) as ImportSummary).toMatchObject({
      rows: 1,
      accepted: 2,
      layout: "wide",
    });
    await waitFor(() => published.length === 2, { what: "2 readings published" });
  }, 60_000);

  it("refuses a delimiter of more than one character, with its usage", async () => {
    const result = await qingshan(["import", "readings.csv", "--delimiter", ";;"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'qingshan import: --delimiter ";;" is not one character (other than a quote or line break), nor tab\n' +
        "usage: qingshan import FILE.csv [--api http://localhost:8080] [--encoding utf-8|gbk|gb18030] [--delimiter ,|';'|tab]\n",
    );
  });
});
