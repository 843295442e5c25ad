import { randomUUID } from "node:crypto";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import type { DeadLetter, Reading } from "@qingshan/domain";
import { buildPacket } from "@qingshan/hj212";
import { requireService, tcpReachable, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest, type Ingest, type IngestConfigInput } from "./index.ts";
import { AIR_MN, clock, gate, registry } from "./testdata/fixtures.ts";

const MOSQUITTO = "mqtt://127.0.0.1:1883";
const broker = await requireService("mosquitto", () => tcpReachable("127.0.0.1", 1883));
const logger = pino({ level: "silent" });
const TS = Date.parse("2026-11-28T10:00:00+08:00");
const cleanups = cleanupsAfterEach();

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

/** Dead letters whose payload is among `payloads`, collected from a bus. */
async function deadLettersOf(bus: Bus, payloads: ReadonlySet<string>): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await bus.subscribe<DeadLetter>("deadletters", { group: "test" }, async (batch) => {
    for (const d of batch) if (payloads.has(d.value.payload)) letters.push(d.value);
  });
  return letters;
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

  it("rejects an HJ 212 packet without its \\r\\n tail, and one with a bad CRC, under the topic's station", async () => {
    const bus = await startBus();
    // A run-unique QN: other processes may publish to hj212/+ on this shared broker.
    const qn = `2026112810${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const packet = buildPacket({
      qn,
      st: "22",
      cn: "2011",
      pw: "123456",
      mn: AIR_MN,
      flag: 4,
      cp: "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N",
    });
    const noCrlf = packet.slice(0, -2);
    const badCrc = `${packet.slice(0, -6)}${packet.slice(-6, -2) === "ABCD" ? "ABCE" : "ABCD"}\r\n`;
    const letters = await deadLettersOf(bus, new Set([noCrlf, badCrc]));
    const group = `t${randomUUID().slice(0, 8)}`;
    await startIngest(config(`ingest-${group}`, group), bus);
    const client = await station();
    const topic = `hj212/${AIR_MN}`;
    await client.publishAsync(topic, noCrlf, { qos: 1 });
    await client.publishAsync(topic, badCrc, { qos: 1 });
    await waitFor(() => letters.length === 2, { what: "two dead letters through Mosquitto" });
    const tail = letters.find((d) => d.payload === noCrlf);
    expect(tail).toMatchObject({
      stationId: "ld-aq-01",
      source: "mqtt",
      origin: topic,
      code: "hj212.framing",
      message: `hj212.framing: missing-tail: HJ 212 packet on MQTT topic ${topic} does not end with \\r\\n (hj212.md §1, §8.2)`,
    });
    const crc = letters.find((d) => d.payload === badCrc);
    expect(crc).toMatchObject({ stationId: "ld-aq-01", source: "mqtt", origin: topic, code: "hj212.crc" });
    expect(crc?.message).toMatch(/^hj212\.crc: crc-mismatch: expected [0-9A-F]{4}, got ABC[DE]$/);
  });
});
