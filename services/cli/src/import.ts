import { parseArgs } from "node:util";
import { parseStationTopic, type Rejection } from "@qingshan/domain";
import { createProgressReporter, ImportError, importCsv, type SubmitResult } from "@qingshan/importer";
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

/** `qingshan import FILE.csv [--api URL]`: backfills history through the running pipeline. */
export async function runImport(args: readonly string[], config: QingshanConfig): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { api: { type: "string" } },
  });
  const file = positionals[0];
  if (!file) {
    process.stderr.write("usage: qingshan import FILE.csv [--api http://localhost:8080]\n");
    return 2;
  }
  const apiUrl = (values.api ?? `http://127.0.0.1:${config.http.port}`).replace(/\/+$/, "");
  if (!URL.canParse(apiUrl))
    throw new CliError(`--api "${apiUrl}" is not a URL (e.g. http://localhost:8080)`);
  const registry = loadStationRegistry(config.stations);
  const progress = createProgressReporter();
  try {
    const summary = await importCsv(file, {
      submit: createApiSubmit(apiUrl),
      stations: registry,
      onProgress: progress.onProgress,
    });
    progress.stop();
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary.rejected > 0 ? 1 : 0;
  } catch (error) {
    progress.stop();
    if (error instanceof ImportError && error.cause instanceof CliError) {
      const cause = error.cause;
      const done = error.summary as { accepted?: number } | undefined;
      const before = done?.accepted
        ? ` ${done.accepted} values were imported before it stopped; importing the file again is safe.`
        : "";
      throw new CliError(`import of ${file} stopped: ${cause.message}.${before}`, { cause });
    }
    throw error;
  }
}
