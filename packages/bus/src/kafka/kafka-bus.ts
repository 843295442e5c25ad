import {
  type Admin,
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  type logCreator,
  type PartitionMetadata,
  type Producer,
  type SASLOptions,
} from "kafkajs";
import {
  type BatchHandler,
  BUS_TOPICS,
  type Bus,
  type BusHealth,
  type BusMessage,
  type BusTopic,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
} from "../bus.ts";
import { BusError } from "../errors.ts";
import type { HandlerFailure } from "../memory/config.ts";
import { BusMessageTooLargeError, partitionBySize } from "../message-size.ts";
import {
  type KafkaBusConfig,
  type KafkaBusSettings,
  type KafkaLogEntry,
  kafkaBusConfigSchema,
} from "./config.ts";
import { DepthMonitor } from "./depth.ts";
import { settleBy } from "./give-up.ts";
import { KafkaLogFilter } from "./log-filter.ts";
import { packByKey } from "./packing.ts";
import { rememberingPartitioner } from "./partitioner.ts";
import { maxMessageBytesFor, Publisher } from "./publisher.ts";
import { KafkaSubscription } from "./subscription.ts";

/** The Kafka bus: a Bus plus its validated, frozen settings and the Kafka topic names it uses. */
export interface KafkaBus extends Bus {
  readonly settings: Readonly<KafkaBusSettings>;
  /** The Kafka topic of a bus topic: `${topicPrefix}${topic}`. */
  topicName(topic: BusTopic): string;
}

type State = "created" | "starting" | "running" | "stopping" | "stopped";

/**
 * Creates the Kafka bus (kafkajs). Validates `config` (throws BusError "bus.config_invalid"); no I/O.
 * `start` connects, creates missing topics and starts the producer; `stop` closes every
 * subscription (aborting handlers' signals and waiting for them), flushes publishes, disconnects.
 * See packages/bus/README.md ("Kafka bus") for semantics and configuration.
 *
 * @example
 * const bus = createKafkaBus({ brokers: "kafka:9092", topicPrefix: "qingshan.", partitions: 6 });
 * await bus.start();
 * await bus.subscribe<Reading>("readings", { group: "writer", maxBatch: 5000 }, async (batch) => {
 *   await store.writeReadings(batch.map((d) => d.value)); // offsets committed after this resolves
 * });
 * await bus.publish("readings", [{ key: reading.stationId, value: reading }]); // resolves once Kafka acknowledged
 * await bus.stop();
 */
export function createKafkaBus(config: KafkaBusConfig): KafkaBus {
  const { onHandlerError, onAssignError, onDecodeError, onLog, ...rest } = config;
  const parsed = kafkaBusConfigSchema.safeParse(rest);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new BusError("bus.config_invalid", `kafka bus configuration: ${detail}`, { cause: parsed.error });
  }
  const settings: Readonly<KafkaBusSettings> = deepFreeze(parsed.data);
  const reportHandlerError = onHandlerError ?? defaultHandlerError;
  const reportAssignError = onAssignError ?? defaultAssignError;
  const reportDecodeError = onDecodeError ?? defaultDecodeError;
  const log = onLog ?? defaultLog;
  const logFilter = new KafkaLogFilter(log);

  const topicName = (topic: BusTopic): string => `${settings.topicPrefix}${topic}`;
  const ephemeralPattern = new RegExp(settings.ephemeralGroups);
  const isEphemeral = (group: string): boolean => ephemeralPattern.test(group);
  const kafka = new Kafka(kafkaOptions(settings, (entry) => logFilter.log(entry)));

  let state: State = "created";
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let admin: Admin | undefined;
  let publisher: Publisher | undefined;
  let depth: DepthMonitor | undefined;
  const subscriptions = new Set<KafkaSubscription>();
  const localGroups = new Map<BusTopic, Set<string>>(BUS_TOPICS.map((t) => [t, new Set<string>()]));
  /** Partitions of each Kafka topic, from the brokers' metadata (at start and before each onAssigned). */
  const partitionMetadata = new Map<string, PartitionMetadata[]>();
  // The producer's own partitioner (kafkajs' Java-compatible murmur2), so partitionFor cannot drift from it.
  const partitioner = rememberingPartitioner();

  function assertTopic(topic: BusTopic): void {
    if (!(BUS_TOPICS as readonly string[]).includes(topic)) {
      throw new BusError("bus.topic_unknown", `"${String(topic)}" is not one of ${BUS_TOPICS.join(", ")}`);
    }
  }

  async function ensureTopics(client: Admin): Promise<void> {
    const names = BUS_TOPICS.map(topicName);
    const existing = new Set(await client.listTopics());
    const missing = names.filter((name) => !existing.has(name));
    if (missing.length > 0) {
      // Another process may create them at the same time: kafkajs then returns false, which is fine.
      await client
        .createTopics({
          waitForLeaders: false,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: settings.partitions,
            replicationFactor: settings.replicationFactor,
          })),
        })
        .catch((error: unknown) => {
          // kafkajs' own line for this response is at info (log-filter.ts): it cannot tell a topic
          // that already exists from a real refusal. This one can.
          log({
            level: "error",
            namespace: "qingshan.bus",
            message: `cannot create topics ${missing.join(", ")}: ${topicErrors(error)}`,
            extra: {},
          });
          throw error;
        });
    }
    // Right after creation a broker may still answer UNKNOWN_TOPIC_OR_PARTITION (kafkajs' own wait
    // only retries LEADER_NOT_AVAILABLE), so wait here until every partition has a leader.
    const deadline = Date.now() + settings.requestTimeoutMs;
    for (;;) {
      try {
        const { topics } = await client.fetchTopicMetadata({ topics: names });
        if (topics.length === names.length && topics.every((t) => t.partitions.every((p) => p.leader >= 0))) {
          for (const t of topics) partitionMetadata.set(t.name, t.partitions);
          return;
        }
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline)
        throw new Error(`topics ${names.join(", ")} have no leaders after ${settings.requestTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function startBus(): Promise<void> {
    const client = kafka.admin();
    admin = client;
    await client.connect();
    await ensureTopics(client);
    const createProducer = (): Producer =>
      kafka.producer({
        idempotent: true,
        // One request in flight keeps per-partition order across retries (the Publisher sends one at a time anyway).
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: rememberingPartitioner,
      });
    publisher = new Publisher(
      createProducer,
      settings.maxRequestBytes,
      (error) =>
        log({
          level: "warn",
          namespace: "qingshan.bus",
          message: `producer replaced after a failed request: ${errorMessage(error)}`,
          extra: {},
        }),
      settings.maxRequestRecords,
    );
    await publisher.connect();
    depth = new DepthMonitor(
      client,
      topicName,
      () => localGroups,
      settings.newGroupStart === "earliest",
      settings.depthRefreshMs,
      isEphemeral,
    );
    await depth.refresh();
    depth.start();
  }

  /** Re-reads a topic's partitions (they may have been added since start); keeps the old ones on failure. */
  async function refreshPartitions(kafkaTopic: string): Promise<void> {
    try {
      const { topics } = (await admin?.fetchTopicMetadata({ topics: [kafkaTopic] })) ?? { topics: [] };
      const found = topics.find((t) => t.name === kafkaTopic);
      if (found !== undefined && found.partitions.length > 0)
        partitionMetadata.set(kafkaTopic, found.partitions);
    } catch {
      // The cached partitions stay; a missed partition increase only narrows what partitionFor knows.
    }
  }

  /** One broker request at a time for health(); an answer within HEALTH_PROBE_MS means reachable. */
  let probing: Promise<string | undefined> | undefined;
  function probeBrokers(): Promise<string | undefined> {
    const client = admin;
    if (client === undefined) return Promise.resolve("no admin client");
    probing ??= client
      .describeCluster()
      .then(
        () => undefined,
        (error: unknown) => `brokers ${settings.brokers.join(",")} unreachable: ${errorMessage(error)}`,
      )
      .finally(() => {
        probing = undefined;
      });
    const limitMs = Math.min(HEALTH_PROBE_MS, settings.requestTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`brokers ${settings.brokers.join(",")} did not answer within ${limitMs} ms`),
        limitMs,
      );
    });
    return Promise.race([probing, timeout]).finally(() => clearTimeout(timer));
  }

  async function health(): Promise<BusHealth> {
    if (state !== "running")
      return { ok: false, detail: `kafka bus ${state === "created" ? "not started" : state}` };
    const problems: string[] = [];
    const brokers = await probeBrokers();
    if (brokers !== undefined) problems.push(brokers);
    const failing = publisher?.failing;
    if (failing !== undefined)
      problems.push(
        `producer failing for ${Math.round((Date.now() - failing.since) / 1000)} s: ${failing.reason}`,
      );
    for (const subscription of subscriptions) {
      const problem = subscription.problem();
      if (problem !== undefined) problems.push(problem);
    }
    return problems.length === 0
      ? { ok: true, detail: "ok" }
      : { ok: false, detail: `kafka: ${problems.join("; ")}` };
  }

  /**
   * Deletes an ephemeral group once its member left (a clean close); if another member of it still
   * runs, or the brokers are gone, Kafka keeps it and its offsets expire as usual.
   */
  async function deleteIfEphemeral(group: string, giveUpAt: number): Promise<void> {
    const client = admin;
    if (!isEphemeral(group) || client === undefined) return;
    for (const s of subscriptions) if (s.group === group && !s.isClosing) return;
    await settleBy(
      client.deleteGroups([group]).then(() =>
        log({
          level: "debug",
          namespace: "qingshan.bus",
          message: `deleted ephemeral group "${group}"`,
          extra: {},
        }),
      ),
      giveUpAt,
      `the deletion of ephemeral group "${group}" (closeTimeoutMs ${settings.closeTimeoutMs} ms)`,
      (message) => log({ level: "info", namespace: "qingshan.bus", message, extra: {} }),
    );
  }

  function warnOnClose(message: string): void {
    log({ level: "warn", namespace: "qingshan.bus", message, extra: {} });
  }

  async function stopBus(): Promise<void> {
    if (starting !== undefined) await starting.catch(() => {});
    const closing = [...subscriptions];
    // In-flight handlers may still publish (an evaluator emitting alerts), so publish stays open until they end.
    await Promise.all(closing.map((s) => s.stopHandlers()));
    // From here on kafkajs' own work (commit, leave group, disconnect) gets closeTimeoutMs in all:
    // with the brokers gone it retries for seconds, and a stopping service must not wait for that.
    let giveUpAt = Date.now() + settings.closeTimeoutMs;
    await Promise.all(closing.map((s) => s.close(giveUpAt)));
    await Promise.all([...new Set(closing.map((s) => s.group))].map((g) => deleteIfEphemeral(g, giveUpAt)));
    state = "stopped";
    // Brokers gone: the idempotent producer retries forever, so stop does not wait longer than a request.
    const drainStarted = Date.now();
    await publisher?.drain(
      settings.requestTimeoutMs,
      new BusError("bus.stopped", "the bus stopped before the brokers acknowledged the messages"),
    );
    giveUpAt += Date.now() - drainStarted;
    const bound = `(closeTimeoutMs ${settings.closeTimeoutMs} ms)`;
    // The admin client serves the lag refresh: disconnected once that ended (or was given up).
    const stopAdmin = async () => {
      if (depth !== undefined)
        await settleBy(depth.stop(), giveUpAt, `the consumer-lag refresh ${bound}`, warnOnClose);
      if (admin !== undefined)
        await settleBy(admin.disconnect(), giveUpAt, `the admin client to disconnect ${bound}`, warnOnClose);
    };
    await Promise.all([
      stopAdmin(),
      publisher === undefined
        ? undefined
        : settleBy(publisher.disconnect(), giveUpAt, `the producer to disconnect ${bound}`, warnOnClose),
    ]);
    logFilter.flush();
  }

  return {
    settings,
    topicName,

    start() {
      if (state === "running") return Promise.resolve();
      if (state === "starting" && starting !== undefined) return starting;
      if (state !== "created") {
        return Promise.reject(new BusError("bus.stopped", "a stopped kafka bus cannot be restarted"));
      }
      state = "starting";
      starting = startBus().then(
        () => {
          if (state === "starting") state = "running";
        },
        async (error: unknown) => {
          state = "stopped";
          await publisher?.disconnect().catch(() => {});
          await admin?.disconnect().catch(() => {});
          throw error;
        },
      );
      return starting;
    },

    stop() {
      if (stopping !== undefined) return stopping;
      if (state === "created") {
        state = "stopped";
        stopping = Promise.resolve();
        return stopping;
      }
      state = "stopping";
      stopping = stopBus();
      return stopping;
    },

    async publish<T>(topic: BusTopic, messages: readonly BusMessage<T>[], options?: PublishOptions) {
      if (state === "created" || state === "starting")
        throw new BusError("bus.not_started", "publish before start()");
      if (state === "stopped") throw new BusError("bus.stopped", "publish after stop()");
      assertTopic(topic);
      if (messages.length === 0 || publisher === undefined) return;
      const encoded = messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value) }));
      // Measured before sending (what was encoded), so one oversize record neither holds up nor
      // fails the others of its publish, and never reaches the brokers.
      const name = topicName(topic);
      const limit = maxMessageBytesFor(name, settings.maxRequestBytes);
      const { fitting, oversize } = partitionBySize(
        encoded,
        limit,
        (m) => Buffer.byteLength(m.key) + Buffer.byteLength(m.value),
      );
      if (fitting.length > 0)
        await publisher.send(
          name,
          options?.together === true && settings.packMessages ? packByKey(fitting, limit) : fitting,
        );
      if (oversize.length > 0) throw new BusMessageTooLargeError(topic, oversize, fitting.length);
    },

    maxMessageBytes(topic: BusTopic) {
      assertTopic(topic);
      return maxMessageBytesFor(topicName(topic), settings.maxRequestBytes);
    },

    async subscribe<T>(
      topic: BusTopic,
      options: SubscribeOptions,
      handler: BatchHandler<T>,
    ): Promise<Subscription> {
      if (state === "created" || state === "starting")
        throw new BusError("bus.not_started", "subscribe before start()");
      if (state !== "running") throw new BusError("bus.stopped", "subscribe after stop()");
      assertTopic(topic);
      validateOptions(options);
      const subscription = new KafkaSubscription(
        {
          kafka,
          settings,
          busTopic: topic,
          kafkaTopic: topicName(topic),
          onHandlerError: reportHandlerError,
          onAssignError: reportAssignError,
          onDecodeError: reportDecodeError,
          beforeAssigned: () => refreshPartitions(topicName(topic)),
          onCloseProblem: warnOnClose,
          // kafkajs restarts most crashes (brokers away, a rebalance at first start): a warning, with
          // health() reporting the consumer until it joined again; one not restarted is an error.
          onCrash: (error, info) =>
            log({
              level: info.restart ? "warn" : "error",
              namespace: "qingshan.bus",
              message: `consumer of group "${info.group}" on "${info.topic}" crashed: ${errorMessage(error)}${info.restart ? "; kafkajs restarts it" : "; not restarted"}`,
              extra: {},
            }),
        },
        options,
        handler as BatchHandler<unknown>,
      );
      subscriptions.add(subscription);
      localGroups.get(topic)?.add(options.group);
      try {
        await subscription.start();
      } catch (error) {
        subscriptions.delete(subscription);
        await subscription.close().catch(() => {});
        throw error;
      }
      return {
        close: async () => {
          await subscription.close();
          subscriptions.delete(subscription);
          await deleteIfEphemeral(options.group, Date.now() + settings.closeTimeoutMs);
        },
      };
    },

    partitionFor(topic: BusTopic, key: string) {
      assertTopic(topic);
      const partitions = partitionMetadata.get(topicName(topic));
      if (partitions === undefined) throw new BusError("bus.not_started", "partitionFor before start()");
      return partitioner({
        topic: topicName(topic),
        partitionMetadata: partitions,
        message: { key, value: null },
      });
    },

    async committedOffsets(group: string, topic: BusTopic) {
      assertTopic(topic);
      if (state === "created" || state === "starting" || admin === undefined)
        throw new BusError("bus.not_started", "committedOffsets before start()");
      if (state === "stopped") throw new BusError("bus.stopped", "committedOffsets after stop()");
      const name = topicName(topic);
      const topics = await admin.fetchOffsets({ groupId: group, topics: [name] });
      const result = new Map<number, string>();
      // Kafka answers -1 for a partition (or a whole group) without a committed offset.
      for (const p of topics.find((t) => t.topic === name)?.partitions ?? [])
        if (BigInt(p.offset) >= 0n) result.set(p.partition, p.offset);
      return result;
    },

    health,

    depth() {
      return (
        depth?.current ?? (Object.fromEntries(BUS_TOPICS.map((t) => [t, 0])) as Record<BusTopic, number>)
      );
    },
  };
}

function kafkaOptions(settings: KafkaBusSettings, log: (entry: KafkaLogEntry) => void): KafkaConfig {
  const options: KafkaConfig = {
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    logLevel: KAFKAJS_LEVEL[settings.logLevel],
    logCreator: createLogCreator(log),
  };
  if (settings.ssl !== undefined)
    options.ssl = typeof settings.ssl === "boolean" ? settings.ssl : { ...settings.ssl };
  if (settings.sasl !== undefined) options.sasl = { ...settings.sasl } as SASLOptions;
  return options;
}

/** Longest `health()` waits for the brokers to answer (the API's readiness checks get 2 s). */
const HEALTH_PROBE_MS = 1_500;

const KAFKAJS_LEVEL = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
} as const;

function createLogCreator(log: (entry: KafkaLogEntry) => void): logCreator {
  return () =>
    function kafkajsLog({ namespace, level, log: line }) {
      const { message, ...extra } = line;
      const name =
        level === KafkaLogLevel.ERROR
          ? "error"
          : level === KafkaLogLevel.WARN
            ? "warn"
            : level === KafkaLogLevel.INFO
              ? "info"
              : "debug";
      log({ level: name, namespace, message, extra });
    };
}

/** Each topic's error in a failed CreateTopics (kafkajs' aggregate, possibly wrapped by its retrier), else the message. */
function topicErrors(error: unknown): string {
  for (let e: unknown = error; e instanceof Error; e = (e as { originalError?: unknown }).originalError) {
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0)
      return errors
        .map((inner: { topic?: string; type?: string; message?: string }) =>
          `${inner.topic ?? "?"}: ${inner.type ?? ""} ${inner.message ?? ""}`.trim(),
        )
        .join("; ");
  }
  return errorMessage(error);
}

function validateOptions(options: SubscribeOptions): void {
  if (typeof options.group !== "string" || options.group.length === 0) {
    throw new BusError("bus.options_invalid", "group must be a non-empty string");
  }
  if (options.maxBatch !== undefined && !(Number.isInteger(options.maxBatch) && options.maxBatch >= 1)) {
    throw new BusError("bus.options_invalid", `maxBatch must be an integer >= 1, got ${options.maxBatch}`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function defaultHandlerError(error: unknown, f: HandlerFailure): void {
  console.error(
    `kafka bus: handler of group "${f.group}" on "${f.topic}" partition ${f.partition} rejected a batch of ${f.batchSize} (attempt ${f.attempt}): ${errorMessage(error)}; redelivering in ${f.retryInMs} ms`,
  );
}

function defaultAssignError(error: unknown, info: { topic: string; group: string }): void {
  console.error(
    `kafka bus: onAssigned of group "${info.group}" on "${info.topic}" rejected: ${errorMessage(error)}`,
  );
}

function defaultDecodeError(
  error: unknown,
  info: { topic: string; group: string; partition: number; offset: string },
): void {
  console.error(
    `kafka bus: skipped undecodable message at ${info.topic}/${info.partition}@${info.offset} (group "${info.group}"): ${errorMessage(error)}`,
  );
}

function defaultLog(entry: KafkaLogEntry): void {
  console.error(`kafka bus: ${entry.level} [${entry.namespace}] ${entry.message}`);
}
