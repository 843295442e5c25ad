import { SIMULATOR_USAGE } from "@qingshan/simulator";
import { CALCULATORS } from "./calc/calculators.ts";
import { SERVICE_NAMES } from "./services.ts";

/** The commands `qingshan` runs, each answering `--help` / `-h` with its usage. */
export const COMMANDS = ["start", "run", "simulate", "import", "calc", "help"] as const;
export type CommandName = (typeof COMMANDS)[number];

/**
 * Each command's usage, printed by `qingshan COMMAND --help` (services/cli/README.md, "Commands").
 * The first line is the synopsis, repeated in a usage error's one line.
 */
export const COMMAND_USAGE: Readonly<Record<CommandName, string>> = {
  start: `usage: qingshan start

Runs every service in one process (embedded mode): the DuckDB store under dataDir, the in-process
bus, writer, notifier, evaluator, ingest (the embedded MQTT broker unless mqtt.url is set, the
HJ 212 TCP listener), the HTTP API and dashboard, and the demo feed when simulator.enabled.
Prints where everything is; Ctrl+C (SIGINT/SIGTERM) stops it after in-flight work.
Takes no arguments: settings come from config/qingshan.yaml (or QINGSHAN_CONFIG) and the
QINGSHAN_* variables, which \`qingshan --help\` lists.`,
  run: `usage: qingshan run ${SERVICE_NAMES.join("|")}

Runs one service as its own process (distributed mode). Needs bus.kind: kafka; every service but
ingest needs store.kind: influx. /healthz, /readyz and /metrics on http.port (the api serves
everything there). Ctrl+C (SIGINT/SIGTERM) stops it after in-flight work.`,
  simulate: SIMULATOR_USAGE,
  import: `usage: qingshan import FILE.csv [--api URL] [--encoding utf-8|gbk|gb18030] [--delimiter D]

Backfills history from a CSV file through the running API's import endpoint; progress on stderr,
the summary as JSON on stdout (status 1 when it counts rejected values or rows).
  --api URL          the Qingshan API (default http://127.0.0.1:{http.port}, QINGSHAN_HTTP_PORT)
  --encoding E       utf-8 (default), gbk or gb18030 (Chinese Excel's "CSV (逗号分隔)" is GBK)
  --delimiter D      the field separator, one character (default ,), or tab; ';' for European exports
Ctrl+C stops after the values in flight are answered (partial summary, status 130); importing
the file again is safe. CSV formats: services/importer/README.md.`,
  calc: `usage: qingshan calc ${CALCULATORS.join("|")} < cases.jsonl

The standards calculator: one JSON case per line on stdin, one JSON line out per case, in order;
a bad line gets {"error": …} and the run goes on (status 1). Input formats:
  aqi    {"period": "hour"|"day", "concentrations": {"pm25_24h": 88, …}, "date"?, "standard"?, "options"?}
  water  {"waterBody": "river"|"lake", "values": {"ph": 7.2, "do": 4.2, …}, "targetClass"?}
  noi    {"noi": 1500, "scheme"?: "candidate-a"|"candidate-b"}
  hj212  {"packet": "##…\\r\\n"}
Details: services/cli/README.md, "calc input formats".`,
  help: `usage: qingshan help [COMMAND]

The usage text with every QINGSHAN_* variable, or a command's usage (as qingshan COMMAND --help).`,
};

/** A command line a command cannot run: printed as one line with the command's synopsis. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    readonly command: CommandName,
    message: string,
  ) {
    super(message);
  }
}

/** True when `args` ask for help: `--help` or `-h` anywhere before a `--`. */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

/**
 * The one line a usage error prints: what is wrong, the command's synopsis and where the rest is.
 *
 * @example
 * usageLine(new UsageError("start", 'unexpected argument "now"'));
 * // 'qingshan start: unexpected argument "now"; usage: qingshan start (qingshan start --help)'
 */
export function usageLine(error: UsageError): string {
  const synopsis = (COMMAND_USAGE[error.command].split("\n")[0] ?? "").replace(/^usage: /, "");
  return `qingshan ${error.command}: ${error.message}; usage: ${synopsis} (qingshan ${error.command} --help)`;
}

/**
 * A node:util parseArgs error (unknown option, missing value, unexpected argument) in words
 * naming the option, or undefined for any other error.
 */
export function parseArgsProblem(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) return undefined;
  const message = (error as Error).message;
  const option = /'([^']+)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && option) return `unexpected argument "${option}"`;
  return message.split(/\.\s|\n/)[0] ?? message;
}

/**
 * Refuses arguments after the ones a command takes: `qingshan start now` or `qingshan calc aqi x`
 * must not run as if they were not there.
 */
export function refuseExtra(command: CommandName, args: readonly string[], taken: number): void {
  const extra = args.slice(taken);
  if (extra.length === 0) return;
  const options = extra.filter((arg) => arg.startsWith("-") && arg !== "-");
  if (options.length > 0) {
    throw new UsageError(command, `unknown option${options.length > 1 ? "s" : ""} ${options.join(", ")}`);
  }
  throw new UsageError(
    command,
    `unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((arg) => JSON.stringify(arg)).join(", ")}`,
  );
}
