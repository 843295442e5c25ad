import { waitFor } from "@qingshan/testkit";
import { afterEach, describe, expect, it } from "vitest";
import type { Delivery } from "../bus.ts";
import { BusError } from "../errors.ts";
import { BusMessageTooLargeError } from "../message-size.ts";
import type { HandlerFailure } from "./config.ts";
import { createMemoryBus, type MemoryBus } from "./memory-bus.ts";
import { partitionOf } from "./partition-of.ts";

function gate(): { readonly promise: Promise<void>; release(): void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** Two keys that land on different partitions of an 8-partition bus. */
function keysOnDifferentPartitions(partitions = 8): [string, string] {
  const first = "ld-aq-01";
  for (let i = 2; i < 100; i++) {
    const other = `ld-aq-${String(i).padStart(2, "0")}`;
    if (partitionOf(other, partitions) !== partitionOf(first, partitions)) return [first, other];
  }
  throw new Error("no second partition found");
}

let bus: MemoryBus | undefined;
afterEach(async () => {
  await bus?.stop();
  bus = undefined;
});

async function started(config: Parameters<typeof createMemoryBus>[0] = {}): Promise<MemoryBus> {
  bus = createMemoryBus({ redelivery: { initialMs: 5, maxMs: 20 }, onHandlerError: () => {}, ...config });
  await bus.start();
  return bus;
}

describe("configuration", () => {
  it("applies documented defaults and freezes them", () => {
    const settings = createMemoryBus().settings;
    expect(settings).toEqual({
      partitions: 8,
      maxQueuedPerGroup: 100_000,
      defaultMaxBatch: 1000,
      redelivery: { initialMs: 100, maxMs: 30_000 },
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it("rejects invalid settings with the field path, before any I/O", () => {
    expect(() => createMemoryBus({ partitions: 0 })).toThrow(BusError);
    expect(() => createMemoryBus({ partitions: 0 })).toThrow(/bus\.config_invalid.*partitions/);
    expect(() => createMemoryBus({ redelivery: { initialMs: 500, maxMs: 100 } })).toThrow(
      /redelivery\.maxMs/,
    );
  });

  it("refuses use before start and after stop, and bad subscribe options", async () => {
    const idle = createMemoryBus();
    await expect(idle.publish("readings", [{ key: "k", value: 1 }])).rejects.toThrow(/bus\.not_started/);
    const running = await started();
    await expect(running.subscribe("readings", { group: "" }, async () => {})).rejects.toThrow(
      /bus\.options_invalid/,
    );
    await expect(running.subscribe("readings", { group: "g", maxBatch: 0 }, async () => {})).rejects.toThrow(
      /maxBatch/,
    );
    await running.stop();
    await expect(running.publish("readings", [{ key: "k", value: 1 }])).rejects.toThrow(/bus\.stopped/);
    await expect(running.start()).rejects.toThrow(/bus\.stopped/);
  });
});

describe("partitions", () => {
  it("maps a key to a stable partition in range", () => {
    expect(partitionOf("ld-aq-01", 8)).toBe(partitionOf("ld-aq-01", 8));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`station-${i}`, 8)));
    expect([...seen].every((p) => p >= 0 && p < 8)).toBe(true);
    expect(seen.size).toBe(8);
    expect(partitionOf("anything", 1)).toBe(0);
  });

  it("a slow key does not hold up a key on another partition", async () => {
    const b = await started();
    const [slowKey, otherKey] = keysOnDifferentPartitions();
    const hold = gate();
    const handled: string[] = [];
    await b.subscribe<number>("readings", { group: "g" }, async (batch) => {
      if (batch.some((d) => d.key === slowKey)) await hold.promise;
      handled.push(...batch.map((d) => `${d.key}#${d.value}`));
    });
    await b.publish("readings", [{ key: slowKey, value: 1 }]);
    await b.publish("readings", [{ key: otherKey, value: 1 }]);
    await waitFor(() => handled.includes(`${otherKey}#1`), { what: "other key handled" });
    expect(handled).toEqual([`${otherKey}#1`]);
    hold.release();
    await waitFor(() => handled.length === 2, { what: "slow key handled" });
  });
});

describe("batching", () => {
  it("batches what queued while the handler was busy, up to maxBatch", async () => {
    const b = await started();
    const hold = gate();
    const sizes: number[] = [];
    await b.subscribe<number>("readings", { group: "g", maxBatch: 50 }, async (batch) => {
      sizes.push(batch.length);
      if (sizes.length === 1) await hold.promise;
    });
    await b.publish("readings", [{ key: "k", value: 0 }]);
    await waitFor(() => sizes.length === 1, { what: "first batch" });
    for (let i = 1; i <= 120; i++) await b.publish("readings", [{ key: "k", value: i }]);
    hold.release();
    await waitFor(() => sizes.reduce((a, n) => a + n, 0) === 121, { what: "121 delivered" });
    expect(sizes).toEqual([1, 50, 50, 20]);
  });

  it("hands one publish of many messages over as one batch when it fits", async () => {
    const b = await started();
    const sizes: number[] = [];
    await b.subscribe<number>("readings", { group: "g", maxBatch: 5000 }, async (batch) => {
      sizes.push(batch.length);
    });
    await b.publish(
      "readings",
      Array.from({ length: 3000 }, (_, i) => ({ key: "k", value: i })),
    );
    await waitFor(() => sizes.length === 1, { what: "one batch" });
    expect(sizes).toEqual([3000]);
  });
});

describe("redelivery", () => {
  it("never drops: backs off exponentially and delivers the same batch until the handler resolves", async () => {
    const failures: HandlerFailure[] = [];
    const b = await started({
      redelivery: { initialMs: 2, maxMs: 8 },
      onHandlerError: (_error, failure) => failures.push(failure),
    });
    let calls = 0;
    const acknowledged: number[] = [];
    await b.subscribe<number>("alerts", { group: "g" }, async (batch) => {
      calls++;
      if (calls <= 5) throw new Error("down");
      acknowledged.push(...batch.map((d) => d.value));
    });
    await b.publish("alerts", [
      { key: "k", value: 1 },
      { key: "k", value: 2 },
    ]);
    await waitFor(() => acknowledged.length === 2, { what: "acknowledged after 5 failures" });
    expect(acknowledged).toEqual([1, 2]);
    expect(failures.map((f) => [f.attempt, f.retryInMs, f.batchSize, f.group, f.topic])).toEqual([
      [1, 2, 2, "g", "alerts"],
      [2, 4, 2, "g", "alerts"],
      [3, 8, 2, "g", "alerts"],
      [4, 8, 2, "g", "alerts"],
      [5, 8, 2, "g", "alerts"],
    ]);
  });

  it("treats a handler that throws synchronously like one that rejects", async () => {
    const b = await started();
    let calls = 0;
    const handled: number[] = [];
    function throwsOnce(batch: readonly Delivery<number>[]): Promise<void> {
      calls++;
      if (calls === 1) throw new Error("sync");
      handled.push(...batch.map((d) => d.value));
      return Promise.resolve();
    }
    await b.subscribe<number>("readings", { group: "g" }, throwsOnce);
    await b.publish("readings", [{ key: "k", value: 7 }]);
    await waitFor(() => handled.length === 1, { what: "redelivered" });
    expect(handled).toEqual([7]);
  });

  it("hands a closed member's unacknowledged partitions to the remaining member", async () => {
    const b = await started();
    const hold = gate();
    const gotA: number[] = [];
    const gotB: number[] = [];
    const a = await b.subscribe<number>("readings", { group: "g" }, async (batch) => {
      await hold.promise;
      gotA.push(...batch.map((d) => d.value));
    });
    await b.subscribe<number>("readings", { group: "g" }, async (batch) => {
      gotB.push(...batch.map((d) => d.value));
    });
    const keys = Array.from({ length: 16 }, (_, i) => `s${i}`);
    await b.publish(
      "readings",
      keys.map((key, value) => ({ key, value })),
    );
    await waitFor(() => gotB.length > 0, { what: "member B handled its share" });
    const closing = a.close();
    await b.publish(
      "readings",
      keys.map((key, value) => ({ key, value: 100 + value })),
    );
    hold.release();
    await closing;
    await waitFor(() => gotA.length + gotB.length === 32, { what: "all 32 handled" });
    expect([...gotA, ...gotB].sort((x, y) => x - y)).toEqual([
      ...keys.map((_, i) => i),
      ...keys.map((_, i) => 100 + i),
    ]);
  });
});

describe("durable subscriptions", () => {
  it("publish resolves only after every durable group processed the messages", async () => {
    const b = await started();
    const hold = gate();
    const stored: number[] = [];
    await b.subscribe<number>("readings", { group: "writer", durable: true }, async (batch) => {
      await hold.promise;
      stored.push(...batch.map((d) => d.value));
    });
    await b.subscribe<number>("readings", { group: "evaluator" }, async () => {});
    let published = false;
    const publishing = b.publish("readings", [{ key: "k", value: 1 }]).then(() => {
      published = true;
    });
    await waitFor(() => b.depth().readings === 1, { what: "evaluator acknowledged, writer not yet" });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(published).toBe(false);
    hold.release();
    await publishing;
    expect(stored).toEqual([1]);
  });

  it("a publish spanning partitions: offsets per partition, resolves once every partition's batch was processed, depth per group", async () => {
    const b = await started();
    const [k1, k2] = keysOnDifferentPartitions();
    const slow = gate();
    const writer: Delivery<number>[] = [];
    await b.subscribe<number>("readings", { group: "writer", durable: true }, async (batch) => {
      if (batch[0]?.key === k2) await slow.promise;
      writer.push(...batch);
    });
    const evaluatorHold = gate();
    await b.subscribe<number>("readings", { group: "evaluator" }, async () => {
      await evaluatorHold.promise;
    });
    await b.publish("readings", [{ key: k1, value: 0 }]);
    let published = false;
    const publishing = b
      .publish("readings", [
        { key: k1, value: 1 },
        { key: k2, value: 2 },
        { key: k1, value: 3 },
        { key: k2, value: 4 },
      ])
      .then(() => {
        published = true;
      });
    await waitFor(() => writer.length === 3, { what: "k1's messages written" });
    // The evaluator holds all 5; the writer all of k2's: the longest suffix per partition counts.
    expect(b.depth().readings).toBe(5);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(published).toBe(false);
    slow.release();
    await publishing;
    expect(writer.map((d) => [d.key, d.value, d.offset])).toEqual([
      [k1, 0, "0"],
      [k1, 1, "1"],
      [k1, 3, "2"],
      [k2, 2, "0"],
      [k2, 4, "1"],
    ]);
    expect(b.depth().readings).toBe(5);
    evaluatorHold.release();
    await waitFor(() => b.depth().readings === 0, { what: "evaluator acknowledged" });
  });

  it("a durable publish is retried by the bus and resolves once the handler finally succeeds", async () => {
    const b = await started();
    let calls = 0;
    await b.subscribe<number>("readings", { group: "writer", durable: true }, async () => {
      calls++;
      if (calls < 3) throw new Error("store down");
    });
    await b.publish("readings", [{ key: "k", value: 1 }]);
    expect(calls).toBe(3);
  });

  it("stop() rejects publishes still waiting for a durable group, so upstream does not acknowledge", async () => {
    const b = await started();
    await b.subscribe<number>("readings", { group: "writer", durable: true }, async () => {
      throw new Error("store down");
    });
    const publishing = b.publish("readings", [{ key: "k", value: 1 }]);
    const outcome = publishing.then(
      () => "resolved",
      (error: unknown) => (error instanceof BusError ? error.code : String(error)),
    );
    await b.stop();
    expect(await outcome).toBe("bus.stopped");
  });
});

describe("message size limit", () => {
  it("has none by default; topicMaxMessageBytes overrides maxMessageBytes per topic", async () => {
    expect(createMemoryBus().maxMessageBytes("readings")).toBe(Number.POSITIVE_INFINITY);
    const b = await started({ maxMessageBytes: 1000, topicMaxMessageBytes: { readings: 40 } });
    expect(b.maxMessageBytes("readings")).toBe(40);
    expect(b.maxMessageBytes("deadletters")).toBe(1000);
    expect(() => b.maxMessageBytes("nope" as "readings")).toThrow(/bus\.topic_unknown/);
    expect(() => createMemoryBus({ topicMaxMessageBytes: { readings: 0 } })).toThrow(
      /topicMaxMessageBytes\.readings/,
    );
  });

  it("a durable publish with an oversize message waits for the others to be stored, then rejects naming it", async () => {
    const b = await started({ topicMaxMessageBytes: { readings: 40 } });
    const hold = gate();
    const stored: string[] = [];
    await b.subscribe<string>("readings", { group: "writer", durable: true }, async (batch) => {
      await hold.promise;
      stored.push(...batch.map((d) => d.value));
    });
    let settled = false;
    const publishing = b
      .publish("readings", [
        { key: "k", value: "small" },
        { key: "k", value: "x".repeat(50) },
      ])
      .finally(() => {
        settled = true;
      });
    const outcome = publishing.then(
      () => undefined,
      (e: unknown) => e,
    );
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    hold.release();
    const error = await outcome;
    expect(error).toBeInstanceOf(BusMessageTooLargeError);
    expect(error).toMatchObject({
      rejected: [{ index: 1, key: "k", sizeBytes: 53, limitBytes: 40 }],
      accepted: 1,
    });
    expect(stored).toEqual(["small"]);
  });
});

describe("backpressure", () => {
  it("publish waits while a group holds maxQueuedPerGroup messages, and keeps call order", async () => {
    const b = await started({ maxQueuedPerGroup: 10 });
    const hold = gate();
    const handled: number[] = [];
    await b.subscribe<number>("readings", { group: "g", maxBatch: 100 }, async (batch) => {
      await hold.promise;
      handled.push(...batch.map((d) => d.value));
    });
    const batchOf = (from: number) => Array.from({ length: 5 }, (_, i) => ({ key: "k", value: from + i }));
    await b.publish("readings", batchOf(0));
    await b.publish("readings", batchOf(5));
    const admitted: number[] = [];
    const third = b.publish("readings", batchOf(10)).then(() => admitted.push(10));
    const fourth = b.publish("readings", batchOf(15)).then(() => admitted.push(15));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(admitted).toEqual([]);
    expect(b.depth().readings).toBe(10);
    hold.release();
    await Promise.all([third, fourth]);
    expect(admitted).toEqual([10, 15]);
    await waitFor(() => handled.length === 20, { what: "20 handled" });
    expect(handled).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("admits a publish larger than the limit once the group's queue is empty", async () => {
    const b = await started({ maxQueuedPerGroup: 3 });
    const handled: number[] = [];
    await b.subscribe<number>("readings", { group: "g", durable: true }, async (batch) => {
      handled.push(...batch.map((d) => d.value));
    });
    await b.publish(
      "readings",
      Array.from({ length: 8 }, (_, value) => ({ key: "k", value })),
    );
    expect(handled).toHaveLength(8);
  });
});

describe("onAssigned", () => {
  it("delivers nothing of a partition before onAssigned settled, and re-announces on join and leave", async () => {
    const b = await started({ partitions: 4 });
    const assignedA: number[][] = [];
    const events: string[] = [];
    const first = gate();
    const subscribing = b.subscribe<number>(
      "readings",
      {
        group: "g",
        onAssigned: async (partitions) => {
          assignedA.push([...partitions]);
          if (assignedA.length === 1) await first.promise;
          events.push("assigned");
        },
      },
      async (batch) => {
        events.push(...batch.map((d) => `msg${d.value}`));
      },
    );
    await waitFor(() => assignedA.length === 1, { what: "first onAssigned" });
    await b.publish("readings", [{ key: "k", value: 1 }]);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(events).toEqual([]);
    first.release();
    await subscribing;
    await waitFor(() => events.length === 2, { what: "delivery after assignment" });
    expect(events).toEqual(["assigned", "msg1"]);
    expect(assignedA[0]).toEqual([0, 1, 2, 3]);

    const assignedB: number[][] = [];
    const second = await b.subscribe(
      "readings",
      { group: "g", onAssigned: (p) => void assignedB.push([...p]) },
      async () => {},
    );
    expect(assignedB).toEqual([[1, 3]]);
    await waitFor(() => assignedA.length === 2, { what: "A re-assigned" });
    expect(assignedA[1]).toEqual([0, 2]);
    await second.close();
    await waitFor(() => assignedA.length === 3, { what: "A re-assigned after B left" });
    expect(assignedA[2]).toEqual([0, 1, 2, 3]);
  });
});
