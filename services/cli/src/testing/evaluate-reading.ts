import { join } from "node:path";
import { createMemoryBus } from "@qingshan/bus";
import type { AlertEvent, Reading } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import type { Cleanups } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { loadConfig } from "../config.ts";
import { startEvaluatorService, startWriterService } from "../services.ts";
import { repoRoot } from "./cli-process.ts";

/**
 * Test support: every alert event the writer and evaluator `qingshan` starts from configuration
 * `file` (plus `env`; data in `dataDir`, simulator off) publish for one reading, on an in-process
 * bus and a DuckDB store; the evaluator is stopped once it has committed the reading, so its alert
 * events of that batch are all delivered.
 */
export async function alertsForReading(
  cleanups: Cleanups,
  options: { file: string; dataDir: string; env?: Record<string, string>; reading: Reading },
): Promise<AlertEvent[]> {
  const config = loadConfig({
    root: repoRoot,
    file: options.file,
    env: { QINGSHAN_DATA_DIR: options.dataDir, QINGSHAN_SIMULATOR: "off", ...options.env },
  });
  const ctx = {
    config,
    registry: loadStationRegistry(config.stations),
    logger: pino({ level: "silent" }),
    bus: createMemoryBus(),
  };
  await ctx.bus.start();
  cleanups.push(() => ctx.bus.stop());
  const store = createDuckDbStore({ path: join(options.dataDir, "q.duckdb"), threads: 1 });
  await store.start();
  cleanups.push(() => store.stop());
  const alerts: AlertEvent[] = [];
  await ctx.bus.subscribe<AlertEvent>("alerts", { group: "test" }, async (batch) => {
    alerts.push(...batch.map((d) => d.value));
  });
  const writer = await startWriterService(ctx, store);
  cleanups.push(() => writer.stop());
  const evaluator = await startEvaluatorService(ctx, store, repoRoot);
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : evaluator.stop()));
  const { reading } = options;
  await ctx.bus.publish("readings", [{ key: reading.stationId, value: reading }]);
  const partition = ctx.bus.partitionFor("readings", reading.stationId);
  await waitFor(
    async () => (await ctx.bus.committedOffsets("evaluator", "readings")).get(partition) === "1",
    { what: "the evaluator group committed the reading" },
  );
  // Stopping waits for the alert events of the batch to be published.
  await evaluator.stop();
  stopped = true;
  await waitFor(async () => ctx.bus.depth().alerts === 0, { what: "the alerts delivered" });
  return alerts;
}
