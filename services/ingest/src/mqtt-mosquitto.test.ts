import { randomUUID } from "node:crypto";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import type { Reading } from "@qingshan/domain";
import { requireService, tcpReachable, waitFor } from "@qingshan/testkit";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createIngest, type Ingest, type IngestConfigInput } from "./index.ts";
import { clock, gate, registry } from "./testdata/fixtures.ts";

const MOSQUITTO = "mqtt://127.0.0.1:1883";
const broker = await requireService("mosquitto", () => tcpReachable("127.0.0.1", 1883));
const logger = pino({ level: "silent" });
const TS = Date.parse("2026-11-28T10:00:00+08:00");
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A run-unique marker: other processes may publish to stations/+/+ on this shared broker. */
function marker(): number {
  return Math.round(Math.random() * 1_000_000) / 1000;
}

async function startBus(): Promise<Bus> {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  return bus;
}

/** Readings with a value among `values`, collected from a bus. */
async function readingsOf(bus: Bus, values: ReadonlySet<number>): Promise<Reading[]> {
  const readings: Reading[] = [];
  await bus.subscribe<Reading>("readings", { group: "test" }, async (batch) => {
    for (const d of batch) if (values.has(d.value.value)) readings.push(d.value);
  });
  return readings;
}

function config(
  clientId: string,
  shareGroup: string,
  extra: Partial<IngestConfigInput["mqtt"]> = {},
): IngestConfigInput {
  // A short session expiry keeps these test sessions from piling up on the machine's broker.
  return {
    mqtt: { url: MOSQUITTO, clientId, shareGroup, sessionExpirySeconds: 30, ...extra },
    hj212: { tcpPort: 0 },
  };
}

async function startIngest(input: IngestConfigInput, bus: Bus): Promise<Ingest> {
  const ingest = createIngest(input, { bus, registry, clock, logger, metricsRegistry: new Registry() });
  await ingest.start();
  cleanups.push(() => ingest.stop());
  return ingest;
}

async function station() {
  const client = await connectAsync(MOSQUITTO, {
    clientId: `station-${randomUUID().slice(0, 8)}`,
    protocolVersion: 5,
  });
  cleanups.push(() => client.endAsync(true));
  return client;
}

describe.skipIf(!broker.available)(`MQTT ingest against Mosquitto${broker.note}`, () => {
  it("subscribes with MQTT 5 shared subscriptions and hands readings on", async () => {
    const bus = await startBus();
    const value = marker();
    const readings = await readingsOf(bus, new Set([value]));
    const group = `t${randomUUID().slice(0, 8)}`;
    const ingest = await startIngest(config(`ingest-${group}`, group), bus);
    expect(ingest.brokerPort).toBeUndefined();
    const client = await station();
    await client.publishAsync("stations/ld-aq-01/air", JSON.stringify({ ts: TS, values: { pm25: value } }), {
      qos: 1,
    });
    await waitFor(() => readings.length === 1, { what: "the reading through Mosquitto" });
    expect(readings[0]).toMatchObject({ stationId: "ld-aq-01", metric: "pm25", value, source: "mqtt-json" });
  });

  it("splits the load between two ingest instances of one share group, each message once", async () => {
    const group = `t${randomUUID().slice(0, 8)}`;
    const values = Array.from({ length: 20 }, (_, i) => 100 + i + marker() / 1000);
    const busA = await startBus();
    const busB = await startBus();
    const gotA = await readingsOf(busA, new Set(values));
    const gotB = await readingsOf(busB, new Set(values));
    await startIngest(config(`ingest-${group}-a`, group), busA);
    await startIngest(config(`ingest-${group}-b`, group), busB);
    const client = await station();
    for (const value of values) {
      await client.publishAsync(
        "stations/ld-aq-01/air",
        JSON.stringify({ ts: TS, values: { pm25: value } }),
        { qos: 1 },
      );
    }
    await waitFor(() => gotA.length + gotB.length === 20, { what: "20 readings across both instances" });
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
    const seen = [...gotA, ...gotB].map((r) => r.value).sort((a, b) => a - b);
    expect(seen).toEqual([...values].sort((a, b) => a - b));
  });

  it("redelivers a message whose hand-off never finished to the next session of the same client id", async () => {
    const group = `t${randomUUID().slice(0, 8)}`;
    const clientId = `ingest-${group}`;
    const value = marker();
    // First instance: its writer never finishes, so the message is never acknowledged.
    const stuckBus = await startBus();
    const held = gate();
    cleanups.push(async () => held.release());
    let entered = false;
    await stuckBus.subscribe("readings", { group: "writer", durable: true }, async () => {
      entered = true;
      await held.promise;
    });
    const first = createIngest(
      { ...config(clientId, group), drainTimeoutMs: 300 },
      {
        bus: stuckBus,
        registry,
        clock,
        logger,
        metricsRegistry: new Registry(),
      },
    );
    await first.start();
    const client = await station();
    await client.publishAsync("stations/ld-aq-01/air", JSON.stringify({ ts: TS, values: { pm25: value } }), {
      qos: 1,
    });
    await waitFor(() => entered, { what: "the first instance to take the message" });
    // Shut down while stuck: after the drain timeout the session closes without a PUBACK.
    const stopStarted = Date.now();
    await first.stop();
    expect(Date.now() - stopStarted).toBeLessThan(5000);

    // Second instance, same client id: the broker resumes the session and redelivers.
    const bus = await startBus();
    const readings = await readingsOf(bus, new Set([value]));
    await startIngest(config(clientId, group), bus);
    await waitFor(() => readings.length === 1, { what: "the redelivered reading" });
    expect(readings[0]).toMatchObject({ metric: "pm25", value });
  });
});
