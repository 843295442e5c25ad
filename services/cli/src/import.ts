import { parseArgs } from "node:util";
import { parseStationTopic, type Rejection } from "@qingshan/domain";
import {
  createProgressReporter,
  ImportError,
  type ImportSummary,
  importCsv,
  importEncoding,
  type SubmitResult,
} from "@qingshan/importer";
import { loadStationRegistry } from "@qingshan/simulator";
import type { QingshanConfig } from "./config.ts";
import { CliError, systemCode } from "./errors.ts";

interface ObservationsResponse {
  accepted?: number;
  rejections?: Rejection[];
  error?: { code?: string; message?: string; details?: { accepted?: number; rejections?: Rejection[] } };
}

/**
 * A `submit` that sends wire payloads through the running API's import endpoint
 * (`POST /api/v1/stations/:id/observations?backfill=true`): the same validation path as MQTT,
 * with the lateness limit lifted for history.
 */
export function createApiSubmit(apiUrl: string) {
  return async function submitToApi(topic: string, payload: string): Promise<SubmitResult> {
    const stationId = parseStationTopic(topic)?.stationId ?? "";
    const url = `${apiUrl}/api/v1/stations/${encodeURIComponent(stationId)}/observations?backfill=true`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload,
      });
    } catch (error) {
      // fetch rejects only when no HTTP answer came (refused, unknown host, blocked port…).
      const cause = (error as Error).cause;
      const reason = systemCode(error) ?? (cause instanceof Error ? cause.message : (error as Error).message);
      const code = (cause as { code?: unknown } | undefined)?.code;
      // Connected, then the connection closed before the answer: the API stopped (killed, crashed).
      if (code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE") {
        throw new CliError(
          `the Qingshan API at ${apiUrl} closed the connection without answering (${reason}): has Qingshan stopped?`,
          { cause: error },
        );
      }
      throw new CliError(
        `the Qingshan API at ${apiUrl} is not reachable (${reason}): is Qingshan running? ` +
          "Give its address with --api URL (default http://127.0.0.1:{http.port}, set by QINGSHAN_HTTP_PORT)",
        { cause: error },
      );
    }
    const body = (await response.json().catch(() => ({}))) as ObservationsResponse;
    if (response.status === 202) return { accepted: body.accepted ?? 0, rejections: body.rejections ?? [] };
    if (response.status === 400 && body.error?.details?.rejections) {
      return { accepted: body.error.details.accepted ?? 0, rejections: body.error.details.rejections };
    }
    throw new Error(`${url}: HTTP ${response.status} ${body.error?.message ?? ""}`.trim());
  };
}

const USAGE =
  "usage: qingshan import FILE.csv [--api http://localhost:8080] [--encoding utf-8|gbk|gb18030] [--delimiter ,|';'|tab]\n";

/** `--delimiter`'s text as the one field separator it names (`tab` and `\t` for a tab), or undefined. */
function importDelimiter(text: string): string | undefined {
  const delimiter = text === "tab" || text === "\\t" ? "\t" : text;
  return [...delimiter].length === 1 && !/["\r\n]/.test(delimiter) ? delimiter : undefined;
}

/**
 * `qingshan import FILE.csv [--api URL] [--encoding E] [--delimiter D]`: backfills history through the running
 * pipeline. SIGINT/SIGTERM stop it: the submit in flight finishes, the terminal is restored, the
 * partial summary is printed and the status is 130; a second signal stops at once.
 */
export async function runImport(args: readonly string[], config: QingshanConfig): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { api: { type: "string" }, encoding: { type: "string" }, delimiter: { type: "string" } },
  });
  const file = positionals[0];
  if (!file) {
    process.stderr.write(USAGE);
    return 2;
  }
  const encoding = importEncoding(values.encoding ?? "utf-8");
  if (!encoding) {
    process.stderr.write(
      `qingshan import: --encoding "${values.encoding}" is not utf-8, gbk or gb18030\n${USAGE}`,
    );
    return 2;
  }
  const delimiter = importDelimiter(values.delimiter ?? ",");
  if (!delimiter) {
    process.stderr.write(
      `qingshan import: --delimiter "${values.delimiter}" is not one character (other than a quote or line break), nor tab\n${USAGE}`,
    );
    return 2;
  }
  const apiUrl = (values.api ?? `http://127.0.0.1:${config.http.port}`).replace(/\/+$/, "");
  if (!URL.canParse(apiUrl))
    throw new CliError(`--api "${apiUrl}" is not a URL (e.g. http://localhost:8080)`);
  const registry = loadStationRegistry(config.stations);
  const progress = createProgressReporter();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    // The bar hid the cursor and turned line wrapping off: restore them before writing anything.
    progress.stop();
    if (!controller.signal.aborted) {
      controller.abort(signal);
      process.stderr.write(
        `${signal}: stopping the import of ${file} once the values in flight are answered (${signal} again to stop at once)…\n`,
      );
      return;
    }
    process.stderr.write(
      `qingshan: import of ${file} stopped at once (${signal}): the values in flight may or may not have been stored. ` +
        `${AGAIN}\n`,
    );
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const summary = await importCsv(file, {
      submit: createApiSubmit(apiUrl),
      stations: registry,
      onProgress: progress.onProgress,
      encoding,
      delimiter,
      signal: controller.signal,
    });
    progress.stop();
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.rejected > 0 ? 1 : 0;
  } catch (error) {
    progress.stop();
    if (error instanceof ImportError && error.code === "IMPORT_INTERRUPTED" && error.summary) {
      process.stdout.write(`${JSON.stringify(error.summary, null, 2)}\n`);
      process.stderr.write(`${interruptedMessage(file, String(controller.signal.reason), error.summary)}\n`);
      return 130;
    }
    const done = error instanceof ImportError ? error.summary : undefined;
    const dealtWith = done ? done.accepted + done.duplicates + done.rejected > 0 : false;
    // What was done before the stop (the API gone mid-import…), as an interrupted import prints it.
    if (done && dealtWith) process.stdout.write(`${JSON.stringify(done, null, 2)}\n`);
    if (error instanceof ImportError && error.cause instanceof CliError) {
      const cause = error.cause;
      if (!done || !dealtWith) throw new CliError(`import of ${file} stopped: ${cause.message}.`, { cause });
      throw new CliError(
        `import of ${file} stopped${stoppedText(done)}: ${cause.message}. ${partialText(done)}`,
        {
          cause,
        },
      );
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

const AGAIN =
  "Importing the file again is safe: a value already stored is written again, not added twice " +
  "(the store keeps one reading per station, metric and time).";

const stoppedText = (summary: ImportSummary) => {
  const stop = summary.stopped;
  return stop && stop.line > 0 ? ` after line ${stop.line}` : " before any row was read";
};

/** What an import that stopped midway did (the summary's counts, the last line dealt with) and did not do. */
function partialText(summary: ImportSummary): string {
  const stop = summary.stopped;
  const confirmed =
    stop && stop.confirmed > 1
      ? ` every row up to line ${stop.confirmed} was answered (accepted or rejected);`
      : "";
  const unsent = stop?.unsent ? ` ${stop.unsent} values read were not sent or not answered;` : "";
  return (
    `Before it stopped: ${summary.accepted} values accepted, ${summary.duplicates} duplicates, ` +
    `${summary.rejected} rejected;${confirmed}${unsent} no later line was read. ${AGAIN}`
  );
}

/** What an interrupted import did, and did not do. */
function interruptedMessage(file: string, signal: string, summary: ImportSummary): string {
  const stop = summary.stopped;
  const unsent = stop?.unsent ? ` ${stop.unsent} values read were not sent;` : "";
  return (
    `qingshan: import of ${file} interrupted (${signal})${stoppedText(summary)}: ${summary.accepted} values accepted, ` +
    `${summary.duplicates} duplicates, ${summary.rejected} rejected;${unsent} no later line was read. ${AGAIN}`
  );
}
