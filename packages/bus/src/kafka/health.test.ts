/**
 * The Kafka bus' health (readiness) with the brokers killed and started again, and consumer groups
 * of one process only (the API's live feed, `api-live-<uuid>`) kept out of depth() and deleted when
 * they close. A broker of this file's own: it is killed.
 */
import { randomUUID } from "node:crypto";
import { requireService, waitFor } from "@qingshan/testkit";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { quickRebalanceConfig, testKafkaBroker } from "../testing/kafka-broker.ts";
import type { KafkaLogEntry } from "./config.ts";
import { createKafkaBus, type KafkaBus } from "./kafka-bus.ts";

const broker = await testKafkaBroker({ own: true });
const gate = await requireService("kafka (own broker)", () => broker.probe());
const buses: KafkaBus[] = [];
afterAll(async () => {
  for (const bus of buses) await bus.stop();
  await broker.stop();
});

const logs: KafkaLogEntry[] = [];
function start(prefix: string): Promise<KafkaBus> {
  const bus = createKafkaBus({
    ...quickRebalanceConfig(broker.brokers, prefix, 2, (entry) => logs.push(entry)),
    connectionTimeoutMs: 500,
  });
  buses.push(bus);
  return bus.start().then(() => bus);
}

describe.skipIf(!gate.available)(`Kafka bus health and ephemeral groups${gate.note}`, () => {
  it("does not count a dead api-live group in depth(), and deletes one that closes", async () => {
    const prefix = `eph-${process.pid}.`;
    const bus = await start(prefix);
    const seen: string[] = [];
    await bus.subscribe<string>("alerts", { group: "notifier" }, async (batch) => {
      for (const d of batch) seen.push(d.value);
    });
    // An API process that died: its group has committed offsets and no member any more.
    const dead = `api-live-${randomUUID()}`;
    const admin = new Kafka({ brokers: broker.brokers.split(","), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.setOffsets({
        groupId: dead,
        topic: bus.topicName("alerts"),
        partitions: [0, 1].map((partition) => ({ partition, offset: "0" })),
      });
      await bus.publish(
        "alerts",
        ["a", "b", "c"].map((v) => ({ key: `st-${v}`, value: v })),
      );
      await waitFor(() => seen.length === 3, { timeoutMs: 20_000, what: "the notifier group to get 3" });
      // Two refreshes after the notifier committed: the dead group's lag of 3 would show here.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(bus.depth().alerts).toBe(0);

      const live = `api-live-${randomUUID()}`;
      const feed = await bus.subscribe("alerts", { group: live }, async () => {});
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(live);
      await feed.close();
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(live);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it("reports the brokers killed (with the reason) and is healthy again once they are back", async () => {
    const bus = await start(`health-${process.pid}.`);
    await bus.subscribe("readings", { group: "writer" }, async () => {});
    expect(await bus.health()).toEqual({ ok: true, detail: "ok" });

    await broker.kill();
    const down = await waitFor(
      async () => {
        const h = await bus.health();
        return h.ok ? undefined : h;
      },
      { timeoutMs: 30_000, what: "health to report the killed broker" },
    );
    expect(down.detail).toMatch(/^kafka: brokers 127\.0\.0\.1:\d+ (unreachable|did not answer)/);

    // The consumer crashes once kafkajs' retries are exhausted: named with its group and reason.
    const crashed = await waitFor(
      async () => {
        const h = await bus.health();
        return /consumer of group "writer" on "readings" crashed/.test(h.detail) ? h : undefined;
      },
      { timeoutMs: 60_000, what: "health to name the crashed consumer" },
    );
    expect(crashed.ok).toBe(false);

    await broker.restart();
    await waitFor(async () => (await bus.health()).ok, {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: "health ok after the broker restarted",
    });
    await bus.publish("readings", [{ key: "st-1", value: 1 }]);
    expect(await bus.health()).toEqual({ ok: true, detail: "ok" });
  }, 240_000);
});
