import { join } from "node:path";
import { createMemoryBus } from "@qingshan/bus";
import { loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { freePort } from "@qingshan/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { startApiService } from "./services.ts";
import { cleanupsAfterEach } from "./testing/cleanups.ts";
import { repoRoot as root } from "./testing/cli-process.ts";
import { writeShippedConfig } from "./testing/shipped-config.ts";

const cleanups = cleanupsAfterEach();

/** GET /api/v1/rules of the API `qingshan` starts from `root`. */
async function rulesAnswer(from: string): Promise<{ status: number; ids: string[] }> {
  const { file, dataDir } = writeShippedConfig(cleanups, {});
  const config = loadConfig({
    root,
    file,
    env: {
      QINGSHAN_DATA_DIR: dataDir,
      QINGSHAN_SIMULATOR: "off",
      QINGSHAN_HTTP_PORT: String(await freePort()),
    },
  });
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const store = createDuckDbStore({ path: join(dataDir, "q.duckdb"), threads: 1 });
  await store.start();
  cleanups.push(() => store.stop());
  const registry = loadStationRegistry(config.stations);
  const api = await startApiService({ config, registry, logger: pino({ level: "silent" }), bus }, store, {
    root: from,
  });
  cleanups.push(() => api.stop());
  const response = await fetch(`${api.url}/api/v1/rules`);
  const body = (await response.json()) as { rules?: { id: string }[] };
  return { status: response.status, ids: (body.rules ?? []).map((r) => r.id) };
}

describe("GET /rules of the API qingshan starts", () => {
  it("lists the evaluator's rules file (evaluator.rulesFile, relative to the root)", async () => {
    const { status, ids } = await rulesAnswer(root);
    expect(status).toBe(200);
    expect(ids).toContain("aqi-hourly-heavy");
    expect(ids).toContain("dq-station-silent");
  });

  it("answers 503 when the rules file cannot be loaded there, and the API still starts", async () => {
    const { status } = await rulesAnswer(join(root, "no-such-dir"));
    expect(status).toBe(503);
  });
});
