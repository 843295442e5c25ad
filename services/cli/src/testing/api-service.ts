import { join } from "node:path";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import type { StationRegistry } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { freePort } from "@qingshan/testkit";
import type { Cleanups } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { loadConfig } from "../config.ts";
import { startApiService } from "../services.ts";
import { repoRoot } from "./cli-process.ts";

/** Test support: the API service as `qingshan` starts it, in this process, on its own bus and store. */

/**
 * Loads the configuration `file` (default: the shipped one) in the repository root with the data in
 * `dataDir`, no simulator and a free HTTP port, and starts the API service on a memory bus and a
 * DuckDB store in `dataDir`, loading the evaluator's rules relative to `root` (default: the working
 * directory, as `qingshan` does). Their stops are pushed onto `cleanups`; the API's URL, the stations
 * and the bus (readings the API accepts are published there).
 */
export async function startTestApi(
  cleanups: Cleanups,
  { dataDir, file, root }: { dataDir: string; file?: string; root?: string },
): Promise<{ url: string; registry: StationRegistry; bus: Bus }> {
  const config = loadConfig({
    root: repoRoot,
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
    root,
  });
  cleanups.push(() => api.stop());
  return { url: api.url, registry, bus };
}
