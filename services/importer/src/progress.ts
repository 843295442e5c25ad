import { Presets, SingleBar } from "cli-progress";
import type { ImportProgress } from "./import-csv.ts";

export interface ProgressReporter {
  /** Pass as `importCsv(…, { onProgress })`. */
  readonly onProgress: (progress: ImportProgress) => void;
  /**
   * Stops the bar and restores the terminal (cursor shown, line wrapping on); later progress is
   * not drawn. Call it in a finally, and on SIGINT before writing anything else.
   */
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
      format:
        "importing [{bar}] {percentage}% | {rows} rows | {accepted} accepted | {duplicates} duplicates | {rejected} rejected",
      stream: options.stream ?? process.stderr,
      noTTYOutput: options.noTTYOutput ?? false,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    onProgress(p) {
      if (stopped) return;
      const payload = { rows: p.rows, accepted: p.accepted, duplicates: p.duplicates, rejected: p.rejected };
      if (!started) {
        // Started where the file already is: a first frame at 0 % beside thousands of rows read
        // (the bar redraws at most every few frames) misled.
        bar.start(Math.max(p.totalBytes, 1), Math.min(p.bytesRead, p.totalBytes), payload);
        started = true;
      }
      bar.update(Math.min(p.bytesRead, p.totalBytes), payload);
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
