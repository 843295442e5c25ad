#!/usr/bin/env node
import { runCalc } from "./calc/run-calc.ts";

const USAGE = `qingshan — sensor-data ingestion and alerting for ecological monitoring networks

usage:
  qingshan calc aqi|water|noi|hj212 < cases.jsonl   compute from the standards, JSON Lines in and out
`;

/** Dispatches a command line; resolves to the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "calc":
      return runCalc(rest[0], process.stdin, process.stdout);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntryPoint) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `qingshan: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
