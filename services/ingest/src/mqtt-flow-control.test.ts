import { createMemoryBus } from "@qingshan/bus";
import type { Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import {
  type PrivateMosquitto,
  requirePrivateMosquitto,
  startPrivateMosquitto,
} from "@qingshan/testkit/mosquitto";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { beforeEach, describe, expect, it } from "vitest";
import { createIngest } from "./index.ts";
import { clock, registry } from "./testdata/fixtures.ts";

const probe = await requirePrivateMosquitto();
const TS = Date.parse("2026-11-28T09:00:00+08:00");
const MESSAGES = 600;
const MAX_IN_FLIGHT = 40;
const cleanups = cleanupsAfterEach();
let broker: PrivateMosquitto;

beforeEach(async () => {
  // max_inflight_messages 0 (testkit): the broker itself sends an MQTT 3.1.1 subscriber all it has.
  broker = await startPrivateMosquitto();
  cleanups.push(() => broker.stop());
});

describe.skipIf(!probe.available)(`ingest's own in-flight bound (private Mosquitto)${probe.note}`, () => {
  it.each([4, 5] as const)(
    "MQTT %i: a session holds at most mqtt.maxInFlight messages while the bus is stalled, however many the broker sends, and takes the rest once it moves",
    async (protocolVersion) => {
      const bus = createMemoryBus();
      await bus.start();
      cleanups.push(() => bus.stop());
      // The writer's role (durable: a publish resolves once it took the readings), stalled until `move`.
      let move: () => void = () => {};
      const moved = new Promise<void>((resolve) => {
        move = resolve;
      });
      const stored: Reading[] = [];
      await bus.subscribe<Reading>("readings", { group: "writer", durable: true }, async (batch) => {
        await moved;
        for (const d of batch) stored.push(d.value);
      });
      const metricsRegistry = new Registry();
      const ingest = createIngest(
        {
          mqtt: {
            url: broker.url,
            clientId: `flow-${protocolVersion}`,
            protocolVersion,
            maxInFlight: MAX_IN_FLIGHT,
          },
          hj212: { tcpPort: 0 },
        },
        { bus, registry, clock, logger: pino({ level: "silent" }), metricsRegistry },
      );
      await ingest.start();
      cleanups.push(() => ingest.stop());
      // Runs before ingest.stop (cleanups run last first): a failed assertion must not leave it draining a stalled bus.
      cleanups.push(async () => move());
      const inFlight = async () =>
        (await metricsRegistry.getSingleMetric("qingshan_ingest_in_flight")?.get())?.values.find(
          (v) => v.labels.source === "mqtt",
        )?.value ?? 0;

      const station = await connectAsync(broker.url, { clientId: `station-flow-${protocolVersion}` });
      cleanups.push(() => station.endAsync());
      // All acknowledged by the broker itself: they wait in ingest's session there.
      await Promise.all(
        Array.from({ length: MESSAGES }, (_, i) =>
          station.publishAsync(
            "stations/ld-aq-01/air",
            JSON.stringify({ ts: TS + i * 1000, values: { pm25: i + 1 } }),
            { qos: 1 },
          ),
        ),
      );
      await waitFor(async () => (await inFlight()) >= MAX_IN_FLIGHT, { what: "the window to fill" });
      // Time for more to arrive if nothing held them back.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await inFlight()).toBe(MAX_IN_FLIGHT);
      expect(bus.depth().readings).toBe(MAX_IN_FLIGHT);

      move();
      await waitFor(() => stored.length === MESSAGES, { timeoutMs: 20_000, what: "every reading stored" });
      expect(new Set(stored.map((r) => r.value)).size).toBe(MESSAGES);
      await waitFor(async () => (await inFlight()) === 0, { what: "every message acknowledged" });
    },
  );
});
