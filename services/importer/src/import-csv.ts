import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type Rejection, type Station, stationTopic } from "@qingshan/domain";
import { type CsvError, parse } from "csv-parse";
import { type Batch, batchPayload, createBatcher } from "./batcher.ts";
import { type CsvLayout, detectLayout, normalizeName } from "./csv-layout.ts";
import { cellValue, csvTimestamp } from "./csv-values.ts";
import { ImportError, type ImportReason, type ImportRowError } from "./errors.ts";

/** What `submit` reports for one wire message: the same outcome the MQTT path would produce. */
export interface SubmitResult {
  readonly accepted: number;
  readonly rejections: readonly Rejection[];
}

/** Sends one wire message (`stations/{id}/{kind}`, JSON array of observations). */
export type Submit = (topic: string, payload: string) => Promise<SubmitResult>;

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rows: number;
  readonly accepted: number;
  readonly rejected: number;
}

export interface ImportOptions {
  readonly submit: Submit;
  /** Station lookup (a StationRegistry fits): gives each row's station kind for the topic. */
  readonly stations: { get(stationId: string): Station | undefined };
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Observations per submitted message, 1…500. Default 500. */
  readonly batchSize?: number;
  /** How many row errors the summary keeps, those of the lowest lines (all are counted). Default 100. */
  readonly maxErrors?: number;
  /** Field delimiter. Default ",". */
  readonly delimiter?: string;
}

export interface ImportSummary {
  /** Data rows read (the header and blank lines excluded). */
  readonly rows: number;
  /** Values found in the rows and submitted. */
  readonly values: number;
  /** Values that became readings. */
  readonly accepted: number;
  /** Rejected values plus rows rejected as a whole (CSV errors, unknown station, bad ts). */
  readonly rejected: number;
  readonly byReason: Partial<Record<ImportReason, number>>;
  /** The `maxErrors` errors of the lowest line numbers, sorted by line. */
  readonly errors: readonly ImportRowError[];
  readonly layout: CsvLayout["kind"];
}

const INDEX = /^\[(\d+)\](?:\.(values|flags|units)\.(.+)|\.(.+))?$/s;

/**
 * Imports a CSV file of readings through `submit`, streaming it (memory stays bounded whatever
 * the size). The layout (long or wide) is detected from the header. Bad rows are counted with
 * their line number and never stop the import; values go through `submit`, so they meet the
 * same validation as MQTT messages, and each rejection is traced back to its line.
 *
 * @example
 * const summary = await importCsv("readings.csv", {
 *   stations: registry,
 *   submit: (topic, payload) => postToImportEndpoint(topic, payload),
 * });
 * // { rows: 1200, values: 7200, accepted: 7188, rejected: 12, byReason: { "value.out_of_range": 3, … }, errors: [...] }
 */
export async function importCsv(filePath: string, options: ImportOptions): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 500) {
    throw new RangeError(`batchSize must be an integer in 1…500, got ${batchSize}`);
  }
  const maxErrors = options.maxErrors ?? 100;
  let totalBytes: number;
  try {
    totalBytes = (await stat(filePath)).size;
  } catch (error) {
    throw new ImportError("IMPORT_FILE", `cannot read ${filePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  let rows = 0;
  let values = 0;
  let accepted = 0;
  let rejected = 0;
  const byReason: Partial<Record<ImportReason, number>> = {};
  const errors: ImportRowError[] = [];
  let layout: CsvLayout | undefined;

  const reject = (line: number, code: ImportReason, message: string, count = 1, stationId?: string) => {
    rejected += count;
    byReason[code] = (byReason[code] ?? 0) + count;
    // Rejections of a batch arrive when it is sent, after later rows' own errors: keep the
    // lowest lines, not the first reported.
    errors.push({ line, code, message, ...(stationId ? { stationId } : {}) });
    if (errors.length > 2 * maxErrors) keepLowestLines();
  };
  const keepLowestLines = () => {
    errors.sort((a, b) => a.line - b.line);
    errors.length = Math.min(errors.length, maxErrors);
  };
  const summary = (): ImportSummary => {
    keepLowestLines();
    return {
      rows,
      values,
      accepted,
      rejected,
      byReason: { ...byReason },
      errors: [...errors],
      layout: layout?.kind ?? "long",
    };
  };

  let lastRecordLine = 0;
  const file = createReadStream(filePath);
  const parser = parse({
    bom: true,
    delimiter: options.delimiter ?? ",",
    info: true,
    relax_column_count: true,
    // A stray quote inside an unquoted field is kept as text rather than swallowing later rows.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // Runs in parse order (ahead of the consumer): where the last good record ended.
    on_record: (record: string[], context: { lines: number }) => {
      lastRecordLine = context.lines;
      return record;
    },
    on_skip: (error: CsvError | undefined) => {
      // A skipped record starts after the last good one; csv-parse only knows where it gave up.
      const line = lastRecordLine + 1;
      rows += 1;
      reject(line, "csv.malformed", `line ${line}: ${error?.message ?? "unparsable CSV"}`);
      return undefined;
    },
  });
  const batcher = createBatcher({ maxObservations: batchSize });

  async function send(batch: Batch): Promise<void> {
    const station = options.stations.get(batch.stationId) as Station;
    let result: SubmitResult;
    try {
      result = await options.submit(stationTopic(station.id, station.kind), batchPayload(batch));
    } catch (error) {
      throw new ImportError(
        "IMPORT_SUBMIT",
        `submit failed for station ${station.id}: ${(error as Error).message}`,
        {
          cause: error,
          summary: summary(),
        },
      );
    }
    accepted += result.accepted;
    for (const r of result.rejections) traceRejection(batch, r);
    options.onProgress?.({ bytesRead: file.bytesRead, totalBytes, rows, accepted, rejected });
  }

  function traceRejection(batch: Batch, r: Rejection): void {
    const m = INDEX.exec(r.path);
    const obs = m ? batch.observations[Number(m[1])] : undefined;
    if (!obs) {
      // The whole message: every value of the batch.
      const first = Math.min(...batch.observations.flatMap((o) => [...o.lines.values()]));
      reject(
        first,
        r.code,
        `lines of station ${batch.stationId} from ${first}: ${r.message}`,
        batch.values,
        batch.stationId,
      );
      return;
    }
    const metric = m?.[3];
    const line = metric !== undefined ? obs.lines.get(metric) : undefined;
    if (line !== undefined) {
      reject(line, r.code, `line ${line}: ${r.message.replace(/"\[\d+\]\./, '"')}`, 1, batch.stationId);
      return;
    }
    // The observation (ts, period, shape): every value in it.
    const first = Math.min(...obs.lines.values());
    reject(
      first,
      r.code,
      `line ${first}: ${r.message.replace(/"\[\d+\]\./, '"')}`,
      obs.lines.size,
      batch.stationId,
    );
  }

  try {
    for await (const { record, info } of file.pipe(parser) as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      // info.lines is the record's last line; a quoted field may span several.
      const line = info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
      if (!layout) {
        layout = detectLayout(record);
        continue;
      }
      rows += 1;
      if (record.length !== layout.width) {
        reject(line, "csv.columns", `line ${line}: ${record.length} fields, the header has ${layout.width}`);
        continue;
      }
      for (const batch of readRow(layout, record, line)) await send(batch);
    }
    for (const batch of batcher.drain()) await send(batch);
  } catch (error) {
    file.destroy();
    if (error instanceof ImportError) throw error;
    throw new ImportError("IMPORT_FILE", `reading ${filePath} failed: ${(error as Error).message}`, {
      cause: error,
      summary: summary(),
    });
  }
  if (!layout) throw new ImportError("IMPORT_HEADER", `${filePath} is empty: expected a header row`);
  options.onProgress?.({ bytesRead: totalBytes, totalBytes, rows, accepted, rejected });
  return summary();

  function readRow(layout: CsvLayout, record: string[], line: number): Batch[] {
    const stationId = (record[layout.station] ?? "").trim();
    if (stationId === "") {
      reject(line, "csv.field", `line ${line}: the station field is empty`);
      return [];
    }
    if (!options.stations.get(stationId)) {
      reject(line, "station.unknown", `line ${line}: station "${stationId}" is not registered`, 1, stationId);
      return [];
    }
    const tsText = record[layout.ts] ?? "";
    const ts = csvTimestamp(tsText);
    if (ts === undefined) {
      reject(
        line,
        "ts.invalid",
        `line ${line}: ts "${tsText}" is not ISO 8601 with an offset, "YYYY-MM-DD HH:mm[:ss]" (Beijing time) nor epoch ms`,
        1,
        stationId,
      );
      return [];
    }
    const periodText = layout.period !== undefined ? (record[layout.period] ?? "").trim() : "";
    const period = periodText === "" ? undefined : periodText;
    const ready: Batch[] = [];
    const add = (metric: string, cell: string, flagCell: string | undefined) => {
      const flag = flagCell?.trim();
      values += 1;
      ready.push(
        ...batcher.add(stationId, {
          ts,
          ...(period !== undefined ? { period } : {}),
          metric,
          value: cellValue(cell),
          ...(flag ? { flag } : {}),
          line,
        }),
      );
    };
    if (layout.kind === "long") {
      const metric = normalizeName(record[layout.metric] ?? "");
      const cell = record[layout.value] ?? "";
      if (metric === "" || cell.trim() === "") {
        reject(
          line,
          "csv.field",
          `line ${line}: the ${metric === "" ? "metric" : "value"} field is empty`,
          1,
          stationId,
        );
        return [];
      }
      add(metric, cell, layout.flag !== undefined ? record[layout.flag] : undefined);
    } else {
      // An empty cell in a wide row is a value the station did not report, not an error.
      for (const column of layout.metrics) {
        const cell = record[column.index] ?? "";
        if (cell.trim() === "") continue;
        add(column.metric, cell, column.flag !== undefined ? record[column.flag] : undefined);
      }
    }
    return ready;
  }
}
