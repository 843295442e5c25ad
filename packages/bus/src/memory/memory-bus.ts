import {
  type BatchHandler,
  BUS_TOPICS,
  type Bus,
  type BusMessage,
  type BusTopic,
  type Delivery,
  type PublishOptions,
  type SubscribeOptions,
} from "../bus.ts";
import { BusError } from "../errors.ts";
import { BusMessageTooLargeError, messageSizeBytes, partitionBySize } from "../message-size.ts";
import { type MemoryBusConfig, type MemoryBusSettings, memoryBusConfigSchema } from "./config.ts";
import { ConsumerGroup, type GroupContext } from "./consumer-group.ts";
import { Fifo } from "./fifo.ts";
import { PublishTicket } from "./message.ts";
import { partitionOf } from "./partition-of.ts";

/** The in-process bus: a Bus plus its validated, frozen settings. */
export interface MemoryBus extends Bus {
  readonly settings: Readonly<MemoryBusSettings>;
}

interface Admission {
  readonly messages: readonly BusMessage<unknown>[];
  admit(done: { readonly stored: Promise<void> }): void;
  refuse(error: unknown): void;
}

interface TopicState {
  readonly name: BusTopic;
  readonly groups: Map<string, ConsumerGroup>;
  /** `groups`' values, kept as an array for the publish path. */
  readonly groupList: ConsumerGroup[];
  readonly nextOffset: number[];
  /** Publishes waiting for queue space, in call order (so non-awaited publishes keep their order). */
  readonly waiting: Fifo<Admission>;
}

type State = "created" | "running" | "stopping" | "stopped";

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Creates the in-process bus used in embedded mode. Validates `config` (throws BusError
 * "bus.config_invalid"); no I/O. See packages/bus/README.md for semantics and configuration.
 *
 * @example
 * const bus = createMemoryBus({ partitions: 8, maxQueuedPerGroup: 100_000 });
 * await bus.start();
 * await bus.subscribe<Reading>("readings", { group: "writer", durable: true, maxBatch: 5000 }, async (batch) => {
 *   await store.writeReadings(batch.map((d) => d.value));
 * });
 * await bus.publish("readings", [{ key: reading.stationId, value: reading }]); // resolves once stored
 * await bus.stop();
 */
export function createMemoryBus(config: MemoryBusConfig = {}): MemoryBus {
  const { onHandlerError, onAssignError, ...rest } = config;
  const parsed = memoryBusConfigSchema.safeParse(rest);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new BusError("bus.config_invalid", `memory bus configuration: ${detail}`, { cause: parsed.error });
  }
  const settings: Readonly<MemoryBusSettings> = Object.freeze({
    ...parsed.data,
    redelivery: Object.freeze({ ...parsed.data.redelivery }),
    ...(parsed.data.topicMaxMessageBytes === undefined
      ? {}
      : { topicMaxMessageBytes: Object.freeze({ ...parsed.data.topicMaxMessageBytes }) }),
  });
  const reportHandlerError = onHandlerError ?? defaultHandlerError;
  const reportAssignError = onAssignError ?? defaultAssignError;

  let state: State = "created";
  let stopped: Promise<void> | undefined;
  const topics = new Map<BusTopic, TopicState>(
    BUS_TOPICS.map((name) => [
      name,
      {
        name,
        groups: new Map(),
        groupList: [],
        nextOffset: Array.from({ length: settings.partitions }, () => 0),
        waiting: new Fifo<Admission>(),
      },
    ]),
  );

  function topicState(topic: BusTopic): TopicState {
    const found = topics.get(topic);
    if (found === undefined) {
      throw new BusError("bus.topic_unknown", `"${String(topic)}" is not one of ${BUS_TOPICS.join(", ")}`);
    }
    return found;
  }

  function groupContext(topic: TopicState): GroupContext {
    return {
      topic: topic.name,
      settings,
      roomFreed() {
        if (topic.waiting.size > 0) admitWaiting(topic);
      },
      handlerFailed: reportHandlerError,
      assignFailed(error, group) {
        reportAssignError(error, { topic: topic.name, group });
      },
    };
  }

  /** Whether `count` more messages fit every group; a group with an empty queue takes any batch. */
  function hasRoom(topic: TopicState, count: number): boolean {
    for (const group of topic.groupList) {
      if (group.queued > 0 && group.queued + count > settings.maxQueuedPerGroup) return false;
    }
    return true;
  }

  /**
   * Messages published and not yet acknowledged by every group that received them. A group's
   * unacknowledged messages of a partition are the newest ones it received, and a group receives
   * everything published after it was created: per partition, the longest of those suffixes.
   */
  function depthOf(topic: TopicState): number {
    let depth = 0;
    for (let p = 0; p < settings.partitions; p++) {
      let longest = 0;
      for (const group of topic.groupList) longest = Math.max(longest, group.queuedIn(p));
      depth += longest;
    }
    return depth;
  }

  /** Appends to every group's queues now; the promise resolves when durable groups acknowledged all. */
  function append(topic: TopicState, messages: readonly BusMessage<unknown>[]): Promise<void> {
    const groups = topic.groupList;
    // A topic without groups keeps nothing, like Kafka's auto.offset.reset=latest for groups created later.
    if (groups.length === 0) return RESOLVED;
    let durableGroups = 0;
    for (const group of groups) if (group.durable) durableGroups++;
    const ticket = durableGroups > 0 ? new PublishTicket(durableGroups * messages.length) : undefined;
    const key = (messages[0] as BusMessage<unknown>).key;
    let oneKey = true;
    for (let i = 1; i < messages.length && oneKey; i++)
      oneKey = (messages[i] as BusMessage<unknown>).key === key;
    if (oneKey) {
      // The usual publish: one station's readings, one partition.
      appendToPartition(topic, partitionOf(key, settings.partitions), messages, ticket);
    } else {
      const byPartition: BusMessage<unknown>[][] = [];
      for (const message of messages) {
        const partition = partitionOf(message.key, settings.partitions);
        const run = byPartition[partition];
        if (run === undefined) byPartition[partition] = [message];
        else run.push(message);
      }
      for (let partition = 0; partition < byPartition.length; partition++) {
        const run = byPartition[partition];
        if (run !== undefined) appendToPartition(topic, partition, run, ticket);
      }
    }
    return ticket?.promise ?? RESOLVED;
  }

  /** Gives `messages` (all of `partition`) their offsets and queues them as one chunk in every group. */
  function appendToPartition(
    topic: TopicState,
    partition: number,
    messages: readonly BusMessage<unknown>[],
    ticket: PublishTicket | undefined,
  ): void {
    let offset = topic.nextOffset[partition] ?? 0;
    const deliveries: Delivery<unknown>[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const { key, value } = messages[i] as BusMessage<unknown>;
      deliveries[i] = { key, value, partition, offset: String(offset++) };
    }
    topic.nextOffset[partition] = offset;
    for (const group of topic.groupList) {
      group.enqueue(partition, { deliveries, ticket: group.durable ? ticket : undefined });
    }
  }

  function admitWaiting(topic: TopicState): void {
    for (;;) {
      const head = topic.waiting.first();
      if (head === undefined || !hasRoom(topic, head.messages.length)) return;
      topic.waiting.take(1);
      head.admit({ stored: append(topic, head.messages) });
    }
  }

  function maxMessageBytes(topic: BusTopic): number {
    return settings.topicMaxMessageBytes?.[topic] ?? settings.maxMessageBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Appends (waiting for room when a group is full); resolves when durable groups acknowledged all. */
  function enqueue(target: TopicState, messages: readonly BusMessage<unknown>[]): Promise<void> {
    if (target.waiting.size === 0 && hasRoom(target, messages.length)) return append(target, messages);
    // Backpressure: wait (in call order) until every group has room for the whole publish.
    return new Promise<{ readonly stored: Promise<void> }>((admit, refuse) => {
      target.waiting.push({ messages, admit, refuse });
    }).then(storedOf);
  }

  async function publishMeasured(
    topic: BusTopic,
    target: TopicState,
    messages: readonly BusMessage<unknown>[],
    limit: number,
  ): Promise<void> {
    const { fitting, oversize } = partitionBySize(messages, limit, messageSizeBytes);
    if (fitting.length > 0) await enqueue(target, fitting);
    if (oversize.length > 0) throw new BusMessageTooLargeError(topic, oversize, fitting.length);
  }

  function assertAccepting(what: string): void {
    if (state === "created") throw new BusError("bus.not_started", `${what} before start()`);
    if (state === "stopped") throw new BusError("bus.stopped", `${what} after stop()`);
  }

  return {
    settings,

    async start() {
      if (state === "running") return;
      if (state !== "created") throw new BusError("bus.stopped", "a stopped memory bus cannot be restarted");
      state = "running";
    },

    async stop() {
      if (stopped !== undefined) return stopped;
      if (state === "created") {
        state = "stopped";
        stopped = Promise.resolve();
        return stopped;
      }
      state = "stopping";
      stopped = (async function stopMemoryBus() {
        const groups = [...topics.values()].flatMap((t) => [...t.groups.values()]);
        // In-flight handlers may still publish (an evaluator emitting alerts), so publish stays open until they end.
        await Promise.all(groups.map((g) => g.closeAll()));
        state = "stopped";
        const error = new BusError(
          "bus.stopped",
          "the bus stopped before durable subscribers processed the messages",
        );
        // Every publish still waiting for a durable group has a chunk in that group's queue.
        for (const group of groups) for (const chunk of group.discard()) chunk.ticket?.reject(error);
        for (const topic of topics.values()) {
          for (const admission of topic.waiting.drain()) admission.refuse(error);
        }
      })();
      return stopped;
    },

    // Not async: the usual publish returns its ticket's promise itself, without wrapping it twice.
    // PublishOptions.together changes nothing here: a publish's messages of one partition already
    // form one queue entry.
    publish<T>(
      topic: BusTopic,
      messages: readonly BusMessage<T>[],
      _options?: PublishOptions,
    ): Promise<void> {
      let target: TopicState;
      try {
        assertAccepting("publish");
        target = topicState(topic);
      } catch (error) {
        return Promise.reject(error);
      }
      if (messages.length === 0) return RESOLVED;
      const limit = maxMessageBytes(topic);
      if (limit === Number.POSITIVE_INFINITY) return enqueue(target, messages);
      return publishMeasured(topic, target, messages, limit);
    },

    maxMessageBytes(topic: BusTopic) {
      topicState(topic);
      return maxMessageBytes(topic);
    },

    async subscribe<T>(topic: BusTopic, options: SubscribeOptions, handler: BatchHandler<T>) {
      if (state === "stopping") throw new BusError("bus.stopped", "subscribe while the bus is stopping");
      assertAccepting("subscribe");
      const target = topicState(topic);
      validateOptions(options);
      let group = target.groups.get(options.group);
      if (group === undefined) {
        group = new ConsumerGroup(options.group, groupContext(target));
        target.groups.set(options.group, group);
        target.groupList.push(group);
      }
      return group.join(options, handler as BatchHandler<unknown>);
    },

    partitionFor(topic: BusTopic, key: string) {
      topicState(topic);
      return partitionOf(key, settings.partitions);
    },

    async committedOffsets(group: string, topic: BusTopic) {
      if (state === "created") throw new BusError("bus.not_started", "committedOffsets before start()");
      return topicState(topic).groups.get(group)?.committedOffsets() ?? new Map<number, string>();
    },

    async health() {
      if (state === "running") return { ok: true, detail: "ok" };
      return { ok: false, detail: state === "created" ? "bus not started" : "bus stopped" };
    },

    depth() {
      const result = {} as Record<BusTopic, number>;
      for (const [name, topic] of topics) result[name] = depthOf(topic);
      return result;
    },
  };
}

function storedOf(admission: { readonly stored: Promise<void> }): Promise<void> {
  return admission.stored;
}

function validateOptions(options: SubscribeOptions): void {
  if (typeof options.group !== "string" || options.group.length === 0) {
    throw new BusError("bus.options_invalid", "group must be a non-empty string");
  }
  if (options.maxBatch !== undefined && !(Number.isInteger(options.maxBatch) && options.maxBatch >= 1)) {
    throw new BusError("bus.options_invalid", `maxBatch must be an integer >= 1, got ${options.maxBatch}`);
  }
}

function defaultHandlerError(
  error: unknown,
  f: {
    topic: string;
    group: string;
    partition: number;
    attempt: number;
    retryInMs: number;
    batchSize: number;
  },
): void {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(
    `memory bus: handler of group "${f.group}" on "${f.topic}" partition ${f.partition} rejected a batch of ${f.batchSize} (attempt ${f.attempt}): ${reason}; redelivering in ${f.retryInMs} ms`,
  );
}

function defaultAssignError(error: unknown, info: { topic: string; group: string }): void {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(`memory bus: onAssigned of group "${info.group}" on "${info.topic}" rejected: ${reason}`);
}
