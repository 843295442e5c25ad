import { z } from "zod";

/**
 * Writer configuration: one defaults object, units in the names, validated once by createWriter
 * (STYLE.md "Config"). Documented in services/writer/README.md.
 */
export const writerConfigSchema = z.strictObject({
  /** Backoff between store write attempts: initialMs·2^(n−1), capped at maxMs. */
  retry: z
    .strictObject({
      initialMs: z.number().int().min(1).default(100),
      maxMs: z.number().int().min(1).default(30_000),
    })
    .refine((r) => r.maxMs >= r.initialMs, { message: "maxMs must be >= initialMs", path: ["maxMs"] })
    .default({ initialMs: 100, maxMs: 30_000 }),
  /** Largest batch of readings written in one store call. */
  maxBatch: z.number().int().min(1).default(60_000),
  /** Largest batch of dead letters written in one store call. */
  deadLetterMaxBatch: z.number().int().min(1).default(1000),
  /**
   * The local readings log (readings-log.ts): with a directory, a bus batch is acknowledged once
   * its readings are synced to the log, and they are stored every `lingerMs` in larger writes.
   * For the in-process bus (`qingshan start`); with Kafka, Kafka keeps unacknowledged batches.
   */
  log: z
    .strictObject({
      dir: z.string().min(1).nullable().default(null),
      lingerMs: z.number().int().min(0).max(60_000).default(100),
      maxPendingReadings: z.number().int().min(1).default(600_000),
      segmentBytes: z
        .number()
        .int()
        .min(4096)
        .default(16 * 1024 * 1024),
    })
    .default({ dir: null, lingerMs: 100, maxPendingReadings: 600_000, segmentBytes: 16 * 1024 * 1024 }),
  readingsGroup: z.string().min(1).default("writer"),
  deadLettersGroup: z.string().min(1).default("writer-deadletters"),
});

export type WriterSettings = z.output<typeof writerConfigSchema>;
export type WriterConfig = z.input<typeof writerConfigSchema>;

/**
 * Validates and freezes writer settings; throws an Error naming each invalid field.
 *
 * @example
 * parseWriterConfig({ retry: { initialMs: 50, maxMs: 5000 } }).maxBatch; // 60000
 */
export function parseWriterConfig(config: WriterConfig): Readonly<WriterSettings> {
  const parsed = writerConfigSchema.safeParse(config);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`writer configuration invalid: ${detail}`, { cause: parsed.error });
  }
  return Object.freeze({
    ...parsed.data,
    retry: Object.freeze({ ...parsed.data.retry }),
    log: Object.freeze({ ...parsed.data.log }),
  });
}
