/**
 * Two evaluators in one consumer group on the real Kafka bus, with the real writer and DuckDB:
 * each alert is raised once across both; when one stops mid-episode the other takes over its
 * partitions (rebuilding them from the store) and continues the episode under the same alertId.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bus } from "@qingshan/bus";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { type AlertEvent, createStationRegistry, type Reading } from "@qingshan/domain";
import { createDuckDbStore, type DuckDbStore } from "@qingshan/store";
import { requireService, waitFor } from "@qingshan/testkit";
import { createWriter, type Writer } from "@qingshan/writer";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createEvaluator, type Evaluator } from "./evaluator.ts";
import {
  airStation,
  DEC_1,
  H,
  HEAVY_EPISODE_PM25,
  HEAVY_EPISODE_WARNINGS,
  rebalancingKafkaBus,
  shippedRules,
} from "./testdata/fixtures.ts";

const broker = await testKafkaBroker();
const kafka = await requireService("kafka", () => broker.probe());
afterAll(() => broker.stop());

const START = DEC_1;
const rules = shippedRules;
const logger = pino({ level: "silent" });

let dir: string | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!kafka.available)(`evaluator on the Kafka bus${kafka.note}`, () => {
  it("two evaluators raise each alert once; after one stops the other continues its episodes", async () => {
    const prefix = `qs-eval-${Date.now().toString(36)}-${process.pid}.`;
    let clock = START;
    dir = mkdtempSync(join(tmpdir(), "qingshan-evaluator-kafka-"));
    const store: DuckDbStore = createDuckDbStore({ path: join(dir, "q.duckdb") });
    await store.start();
    cleanups.push(() => store.stop());
    const main = rebalancingKafkaBus(broker.brokers, prefix, 4);
    await main.start();
    cleanups.push(() => main.stop());

    // Two stations on each of the 4 partitions, so however the group splits them both members own some.
    const ids: string[] = [];
    const perPartition = new Map<number, number>();
    for (let i = 1; ids.length < 8; i++) {
      const p = main.partitionFor("readings", `aq-${i}`);
      if ((perPartition.get(p) ?? 0) >= 2) continue;
      perPartition.set(p, (perPartition.get(p) ?? 0) + 1);
      ids.push(`aq-${i}`);
    }
    const registry = createStationRegistry(
      ids.map((id) => airStation(id, { zh: `站${id}`, en: `Station ${id}` })),
    );

    const writer: Writer = createWriter({ bus: main, store, logger });
    await writer.start();
    cleanups.push(() => writer.stop());
    const alerts: AlertEvent[] = [];
    await main.subscribe<AlertEvent>("alerts", { group: "test-alerts" }, async (batch) => {
      alerts.push(...batch.map((d) => d.value));
    });

    async function startEvaluator(): Promise<{ evaluator: Evaluator; bus: Bus }> {
      const bus = rebalancingKafkaBus(broker.brokers, prefix, 4);
      await bus.start();
      // Lateness of 3 days: a whole phase is published at once with the clock at its end, and
      // every hour of it still counts as live data.
      const evaluator = createEvaluator(
        { latenessMs: 72 * H, sweepSchedule: "0 0 1 1 *", group: "evaluator" },
        { bus, store, registry, rules, logger, now: () => clock },
      );
      await evaluator.start();
      cleanups.push(async () => {
        await evaluator.stop();
        await bus.stop();
      });
      return { evaluator, bus };
    }
    const a = await startEvaluator();
    const b = await startEvaluator();
    await waitFor(
      () =>
        a.evaluator.partitions().length > 0 &&
        b.evaluator.partitions().length > 0 &&
        a.evaluator.partitions().length + b.evaluator.partitions().length === 4 &&
        a.evaluator.partitions().every((p) => !b.evaluator.partitions().includes(p)),
      { timeoutMs: 30_000, what: "both evaluators own partitions" },
    );
    const ofA = a.evaluator.stations();
    expect(ofA.length).toBeGreaterThan(0);
    expect(b.evaluator.stations().length + ofA.length).toBe(8);

    async function publishHours(from: number, to: number): Promise<void> {
      clock = START + to * H + 60_000;
      const messages = [];
      for (let i = from; i < to; i++) {
        for (const id of ids) {
          const reading: Reading = {
            stationId: id,
            metric: "pm25",
            ts: START + i * H,
            periodMs: H,
            value: HEAVY_EPISODE_PM25[i] as number,
            flag: "N",
            source: "mqtt-json",
            receivedAt: clock,
          };
          messages.push({ key: id, value: reading });
        }
      }
      await main.publish("readings", messages);
    }
    const warnings = (station?: string) =>
      alerts.filter(
        (x) => x.ruleId === "heavy-pollution-warning" && (station === undefined || x.stationId === station),
      );

    // Phase 1: 60 hours, into the orange level.
    await publishHours(0, 60);
    await waitFor(() => ids.every((id) => warnings(id).length >= 2), {
      timeoutMs: 60_000,
      what: "raised and level_changed for every station",
    });
    for (const id of ids)
      expect(warnings(id).map((x) => [x.type, x.level])).toEqual(HEAVY_EPISODE_WARNINGS.slice(0, 2));
    // The new owner rebuilds from what the writer stored (it lags the evaluators only briefly).
    await waitFor(
      async () =>
        (await store.queryReadings({ stationId: ids[7] as string, from: START, to: clock })).length === 60,
      {
        timeoutMs: 30_000,
        what: "the writer stored phase 1",
      },
    );

    // A stops mid-episode: B takes A's partitions and rebuilds A's stations before any reading.
    await a.evaluator.stop();
    await a.bus.stop();
    await waitFor(() => b.evaluator.partitions().length === 4 && b.evaluator.stations().length === 8, {
      timeoutMs: 30_000,
      what: "B owns all partitions and has rebuilt their stations",
    });
    expect([...b.evaluator.stations()].sort()).toEqual([...ids].sort());

    // Phase 2: the rest of the episode, handled by B alone.
    await publishHours(60, HEAVY_EPISODE_PM25.length);
    await waitFor(() => ids.every((id) => warnings(id).length >= 4), {
      timeoutMs: 60_000,
      what: "level changes and resolution for every station",
    });
    await waitFor(() => main.depth().alerts === 0 && main.depth().readings === 0, { timeoutMs: 30_000 });
    for (const id of ids) {
      expect(warnings(id).map((x) => [x.type, x.level])).toEqual(HEAVY_EPISODE_WARNINGS);
      expect(new Set(warnings(id).map((x) => x.alertId)).size).toBe(1);
    }
    const eventIds = alerts.map((x) => x.id);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    // Events are stored in the background, beside publishing.
    await waitFor(
      async () =>
        (await store.queryAlertEvents({ ruleId: "heavy-pollution-warning" })).length ===
        ids.length * HEAVY_EPISODE_WARNINGS.length,
      { timeoutMs: 10_000, what: "every event stored" },
    );
    const stored = await store.queryAlertEvents({ ruleId: "heavy-pollution-warning" });
    expect(new Set(stored.map((x) => x.id))).toEqual(new Set(warnings().map((x) => x.id)));
  }, 180_000);
});
