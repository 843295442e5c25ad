import type { RejectionCode } from "@qingshan/domain";
import type { ImportSummary } from "./import-csv.ts";

/**
 * Rejection codes the importer adds for problems found in the CSV text itself, before anything
 * reaches the wire decoder. Stable, never reused; every other code comes from the domain
 * catalogue (REJECTION_CODES), through the same decoder MQTT messages go through.
 */
export const IMPORT_REJECTION_CODES = {
  "csv.malformed": "the row cannot be parsed as CSV (quoting)",
  "csv.columns": "the row does not have as many fields as the header",
  "csv.field": "a required field (station, ts, metric, value) is empty",
} as const;
export type ImportRejectionCode = keyof typeof IMPORT_REJECTION_CODES;

/** Any code an import summary counts. */
export type ImportReason = RejectionCode | ImportRejectionCode;

/** One rejected item, located in the file. */
export interface ImportRowError {
  /** 1-based line number in the file (the first line of the row or of the batch concerned). */
  readonly line: number;
  readonly code: ImportReason;
  /** Station id of the row, when known. */
  readonly stationId?: string;
  readonly message: string;
}

/**
 * Errors that stop an import: the file cannot be read, is not text in its encoding, its header is
 * unusable, `submit` failed, the import was interrupted.
 */
export const IMPORT_ERROR_CODES = {
  IMPORT_FILE: "the file cannot be opened or read",
  IMPORT_HEADER: "the header row lacks a required column or is empty",
  IMPORT_SUBMIT: "submit() failed; rows after the failed batch were not imported",
  IMPORT_ENCODING: "the file is not valid text in the encoding it is read in; nothing was imported",
  IMPORT_INTERRUPTED: "the signal aborted: the submit in flight finished, nothing more was read or submitted",
} as const;
export type ImportErrorCode = keyof typeof IMPORT_ERROR_CODES;

/**
 * A fatal import error. `summary` holds what was counted before the stop, with `stopped` saying
 * where (for IMPORT_SUBMIT the failed batch is counted neither accepted nor rejected, but unsent).
 *
 * @example
 * try { await importCsv(path, options) } catch (e) { if (e instanceof ImportError) console.error(e.code, e.message) }
 */
export class ImportError extends Error {
  readonly code: ImportErrorCode;
  readonly summary: ImportSummary | undefined;

  constructor(
    code: ImportErrorCode,
    message: string,
    options: { cause?: unknown; summary?: ImportSummary } = {},
  ) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ImportError";
    this.code = code;
    this.summary = options.summary;
  }
}
