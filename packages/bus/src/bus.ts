/**
 * The message bus between Qingshan's services.
 *
 * Semantics every adapter keeps (checked by the contract suite in `./testing`):
 * - Messages are keyed (by station id); messages with the same key are delivered in publish
 *   order to each consumer group (one partition per key in Kafka).
 * - At-least-once: a message is redelivered to a group until that group's handler has resolved
 *   for the batch containing it (Kafka: offsets committed only after the handler resolves).
 *   Handlers must therefore be idempotent (the store is, on station+metric+ts).
 * - `publish` resolves once the bus has durably accepted the messages. For the in-process bus,
 *   "durable" means: every subscription opened with `durable: true` (the writer) has processed
 *   them — so an MQTT message acknowledged after `publish` resolves is already stored.
 *
 * Lifecycle: create validates config without I/O; `start` connects; `stop` stops consuming,
 * waits for in-flight handler calls to finish, then disconnects.
 */
export const BUS_TOPICS = ["readings", "alerts", "deadletters"] as const;
export type BusTopic = (typeof BUS_TOPICS)[number];

export interface BusMessage<T> {
  /** Partitioning key: the station id (or "district"). */
  readonly key: string;
  readonly value: T;
}

export interface Delivery<T> extends BusMessage<T> {
  /** Partition the message was read from (in-process bus: hash of the key modulo its `partitions`). */
  readonly partition: number;
  /**
   * Position within the partition, as a decimal string (Kafka offsets exceed 2^53). The messages of
   * one `together` unit (Kafka: a packed record) share it.
   */
  readonly offset: string;
}

/** What a handler is told besides the batch. */
export interface DeliveryContext {
  /**
   * Aborted when the subscription is closing (or the bus stopping). A handler that is waiting to
   * retry should then reject: the batch stays unacknowledged and is redelivered later, and close/stop
   * do not hang on it.
   */
  readonly signal: AbortSignal;
}

/** Processes a batch; resolving acknowledges the whole batch, rejecting redelivers it. */
export type BatchHandler<T> = (batch: readonly Delivery<T>[], context: DeliveryContext) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group: each group receives every message once; members of a group share partitions. */
  readonly group: string;
  /**
   * Largest batch handed to the handler at once, in messages; a `together` unit is never split, so a
   * batch may exceed it by one unit's messages.
   */
  readonly maxBatch?: number;
  /** In-process bus: `publish` waits until durable subscriptions have processed the message. */
  readonly durable?: boolean;
  /**
   * Called when partitions are assigned to this member (Kafka rebalance; in memory once when subscribing
   * and again whenever a member of the group joins or leaves). No batch of a newly assigned partition
   * is delivered before the returned promise settles (the evaluator rebuilds its windows here).
   */
  readonly onAssigned?: (partitions: readonly number[]) => Promise<void> | void;
}

export interface PublishOptions {
  /**
   * The messages of this publish that share a key may be carried as one unit: they then share an
   * offset, reach a handler in the same batch (which may exceed its `maxBatch` by them), are
   * acknowledged and redelivered together, and count once in `depth()`. Per-key order is kept.
   * Kafka packs them into one record (its producer, brokers and consumers spend their CPU per
   * record); the in-process bus ignores it. For publishers whose consumers do not rely on
   * distinct offsets or a hard `maxBatch` (ingest's readings).
   */
  readonly together?: boolean;
}

export interface Subscription {
  /** Stops receiving; resolves after in-flight batches finished. */
  close(): Promise<void>;
}

/** What `Bus.health()` reports: whether the bus can work now, and if not, why. */
export interface BusHealth {
  readonly ok: boolean;
  /** "ok", or every problem found, e.g. `consumer of group "writer" on "readings" crashed: …`. */
  readonly detail: string;
}

export interface Bus {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Publishes `messages` (see the semantics above). A message larger than `maxMessageBytes(topic)`
   * is not published and not retried: the others of the call are, and once they were accepted the
   * call rejects with `BusMessageTooLargeError` (code `bus.message_too_large`) naming the oversize
   * ones (`rejected[].index`). Any other rejection means nothing is known to be accepted: retry.
   */
  publish<T>(topic: BusTopic, messages: readonly BusMessage<T>[], options?: PublishOptions): Promise<void>;
  subscribe<T>(topic: BusTopic, options: SubscribeOptions, handler: BatchHandler<T>): Promise<Subscription>;
  /** Messages published but not yet acknowledged by every group, per topic (for /metrics). */
  depth(): Readonly<Record<BusTopic, number>>;
  /**
   * The partition a message with this key is published to (and delivered from, `Delivery.partition`),
   * so a consumer can tell which keys its assigned partitions hold (the evaluator rebuilds exactly
   * the stations of its partitions). Kafka: needs `start()` (the topic's partition count comes from
   * the brokers); throws BusError "bus.not_started" before.
   */
  partitionFor(topic: BusTopic, key: string): number;
  /**
   * Largest message `publish` accepts on `topic`, as `messageSizeBytes` counts it (key plus JSON
   * value, UTF-8); `Infinity` when the adapter has no limit (in-process bus without
   * `maxMessageBytes`). Kafka: what fits in one produce request of `maxRequestBytes`.
   */
  maxMessageBytes(topic: BusTopic): number;
  /**
   * A consumer group's committed positions on `topic`: per partition, the offset of the next message
   * the group will receive there (decimal string), i.e. everything before it was acknowledged.
   * Partitions where the group has committed nothing are absent; an unknown group gives an empty map.
   * One admin request (Kafka) per call: for control decisions such as a takeover, not per message.
   * Throws BusError "bus.not_started" before `start`.
   */
  committedOffsets(group: string, topic: BusTopic): Promise<Map<number, string>>;
  /**
   * Whether the bus can work now, for readiness (/readyz): started and not stopped; Kafka: the
   * brokers answer, the producer's last request did not fail, and every subscription's consumer runs
   * (not crashed, not rejoining its group for longer than `rebalanceTimeoutMs`). Never rejects; the
   * detail names each problem and its reason.
   */
  health(): Promise<BusHealth>;
}
