import { z } from "zod";
import type { HandlerFailure } from "../memory/config.ts";

/** "host:port,host:port" or a list; blanks dropped. */
const brokersSchema = z.preprocess(
  (value) =>
    typeof value === "string"
      ? value
          .split(",")
          .map((b) => b.trim())
          .filter((b) => b.length > 0)
      : value,
  z
    .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, "expected host:port"))
    .min(1, "at least one broker (host:port)"),
);

const sslSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** PEM text of the CA certificate(s) that signed the brokers' certificates. */
    ca: z.string().optional(),
    /** PEM client certificate and key, for brokers that require mutual TLS. */
    cert: z.string().optional(),
    key: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
  }),
]);

const saslSchema = z.strictObject({
  mechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"]),
  username: z.string().min(1),
  password: z.string(),
});

/** Backoff between redeliveries of a batch whose handler rejected: initialMs·2^(n−1), capped at maxMs. */
const redeliverySchema = z
  .strictObject({
    initialMs: z.number().int().min(1).default(100),
    maxMs: z.number().int().min(1).default(30_000),
  })
  .refine((r) => r.maxMs >= r.initialMs, { message: "maxMs must be >= initialMs", path: ["maxMs"] });

const consumerSchema = z
  .strictObject({
    /** The broker drops a member it has not heard from for this long (must lie within the broker's group.min/max.session.timeout.ms). */
    sessionTimeoutMs: z.number().int().min(1).default(30_000),
    /** How often a member tells the coordinator it is alive; also how soon it notices a rebalance. */
    heartbeatIntervalMs: z.number().int().min(1).default(3_000),
    /** How long the coordinator waits for members to rejoin during a rebalance. */
    rebalanceTimeoutMs: z.number().int().min(1).default(60_000),
    /** Longest a fetch waits for data; bounds how late a stop or a rebalance is noticed. */
    maxWaitTimeMs: z.number().int().min(0).default(1_000),
    /** Partitions whose batches are handled at the same time by one member (order within a partition is kept). */
    partitionsConsumedConcurrently: z.number().int().min(1).default(6),
  })
  .refine((c) => c.heartbeatIntervalMs < c.sessionTimeoutMs, {
    message: "heartbeatIntervalMs must be < sessionTimeoutMs",
    path: ["heartbeatIntervalMs"],
  });

/**
 * Configuration of the Kafka bus. Every field but `brokers` has a default; units are in the names.
 * Documented in packages/bus/README.md ("Kafka bus").
 */
export const kafkaBusConfigSchema = z.strictObject({
  /** Bootstrap brokers: a list or a comma-separated string of host:port. */
  brokers: brokersSchema,
  clientId: z.string().min(1).default("qingshan"),
  /** Topic names are `${topicPrefix}readings`, `…alerts`, `…deadletters`. */
  topicPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only")
    .default("qingshan."),
  /** Partitions of topics this bus creates (existing topics are left as they are). */
  partitions: z.number().int().min(1).max(10_000).default(6),
  /** Replication factor of topics this bus creates; 3 on a production cluster. */
  replicationFactor: z.number().int().min(1).default(1),
  /** Where a group without committed offsets starts: "earliest" loses nothing published before it existed. */
  newGroupStart: z.enum(["earliest", "latest"]).default("earliest"),
  ssl: sslSchema.optional(),
  sasl: saslSchema.optional(),
  connectionTimeoutMs: z.number().int().min(1).default(3_000),
  requestTimeoutMs: z.number().int().min(1).default(30_000),
  /**
   * Largest produce request (estimated encoded size) the bus sends; queued publishes are cut into
   * requests below it. Keep it under the brokers' `message.max.bytes` (default 1 MiB).
   */
  maxRequestBytes: z.number().int().min(4_096).default(900_000),
  /**
   * Most records in one produce request. kafkajs groups a request's records by partition in time
   * quadratic in their number (it copies the partition's list for each record), so a request of
   * thousands of small records costs the producer several times the CPU per record of one of 1000.
   */
  maxRequestRecords: z.number().int().min(1).default(1_000),
  /**
   * Carry a `publish({ together: true })`'s messages that share a key as one record (a JSON array,
   * marked by the `qingshan-packed` header) instead of one record each. Consumers of this version
   * read both; a consumer from before packing does not, so during a rolling upgrade from such a
   * version set it to false until every consumer runs this one.
   */
  packMessages: z.boolean().default(true),
  consumer: consumerSchema.prefault({}),
  /** Batch limit for subscriptions that do not set `maxBatch`. */
  defaultMaxBatch: z.number().int().min(1).default(1000),
  redelivery: redeliverySchema.prefault({}),
  /**
   * How long `stop()` and a subscription's `close()` wait, once in-flight handlers ended, for
   * kafkajs to commit, leave the group and disconnect (consumers, producer, admin client). With the
   * brokers gone kafkajs retries that for seconds; after this the bus stops waiting. Nothing
   * acknowledged is lost: offsets not committed are delivered again (at-least-once).
   */
  closeTimeoutMs: z.number().int().min(1).default(3_000),
  /** How often `depth()` (consumer lag, for /metrics) is refreshed from the brokers. */
  depthRefreshMs: z.number().int().min(10).default(5_000),
  /**
   * Consumer groups (a regular expression on the group id) that belong to one process only and
   * die with it: the API's live alert feed (`api-live-<uuid>`, a group per API process). They are
   * not counted in `depth()` (a dead one's lag would stay until Kafka expires its offsets), and the
   * bus deletes such a group when its subscription closes cleanly.
   */
  ephemeralGroups: z
    .string()
    .refine(
      (pattern) => {
        try {
          new RegExp(pattern);
          return true;
        } catch {
          return false;
        }
      },
      { message: "not a valid regular expression" },
    )
    .default("^api-live-"),
  /** kafkajs' own log lines at or above this level go to `onLog`. */
  logLevel: z.enum(["nothing", "error", "warn", "info", "debug"]).default("warn"),
});

export type KafkaBusSettings = z.output<typeof kafkaBusConfigSchema>;

/** One kafkajs log line. */
export interface KafkaLogEntry {
  readonly level: "error" | "warn" | "info" | "debug";
  readonly namespace: string;
  readonly message: string;
  readonly extra: Readonly<Record<string, unknown>>;
}

/** Input of `createKafkaBus`: the schema's input plus callbacks. */
export interface KafkaBusConfig extends z.input<typeof kafkaBusConfigSchema> {
  /** Called when a handler rejects (or throws); default writes one line to stderr. */
  readonly onHandlerError?: (error: unknown, failure: HandlerFailure) => void;
  /** Called when an `onAssigned` callback rejects; delivery proceeds. Default: one line to stderr. */
  readonly onAssignError?: (error: unknown, info: { topic: string; group: string }) => void;
  /**
   * Called for a record whose value is not JSON, or a packed record whose value is not a JSON array
   * of the count its header gives (not written by a Qingshan bus). It is skipped, with every message
   * it holds — it would otherwise block its partition forever. Default: one line to stderr.
   */
  readonly onDecodeError?: (
    error: unknown,
    info: { topic: string; group: string; partition: number; offset: string },
  ) => void;
  /** kafkajs log lines at or above `logLevel`; default: one line to stderr. */
  readonly onLog?: (entry: KafkaLogEntry) => void;
}
