import { createReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import {
  checkValue,
  DATA_FLAGS,
  type Rejection,
  rejection,
  type Station,
  stationTopic,
} from "@qingshan/domain";
import { type CsvError, parse } from "csv-parse";
import { type Batch, batchPayload, createBatcher } from "./batcher.ts";
import { type CsvLayout, detectLayout, normalizeName } from "./csv-layout.ts";
import { cellValue, csvTimestamp, csvTimestampHint } from "./csv-values.ts";
import {
  bomMismatch,
  createDecodeStream,
  encodingError,
  findInvalidText,
  IMPORT_ENCODINGS,
  type ImportEncoding,
} from "./encoding.ts";
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
  readonly duplicates: number;
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
  /**
   * The file's text encoding: "utf-8" (default), "gbk" (what Chinese Excel saves as "CSV (逗号分隔)")
   * or "gb18030". The whole file is checked before anything is submitted (IMPORT_ENCODING).
   */
  readonly encoding?: ImportEncoding;
  /**
   * Stops the import: the submit in flight finishes, nothing more is read or submitted, and the
   * import fails with IMPORT_INTERRUPTED carrying the partial summary.
   */
  readonly signal?: AbortSignal;
}

export interface ImportSummary {
  /** Data rows read (the header and blank lines excluded). */
  readonly rows: number;
  /** Values found in the rows; all submitted, but for `stopped.unsent` when the import stopped early. */
  readonly values: number;
  /** Values that became readings: accepted, and the first of the file at their station, metric and time. */
  readonly accepted: number;
  /**
   * Accepted values at a station, metric and time an accepted value of the file already had: the
   * store keeps one reading per station + metric + ts, the later value (last one wins).
   */
  readonly duplicates: number;
  /** The `maxErrors` lowest lines holding a duplicate (each replaced an earlier line's value). */
  readonly duplicateLines: readonly number[];
  /** Rejected values plus rows rejected as a whole (CSV errors, unknown station, bad ts). */
  readonly rejected: number;
  readonly byReason: Partial<Record<ImportReason, number>>;
  /** The `maxErrors` errors of the lowest line numbers, sorted by line. */
  readonly errors: readonly ImportRowError[];
  readonly layout: CsvLayout["kind"];
  /** Only when the import stopped early (in ImportError.summary): where, and what was not submitted. */
  readonly stopped?: ImportStop;
}

/** Where an import stopped early. */
export interface ImportStop {
  /** The last line read; no later line was. */
  readonly line: number;
  /** Values read but never submitted (still batched, or in the batch whose submit failed). */
  readonly unsent: number;
  /**
   * Every row up to and including this line was dealt with — its values answered by `submit`
   * (accepted, duplicate or rejected) or the row rejected here; the first unsent value is on the
   * next row holding one. 1 (the header) when no row was, 0 before the header was read; `line`
   * when nothing read is unsent.
   */
  readonly confirmed: number;
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
 * // { rows: 1200, values: 7200, accepted: 7188, duplicates: 0, duplicateLines: [], rejected: 12,
 * //   byReason: { "value.out_of_range": 3, … }, errors: [...], layout: "long" }
 */
export async function importCsv(filePath: string, options: ImportOptions): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 500) {
    throw new RangeError(`batchSize must be an integer in 1…500, got ${batchSize}`);
  }
  const maxErrors = options.maxErrors ?? 100;
  const encoding = options.encoding ?? "utf-8";
  if (!IMPORT_ENCODINGS.includes(encoding)) {
    throw new RangeError(`encoding must be one of ${IMPORT_ENCODINGS.join(", ")}, got ${encoding}`);
  }
  const signal = options.signal;
  let stats: Stats;
  try {
    stats = await stat(filePath);
  } catch (error) {
    throw new ImportError("IMPORT_FILE", `cannot read ${filePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // The encoding check reads the file before the import reads it again: a pipe would be drained
  // by the check (the import then found it "empty"), and a FIFO's second open waits for a writer
  // that never comes, where not even SIGINT can stop it.
  if (!stats.isFile()) {
    throw new ImportError(
      "IMPORT_FILE",
      `${filePath} is not a regular file (a pipe, a FIFO or a device?): the import reads the file twice, first to check its whole encoding so that a file it cannot read imports nothing. Write it to a file first (e.g. zcat readings.csv.gz > readings.csv). Nothing was imported.`,
    );
  }
  const totalBytes = stats.size;

  let rows = 0;
  let values = 0;
  let accepted = 0;
  let duplicates = 0;
  const duplicateLines: number[] = [];
  let rejected = 0;
  // Values submitted whose outcome came back (accepted, duplicate or rejected).
  let settled = 0;
  let lastLine = 0;
  // Accepted times per station + metric: the store's key is station + metric + ts.
  const acceptedKeys = new Map<string, Set<number>>();
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
  const keepLowestDuplicates = () => {
    duplicateLines.sort((a, b) => a - b);
    duplicateLines.length = Math.min(duplicateLines.length, maxErrors);
  };
  const summary = (stopped = false): ImportSummary => {
    keepLowestLines();
    keepLowestDuplicates();
    return {
      rows,
      values,
      accepted,
      duplicates,
      duplicateLines: [...duplicateLines],
      rejected,
      byReason: { ...byReason },
      errors: [...errors],
      layout: layout?.kind ?? "long",
      ...(stopped
        ? { stopped: { line: lastLine, unsent: values - settled, confirmed: confirmedLine() } }
        : {}),
    };
  };
  const batcher = createBatcher({ maxObservations: batchSize });
  // Batches taken from the batcher and not yet answered: a failed submit leaves them unsent.
  let waiting: Batch[] = [];
  /** The line before the lowest line holding a value not answered (batched or waiting), else the last read. */
  const confirmedLine = (): number => {
    let lowest = batcher.lowestLine() ?? Number.POSITIVE_INFINITY;
    for (const batch of waiting) {
      for (const obs of batch.observations)
        for (const line of obs.lines.values()) lowest = Math.min(lowest, line);
    }
    return Math.min(lastLine, lowest - 1);
  };
  const interrupted = () =>
    new ImportError(
      "IMPORT_INTERRUPTED",
      `import of ${filePath} interrupted${lastLine > 0 ? ` after line ${lastLine}` : " before any row was read"}`,
      { cause: signal?.reason, summary: summary(true) },
    );

  // Check the whole file's encoding before anything is submitted: a file in another encoding
  // would otherwise go in partly, its text (stations, header) garbled.
  try {
    const bom = await bomMismatch(filePath, encoding);
    if (bom) throw bom;
    const invalid = await findInvalidText(filePath, encoding, signal);
    if (signal?.aborted) throw interrupted();
    if (invalid) throw encodingError(filePath, encoding, invalid);
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError("IMPORT_FILE", `cannot read ${filePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  let lastRecordLine = 0;
  const file = createReadStream(filePath);
  const decode = createDecodeStream(filePath, encoding);
  const parser = parse({
    // U+FEFF: a UTF-8 BOM is stripped by the decoder, a GB18030 one (0x84 0x31 0x95 0x33) is not.
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

  const source = file.pipe(decode).pipe(parser);
  // pipe() does not pass errors on: the parser's iteration must end with them.
  file.on("error", (error) => parser.destroy(error));
  decode.on("error", (error) => parser.destroy(error));

  /** Sends batches in order; those not answered stay in `waiting` when one fails. */
  async function sendAll(batches: Batch[]): Promise<void> {
    waiting = batches;
    while (waiting.length > 0) {
      await send(waiting[0] as Batch);
      waiting = waiting.slice(1);
    }
  }

  async function send(batch: Batch): Promise<void> {
    if (signal?.aborted) throw interrupted();
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
          summary: summary(true),
        },
      );
    }
    settled += batch.values;
    const refused = { batch: false, observations: new Set<number>(), values: new Set<string>() };
    for (const r of result.rejections) traceRejection(batch, r, refused);
    const repeated = refused.batch ? 0 : countDuplicates(batch, refused);
    accepted += Math.max(0, result.accepted - repeated);
    duplicates += repeated;
    options.onProgress?.({
      bytesRead: file.bytesRead,
      totalBytes,
      rows,
      accepted,
      duplicates,
      rejected,
    });
  }

  /** Accepted values of the batch whose station, metric and time an earlier accepted value had. */
  function countDuplicates(
    batch: Batch,
    refused: { observations: Set<number>; values: Set<string> },
  ): number {
    let repeated = 0;
    batch.observations.forEach((obs, index) => {
      if (refused.observations.has(index)) return;
      const ts = typeof obs.ts === "number" ? obs.ts : Date.parse(obs.ts);
      for (const [metric, line] of obs.lines) {
        if (refused.values.has(`${index}\u0000${metric}`)) continue;
        const key = `${batch.stationId}\u0000${metric}`;
        let times = acceptedKeys.get(key);
        if (!times) {
          times = new Set();
          acceptedKeys.set(key, times);
        }
        if (!times.has(ts)) {
          times.add(ts);
          continue;
        }
        repeated += 1;
        duplicateLines.push(line);
        if (duplicateLines.length > 2 * maxErrors) keepLowestDuplicates();
      }
    });
    return repeated;
  }

  function traceRejection(
    batch: Batch,
    r: Rejection,
    refused: { batch: boolean; observations: Set<number>; values: Set<string> },
  ): void {
    const m = INDEX.exec(r.path);
    const obs = m ? batch.observations[Number(m[1])] : undefined;
    if (!obs) {
      refused.batch = true;
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
      refused.values.add(`${m?.[1]}\u0000${metric}`);
      reject(line, r.code, `line ${line}: ${r.message.replace(/"\[\d+\]\./, '"')}`, 1, batch.stationId);
      return;
    }
    // The observation (ts, period, shape): every value in it.
    refused.observations.add(Number(m?.[1]));
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
    for await (const { record, info } of source as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      // Checked per record: rows already batched stay unsent (counted), none is read after this.
      if (signal?.aborted) throw interrupted();
      lastLine = info.lines;
      // info.lines is the record's last line; a quoted field may span several.
      const line = info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
      if (!layout) {
        layout = detectLayout(record, options.delimiter ?? ",");
        continue;
      }
      rows += 1;
      if (record.length !== layout.width) {
        reject(line, "csv.columns", `line ${line}: ${record.length} fields, the header has ${layout.width}`);
        continue;
      }
      await sendAll(readRow(layout, record, line));
    }
    await sendAll(batcher.drain());
  } catch (error) {
    file.destroy();
    if (error instanceof ImportError && (error.summary !== undefined || error.code === "IMPORT_HEADER")) {
      throw error;
    }
    if (error instanceof ImportError) {
      throw new ImportError(error.code, error.message.replace(/^[A-Z_]+: /, ""), {
        cause: error.cause,
        summary: summary(true),
      });
    }
    throw new ImportError("IMPORT_FILE", `reading ${filePath} failed: ${(error as Error).message}`, {
      cause: error,
      summary: summary(true),
    });
  }
  if (!layout) throw new ImportError("IMPORT_HEADER", `${filePath} is empty: expected a header row`);
  options.onProgress?.({ bytesRead: totalBytes, totalBytes, rows, accepted, duplicates, rejected });
  return summary();

  /**
   * What the decoder would also reject in a row refused before it is submitted (a bad ts): its
   * values, metrics and flags, checked by the same rules (checkValue), as texts.
   */
  function valueProblems(layout: CsvLayout, record: string[], station: Station): string[] {
    const problems: string[] = [];
    const check = (metric: string, cell: string, flagCell: string | undefined) => {
      const problem = checkValue(station, metric, cellValue(cell), `values.${metric}`);
      if (problem) problems.push(problem.message);
      const flag = flagCell?.trim();
      if (flag && !(DATA_FLAGS as readonly string[]).includes(flag)) {
        problems.push(
          rejection("flag.unknown", `flags.${metric}`, flag, `one of ${DATA_FLAGS.join(" ")}`).message,
        );
      }
    };
    if (layout.kind === "long") {
      const metric = normalizeName(record[layout.metric] ?? "");
      const cell = record[layout.value] ?? "";
      if (metric === "" || cell.trim() === "") {
        problems.push(`csv.field: the ${metric === "" ? "metric" : "value"} field is empty`);
      } else {
        check(metric, cell, layout.flag !== undefined ? record[layout.flag] : undefined);
      }
    } else {
      for (const column of layout.metrics) {
        const cell = record[column.index] ?? "";
        if (cell.trim() !== "")
          check(column.metric, cell, column.flag !== undefined ? record[column.flag] : undefined);
      }
    }
    return problems;
  }

  function alsoText(problems: readonly string[]): string {
    return problems.length === 0 ? "" : `; the row also has: ${problems.join("; ")}`;
  }

  function hintText(tsText: string): string {
    const hint = csvTimestampHint(tsText);
    return hint ? `: ${hint}` : "";
  }

  function readRow(layout: CsvLayout, record: string[], line: number): Batch[] {
    const stationId = (record[layout.station] ?? "").trim();
    if (stationId === "") {
      reject(line, "csv.field", `line ${line}: the station field is empty`);
      return [];
    }
    const station = options.stations.get(stationId);
    const tsText = record[layout.ts] ?? "";
    const ts = csvTimestamp(tsText);
    const tsProblem =
      ts === undefined
        ? `ts "${tsText}" is not ISO 8601 with an offset (2026-11-28T10:00:00+08:00), "YYYY-MM-DD HH:mm[:ss]" or "YYYYMMDDhhmm[ss]" (Beijing time, a date that exists) nor epoch ms (13 digits) or seconds (10)${hintText(tsText)}`
        : undefined;
    // A row rejected whole is counted once, by its first problem; its message names the others,
    // so that one look at the summary shows everything to mend in the row.
    if (!station) {
      const also = alsoText(tsProblem ? [tsProblem] : []);
      reject(
        line,
        "station.unknown",
        `line ${line}: station "${stationId}" is not registered${also}`,
        1,
        stationId,
      );
      return [];
    }
    if (ts === undefined) {
      reject(
        line,
        "ts.invalid",
        `line ${line}: ${tsProblem}${alsoText(valueProblems(layout, record, station))}`,
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
