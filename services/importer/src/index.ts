export { type Batch, batchPayload, createBatcher } from "./batcher.ts";
export { type CsvLayout, detectLayout, type LongLayout, type WideLayout } from "./csv-layout.ts";
export { cellValue, csvTimestamp, csvTimestampHint } from "./csv-values.ts";
export { BACKFILL_LIMITS, createDecoderSubmit, type DecoderSubmitOptions } from "./decoder-submit.ts";
export {
  IMPORT_ENCODINGS,
  type ImportEncoding,
  type InvalidText,
  importEncoding,
} from "./encoding.ts";
export {
  IMPORT_ERROR_CODES,
  IMPORT_REJECTION_CODES,
  ImportError,
  type ImportErrorCode,
  type ImportReason,
  type ImportRejectionCode,
  type ImportRowError,
} from "./errors.ts";
export {
  type ImportOptions,
  type ImportProgress,
  type ImportStop,
  type ImportSummary,
  importCsv,
  type Submit,
  type SubmitResult,
} from "./import-csv.ts";
export { createProgressReporter, type ProgressReporter } from "./progress.ts";
