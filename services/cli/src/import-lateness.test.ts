import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMemoryBus } from "@qingshan/bus";
import { importCsv } from "@qingshan/importer";
import { loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { freePort } from "@qingshan/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { createApiSubmit } from "./import.ts";
import { startApiService } from "./services.ts";
import { cleanupsAfterEach, tempDir } from "./testing/cleanups.ts";
import { repoRoot as root } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();

describe("qingshan import through the API's backfill endpoint", () => {
  it("rejects a row older than 10 × 366 days in Beijing time, naming the import's fixed lateness", async () => {
    const dataDir = tempDir(cleanups, "qingshan-cli-import-");
    const port = await freePort();
    const config = loadConfig({
      root,
      env: { QINGSHAN_DATA_DIR: dataDir, QINGSHAN_SIMULATOR: "off", QINGSHAN_HTTP_PORT: String(port) },
    });
    const bus = createMemoryBus();
    await bus.start();
    cleanups.push(() => bus.stop());
    const store = createDuckDbStore({ path: join(dataDir, "q.duckdb"), threads: 1 });
    await store.start();
    cleanups.push(() => store.stop());
    const registry = loadStationRegistry(config.stations);
    const api = await startApiService({ config, registry, logger: pino({ level: "silent" }), bus }, store);
    cleanups.push(() => api.stop());

    const file = join(dataDir, "ancient.csv");
    writeFileSync(file, "station,ts,metric,value\nld-aq-01,2001-01-01T08:00:00+08:00,pm25,30\n");
    const summary = await importCsv(file, { submit: createApiSubmit(api.url), stations: registry });
    expect(summary.byReason).toEqual({ "ts.too_late": 1 });
    expect(summary.errors[0]?.message).toMatch(
      /^line 2: ts\.too_late: "ts" is "2001-01-01T08:00:00\+08:00", expected no older than 3660 days before now \(the fixed lateness of an import of history, 10 × 366 days, not ingest\.maxLatenessHours\): from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+08:00 on$/,
    );
  });
});
