/**
 * The Bus contract suite: every adapter (in-process, Kafka) runs it against the real thing
 * (STYLE.md "The interface owns the contract suite").
 *
 * Adapter-neutral by construction:
 * - `create` is called once per test and must return a bus isolated from every earlier one
 *   (Kafka: a fresh topic prefix), because BusTopic names are fixed. Groups are unique per test.
 * - Each consumer waits for its `onAssigned` before anything is published, and multi-member tests
 *   wait until every member holds partitions (Kafka rebalances take seconds).
 * - Outcomes are awaited as conditions (`waitFor`), never after fixed sleeps.
 * - At-least-once allows duplicates, so assertions are on what was acknowledged, in order, per key.
 * - The Kafka adapter needs topics with several partitions for the load-sharing test.
 * - `depth()` may lag behind (Kafka computes it from consumer lag in the background), so non-zero
 *   values are awaited; members may learn a rebalance's outcome one after the other.
 */
import { waitFor } from "@qingshan/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type BatchHandler,
  BUS_TOPICS,
  type Bus,
  type BusTopic,
  type Delivery,
  type SubscribeOptions,
} from "../bus.ts";
import { BusMessageTooLargeError, messageSizeBytes } from "../message-size.ts";

export interface BusContractOptions {
  /** How long to wait for a condition (delivery, assignment); Kafka needs more than memory. Default 10 000 ms. */
  readonly timeoutMs?: number;
}

interface Seq {
  readonly seq: number;
}

interface Consumer<T> {
  readonly close: () => Promise<void>;
  /** Partitions of the latest assignment. */
  assigned(): readonly number[];
  /** How many times onAssigned was called. */
  assignments(): number;
  /** Every batch passed to the handler, including ones it rejected. */
  readonly batches: Delivery<T>[][];
  /** Deliveries of batches the handler resolved, in the order they were handled. */
  readonly acknowledged: Delivery<T>[];
}

let counter = 0;
/** A name no earlier test (or earlier run against a shared Kafka) used. */
function unique(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${process.pid}-${counter}`;
}

/**
 * Subscribes and resolves once the member has been assigned its partitions.
 * `handle` may throw or block; batches it resolves are recorded in `acknowledged`.
 */
async function consume<T>(
  bus: Bus,
  topic: BusTopic,
  options: Omit<SubscribeOptions, "onAssigned">,
  handle: BatchHandler<T> = async () => {},
  timeoutMs = 10_000,
): Promise<Consumer<T>> {
  let latest: readonly number[] = [];
  let calls = 0;
  const batches: Delivery<T>[][] = [];
  const acknowledged: Delivery<T>[] = [];
  const subscription = await bus.subscribe<T>(
    topic,
    {
      ...options,
      onAssigned: (partitions) => {
        latest = [...partitions];
        calls++;
      },
    },
    async (batch, context) => {
      batches.push([...batch]);
      await handle(batch, context);
      acknowledged.push(...batch);
    },
  );
  await waitFor(() => calls > 0, { timeoutMs, what: `onAssigned of group ${options.group}` });
  return {
    close: () => subscription.close(),
    assigned: () => latest,
    assignments: () => calls,
    batches,
    acknowledged,
  };
}

function messages(key: string, from: number, count: number): { key: string; value: Seq }[] {
  return Array.from({ length: count }, (_, i) => ({ key, value: { seq: from + i } }));
}

/** Per key, the sequence numbers in the order they were delivered. */
function byKey(deliveries: readonly Delivery<Seq>[]): Map<string, number[]> {
  const result = new Map<string, number[]>();
  for (const d of deliveries) {
    const list = result.get(d.key) ?? [];
    list.push(d.value.seq);
    result.set(d.key, list);
  }
  return result;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** A promise with its resolve function, to hold a handler until the test releases it. */
function gate(): { readonly promise: Promise<void>; release(): void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** Lets any pending callbacks (timers due now, I/O, microtasks) run. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Expects `finish` (closing the subscription or stopping the bus) to wait for an in-flight handler
 * call: it is called while a handler on "readings" is held, and must not resolve before that
 * handler is released and has returned.
 */
async function expectToWaitForHandler(
  bus: Bus,
  timeoutMs: number,
  finish: (consumer: Consumer<Seq>) => Promise<void>,
): Promise<void> {
  const hold = gate();
  let handlerReturned = false;
  const consumer = await consume<Seq>(
    bus,
    "readings",
    { group: unique("g") },
    async () => {
      await hold.promise;
      handlerReturned = true;
    },
    timeoutMs,
  );
  await bus.publish("readings", messages("k", 0, 1));
  await waitFor(() => consumer.batches.length === 1, { timeoutMs, what: "handler entered" });
  let finished = false;
  const finishing = finish(consumer).then(() => {
    finished = true;
  });
  await turns(20);
  expect(finished).toBe(false);
  hold.release();
  await finishing;
  expect(handlerReturned).toBe(true);
}

/**
 * Registers the Bus contract tests for one adapter.
 *
 * @example
 * describeBusContract("memory bus", async () => ({
 *   bus: createMemoryBus({ redelivery: { initialMs: 10, maxMs: 50 } }),
 *   cleanup: async () => {},
 * }));
 */
export function describeBusContract(
  name: string,
  create: () => Promise<{ bus: Bus; cleanup(): Promise<void> }>,
  options: BusContractOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const wait = <T>(condition: () => T | Promise<T>, what: string) => waitFor(condition, { timeoutMs, what });

  describe(`Bus contract: ${name}`, () => {
    let bus: Bus;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const created = await create();
      bus = created.bus;
      cleanup = created.cleanup;
      await bus.start();
    });

    afterEach(async () => {
      await bus.stop();
      await cleanup();
    });

    it("publish resolves, with and without consumers, and for an empty list", async () => {
      await expect(bus.publish("alerts", [{ key: "k", value: { seq: 0 } }])).resolves.toBeUndefined();
      await expect(bus.publish("alerts", [])).resolves.toBeUndefined();
      const consumer = await consume<Seq>(bus, "alerts", { group: unique("g") }, undefined, timeoutMs);
      await expect(bus.publish("alerts", messages("k", 1, 3))).resolves.toBeUndefined();
      // Whether a new group also sees seq 0 (published before it existed) is the adapter's policy.
      const afterJoin = () => consumer.acknowledged.map((d) => d.value.seq).filter((seq) => seq >= 1);
      await wait(() => afterJoin().length === 3, "3 deliveries");
      expect(afterJoin()).toEqual([1, 2, 3]);
    });

    it("delivers key, value, partition and a decimal offset", async () => {
      const consumer = await consume<Seq>(bus, "readings", { group: unique("g") }, undefined, timeoutMs);
      await bus.publish("readings", messages("station-a", 0, 2));
      await wait(() => consumer.acknowledged.length === 2, "2 deliveries");
      const [first, second] = consumer.acknowledged;
      expect(first).toMatchObject({ key: "station-a", value: { seq: 0 } });
      expect(first?.offset).toMatch(/^\d+$/);
      expect(second?.partition).toBe(first?.partition);
      expect(BigInt(second?.offset ?? "0")).toBeGreaterThan(BigInt(first?.offset ?? "0"));
      expect(consumer.assigned()).toContain(first?.partition);
    });

    it("a message above maxMessageBytes is rejected with a typed error naming it, the others of its publish delivered (no limit: a large one is delivered)", async () => {
      const limit = bus.maxMessageBytes("readings");
      const consumer = await consume<Seq & { pad?: string }>(
        bus,
        "readings",
        { group: unique("g") },
        undefined,
        timeoutMs,
      );
      if (!Number.isFinite(limit)) {
        // No limit configured (in-process bus without maxMessageBytes): a large message goes through.
        await bus.publish("readings", [
          { key: "station-big", value: { seq: 1, pad: "x".repeat(1_000_000) } },
        ]);
        await wait(() => consumer.acknowledged.length === 1, "the large message");
        expect(consumer.acknowledged[0]?.value.pad).toHaveLength(1_000_000);
        return;
      }
      const big = { key: "station-big", value: { seq: 1, pad: "x".repeat(limit) } };
      const justFits = { key: "station-fit", value: { seq: 3, pad: "" } };
      const pad = limit - messageSizeBytes(justFits);
      justFits.value.pad = "y".repeat(pad);
      expect(messageSizeBytes(justFits)).toBe(limit);
      const error = await bus
        .publish<Seq & { pad?: string }>("readings", [
          { key: "station-a", value: { seq: 0 } },
          big,
          { key: "station-a", value: { seq: 2 } },
          justFits,
        ])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(BusMessageTooLargeError);
      const tooLarge = error as BusMessageTooLargeError;
      expect(tooLarge.code).toBe("bus.message_too_large");
      expect(tooLarge.topic).toBe("readings");
      expect(tooLarge.accepted).toBe(3);
      expect(tooLarge.rejected).toEqual([
        { index: 1, key: "station-big", sizeBytes: messageSizeBytes(big), limitBytes: limit },
      ]);
      expect(tooLarge.message).toContain(`key "station-big"`);
      await wait(() => consumer.acknowledged.length === 3, "the 3 messages that fit");
      expect(consumer.acknowledged.map((d) => [d.key, d.value.seq]).sort()).toEqual([
        ["station-a", 0],
        ["station-a", 2],
        ["station-fit", 3],
      ]);
      // Nothing of the rejected message reached the topic: a later publish is the next delivery.
      await bus.publish("readings", [{ key: "station-big", value: { seq: 4 } }]);
      await wait(() => consumer.acknowledged.length === 4, "the publish after it");
      expect(consumer.acknowledged.filter((d) => d.key === "station-big").map((d) => d.value.seq)).toEqual([
        4,
      ]);
      // A publish of only oversize messages rejects the same way, with nothing accepted.
      await expect(bus.publish("readings", [big])).rejects.toMatchObject({
        code: "bus.message_too_large",
        accepted: 0,
      });
    });

    it("delivers a keyed message from partitionFor(topic, key), the same for a key every time", async () => {
      const consumer = await consume<Seq>(bus, "readings", { group: unique("g") }, undefined, timeoutMs);
      const keys = range(24).map((i) => `station-${i}`);
      await bus.publish(
        "readings",
        keys.flatMap((key) => messages(key, 0, 2)),
      );
      await wait(() => consumer.acknowledged.length === 48, "48 deliveries");
      for (const d of consumer.acknowledged) expect(d.partition).toBe(bus.partitionFor("readings", d.key));
      expect(keys.map((k) => bus.partitionFor("readings", k))).toEqual(
        keys.map((k) => bus.partitionFor("readings", k)),
      );
      // Keys spread: a member holding several partitions sees several of them used.
      if (consumer.assigned().length > 1)
        expect(new Set(consumer.acknowledged.map((d) => d.partition)).size).toBeGreaterThan(1);
      expect(() => bus.partitionFor("nope" as BusTopic, "k")).toThrow();
    });

    it("keeps per-key order within a group across many publishes", async () => {
      const consumer = await consume<Seq>(
        bus,
        "readings",
        { group: unique("g"), maxBatch: 7 },
        undefined,
        timeoutMs,
      );
      const keys = ["s1", "s2", "s3", "s4", "s5"];
      for (let round = 0; round < 10; round++) {
        await bus.publish(
          "readings",
          keys.flatMap((key) => messages(key, round * 5, 5)),
        );
      }
      await wait(() => consumer.acknowledged.length === 250, "250 deliveries");
      const seen = byKey(consumer.acknowledged);
      for (const key of keys) expect(seen.get(key)).toEqual(range(50));
    });

    it("gives every group every message", async () => {
      const a = await consume<Seq>(bus, "readings", { group: unique("ga") }, undefined, timeoutMs);
      const b = await consume<Seq>(bus, "readings", { group: unique("gb") }, undefined, timeoutMs);
      await bus.publish("readings", [...messages("x", 0, 20), ...messages("y", 0, 20)]);
      await wait(
        () => a.acknowledged.length >= 40 && b.acknowledged.length >= 40,
        "40 deliveries to each group",
      );
      for (const consumer of [a, b]) {
        const seen = byKey(consumer.acknowledged);
        expect(seen.get("x")).toEqual(range(20));
        expect(seen.get("y")).toEqual(range(20));
      }
    });

    it("shares the load between members of one group, no message to both", async () => {
      const group = unique("g");
      const a = await consume<Seq>(bus, "readings", { group }, undefined, timeoutMs);
      const b = await consume<Seq>(bus, "readings", { group }, undefined, timeoutMs);
      // Kafka members learn a rebalance's outcome one after the other: wait until both know theirs.
      await wait(
        () =>
          a.assigned().length > 0 &&
          b.assigned().length > 0 &&
          a.assigned().every((p) => !b.assigned().includes(p)),
        "both members assigned, disjoint partitions",
      );
      const keys = range(40).map((i) => `station-${i}`);
      await bus.publish(
        "readings",
        keys.flatMap((key) => messages(key, 0, 3)),
      );
      await wait(() => a.acknowledged.length + b.acknowledged.length >= 120, "120 deliveries");
      const ofA = new Set(a.acknowledged.map((d) => `${d.key}#${d.value.seq}`));
      const ofB = new Set(b.acknowledged.map((d) => `${d.key}#${d.value.seq}`));
      expect(ofA.size).toBeGreaterThan(0);
      expect(ofB.size).toBeGreaterThan(0);
      expect([...ofA].filter((id) => ofB.has(id))).toEqual([]);
      expect(ofA.size + ofB.size).toBe(120);
      // A key belongs to one member, and each member only sees its own partitions.
      expect(a.acknowledged.every((d) => a.assigned().includes(d.partition))).toBe(true);
      expect(b.acknowledged.every((d) => b.assigned().includes(d.partition))).toBe(true);
    });

    it("redelivers a rejected batch before any later message of its keys (at-least-once, in order)", async () => {
      let failures = 0;
      const consumer = await consume<Seq>(
        bus,
        "readings",
        { group: unique("g"), maxBatch: 4 },
        async (batch) => {
          if (failures < 2 && batch.some((d) => d.key === "k" && d.value.seq === 2)) {
            failures++;
            throw new Error("store unavailable (test)");
          }
        },
        timeoutMs,
      );
      await bus.publish("readings", messages("k", 0, 10));
      await wait(() => consumer.acknowledged.length >= 10, "10 acknowledged deliveries");
      expect(failures).toBe(2);
      // Everything arrives, and what was acknowledged is exactly the publish order.
      expect(byKey(consumer.acknowledged).get("k")).toEqual(range(10));
      // The failed batch came back, starting where it started, before anything after it.
      const delivered = consumer.batches.map((batch) =>
        batch.filter((d) => d.key === "k").map((d) => d.value.seq),
      );
      const firstFailed = delivered.findIndex((seqs) => seqs.includes(2));
      const failedStart = delivered[firstFailed]?.[0];
      expect(failedStart).toBeDefined();
      for (const later of delivered.slice(firstFailed + 1, firstFailed + 3))
        expect(later[0]).toBe(failedStart);
    });

    it("respects maxBatch", async () => {
      const consumer = await consume<Seq>(
        bus,
        "readings",
        { group: unique("g"), maxBatch: 3 },
        undefined,
        timeoutMs,
      );
      await bus.publish("readings", messages("k", 0, 20));
      await wait(() => consumer.acknowledged.length === 20, "20 deliveries");
      expect(consumer.batches.length).toBeGreaterThanOrEqual(7);
      expect(Math.max(...consumer.batches.map((b) => b.length))).toBeLessThanOrEqual(3);
      expect(byKey(consumer.acknowledged).get("k")).toEqual(range(20));
    });

    it("calls onAssigned with the member's partitions before delivering", async () => {
      const consumer = await consume<Seq>(bus, "deadletters", { group: unique("g") }, undefined, timeoutMs);
      expect(consumer.assignments()).toBeGreaterThanOrEqual(1);
      expect(consumer.assigned().length).toBeGreaterThan(0);
      await bus.publish("deadletters", messages("k", 0, 1));
      await wait(() => consumer.acknowledged.length === 1, "1 delivery");
      expect(consumer.assigned()).toContain(consumer.acknowledged[0]?.partition);
    });

    it("depth() counts messages not yet acknowledged by every group", async () => {
      const hold = gate();
      const slow = await consume<Seq>(
        bus,
        "readings",
        { group: unique("slow") },
        () => hold.promise,
        timeoutMs,
      );
      const fast = await consume<Seq>(bus, "readings", { group: unique("fast") }, undefined, timeoutMs);
      expect(bus.depth()).toEqual(Object.fromEntries(BUS_TOPICS.map((t) => [t, 0])));
      await bus.publish("readings", messages("k", 0, 5));
      await wait(() => fast.acknowledged.length === 5, "fast group done");
      await wait(() => slow.batches.length > 0, "slow group handling");
      // depth() may be refreshed in the background (Kafka: consumer lag), so it is awaited too.
      await wait(() => bus.depth().readings === 5, "depth 5 while the slow group holds the batch");
      expect(bus.depth().alerts).toBe(0);
      hold.release();
      await wait(() => bus.depth().readings === 0, "depth back to 0");
      expect(slow.acknowledged.map((d) => d.value.seq)).toEqual(range(5));
    });

    it("committedOffsets(group, topic): per partition the offset after the last acknowledged message; none before", async () => {
      const hold = gate();
      const slowGroup = unique("slow");
      const fastGroup = unique("fast");
      const slow = await consume<Seq>(bus, "readings", { group: slowGroup }, () => hold.promise, timeoutMs);
      const fast = await consume<Seq>(bus, "readings", { group: fastGroup }, undefined, timeoutMs);
      expect(await bus.committedOffsets(fastGroup, "readings")).toEqual(new Map());
      expect(await bus.committedOffsets(unique("never-subscribed"), "readings")).toEqual(new Map());
      await bus.publish("readings", messages("k", 0, 5));
      await wait(() => fast.acknowledged.length === 5, "fast group done");
      const partition = bus.partitionFor("readings", "k");
      const after = String(BigInt(fast.acknowledged[4]?.offset ?? "-2") + 1n);
      // Kafka commits right after the handler resolved, so the commit is awaited.
      await wait(
        async () => (await bus.committedOffsets(fastGroup, "readings")).get(partition) === after,
        `fast group committed ${after} on partition ${partition}`,
      );
      expect([...(await bus.committedOffsets(fastGroup, "readings")).keys()]).toEqual([partition]);
      await wait(() => slow.batches.length > 0, "slow group handling");
      expect(await bus.committedOffsets(slowGroup, "readings")).toEqual(new Map());
      expect(await bus.committedOffsets(fastGroup, "alerts")).toEqual(new Map());
      hold.release();
      await wait(
        async () => (await bus.committedOffsets(slowGroup, "readings")).get(partition) === after,
        "slow group committed once it acknowledged",
      );
    });

    it("close() of a subscription waits for its in-flight handler call", async () => {
      await expectToWaitForHandler(bus, timeoutMs, (consumer) => consumer.close());
    });

    it("close() aborts the handler's signal; a batch it then rejects goes to the group's next member", async () => {
      const group = unique("g");
      let aborted = false;
      const first = await consume<Seq>(
        bus,
        "readings",
        { group },
        (_batch, { signal }) =>
          new Promise<void>((_resolve, reject) => {
            signal.addEventListener("abort", () => {
              aborted = true;
              reject(new Error("closing before the batch could be handled (test)"));
            });
          }),
        timeoutMs,
      );
      await bus.publish("readings", messages("k", 0, 3));
      await wait(() => first.batches.length === 1, "handler entered");
      await first.close();
      expect(aborted).toBe(true);
      expect(first.acknowledged).toEqual([]);
      const second = await consume<Seq>(bus, "readings", { group }, undefined, timeoutMs);
      await wait(() => second.acknowledged.length >= 3, "redelivered to the next member");
      expect(byKey(second.acknowledged).get("k")).toEqual(range(3));
    });

    it("stop() waits for in-flight handler calls and can be called twice", async () => {
      await expectToWaitForHandler(bus, timeoutMs, () => bus.stop());
      await expect(bus.stop()).resolves.toBeUndefined();
    });
  });
}
