import { DAY_MS } from "@qingshan/domain";
import { parseSimulatorArgs, SIMULATOR_USAGE } from "./cli-args.ts";
import { loadStationRegistry } from "./seeds.ts";
import { createSimulator } from "./simulator.ts";

// Composition root: the only module of the simulator that reads process.argv and process.env.
const args = parseSimulatorArgs(process.argv.slice(2), process.env);
if (args.help) {
  console.log(SIMULATOR_USAGE);
  process.exit(0);
}
const registry = loadStationRegistry(args.stations);
const now = Date.now();
const simulator = createSimulator({
  stations: registry.stations,
  mqttUrl: args.mqttUrl,
  scenario: args.scenario,
  acceleration: args.acceleration,
  seed: args.seed,
  dataGaps: args.dataGaps,
  ...(args.backfillMs !== undefined ? { startAt: now - args.backfillMs, schedule: "manual" as const } : {}),
});
await simulator.start();
if (args.backfillMs !== undefined) {
  const summary = await simulator.backfill({ from: now - args.backfillMs, to: now });
  console.log(
    `backfilled ${summary.observations} observations in ${summary.batches} messages (${args.backfillMs / DAY_MS} days)`,
  );
  await simulator.stop();
} else {
  console.log(
    `simulating ${registry.stations.length} stations, scenario ${args.scenario}, ×${args.acceleration}, from ${new Date(simulator.run.startAt).toISOString()}`,
  );
  const shutdown = async () => {
    await simulator.stop();
    console.log(`stopped: ${JSON.stringify(simulator.stats())}`);
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
