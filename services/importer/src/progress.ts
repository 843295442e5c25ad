import { Presets, SingleBar } from "cli-progress";
import type { ImportProgress } from "./import-csv.ts";

export interface ProgressReporter {
  /** Pass as `importCsv(…, { onProgress })`. */
  readonly onProgress: (progress: ImportProgress) => void;
  /** Stops the bar (call in a finally). */
  stop(): void;
}

/**
 * A terminal progress bar (cli-progress) over the bytes of the file, showing rows, accepted and
 * rejected counts. Writes to stderr so stdout stays free for the summary.
 *
 * @example
 * const progress = createProgressReporter();
 * try { await importCsv(path, { submit, stations, onProgress: progress.onProgress }) } finally { progress.stop() }
 */
export function createProgressReporter(
  options: { stream?: NodeJS.WritableStream; noTTYOutput?: boolean } = {},
): ProgressReporter {
  const bar = new SingleBar(
    {
      format: "importing [{bar}] {percentage}% | {rows} rows | {accepted} accepted | {rejected} rejected",
      stream: options.stream ?? process.stderr,
      noTTYOutput: options.noTTYOutput ?? false,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(p) {
      const payload = { rows: p.rows, accepted: p.accepted, rejected: p.rejected };
      if (!started) {
        bar.start(Math.max(p.totalBytes, 1), 0, payload);
        started = true;
      }
      bar.update(Math.min(p.bytesRead, p.totalBytes), payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
