import { DATA_FLAGS } from "@qingshan/domain";
import { z } from "zod";
import { StoreError } from "../errors.ts";

const DAY_MS = 86_400_000;

/** InfluxDB names (database, retention policy): non-empty, no control characters. */
const name = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\p{Cc}]+$/u, "no control characters");

/** How requests authenticate. 1.x: none or basic; 2.x: token (or a v1 user via basic); 3.x: token. */
const authSchema = z.discriminatedUnion("scheme", [
  z.object({ scheme: z.literal("none") }).strict(),
  /** A 1.x user, or a 2.x v1-compatible authorization (`influx v1 auth create`). */
  z.object({ scheme: z.literal("basic"), username: z.string().min(1), password: z.string() }).strict(),
  /** `Authorization: Token <token>`: a 2.x API token or a 3.x database token. */
  z.object({ scheme: z.literal("token"), token: z.string().min(1) }).strict(),
]);

/**
 * Configuration of the InfluxDB store. Every field but `url` has a default; units are in the
 * names. Documented in packages/store/README.md ("InfluxDB adapter").
 */
export const influxStoreConfigSchema = z
  .object({
    /** Base URL of the server's 1.x HTTP API (/write, /query, /ping). */
    url: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:8086"),
    /** 1.x database; on 2.x the database of a DBRP mapping; on 3.x the database. */
    database: name.default("qingshan"),
    /** Retention policy written to and read from; null = the database's default policy. */
    retentionPolicy: name.nullable().default(null),
    auth: authSchema.default({ scheme: "none" }),
    /**
     * "ifMissing": start runs CREATE DATABASE (1.x; idempotent). "never": the database must exist
     * (2.x: bucket + DBRP mapping; 3.x creates databases on first write).
     */
    createDatabase: z.enum(["ifMissing", "never"]).default("ifMissing"),
    /** HJ 212 flags whose values enter hourly mean/min/max; Qingshan's default is N only. */
    validFlags: z.array(z.enum(DATA_FLAGS)).min(1).default(["N"]),
    retention: z
      .object({
        /** Raw readings older than this are deleted by applyRetention; null keeps them forever. */
        rawReadingsDays: z.number().positive().nullable().default(400),
        /** Dead letters older than this (by receivedAt) are deleted; null keeps them forever. */
        deadLetterDays: z.number().positive().nullable().default(90),
        /**
         * "delete": applyRetention runs InfluxQL DELETE (InfluxDB 1.x only). "server": applyRetention
         * deletes nothing and the server's retention policy / bucket retention period applies.
         */
        method: z.enum(["delete", "server"]).default("delete"),
      })
      .default({ rawReadingsDays: 400, deadLetterDays: 90, method: "delete" }),
    hourlyRecompute: z
      .object({
        /** At start, when validFlags differ from those stored hours were computed with. */
        onValidFlagsChange: z.enum(["rebuild", "fail"]).default("rebuild"),
      })
      .default({ onValidFlagsChange: "rebuild" }),
    /** Lines per /write request; a bigger call is split into several requests. */
    batchSize: z.number().int().min(1).max(100_000).default(5_000),
    /** Per HTTP request. */
    timeoutMs: z.number().int().positive().default(10_000),
    /**
     * Retries of one request inside a call when the server is unreachable, times out or answers
     * 429/5xx; after them the call rejects with store.unavailable and the caller backs off.
     */
    maxRetries: z.number().int().min(0).max(10).default(2),
    /** First retry delay, doubled per retry (a server's Retry-After wins). */
    retryDelayMs: z.number().int().min(0).default(200),
    /** Rows per page of a raw query; larger results are fetched in pages (1.x max-row-limit). */
    queryPageSize: z.number().int().min(1).default(10_000),
  })
  .strict();

export type InfluxStoreConfig = z.input<typeof influxStoreConfigSchema>;
export type InfluxStoreSettings = Readonly<z.output<typeof influxStoreConfigSchema>>;

/**
 * Validates the configuration (no I/O) and returns it with defaults applied, frozen.
 *
 * @example
 * const settings = parseInfluxStoreConfig({ url: "http://127.0.0.1:8086", database: "qingshan" });
 * settings.batchSize; // 5000
 */
export function parseInfluxStoreConfig(config: InfluxStoreConfig = {}): InfluxStoreSettings {
  const result = influxStoreConfigSchema.safeParse(config);
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
 * influxRetentionMs(parseInfluxStoreConfig()).rawReadingsMs; // 400 * 86_400_000
 */
export function influxRetentionMs(settings: InfluxStoreSettings): {
  rawReadingsMs: number;
  deadLettersMs: number;
} {
  const toMs = (days: number | null) =>
    days === null ? Number.POSITIVE_INFINITY : Math.round(days * DAY_MS);
  return {
    rawReadingsMs: toMs(settings.retention.rawReadingsDays),
    deadLettersMs: toMs(settings.retention.deadLetterDays),
  };
}
