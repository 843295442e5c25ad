import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import type { BatchHandler, Delivery, SubscribeOptions } from "../bus.ts";
import type { HandlerFailure } from "../memory/config.ts";
import type { KafkaBusConfig, KafkaBusSettings } from "./config.ts";
import { settleBy } from "./give-up.ts";
import { packedCount, unpackValues } from "./packing.ts";

/** What a subscription needs from its bus. */
export interface SubscriptionContext {
  readonly kafka: Kafka;
  readonly settings: KafkaBusSettings;
  /** The bus topic name (readings, alerts, deadletters), as handlers and callbacks see it. */
  readonly busTopic: string;
  /** The Kafka topic (with prefix). */
  readonly kafkaTopic: string;
  readonly onHandlerError: (error: unknown, failure: HandlerFailure) => void;
  readonly onAssignError: NonNullable<KafkaBusConfig["onAssignError"]>;
  readonly onDecodeError: NonNullable<KafkaBusConfig["onDecodeError"]>;
  /** Runs before each onAssigned (the bus refreshes the topic's partition count for partitionFor). */
  readonly beforeAssigned?: () => Promise<void>;
  readonly onCrash: (error: unknown, info: { topic: string; group: string; restart: boolean }) => void;
  /** A close that failed or was given up (after `closeTimeoutMs`). */
  readonly onCloseProblem: (message: string) => void;
}

/** Thrown by kafkajs when the group is rebalancing; must reach kafkajs so the member rejoins. */
function isRebalanceError(error: unknown): boolean {
  const e = error as { type?: string; name?: string } | undefined;
  return (
    e?.type === "REBALANCE_IN_PROGRESS" ||
    e?.type === "NOT_COORDINATOR_FOR_GROUP" ||
    e?.type === "ILLEGAL_GENERATION" ||
    e?.type === "UNKNOWN_MEMBER_ID"
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One member of one consumer group on one topic: its own kafkajs consumer (autoCommit off,
 * eachBatch, offsets resolved and committed only after the handler resolved).
 *
 * Ordering: kafkajs hands one batch per partition at a time; a rejected chunk is not resolved,
 * the partition is sought back to its first offset and paused for the backoff, so no later
 * message of the partition is delivered before it.
 */
export class KafkaSubscription {
  private readonly consumer: Consumer;
  private readonly maxBatch: number;
  private readonly closeSignal = new AbortController();
  private readonly failures = new Map<number, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /** Settles when onAssigned of the latest assignment settled; batches wait for it. */
  private assignmentReady: Promise<void> = Promise.resolve();
  private assignedPartitions: ReadonlySet<number> = new Set();
  /** Handler calls running now (settled, never rejecting), so close can wait for them alone. */
  private readonly handlerCalls = new Set<Promise<void>>();
  private disconnecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** The consumer's state for `problem()`: kafkajs' GROUP_JOIN, REBALANCING and CRASH events. */
  private status: {
    state: "starting" | "running" | "rejoining" | "crashed";
    since: number;
    reason?: string;
  } = {
    state: "starting",
    since: Date.now(),
  };

  constructor(
    private readonly context: SubscriptionContext,
    private readonly options: SubscribeOptions,
    private readonly handler: BatchHandler<unknown>,
  ) {
    const { consumer: c } = context.settings;
    this.maxBatch = options.maxBatch ?? context.settings.defaultMaxBatch;
    this.consumer = context.kafka.consumer({
      groupId: options.group,
      sessionTimeout: c.sessionTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
      rebalanceTimeout: c.rebalanceTimeoutMs,
      maxWaitTimeInMs: c.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      // kafkajs restarts a crashed consumer (brokers unreachable: retries exhausted) even after
      // disconnect() was called, forever while they stay away; a closing subscription must not.
      retry: { retries: 5, restartOnFailure: async () => !this.closeSignal.signal.aborted },
    });
    // kafkajs emits GROUP_JOIN after join+sync and before it fetches for the new generation.
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const partitions = [...(event.payload.memberAssignment[context.kafkaTopic] ?? [])].sort(
        (a, b) => a - b,
      );
      this.assignedPartitions = new Set(partitions);
      this.assignmentReady = this.announce(partitions);
      this.status = { state: "running", since: Date.now() };
    });
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      if (this.status.state !== "rejoining") this.status = { state: "rejoining", since: Date.now() };
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (this.closeSignal.signal.aborted) {
        // A close kafkajs is still retrying (brokers gone): not restarted, nothing left to consume.
        const error = event.payload.error;
        context.onCloseProblem(
          `the consumer of group "${options.group}" on "${context.busTopic}" failed while closing: ${error instanceof Error ? error.message : String(error)}`,
        );
        return;
      }
      const error = event.payload.error;
      this.status = {
        state: "crashed",
        since: Date.now(),
        reason: `${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${event.payload.restart ? " (restarting)" : " (not restarted)"}`,
      };
      context.onCrash(error, {
        topic: context.busTopic,
        group: options.group,
        restart: event.payload.restart,
      });
    });
  }

  get group(): string {
    return this.options.group;
  }

  /** Whether close (or the bus' stop) has begun. */
  get isClosing(): boolean {
    return this.closeSignal.signal.aborted;
  }

  /**
   * Why this member cannot consume now, for the bus' health: crashed (until it joined its group
   * again), or rejoining its group for longer than `rebalanceTimeoutMs`; undefined while it runs.
   */
  problem(now = Date.now()): string | undefined {
    const who = `consumer of group "${this.options.group}" on "${this.context.busTopic}"`;
    const seconds = Math.round((now - this.status.since) / 1000);
    if (this.closeSignal.signal.aborted) return undefined;
    if (this.status.state === "crashed") return `${who} crashed ${seconds} s ago: ${this.status.reason}`;
    if (
      this.status.state === "rejoining" &&
      now - this.status.since > this.context.settings.consumer.rebalanceTimeoutMs
    )
      return `${who} has been rejoining its group for ${seconds} s`;
    return undefined;
  }

  /** Connects, joins the group and starts consuming; resolves once the first onAssigned settled. */
  async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => {
      const remove = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        remove();
        // The listener above (registered first) has set assignmentReady for this join.
        void this.assignmentReady.then(resolve);
      });
    });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [this.context.kafkaTopic],
      fromBeginning: this.context.settings.newGroupStart === "earliest",
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.context.settings.consumer.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    await joined;
  }

  /**
   * Aborts the handlers' signal, stops fetching and starts leaving the group; resolves once no
   * handler call runs any more (no new one starts after the abort).
   */
  stopHandlers(): Promise<void> {
    if (this.disconnecting === undefined) {
      this.closeSignal.abort(
        new Error(`subscription of group "${this.options.group}" on "${this.context.busTopic}" closing`),
      );
      for (const timer of this.resumeTimers) clearTimeout(timer);
      this.resumeTimers.clear();
      // disconnect() waits for the running eachBatch calls (and their commits), then leaves the
      // group: its partitions go to the remaining members from the last committed offset.
      this.disconnecting = this.consumer.disconnect();
      // close() reports its failure; until it waits for it (after the handlers) it must not count as unhandled.
      this.disconnecting.catch(() => {});
    }
    return Promise.all([...this.handlerCalls]).then(() => {});
  }

  /**
   * `stopHandlers`, then waits for the consumer to commit, leave the group and disconnect until
   * `giveUpAt` (default: `closeTimeoutMs` after the handlers ended). With the brokers gone kafkajs
   * retries that for seconds: the wait then ends at `giveUpAt`, reported to `onCloseProblem`; what
   * was not committed is delivered again. Never rejects.
   */
  close(giveUpAt?: number): Promise<void> {
    this.closing ??= this.stopHandlers().then(() =>
      settleBy(
        this.disconnecting ?? Promise.resolve(),
        giveUpAt ?? Date.now() + this.context.settings.closeTimeoutMs,
        `the consumer of group "${this.options.group}" on "${this.context.busTopic}" to commit, leave the group and disconnect (closeTimeoutMs ${this.context.settings.closeTimeoutMs} ms; what it did not commit is delivered again)`,
        this.context.onCloseProblem,
      ),
    );
    return this.closing;
  }

  private async announce(partitions: readonly number[]): Promise<void> {
    if (this.options.onAssigned === undefined) return;
    try {
      await this.context.beforeAssigned?.();
      await this.options.onAssigned(partitions);
    } catch (error) {
      // Delivery proceeds: an adapter cannot refuse partitions; the failure is reported.
      this.context.onAssignError(error, { topic: this.context.busTopic, group: this.options.group });
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const partition = batch.partition;
    // No batch of a newly assigned partition before onAssigned settled (the evaluator rebuilds there).
    const assigning = await this.whileHeartbeating(this.assignmentReady, payload);
    if (assigning.rebalance !== undefined) throw assigning.rebalance;
    for (let start = 0; start < batch.messages.length; ) {
      if (!payload.isRunning() || payload.isStale() || this.closeSignal.signal.aborted) return;
      if (!this.assignedPartitions.has(partition)) return;
      const end = this.chunkEnd(batch.messages, start);
      const chunk = batch.messages.slice(start, end);
      start = end;
      const deliveries = this.decode(chunk, partition);
      const first = chunk[0];
      const last = chunk[chunk.length - 1];
      if (first === undefined || last === undefined) return;
      if (deliveries.length > 0) {
        const outcome = await this.whileHeartbeating(this.invoke(deliveries), payload);
        if (outcome.error !== undefined) {
          this.redeliverLater(payload, partition, first.offset, deliveries.length, outcome.error);
          if (outcome.rebalance !== undefined) throw outcome.rebalance;
          return;
        }
        this.failures.delete(partition);
        if (outcome.rebalance !== undefined) {
          await this.commit(payload, partition, last.offset);
          throw outcome.rebalance;
        }
      }
      await this.commit(payload, partition, last.offset);
    }
  }

  /** Resolves the chunk's last offset and commits the next one; a failed commit means redelivery, never loss. */
  private async commit(payload: EachBatchPayload, partition: number, lastOffset: string): Promise<void> {
    payload.resolveOffset(lastOffset);
    const next = (BigInt(lastOffset) + 1n).toString();
    await payload.commitOffsetsIfNecessary({
      topics: [{ topic: this.context.kafkaTopic, partitions: [{ partition, offset: next }] }],
    });
  }

  private async invoke(deliveries: readonly Delivery<unknown>[]): Promise<void> {
    let call: Promise<void>;
    try {
      call = Promise.resolve(this.handler(deliveries, { signal: this.closeSignal.signal }));
    } catch (error) {
      call = Promise.reject(error);
    }
    const ended = call.then(
      () => {},
      () => {},
    );
    this.handlerCalls.add(ended);
    void ended.then(() => this.handlerCalls.delete(ended));
    await call;
  }

  /**
   * Awaits `work` while sending heartbeats, so a long handler or onAssigned does not get the
   * member evicted. Returns the work's error (if any) and a rebalance noticed meanwhile.
   */
  private async whileHeartbeating(
    work: Promise<void>,
    payload: EachBatchPayload,
  ): Promise<{ error?: unknown; rebalance?: unknown }> {
    let done = false;
    let error: unknown;
    let failed = false;
    const settled = work.then(
      () => {
        done = true;
      },
      (e: unknown) => {
        done = true;
        failed = true;
        error = e;
      },
    );
    let rebalance: unknown;
    const interval = this.context.settings.consumer.heartbeatIntervalMs;
    while (!done) {
      await Promise.race([settled, sleep(interval)]);
      if (done || rebalance !== undefined) continue;
      try {
        await payload.heartbeat();
      } catch (e) {
        if (isRebalanceError(e)) rebalance = e;
      }
    }
    const result: { error?: unknown; rebalance?: unknown } = {};
    if (failed) result.error = error ?? new Error("handler rejected");
    if (rebalance !== undefined) result.rebalance = rebalance;
    return result;
  }

  /** Seeks the partition back to the failed chunk and pauses it for the backoff. */
  private redeliverLater(
    payload: EachBatchPayload,
    partition: number,
    firstOffset: string,
    batchSize: number,
    error: unknown,
  ): void {
    const attempt = (this.failures.get(partition) ?? 0) + 1;
    this.failures.set(partition, attempt);
    const { initialMs, maxMs } = this.context.settings.redelivery;
    const retryInMs = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
    this.context.onHandlerError(error, {
      topic: this.context.busTopic,
      group: this.options.group,
      partition,
      batchSize,
      attempt,
      retryInMs,
    });
    if (this.closeSignal.signal.aborted) return;
    this.consumer.seek({ topic: this.context.kafkaTopic, partition, offset: firstOffset });
    const resume = payload.pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, retryInMs);
    this.resumeTimers.add(timer);
  }

  /**
   * End (exclusive) of the chunk of records from `start` holding at most `maxBatch` messages; a
   * packed record is never split (its messages share one offset, which is committed whole), so a
   * chunk of one record may hold more.
   */
  private chunkEnd(records: readonly KafkaMessage[], start: number): number {
    let end = start;
    let count = 0;
    while (end < records.length) {
      const n = packedCount((records[end] as KafkaMessage).headers);
      if (count > 0 && count + n > this.maxBatch) break;
      count += n;
      end++;
    }
    return end;
  }

  /** A packed record becomes one delivery per message it holds, all with the record's offset. */
  private decode(messages: readonly KafkaMessage[], partition: number): Delivery<unknown>[] {
    const deliveries: Delivery<unknown>[] = [];
    for (const message of messages) {
      try {
        const values = unpackValues(message);
        const key = message.key?.toString("utf8") ?? "";
        for (const value of values) {
          deliveries.push(Object.freeze({ key, value, partition, offset: message.offset }));
        }
      } catch (error) {
        this.context.onDecodeError(error, {
          topic: this.context.busTopic,
          group: this.options.group,
          partition,
          offset: message.offset,
        });
      }
    }
    return deliveries;
  }
}
