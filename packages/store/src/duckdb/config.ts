import { DATA_FLAGS } from "@qingshan/domain";
import { z } from "zod";
import { StoreError } from "../errors.ts";

const DAY_MS = 86_400_000;

/**
 * Configuration of the DuckDB store. Every field has a default; units are in the names.
 * Documented in packages/store/README.md ("Configuration").
 */
export const duckDbStoreConfigSchema = z
  .object({
    /** Database file; its directory is created on start. ":memory:" keeps everything in RAM (not durable). */
    path: z.string().min(1).default("./data/qingshan.duckdb"),
    /** HJ 212 flags whose values enter hourly mean/min/max; Qingshan's default is N only (flags.ts). */
    validFlags: z.array(z.enum(DATA_FLAGS)).min(1).default(["N"]),
    retention: z
      .object({
        /** Raw readings older than this are deleted by applyRetention; null keeps them forever. */
        rawReadingsDays: z.number().positive().nullable().default(400),
        /** Dead letters older than this (by receivedAt) are deleted; null keeps them forever. */
        deadLetterDays: z.number().positive().nullable().default(90),
      })
      .default({ rawReadingsDays: 400, deadLetterDays: 90 }),
    hourlyRecompute: z
      .object({
        /**
         * What start does when validFlags differ from those the stored hourly aggregates were
         * computed with: "rebuild" recomputes every hour that still has raw readings; "fail" refuses
         * to start (store.valid_flags_changed).
         */
        onValidFlagsChange: z.enum(["rebuild", "fail"]).default("rebuild"),
      })
      .default({ onValidFlagsChange: "rebuild" }),
    /** DuckDB worker threads; null lets DuckDB use one per core. */
    threads: z.number().int().min(1).nullable().default(null),
    /**
     * WAL size (bytes) at which the store checkpoints right after a readings write, while the
     * writer lingers before its next one, instead of DuckDB doing it inside a later commit (a
     * 16 MB checkpoint took a write from ~20 to ~95 ms); DuckDB's own threshold becomes 4 × this,
     * a backstop for when a checkpoint cannot run (read transactions open). null leaves
     * checkpoints to DuckDB (its default 16 MB).
     */
    checkpointWalBytes: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(16 * 1024 * 1024),
    /** DuckDB memory limit, e.g. "1GB"; null keeps DuckDB's default (80 % of RAM). */
    memoryLimit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "a size like 512MB or 2GB")
      .nullable()
      .default(null),
  })
  .strict();

export type DuckDbStoreConfig = z.input<typeof duckDbStoreConfigSchema>;
export type DuckDbStoreSettings = Readonly<z.output<typeof duckDbStoreConfigSchema>>;

/**
 * Validates the configuration (no I/O) and returns it with defaults applied, frozen.
 *
 * @example
 * const settings = parseDuckDbStoreConfig({ path: "./data/q.duckdb" });
 * settings.retention.rawReadingsDays; // 400
 */
export function parseDuckDbStoreConfig(config: DuckDbStoreConfig = {}): DuckDbStoreSettings {
  const result = duckDbStoreConfigSchema.safeParse(config);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `store.${i.path.join(".")}: ${i.message}`).join("; ");
    throw new StoreError("store.config_invalid", issues, { cause: result.error });
  }
  return Object.freeze(result.data);
}

/**
 * Retention horizons in ms (Infinity = keep forever).
 *
 * @example
 * retentionMs(parseDuckDbStoreConfig()).rawReadingsMs; // 400 * 86_400_000
 */
export function retentionMs(settings: DuckDbStoreSettings): { rawReadingsMs: number; deadLettersMs: number } {
  const toMs = (days: number | null) =>
    days === null ? Number.POSITIVE_INFINITY : Math.round(days * DAY_MS);
  return {
    rawReadingsMs: toMs(settings.retention.rawReadingsDays),
    deadLettersMs: toMs(settings.retention.deadLetterDays),
  };
}
