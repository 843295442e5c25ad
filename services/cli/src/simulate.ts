import { DAY_MS } from "@qingshan/domain";
import {
  createSimulator,
  loadStationRegistry,
  parseSimulatorArgs,
  SIMULATOR_USAGE,
  SimulatorUsageError,
} from "@qingshan/simulator";
import type { QingshanConfig } from "./config.ts";
import { CliError, systemCode } from "./errors.ts";
import { brokerLoginOf, brokerUrlOf, loginRefusal } from "./services.ts";
import { countOf } from "./text.ts";

export interface SimulateIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** The Qingshan configuration, read only when the command line leaves the broker or the stations out. */
  readonly loadConfig: () => QingshanConfig;
  /** Resolves when the live feed should stop (SIGINT/SIGTERM). */
  readonly stopRequested: () => Promise<void>;
}

const BROKER_SETTINGS = "mqtt.url (QINGSHAN_MQTT_URL), else mqtt.embeddedPort (QINGSHAN_MQTT_PORT)";

/**
 * `qingshan simulate [options]`: publishes the demo network's readings to the broker
 * `qingshan start` uses (brokerUrlOf the configuration) unless `--mqtt-url` names another.
 * Resolves to the exit status: 2 for a usage error (printed with the usage), 0 when the backfill
 * is published or the feed stopped; a broker that cannot be reached throws a CliError.
 *
 * @example
 * await runSimulate(["--backfill-days", "1"], { stdout, stderr, loadConfig, stopRequested });
 */
export async function runSimulate(argv: readonly string[], io: SimulateIo): Promise<number> {
  let args: ReturnType<typeof parseSimulatorArgs>;
  try {
    args = parseSimulatorArgs(argv);
  } catch (error) {
    if (!(error instanceof SimulatorUsageError)) throw error;
    io.stderr.write(`qingshan simulate: ${error.message}\n\n${SIMULATOR_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(`${SIMULATOR_USAGE}\n`);
    return 0;
  }
  const config = args.mqttUrl === undefined || args.stations === undefined ? io.loadConfig() : undefined;
  const mqttUrl = args.mqttUrl ?? (config && brokerUrlOf(config));
  if (mqttUrl === undefined) {
    throw new CliError(
      "mqtt.embeddedPort is 0 (qingshan start picks a free port): give the broker with --mqtt-url",
    );
  }
  const stationsFile = args.stations ?? config?.stations;
  const registry = loadStationRegistry(stationsFile);
  // The simulator invents readings: it publishes only as stations marked "demo": true, never as
  // a real one (same-key writes would replace the station's own readings).
  const demo = registry.stations.filter((s) => s.demo);
  if (demo.length === 0) {
    throw new CliError(
      `no station of ${stationsFile ?? "the station registry"} is marked "demo": true: the simulator publishes invented readings only as demo stations, never as real ones`,
    );
  }
  const now = Date.now();
  const simulator = createSimulator({
    stations: demo,
    mqttUrl,
    // The configuration's login when the broker is its mqtt.url; another broker's goes in its URL (user:password@).
    ...(config ? brokerLoginOf(mqttUrl, config.mqtt) : {}),
    scenario: args.scenario,
    acceleration: args.acceleration,
    seed: args.seed,
    dataGaps: args.dataGaps,
    ...(args.backfillMs !== undefined ? { startAt: now - args.backfillMs, schedule: "manual" as const } : {}),
  });
  try {
    await simulator.start();
  } catch (error) {
    const refusal = config && mqttUrl === config.mqtt.url ? loginRefusal(error, config.mqtt) : undefined;
    if (refusal) throw refusal;
    const code = systemCode(error);
    if (code === undefined) throw error;
    const from = args.mqttUrl === undefined ? ` (from ${BROKER_SETTINGS})` : "";
    throw new CliError(
      `no MQTT broker reachable at ${mqttUrl}${from} (${code}): start Qingshan (qingshan start), ` +
        "or give the broker with --mqtt-url",
      { cause: error },
    );
  }
  if (args.backfillMs !== undefined) {
    try {
      const summary = await simulator.backfill({ from: now - args.backfillMs, to: now });
      io.stdout.write(
        `backfilled ${summary.observations} observations of ${countOf(demo.length, "demo station")}${notDemoText(registry.stations.length - demo.length)} in ${summary.batches} messages to ${mqttUrl} (${countOf(args.backfillMs / DAY_MS, "day")})\n`,
      );
    } finally {
      await simulator.stop();
    }
    return 0;
  }
  io.stdout.write(
    `simulating ${countOf(demo.length, "demo station")}${notDemoText(registry.stations.length - demo.length)} to ${mqttUrl}, scenario ${args.scenario}, ×${args.acceleration}, from ${new Date(simulator.run.startAt).toISOString()}\n`,
  );
  await io.stopRequested();
  await simulator.stop();
  io.stdout.write(`stopped: ${JSON.stringify(simulator.stats())}\n`);
  return 0;
}

/** ", N stations not marked demo left alone" when the registry has real stations. */
function notDemoText(others: number): string {
  return others === 0 ? "" : ` (${countOf(others, "station")} not marked demo left alone)`;
}
