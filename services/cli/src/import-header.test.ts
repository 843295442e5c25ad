import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { startTestApi } from "./testing/api-service.ts";
import { runQingshan as qingshan } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();

describe("qingshan import — a column named twice", () => {
  it("refuses the file before importing anything, naming the column and both positions", async () => {
    const dataDir = tempDir(cleanups, "qingshan-cli-import-header-");
    const { url, bus } = await startTestApi(cleanups, { dataDir });
    let published = 0;
    const subscription = await bus.subscribe("readings", { group: "import-header-test" }, async (batch) => {
      published += batch.length;
    });
    cleanups.push(() => subscription.close());
    const file = join(dataDir, "two-values.csv");
    writeFileSync(
      file,
      "station,ts,metric,value,flag,value\nld-aq-01,2025-01-15 10:00,pm25,41,,44\nld-aq-01,2025-01-15 11:00,pm25,43,,45\n",
    );

    const result = await qingshan(["import", file, "--api", url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'qingshan: IMPORT_HEADER: the header names the column value twice: column 4 "value" and column 6 "value"; remove or rename one. Nothing was imported.\n',
    );
    // Nothing reached the API: a readings query of the station answers none.
    const answer = await fetch(
      `${url}/api/v1/readings?station=ld-aq-01&from=2025-01-15T00:00:00Z&to=2025-01-16T00:00:00Z`,
    );
    expect(((await answer.json()) as { readings: unknown[] }).readings).toEqual([]);
    expect(published).toBe(0);
  }, 60_000);
});
