import { z } from "zod";

/** Backoff between redeliveries of a batch whose handler rejected: initialMs·2^(n−1), capped at maxMs. */
const redeliverySchema = z
  .object({
    initialMs: z.number().int().min(1).default(100),
    maxMs: z.number().int().min(1).default(30_000),
  })
  .refine((r) => r.maxMs >= r.initialMs, { message: "maxMs must be >= initialMs", path: ["maxMs"] });

/**
 * Configuration of the in-process bus. Every field has a default; units are in the names.
 * Documented in packages/bus/README.md ("Configuration").
 */
export const memoryBusConfigSchema = z.object({
  /** Partitions per topic; a key always maps to the same partition. */
  partitions: z.number().int().min(1).max(1024).default(8),
  /** Unacknowledged messages a consumer group may hold before `publish` waits (backpressure). */
  maxQueuedPerGroup: z.number().int().min(1).default(100_000),
  /** Batch size limit for subscriptions that do not set `maxBatch`. */
  defaultMaxBatch: z.number().int().min(1).default(1000),
  redelivery: redeliverySchema.default({ initialMs: 100, maxMs: 30_000 }),
  /**
   * Largest message (`messageSizeBytes`: key plus JSON value) `publish` accepts; unset = no limit
   * (and no measuring on the hot path). Lets embedded mode enforce the limit a Kafka deployment has.
   */
  maxMessageBytes: z.number().int().min(1).optional(),
  /** Per-topic limits overriding `maxMessageBytes` (as Kafka's topic `max.message.bytes` overrides the broker's). */
  topicMaxMessageBytes: z
    .strictObject({
      readings: z.number().int().min(1).optional(),
      alerts: z.number().int().min(1).optional(),
      deadletters: z.number().int().min(1).optional(),
    })
    .optional(),
});

export type MemoryBusSettings = z.output<typeof memoryBusConfigSchema>;

/** What a rejected handler call looked like; passed to `onHandlerError`. */
export interface HandlerFailure {
  readonly topic: string;
  readonly group: string;
  readonly partition: number;
  readonly batchSize: number;
  /** Consecutive failures of this partition, 1 for the first. */
  readonly attempt: number;
  /** Delay before the batch is delivered again. */
  readonly retryInMs: number;
}

export interface MemoryBusConfig
  extends Partial<Omit<MemoryBusSettings, "redelivery" | "topicMaxMessageBytes">> {
  readonly topicMaxMessageBytes?: MemoryBusSettings["topicMaxMessageBytes"];
  readonly redelivery?: Partial<MemoryBusSettings["redelivery"]>;
  /** Called when a handler rejects (or throws); default writes one line to stderr. */
  readonly onHandlerError?: (error: unknown, failure: HandlerFailure) => void;
  /** Called when an `onAssigned` callback rejects; default writes one line to stderr. */
  readonly onAssignError?: (error: unknown, info: { topic: string; group: string }) => void;
}
