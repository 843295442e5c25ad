import {
  type BatchHandler,
  BUS_TOPICS,
  type Bus,
  type BusMessage,
  type BusTopic,
  type SubscribeOptions,
} from "../bus.ts";
import { BusError } from "../errors.ts";
import { BusMessageTooLargeError, messageSizeBytes, partitionBySize } from "../message-size.ts";
import { type MemoryBusConfig, type MemoryBusSettings, memoryBusConfigSchema } from "./config.ts";
import { ConsumerGroup, type GroupContext } from "./consumer-group.ts";
import { Fifo } from "./fifo.ts";
import { createTicket, type PublishTicket, type StoredMessage } from "./message.ts";
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
  readonly nextOffset: number[];
  /** Messages published and not yet acknowledged by every group that received them. */
  depth: number;
  /** Publishes waiting for queue space, in call order (so non-awaited publishes keep their order). */
  readonly waiting: Fifo<Admission>;
}

type State = "created" | "running" | "stopping" | "stopped";

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
  const outstanding = new Set<PublishTicket>();
  const topics = new Map<BusTopic, TopicState>(
    BUS_TOPICS.map((name) => [
      name,
      {
        name,
        groups: new Map(),
        nextOffset: Array.from({ length: settings.partitions }, () => 0),
        depth: 0,
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
      messageAcknowledged(message) {
        if (--message.pendingGroups === 0) topic.depth--;
      },
      roomFreed() {
        admitWaiting(topic);
      },
      handlerFailed: reportHandlerError,
      assignFailed(error, group) {
        reportAssignError(error, { topic: topic.name, group });
      },
    };
  }

  /** Whether `count` more messages fit every group; a group with an empty queue takes any batch. */
  function hasRoom(topic: TopicState, count: number): boolean {
    for (const group of topic.groups.values()) {
      if (group.queued > 0 && group.queued + count > settings.maxQueuedPerGroup) return false;
    }
    return true;
  }

  /** Appends to every group's queues now; the promise resolves when durable groups acknowledged all. */
  function append(topic: TopicState, messages: readonly BusMessage<unknown>[]): Promise<void> {
    const groups = [...topic.groups.values()];
    // A topic without groups keeps nothing, like Kafka's auto.offset.reset=latest for groups created later.
    if (groups.length === 0) return Promise.resolve();
    const durableGroups = groups.filter((g) => g.durable).length;
    const ticket = durableGroups > 0 ? createTicket(durableGroups * messages.length, outstanding) : undefined;
    for (const { key, value } of messages) {
      const partition = partitionOf(key, settings.partitions);
      const offset = topic.nextOffset[partition] ?? 0;
      topic.nextOffset[partition] = offset + 1;
      const message: StoredMessage = {
        delivery: Object.freeze({ key, value, partition, offset: String(offset) }),
        pendingGroups: groups.length,
      };
      topic.depth++;
      for (const group of groups) group.enqueue({ message, ticket: group.durable ? ticket : undefined });
    }
    return ticket?.promise ?? Promise.resolve();
  }

  function admitWaiting(topic: TopicState): void {
    for (;;) {
      const [head] = topic.waiting.peek(1);
      if (head === undefined || !hasRoom(topic, head.messages.length)) return;
      topic.waiting.take(1);
      head.admit({ stored: append(topic, head.messages) });
    }
  }

  function maxMessageBytes(topic: BusTopic): number {
    return settings.topicMaxMessageBytes?.[topic] ?? settings.maxMessageBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Appends (waiting for room when a group is full); resolves when durable groups acknowledged all. */
  async function enqueue(target: TopicState, messages: readonly BusMessage<unknown>[]): Promise<void> {
    if (target.waiting.size === 0 && hasRoom(target, messages.length)) {
      await append(target, messages);
      return;
    }
    // Backpressure: wait (in call order) until every group has room for the whole publish.
    const { stored } = await new Promise<{ readonly stored: Promise<void> }>((admit, refuse) => {
      target.waiting.push({ messages, admit, refuse });
    });
    await stored;
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
        for (const group of groups) group.discard();
        const error = new BusError(
          "bus.stopped",
          "the bus stopped before durable subscribers processed the messages",
        );
        for (const topic of topics.values()) {
          for (const admission of topic.waiting.drain()) admission.refuse(error);
        }
        for (const ticket of [...outstanding]) ticket.reject(error);
      })();
      return stopped;
    },

    async publish<T>(topic: BusTopic, messages: readonly BusMessage<T>[]) {
      assertAccepting("publish");
      const target = topicState(topic);
      if (messages.length === 0) return;
      const limit = maxMessageBytes(topic);
      if (limit === Number.POSITIVE_INFINITY) return enqueue(target, messages);
      const { fitting, oversize } = partitionBySize(messages, limit, messageSizeBytes);
      if (fitting.length > 0) await enqueue(target, fitting);
      if (oversize.length > 0) throw new BusMessageTooLargeError(topic, oversize, fitting.length);
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
      }
      return group.join(options, handler as BatchHandler<unknown>);
    },

    partitionFor(topic: BusTopic, key: string) {
      topicState(topic);
      return partitionOf(key, settings.partitions);
    },

    depth() {
      const result = {} as Record<BusTopic, number>;
      for (const [name, topic] of topics) result[name] = topic.depth;
      return result;
    },
  };
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
