import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { requireService, waitFor } from "@qingshan/testkit";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Bus, Delivery } from "../bus.ts";
import { BusError } from "../errors.ts";
import { BusMessageTooLargeError } from "../message-size.ts";
import { describeBusContract } from "../testing/contract.ts";
import { quickRebalanceConfig, testKafkaBroker } from "../testing/kafka-broker.ts";
import type { KafkaBusConfig, KafkaLogEntry } from "./config.ts";
import { createKafkaBus } from "./kafka-bus.ts";

const broker = await testKafkaBroker();
const kafka = await requireService("kafka", () => broker.probe());
afterAll(() => broker.stop());

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../../..");
let counter = 0;
function unique(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${process.pid}-${counter}`;
}

/**
 * kafkajs logs every error response, also the ones it retries: a topic's first requests just
 * after it was created ("not the leader", "does not host"), a fresh broker's "coordinator is
 * loading", and heartbeats answered "rebalancing" while a member joins.
 */
function reportUnexpected(entry: KafkaLogEntry): void {
  const text = `${entry.message} ${String(entry.extra.error ?? "")}`;
  if (
    /not the leader|coordinator is loading|does not host this topic-partition|group is rebalancing/i.test(
      text,
    )
  )
    return;
  console.error(`kafka bus: ${entry.level} [${entry.namespace}] ${text}`);
}

function testConfig(topicPrefix: string): KafkaBusConfig {
  return quickRebalanceConfig(broker.brokers, topicPrefix, 4, reportUnexpected);
}

async function deleteTopics(prefix: string): Promise<void> {
  const admin = new Kafka({ brokers: broker.brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/**
 * The buses one test of a describe starts: `fresh(name)` gives the test its own topic prefix,
 * `start` starts a bus on it; after each test they are stopped and its topics deleted.
 */
function busesPerTest(): {
  fresh(name: string): void;
  start(extra?: Partial<KafkaBusConfig>): Promise<Bus>;
  readonly prefix: string;
} {
  const started: Bus[] = [];
  let prefix = "";
  afterEach(async () => {
    await Promise.all(started.splice(0).map((b) => b.stop()));
    await deleteTopics(prefix);
  });
  return {
    fresh(name) {
      prefix = `${unique(name)}.`;
    },
    async start(extra = {}) {
      const bus = createKafkaBus({ ...testConfig(prefix), ...extra });
      started.push(bus);
      await bus.start();
      return bus;
    },
    get prefix() {
      return prefix;
    },
  };
}

describe("kafka bus configuration (no broker)", () => {
  it("rejects a configuration without brokers, naming the field", () => {
    expect(() => createKafkaBus({ brokers: "" })).toThrow(BusError);
    expect(() => createKafkaBus({ brokers: " , " })).toThrow(/brokers/);
    expect(() => createKafkaBus({ brokers: "kafka" })).toThrow(/brokers\.0: expected host:port/);
    expect(() => createKafkaBus({ brokers: "k:9092", topicPrefix: "a b" })).toThrow(/topicPrefix/);
    expect(() =>
      createKafkaBus({ brokers: "k:9092", consumer: { sessionTimeoutMs: 1000, heartbeatIntervalMs: 1000 } }),
    ).toThrow(/consumer\.heartbeatIntervalMs/);
    expect(() => createKafkaBus({ brokers: "k:9092", maxRequestBytes: 100 })).toThrow(/maxRequestBytes/);
  });

  it("applies defaults, splits a comma-separated broker list and names topics with the prefix", () => {
    const bus = createKafkaBus({ brokers: "a:9092, b:9093" });
    expect(bus.settings).toMatchObject({
      brokers: ["a:9092", "b:9093"],
      clientId: "qingshan",
      topicPrefix: "qingshan.",
      partitions: 6,
      replicationFactor: 1,
      newGroupStart: "earliest",
      consumer: { sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000 },
      maxRequestBytes: 900_000,
    });
    expect(bus.topicName("readings")).toBe("qingshan.readings");
    expect(Object.isFrozen(bus.settings.consumer)).toBe(true);
  });

  it("refuses publish and subscribe before start, without I/O", async () => {
    const bus = createKafkaBus({ brokers: "127.0.0.1:1" });
    await expect(bus.publish("readings", [{ key: "k", value: 1 }])).rejects.toMatchObject({
      code: "bus.not_started",
    });
    await expect(bus.subscribe("readings", { group: "g" }, async () => {})).rejects.toMatchObject({
      code: "bus.not_started",
    });
    expect(bus.depth()).toEqual({ readings: 0, alerts: 0, deadletters: 0 });
    await bus.stop();
  });
});

describe.skipIf(!kafka.available)(`kafka bus against a real broker${kafka.note}`, () => {
  describeBusContract(
    "kafka bus",
    async () => {
      const prefix = `${unique("qs-contract")}.`;
      return { bus: createKafkaBus(testConfig(prefix)), cleanup: () => deleteTopics(prefix) };
    },
    { timeoutMs: 30_000 },
  );

  describe("creating the topics", () => {
    it("logs kafkajs' CreateTopics line at info and, when the brokers refuse, each topic's error at error", async () => {
      const prefix = `${unique("qs-create")}.`;
      const lines: KafkaLogEntry[] = [];
      // A single broker cannot hold 2 replicas: CreateTopics answers INVALID_REPLICATION_FACTOR.
      const bus = createKafkaBus({
        ...testConfig(prefix),
        replicationFactor: 2,
        onLog: (e) => lines.push(e),
      });
      try {
        await expect(bus.start()).rejects.toThrow();
      } finally {
        await bus.stop().catch(() => {});
        await deleteTopics(prefix);
      }
      const kafkajsLine = lines.find((e) => e.message.startsWith("Response CreateTopics("));
      expect(kafkajsLine).toMatchObject({ level: "info", extra: { error: "Topic creation errors" } });
      const own = lines.filter((e) => e.namespace === "qingshan.bus" && e.level === "error");
      expect(own).toHaveLength(1);
      expect(own[0]?.message).toMatch(
        new RegExp(
          `^cannot create topics ${prefix.replace(".", "\\.")}readings.*: ${prefix.replace(".", "\\.")}\\S+: INVALID_REPLICATION_FACTOR`,
        ),
      );
    }, 30_000);

    it("logs no error when several buses create the same topics at once", async () => {
      const prefix = `${unique("qs-create-race")}.`;
      const lines: KafkaLogEntry[] = [];
      const buses = [1, 2, 3].map(() =>
        createKafkaBus({ ...testConfig(prefix), onLog: (e) => lines.push(e) }),
      );
      try {
        await Promise.all(buses.map((b) => b.start()));
      } finally {
        await Promise.all(buses.map((b) => b.stop()));
        await deleteTopics(prefix);
      }
      expect(lines.filter((e) => e.level === "error")).toEqual([]);
    }, 30_000);
  });

  describe("produce request size", () => {
    const buses = busesPerTest();

    async function collect(bus: Bus, seen: Delivery<{ seq: number }>[]): Promise<void> {
      await bus.subscribe<{ seq: number; pad?: string }>(
        "readings",
        { group: unique("g") },
        async (batch) => {
          seen.push(...batch);
        },
      );
    }

    function seqsByKey(seen: Delivery<{ seq: number }>[]): Map<string, number[]> {
      const byKey = new Map<string, number[]>();
      for (const d of seen) byKey.set(d.key, [...(byKey.get(d.key) ?? []), d.value.seq]);
      return byKey;
    }

    it("5,000 publishes of ~1 kB not awaited in between (5 MB) all arrive, in per-key order", async () => {
      buses.fresh("qs-size");
      const bus = await buses.start();
      const seen: Delivery<{ seq: number }>[] = [];
      await collect(bus, seen);
      const keys = ["ld-aq-01", "ld-aq-02", "ld-aq-03", "ld-wq-01", "ld-wq-02"];
      const pad = "x".repeat(1000);
      const next = new Map(keys.map((k) => [k, 0]));
      const message = (i: number) => {
        const key = keys[i % keys.length] as string;
        const seq = next.get(key) ?? 0;
        next.set(key, seq + 1);
        return { key, value: { seq, pad } };
      };
      const publishes: Promise<void>[] = [];
      for (let i = 0; i < 4000; i++) publishes.push(bus.publish("readings", [message(i)]));
      // One publish of ~1 MB alone is cut over several requests too.
      publishes.push(
        bus.publish(
          "readings",
          Array.from({ length: 1000 }, (_, i) => message(4000 + i)),
        ),
      );
      await Promise.all(publishes);
      await waitFor(() => seen.length >= 5000, { timeoutMs: 60_000, what: "5000 deliveries" });
      const byKey = seqsByKey(seen);
      expect([...byKey.keys()].sort()).toEqual([...keys].sort());
      for (const key of keys) {
        expect(byKey.get(key), key).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      }
    }, 90_000);

    it("cuts requests at maxRequestRecords: 95 publishes not awaited in between go in at least 10 produce requests, all arrive in per-key order", async () => {
      buses.fresh("qs-records");
      let produceRequests = 0;
      const bus = await buses.start({
        maxRequestRecords: 10,
        // kafkajs logs each request it sends at debug level ("Request Produce(key: 0, …)").
        logLevel: "debug",
        onLog: (entry) => {
          if (entry.message.startsWith("Request Produce(")) produceRequests++;
          else if (entry.level !== "debug") reportUnexpected(entry);
        },
      });
      const seen: Delivery<{ seq: number }>[] = [];
      await collect(bus, seen);
      const keys = ["ld-aq-01", "ld-aq-02", "ld-wq-01"];
      const publishes: Promise<void>[] = [];
      for (let i = 0; i < 95; i++) {
        publishes.push(
          bus.publish("readings", [{ key: keys[i % 3] as string, value: { seq: Math.floor(i / 3) } }]),
        );
      }
      await Promise.all(publishes);
      expect(produceRequests).toBeGreaterThanOrEqual(10);
      await waitFor(() => seen.length >= 95, { timeoutMs: 30_000, what: "95 deliveries" });
      const byKey = seqsByKey(seen);
      for (const [i, key] of keys.entries()) {
        expect(byKey.get(key), key).toEqual(Array.from({ length: i < 2 ? 32 : 31 }, (_, n) => n));
      }
    });

    it("a message over maxRequestBytes rejects with bus.message_too_large; a publish just after it goes through", async () => {
      buses.fresh("qs-big");
      const bus = await buses.start();
      const seen: Delivery<{ seq: number }>[] = [];
      await collect(bus, seen);
      const oversize = bus.publish("readings", [
        { key: "ld-aq-01", value: { seq: 0, pad: "x".repeat(1_200_000) } },
      ]);
      const normal = bus.publish("readings", [{ key: "ld-aq-01", value: { seq: 1 } }]);
      const error = await oversize.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BusError);
      expect(error).toMatchObject({ code: "bus.message_too_large" });
      expect(error).toBeInstanceOf(BusMessageTooLargeError);
      expect((error as Error).message).toMatch(/key "ld-aq-01"\) is \d{7} bytes, limit \d{6}/);
      expect((error as BusMessageTooLargeError).rejected[0]?.limitBytes).toBe(
        bus.maxMessageBytes("readings"),
      );
      expect(bus.maxMessageBytes("readings")).toBeLessThan(900_000);
      await normal;
      await waitFor(() => seen.length >= 1, { timeoutMs: 30_000, what: "the normal message" });
      expect(seen.map((d) => [d.key, d.value.seq])).toEqual([["ld-aq-01", 1]]);
    });

    it("a request the broker refuses as too large fails; later publishes to its partitions are not lost", async () => {
      buses.fresh("qs-broker-big");
      // The broker's default message.max.bytes is 1 MiB; this bus lets 1.5 MB through to it.
      const bus = await buses.start({ maxRequestBytes: 4_000_000, onLog: () => {} });
      const seen: Delivery<{ seq: number }>[] = [];
      await collect(bus, seen);
      let big = "b-0";
      for (let i = 1; bus.partitionFor("readings", big) === bus.partitionFor("readings", "a"); i++)
        big = `b-${i}`;
      // One request: the broker appends "a" and refuses big's partition.
      const small = bus.publish("readings", [{ key: "a", value: { seq: 0 } }]);
      const oversize = bus.publish("readings", [{ key: big, value: { seq: 0, pad: "x".repeat(1_500_000) } }]);
      await expect(oversize).rejects.toMatchObject({ code: "bus.message_too_large" });
      await expect(small).rejects.toMatchObject({ code: "bus.message_too_large" });
      // kafkajs rolled back "a"'s sequence number; the same producer would have this acknowledged as a duplicate and dropped.
      await bus.publish("readings", [{ key: "a", value: { seq: 1 } }]);
      await bus.publish("readings", [{ key: big, value: { seq: 1 } }]);
      await waitFor(
        () => seen.some((d) => d.key === "a" && d.value.seq === 1) && seen.some((d) => d.key === big),
        {
          timeoutMs: 30_000,
          what: "the publishes after the refused request",
        },
      );
      expect(seen.filter((d) => d.key === big).map((d) => d.value.seq)).toEqual([1]);
    });
  });

  describe("publish({ together: true }): one record per key", () => {
    const buses = busesPerTest();

    /** Records on the topic (the sum of the partitions' end offsets; the topic is fresh). */
    async function recordCount(topic: string): Promise<number> {
      const admin = new Kafka({ brokers: broker.brokers.split(","), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(`${buses.prefix}${topic}`);
        return offsets.reduce((sum, p) => sum + Number(p.high), 0);
      } finally {
        await admin.disconnect();
      }
    }

    it("a publish of 600 messages over 5 keys is 5 records, delivered as 600 messages in per-key order", async () => {
      buses.fresh("qs-pack");
      const bus = await buses.start();
      const seen: Delivery<{ seq: number }>[] = [];
      await bus.subscribe<{ seq: number }>("readings", { group: unique("g") }, async (batch) => {
        seen.push(...batch);
      });
      const keys = ["ld-aq-01", "ld-aq-02", "ld-aq-03", "ld-wq-01", "ld-wq-02"];
      await bus.publish(
        "readings",
        Array.from({ length: 600 }, (_, i) => ({
          key: keys[i % 5] as string,
          value: { seq: Math.floor(i / 5) },
        })),
        { together: true },
      );
      await waitFor(() => seen.length >= 600, { timeoutMs: 30_000, what: "600 deliveries" });
      expect(await recordCount("readings")).toBe(5);
      for (const key of keys) {
        const ofKey = seen.filter((d) => d.key === key);
        expect(
          ofKey.map((d) => d.value.seq),
          key,
        ).toEqual(Array.from({ length: 120 }, (_, i) => i));
        // One record: one offset.
        expect(new Set(ofKey.map((d) => d.offset)).size, key).toBe(1);
      }
    });

    it("maxBatch counts messages, and a record's messages are never split between batches", async () => {
      buses.fresh("qs-pack-batch");
      const bus = await buses.start();
      const batches: Delivery<{ seq: number }>[][] = [];
      // One partition's records reach the consumer in order; the publishes go before it subscribes,
      // so the fetch holds them all and the chunking is what is tested.
      for (let p = 0; p < 4; p++) {
        const size = [6, 1, 1, 6][p] as number;
        await bus.publish(
          "readings",
          Array.from({ length: size }, (_, i) => ({ key: "ld-aq-01", value: { seq: p * 10 + i } })),
          { together: true },
        );
      }
      await bus.subscribe<{ seq: number }>("readings", { group: unique("g"), maxBatch: 4 }, async (batch) => {
        batches.push([...batch]);
      });
      await waitFor(() => batches.flat().length >= 14, { timeoutMs: 30_000, what: "14 deliveries" });
      expect(batches.map((b) => b.map((d) => d.value.seq))).toEqual([
        [0, 1, 2, 3, 4, 5],
        [10, 20],
        [30, 31, 32, 33, 34, 35],
      ]);
    });

    it("a rejected packed record larger than maxBatch is delivered again whole, then what follows it", async () => {
      buses.fresh("qs-pack-retry");
      const bus = await buses.start({ onHandlerError: () => {} });
      await bus.publish(
        "readings",
        Array.from({ length: 6 }, (_, i) => ({ key: "ld-aq-01", value: { seq: i } })),
        { together: true },
      );
      await bus.publish("readings", [{ key: "ld-aq-01", value: { seq: 6 } }], { together: true });
      const attempts: number[][] = [];
      await bus.subscribe<{ seq: number }>("readings", { group: unique("g"), maxBatch: 4 }, async (batch) => {
        attempts.push(batch.map((d) => d.value.seq));
        if (attempts.length === 1) throw new Error("first attempt fails");
      });
      await waitFor(() => attempts.flat().includes(6), { timeoutMs: 30_000, what: "the message after it" });
      expect(attempts).toEqual([[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5], [6]]);
    });

    it("messages of one key that together pass the message limit go in several records, all delivered in order", async () => {
      buses.fresh("qs-pack-limit");
      // The smallest request: a message may have about 3 400 bytes.
      const bus = await buses.start({ maxRequestBytes: 4_096 });
      const limit = bus.maxMessageBytes("readings");
      const seen: Delivery<{ seq: number }>[] = [];
      await bus.subscribe<{ seq: number }>("readings", { group: unique("g") }, async (batch) => {
        seen.push(...batch);
      });
      const pad = "x".repeat(1_000);
      await bus.publish(
        "readings",
        Array.from({ length: 20 }, (_, i) => ({ key: "ld-aq-01", value: { seq: i, pad } })),
        { together: true },
      );
      await waitFor(() => seen.length >= 20, { timeoutMs: 30_000, what: "20 deliveries" });
      expect(seen.map((d) => d.value.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const perRecord = Math.floor(limit / 1_013);
      expect(await recordCount("readings")).toBeGreaterThanOrEqual(Math.ceil(20 / perRecord));
      expect(await recordCount("readings")).toBeLessThan(20);
    });

    it("without together, or with packMessages false, each message is its own record, and a packing bus reads those", async () => {
      buses.fresh("qs-no-pack");
      const plain = await buses.start({ packMessages: false });
      const reader = await buses.start();
      const seen: Delivery<{ seq: number }>[] = [];
      await reader.subscribe<{ seq: number }>("readings", { group: unique("g") }, async (batch) => {
        seen.push(...batch);
      });
      const ten = (from: number) =>
        Array.from({ length: 10 }, (_, i) => ({ key: "ld-aq-01", value: { seq: from + i } }));
      await plain.publish("readings", ten(0), { together: true });
      await reader.publish("readings", ten(10));
      await waitFor(() => seen.length >= 20, { timeoutMs: 30_000, what: "20 deliveries" });
      expect(await recordCount("readings")).toBe(20);
      expect(seen.map((d) => d.value.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(new Set(seen.map((d) => d.offset)).size).toBe(20);
    });
  });

  describe("consumer groups", () => {
    const buses: Bus[] = [];
    const children: ChildProcess[] = [];
    let prefix = "";
    afterEach(async () => {
      for (const child of children.splice(0)) child.kill("SIGKILL");
      await Promise.all(buses.splice(0).map((b) => b.stop()));
      await deleteTopics(prefix);
    });

    async function startBus(): Promise<Bus> {
      const bus = createKafkaBus(testConfig(prefix));
      buses.push(bus);
      await bus.start();
      return bus;
    }

    it("creates the three topics with the configured partitions and keeps a station on one partition", async () => {
      prefix = `${unique("qs-topics")}.`;
      const bus = await startBus();
      const admin = new Kafka({ brokers: broker.brokers.split(","), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({
        topics: ["readings", "alerts", "deadletters"].map((t) => `${prefix}${t}`),
      });
      await admin.disconnect();
      expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([
        [`${prefix}alerts`, 4],
        [`${prefix}deadletters`, 4],
        [`${prefix}readings`, 4],
      ]);
      const seen: Delivery<{ seq: number }>[] = [];
      await bus.subscribe<{ seq: number }>("readings", { group: unique("g") }, async (batch) => {
        seen.push(...batch);
      });
      for (let i = 0; i < 5; i++) await bus.publish("readings", [{ key: "ld-aq-01", value: { seq: i } }]);
      await waitFor(() => seen.length === 5, { timeoutMs: 30_000, what: "5 deliveries" });
      expect(new Set(seen.map((d) => d.partition)).size).toBe(1);
      expect(seen.map((d) => d.value.seq)).toEqual([0, 1, 2, 3, 4]);
    });

    it("a second member joining: onAssigned on both before delivery, nothing committed processed again", async () => {
      prefix = `${unique("qs-rebalance")}.`;
      const group = unique("g");
      const first = await startBus();
      const second = await startBus();
      const handled = { a: [] as string[], b: [] as string[] };
      const assigned = { a: [] as number[][], b: [] as number[][] };
      const settled = { a: 0, b: 0 };
      const violations: string[] = [];
      let releaseB!: () => void;
      const bRebuilt = new Promise<void>((r) => {
        releaseB = r;
      });
      const member = (bus: Bus, name: "a" | "b") =>
        bus.subscribe<{ seq: number }>(
          "readings",
          {
            group,
            onAssigned: async (partitions) => {
              assigned[name].push([...partitions]);
              // b "rebuilds its windows" until the test lets it go on.
              if (name === "b") await bRebuilt;
              settled[name] = assigned[name].length;
            },
          },
          async (batch) => {
            const latest = assigned[name].at(-1) ?? [];
            for (const d of batch) {
              if (settled[name] !== assigned[name].length)
                violations.push(`${name} got ${d.key} before onAssigned settled`);
              if (!latest.includes(d.partition))
                violations.push(`${name} got partition ${d.partition} not in [${latest}]`);
            }
            handled[name].push(...batch.map((d) => `${d.key}#${d.value.seq}`));
          },
        );
      const keys = Array.from({ length: 20 }, (_, i) => `station-${i}`);
      const publishRound = (from: number) =>
        first.publish(
          "readings",
          keys.flatMap((key) => Array.from({ length: 5 }, (_, i) => ({ key, value: { seq: from + i } }))),
        );

      await member(first, "a");
      expect(assigned.a).toEqual([[0, 1, 2, 3]]);
      await publishRound(0);
      await waitFor(() => handled.a.length === 100, { timeoutMs: 30_000, what: "a handled round 1" });
      await waitFor(() => first.depth().readings === 0, { timeoutMs: 30_000, what: "round 1 committed" });

      const joining = member(second, "b");
      const disjoint = () => {
        const a = assigned.a.at(-1) ?? [];
        const b = assigned.b.at(-1) ?? [];
        return assigned.a.length >= 2 && a.length > 0 && b.length > 0 && a.every((p) => !b.includes(p));
      };
      await waitFor(disjoint, { timeoutMs: 30_000, what: "both members assigned after the rebalance" });
      expect([...(assigned.a.at(-1) ?? []), ...(assigned.b.at(-1) ?? [])].sort()).toEqual([0, 1, 2, 3]);

      // Round 2 while b's onAssigned still runs: a handles its share, b nothing yet.
      await publishRound(5);
      await waitFor(() => handled.a.length > 100, { timeoutMs: 30_000, what: "a handling round 2" });
      expect(handled.b).toEqual([]);
      releaseB();
      await joining;
      await waitFor(() => handled.a.length + handled.b.length === 200, {
        timeoutMs: 30_000,
        what: "round 2 handled",
      });
      expect(violations).toEqual([]);
      const all = [...handled.a, ...handled.b];
      expect(new Set(all).size).toBe(200);
      expect(handled.b.length).toBeGreaterThan(0);
      expect(handled.b.every((id) => Number(id.split("#")[1]) >= 5)).toBe(true);
    });

    it("a member killed before committing: its uncommitted messages go to the other member", async () => {
      prefix = `${unique("qs-kill")}.`;
      const group = unique("g");
      const bus = await startBus();
      const child = spawn(
        process.execPath,
        ["--import", "tsx", resolve(here, "kill-member.fixture.ts"), broker.brokers, prefix, group],
        { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
      );
      children.push(child);
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      await waitFor(() => output.includes("assigned"), {
        timeoutMs: 60_000,
        what: "the child member assigned",
      });
      await bus.publish(
        "readings",
        Array.from({ length: 10 }, (_, seq) => ({ key: "k", value: { seq } })),
      );
      await waitFor(() => output.includes("holding 5"), {
        timeoutMs: 30_000,
        what: "the child holding seq 5–9",
      });
      expect(output).toContain("acknowledged 5");
      child.kill("SIGKILL");

      const seen: number[] = [];
      await bus.subscribe<{ seq: number }>("readings", { group }, async (batch) => {
        seen.push(...batch.map((d) => d.value.seq));
      });
      // The broker gives the dead member's partitions away once its session (6 s) expired.
      await waitFor(() => seen.length >= 5, {
        timeoutMs: 30_000,
        what: "redelivery to the surviving member",
      });
      expect(seen).toEqual([5, 6, 7, 8, 9]);
    }, 60_000);
  });
});
