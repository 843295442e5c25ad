import type { BatchHandler, Delivery, DeliveryContext, SubscribeOptions, Subscription } from "../bus.ts";
import type { HandlerFailure, MemoryBusSettings } from "./config.ts";
import type { Chunk } from "./message.ts";
import { PartitionQueue } from "./partition-queue.ts";

/** What a consumer group needs from its topic. */
export interface GroupContext {
  readonly topic: string;
  readonly settings: MemoryBusSettings;
  /** Queue space was freed; waiting publishers may proceed. */
  roomFreed(): void;
  handlerFailed(error: unknown, failure: HandlerFailure): void;
  assignFailed(error: unknown, group: string): void;
}

interface Member {
  readonly handler: BatchHandler<unknown>;
  readonly maxBatch: number;
  readonly onAssigned: SubscribeOptions["onAssigned"];
  assigned: readonly number[];
  /** Incremented on every assignment, so a slow onAssigned of an older one cannot unblock a newer one. */
  generation: number;
  /** True while onAssigned of the current assignment runs: its partitions are not delivered yet. */
  assigning: boolean;
  closed: boolean;
  closing: Promise<void> | undefined;
  /** Aborted when the member closes, so handlers waiting to retry can give up. */
  readonly closeSignal: AbortController;
  readonly inFlight: Set<Promise<void>>;
}

interface PartitionState {
  readonly index: number;
  readonly queue: PartitionQueue;
  /** A batch of this partition is with a handler or waiting for redelivery: later messages wait. */
  busy: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One consumer group of one topic: a queue per partition, members that split the partitions
 * (partition p belongs to member p mod n, in join order), and the delivery loop.
 *
 * Ordering: a partition has at most one batch outstanding (with a handler or waiting for
 * redelivery), and a batch is always taken from the head of the queue, so messages of a key
 * reach the group in publish order, also across redeliveries and member changes.
 */
export class ConsumerGroup {
  /** Messages queued in this group, acknowledged ones excluded (in-flight ones included). */
  queued = 0;
  /** Set once any member subscribed with `durable: true`; publishes then wait for this group. */
  durable = false;
  private readonly members: Member[] = [];
  private readonly partitions: PartitionState[];
  /** Per partition, the offset after the last acknowledged message (what Kafka would have committed). */
  private readonly committed: (number | undefined)[];
  private dispatchScheduled = false;
  /** Bound once: scheduling a dispatch must not allocate a closure per publish. */
  private readonly runDispatch = (): void => {
    this.dispatchScheduled = false;
    this.dispatch();
  };

  constructor(
    readonly name: string,
    private readonly context: GroupContext,
  ) {
    this.partitions = Array.from({ length: context.settings.partitions }, (_, index) => ({
      index,
      queue: new PartitionQueue(),
      busy: false,
      failures: 0,
      timer: undefined,
    }));
    this.committed = new Array(context.settings.partitions).fill(undefined);
  }

  /** Per partition, the offset after the last acknowledged message; partitions with none are absent. */
  committedOffsets(): Map<number, string> {
    const result = new Map<number, string>();
    this.committed.forEach((offset, partition) => {
      if (offset !== undefined) result.set(partition, String(offset));
    });
    return result;
  }

  /** Queues the messages of one publish that went to `partition`. */
  enqueue(partition: number, chunk: Chunk): void {
    const state = this.partitions[partition];
    if (state === undefined) throw new Error(`partition ${partition} out of range`);
    state.queue.push(chunk);
    this.queued += chunk.deliveries.length;
    this.scheduleDispatch();
  }

  /** Messages of `partition` this group has not acknowledged (in-flight ones included). */
  queuedIn(partition: number): number {
    return this.partitions[partition]?.queue.size ?? 0;
  }

  /** Adds a member; resolves once its first `onAssigned` has completed. */
  async join(options: SubscribeOptions, handler: BatchHandler<unknown>): Promise<Subscription> {
    const member: Member = {
      handler,
      maxBatch: options.maxBatch ?? this.context.settings.defaultMaxBatch,
      onAssigned: options.onAssigned,
      assigned: [],
      generation: 0,
      assigning: false,
      closed: false,
      closing: undefined,
      closeSignal: new AbortController(),
      inFlight: new Set(),
    };
    if (options.durable === true) this.durable = true;
    this.members.push(member);
    await this.rebalance(member);
    return { close: () => this.leave(member) };
  }

  /** Closes every member, waiting for their in-flight batches. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.members].map((member) => this.leave(member)));
  }

  /** After closeAll: cancels pending redeliveries and returns what was never acknowledged. */
  discard(): Chunk[] {
    const left: Chunk[] = [];
    for (const partition of this.partitions) {
      if (partition.timer !== undefined) clearTimeout(partition.timer);
      partition.timer = undefined;
      partition.busy = false;
      left.push(...partition.queue.drain());
    }
    this.queued = 0;
    return left;
  }

  private leave(member: Member): Promise<void> {
    if (member.closing !== undefined) return member.closing;
    member.closed = true;
    member.closeSignal.abort(
      new Error(`subscription of group "${this.name}" on "${this.context.topic}" closing`),
    );
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    // The remaining members take over; a moved partition waits until this member's batch of it is done.
    void this.rebalance(undefined);
    member.closing = (async function drainMember() {
      while (member.inFlight.size > 0) await Promise.allSettled([...member.inFlight]);
    })();
    return member.closing;
  }

  /** Reassigns partitions; calls onAssigned of members whose assignment changed (and of `joined`). */
  private rebalance(joined: Member | undefined): Promise<void> {
    const calls: Promise<void>[] = [];
    const count = this.members.length;
    this.members.forEach((member, position) => {
      const assigned = this.partitions.map((p) => p.index).filter((p) => p % count === position);
      const changed =
        assigned.length !== member.assigned.length || assigned.some((p, i) => member.assigned[i] !== p);
      if (!changed && member !== joined) return;
      member.assigned = assigned;
      calls.push(this.announce(member));
    });
    this.scheduleDispatch();
    return Promise.all(calls).then(() => undefined);
  }

  private async announce(member: Member): Promise<void> {
    const generation = ++member.generation;
    if (member.onAssigned === undefined) return;
    member.assigning = true;
    try {
      await member.onAssigned(member.assigned);
    } catch (error) {
      // Delivery proceeds: an adapter cannot refuse partitions; the failure is reported.
      this.context.assignFailed(error, this.name);
    } finally {
      if (member.generation === generation) {
        member.assigning = false;
        this.scheduleDispatch();
      }
    }
  }

  private owner(partition: number): Member | undefined {
    const count = this.members.length;
    return count === 0 ? undefined : this.members[partition % count];
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    // Coalesces the enqueues of one publish (and of one tick) into one pass: natural batching.
    queueMicrotask(this.runDispatch);
  }

  private dispatch(): void {
    for (const partition of this.partitions) {
      if (partition.busy || partition.queue.size === 0) continue;
      const member = this.owner(partition.index);
      if (member === undefined || member.closed || member.assigning) continue;
      this.deliver(member, partition);
    }
  }

  private deliver(member: Member, partition: PartitionState): void {
    partition.busy = true;
    const batch = partition.queue.peek(member.maxBatch);
    const call = invoke(member.handler, batch, { signal: member.closeSignal.signal }).then(
      () => {
        partition.failures = 0;
        this.acknowledge(partition, batch);
        partition.busy = false;
        this.scheduleDispatch();
      },
      (error: unknown) => {
        partition.failures++;
        const { initialMs, maxMs } = this.context.settings.redelivery;
        const retryInMs = Math.min(maxMs, initialMs * 2 ** Math.min(partition.failures - 1, 30));
        this.context.handlerFailed(error, {
          topic: this.context.topic,
          group: this.name,
          partition: partition.index,
          batchSize: batch.length,
          attempt: partition.failures,
          retryInMs,
        });
        // The batch stays at the head of the queue and the partition stays busy: at-least-once,
        // and no later message of these keys overtakes it.
        partition.timer = setTimeout(() => {
          partition.timer = undefined;
          partition.busy = false;
          this.scheduleDispatch();
        }, retryInMs);
      },
    );
    member.inFlight.add(call);
    void call.finally(() => member.inFlight.delete(call));
  }

  private acknowledge(partition: PartitionState, batch: readonly Delivery<unknown>[]): void {
    const last = batch[batch.length - 1];
    if (last !== undefined) this.committed[partition.index] = Number(last.offset) + 1;
    // Counts the messages on their publishes' tickets (a durable publish resolves at its last).
    this.queued -= partition.queue.take(batch.length);
    this.context.roomFreed();
  }
}

/** Calls a handler so that a synchronous throw becomes a rejection. */
async function invoke(
  handler: BatchHandler<unknown>,
  batch: readonly Delivery<unknown>[],
  context: DeliveryContext,
): Promise<void> {
  await handler(batch, context);
}
