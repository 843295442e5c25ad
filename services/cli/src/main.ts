#!/usr/bin/env node
import { CALCULATORS } from "./calc/calculators.ts";
import { runCalc } from "./calc/run-calc.ts";
import { CONFIG_ENV_VARS, debugEnabled, loadConfig, unknownEnvVarsWarning } from "./config.ts";
import { describeFailure } from "./errors.ts";
import { runImport } from "./import.ts";
import { listenFailure } from "./listen-error.ts";
import { isServiceName, startOneService } from "./run.ts";
import { SERVICE_NAMES } from "./services.ts";
import { runSimulate } from "./simulate.ts";
import { startPipeline } from "./start.ts";
import {
  COMMAND_USAGE,
  COMMANDS,
  type CommandName,
  parseArgsProblem,
  refuseExtra,
  UsageError,
  usageLine,
  wantsHelp,
} from "./usage.ts";

const USAGE = `qingshan — sensor-data ingestion and alerting for ecological monitoring networks

usage:
  qingshan start                                     run the whole pipeline in one process (embedded defaults, demo feed)
  qingshan run ingest|writer|evaluator|notifier|api  run one service as its own process (distributed mode: Kafka bus, InfluxDB store)
  qingshan simulate [--scenario NAME] [--acceleration N] [--backfill-days N] [--mqtt-url URL]
                                                     publish the demo network's readings over MQTT (to qingshan start's broker;
                                                     qingshan simulate --help for every option)
  qingshan import FILE.csv [--api URL] [--encoding utf-8|gbk|gb18030]
                                                     backfill history through the running API (MQTT's checks; history up to 3 660 days old;
                                                     --encoding gbk for Chinese Excel's "CSV (逗号分隔)")
  qingshan calc aqi|water|noi|hj212 < cases.jsonl   compute from the standards, JSON Lines in and out

options:
  --help, -h                                         this text; after a command, that command's usage (qingshan start --help)
  --debug                                            on failure, print the stack trace (also QINGSHAN_DEBUG=1)

A failure prints one message and exits with status 1; usage errors (an unknown option or argument) exit with 2.
Details: services/cli/README.md
`;

async function runStart(): Promise<number> {
  process.stderr.write(unknownEnvVarsWarning());
  const config = loadConfig();
  const pipeline = await startPipeline(config).catch((error: unknown) => {
    throw listenFailure(error, config) ?? error;
  });
  process.stdout.write(
    [
      "",
      "Qingshan is running (embedded mode).",
      `  dashboard      ${pipeline.apiUrl}/dashboard/`,
      `  API            ${pipeline.apiUrl}/api/v1/stations`,
      `  API docs       ${pipeline.apiUrl}/api/docs`,
      `  metrics        ${pipeline.apiUrl}/metrics`,
      `  MQTT broker    ${pipeline.brokerUrl}   (stations publish to stations/{stationId}/{kind})`,
      `  HJ 212 TCP     ${pipeline.hj212Port === undefined ? "off" : `port ${pipeline.hj212Port}`}`,
      `  data           ${config.dataDir}`,
      !config.simulator.enabled
        ? "  demo feed      off"
        : pipeline.demoStations.length === 0
          ? '  demo feed      off (no station marked "demo": true)'
          : `  demo feed      simulator, scenario "${config.simulator.scenario}", ${pipeline.demoStations.length} demo stations`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
  await waitForSignal();
  process.stdout.write("stopping: finishing in-flight work…\n");
  await pipeline.stop();
  return 0;
}

async function waitForSignal(): Promise<void> {
  await new Promise<void>((resolve) => {
    const onSignal = () => resolve();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
}

async function runOne(args: readonly string[]): Promise<number> {
  const name = args[0];
  if (name?.startsWith("-")) refuseExtra("run", args, 0);
  if (!isServiceName(name)) {
    process.stderr.write(
      `qingshan run: expected one of ${SERVICE_NAMES.join(", ")}, received "${name ?? ""}"\n`,
    );
    return 2;
  }
  refuseExtra("run", args, 1);
  process.stderr.write(unknownEnvVarsWarning());
  const config = loadConfig();
  const service = await startOneService(name, config).catch((error: unknown) => {
    throw listenFailure(error, config) ?? error;
  });
  process.stdout.write(`qingshan ${name} is running (distributed mode): ${service.httpUrl}/readyz\n`);
  await waitForSignal();
  process.stdout.write(`stopping ${name}: finishing in-flight work…\n`);
  await service.stop();
  return 0;
}

/** Environment variables understood by `qingshan start`, for the help text. */
export const ENVIRONMENT_HELP = CONFIG_ENV_VARS.map((v) => `  ${v.name.padEnd(34)} ${v.setting}`).join("\n");

const isCommand = (name: string | undefined): name is CommandName =>
  (COMMANDS as readonly (string | undefined)[]).includes(name);

/** The whole usage text with every environment variable (`qingshan --help`, `qingshan help`). */
const FULL_USAGE = `${USAGE}\nenvironment (over config/qingshan.yaml, or the file QINGSHAN_CONFIG names):\n${ENVIRONMENT_HELP}\n  ${"QINGSHAN_DEBUG".padEnd(34)} on failure, print the stack trace\n`;

/**
 * Dispatches a command line; resolves to the process exit status. `COMMAND --help` (or `-h`)
 * prints that command's usage and exits 0 without running it; an unknown option or an argument
 * a command does not take is a usage error: one line on stderr with the command's synopsis, 2.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (isCommand(command) && command !== "help" && wantsHelp(rest)) {
    process.stdout.write(`${COMMAND_USAGE[command]}\n`);
    return 0;
  }
  try {
    return await dispatch(command, rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${usageLine(error)}\n`);
    return 2;
  }
}

async function dispatch(command: string | undefined, rest: readonly string[]): Promise<number> {
  switch (command) {
    case "start":
      refuseExtra("start", rest, 0);
      return runStart();
    case "run":
      return runOne(rest);
    case "import":
      try {
        return await runImport(rest, loadConfig());
      } catch (error) {
        // node:util parseArgs' own error (unknown option, option without its value).
        const problem = parseArgsProblem(error);
        if (problem !== undefined) throw new UsageError("import", problem);
        throw error;
      }
    case "simulate":
      return runSimulate(rest, {
        stdout: process.stdout,
        stderr: process.stderr,
        loadConfig: () => loadConfig(),
        stopRequested: waitForSignal,
      });
    case "calc": {
      const name = rest[0];
      if (name === undefined || name.startsWith("-")) {
        if (name !== undefined) refuseExtra("calc", rest, 0);
        throw new UsageError("calc", `which calculator? expected one of ${CALCULATORS.join(", ")}`);
      }
      if (!(CALCULATORS as readonly string[]).includes(name)) {
        throw new UsageError(
          "calc",
          `expected one of ${CALCULATORS.join(", ")}, received ${JSON.stringify(name)}`,
        );
      }
      refuseExtra("calc", rest, 1);
      return runCalc(name, process.stdin, process.stdout);
    }
    case "help": {
      const about = rest.find((arg) => arg !== "--help" && arg !== "-h");
      if (about === undefined) {
        process.stdout.write(FULL_USAGE);
        return 0;
      }
      if (!isCommand(about)) throw new UsageError("help", `unknown command ${JSON.stringify(about)}`);
      refuseExtra(
        "help",
        rest.filter((arg) => arg !== "--help" && arg !== "-h"),
        1,
      );
      process.stdout.write(`${COMMAND_USAGE[about]}\n`);
      return 0;
    }
    case undefined:
      process.stdout.write(USAGE);
      return 2;
    case "--help":
    case "-h":
      process.stdout.write(FULL_USAGE);
      return 0;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/**
 * Runs a command line as the `qingshan` command does: a failure of setup or configuration prints
 * its message only; an unexpected one, or any with `--debug` / QINGSHAN_DEBUG=1, its stack too.
 * Resolves to the exit status (1 on failure).
 */
export async function runCli(
  argv: readonly string[],
  {
    stderr = process.stderr,
    env = process.env,
  }: { stderr?: NodeJS.WritableStream; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const debug = argv.includes("--debug") || debugEnabled(env);
  try {
    return await main(argv.filter((arg) => arg !== "--debug"));
  } catch (error) {
    stderr.write(`${describeFailure(error, debug)}\n`);
    return 1;
  }
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntryPoint) {
  const argv = process.argv.slice(2);
  const status = await runCli(argv);
  const command = argv.find((arg) => arg !== "--debug");
  // A stopped service is done: timers a client library keeps after an abandoned close (kafkajs
  // retries leaving a group whose brokers are gone, ~9 s) must not hold the process.
  if (command === "start" || command === "run") process.exit(status);
  process.exitCode = status;
}
