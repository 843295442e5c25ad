import { createMemoryBus, type Delivery, messageSizeBytes } from "@qingshan/bus";
import type { DeadLetter, Reading } from "@qingshan/domain";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { connectAsync } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { deliverWithRetry } from "./deliver-with-retry.ts";
import { createIngest } from "./index.ts";
import { createIngestPipeline } from "./ingest-pipeline.ts";
import { createIngestMetrics } from "./metrics.ts";
import { clock, registry } from "./testdata/fixtures.ts";
import { startPlainBroker } from "./testdata/plain-broker.ts";

const TS = Date.parse("2026-11-28T10:00:00+08:00");
const TOPIC = "stations/ld-aq-01/air";
/** o3 with 17 significant digits: its reading encodes longer than its neighbours' on the bus. */
const PAYLOAD = JSON.stringify({ ts: TS, values: { pm25: 35, o3: 96.12345678901234, pm10: 60 } });
const logger = pino({ level: "silent" });
const cleanups = cleanupsAfterEach();

/** The bus size of each reading of PAYLOAD, from the same decoder ingest runs (no publish). */
function readingSizes(): Map<string, number> {
  const pipeline = createIngestPipeline({
    bus: createMemoryBus(),
    registry,
    clock,
    metrics: createIngestMetrics(new Registry()),
  });
  const decoded = pipeline.decodeJson(TOPIC, PAYLOAD, { source: "mqtt", origin: TOPIC });
  return new Map(decoded.readings.map((r) => [r.metric, messageSizeBytes({ key: r.stationId, value: r })]));
}

/** A readings limit the pm25 and pm10 readings fit and the o3 one does not. */
function neighbourLimit(): number {
  const sizes = readingSizes();
  return Math.max(sizes.get("pm25") ?? 0, sizes.get("pm10") ?? 0);
}

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

describe("a reading larger than the bus accepts", () => {
  it("is dead-lettered with bus.message_too_large, its neighbours are stored, the station gets its PUBACK and ingest goes on", async () => {
    const limit = neighbourLimit();
    const o3Size = readingSizes().get("o3") ?? 0;
    expect(o3Size).toBeGreaterThan(limit);

    const bus = createMemoryBus({ topicMaxMessageBytes: { readings: limit } });
    await bus.start();
    cleanups.push(() => bus.stop());
    // The writer's role in embedded mode: a durable group, so a resolved publish means stored.
    const stored: Delivery<Reading>[] = [];
    const deadLetters: Delivery<DeadLetter>[] = [];
    await bus.subscribe<Reading>("readings", { group: "writer", durable: true }, async (batch) => {
      stored.push(...batch);
    });
    await bus.subscribe<DeadLetter>("deadletters", { group: "writer", durable: true }, async (batch) => {
      deadLetters.push(...batch);
    });
    const metricsRegistry = new Registry();
    const port = await freePort();
    const ingest = createIngest(
      { mqtt: { embeddedPort: port, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
      { bus, registry, clock, logger, metricsRegistry },
    );
    await ingest.start();
    cleanups.push(() => ingest.stop());
    const client = await connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: "station-too-large",
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    cleanups.push(() => client.endAsync(true));

    // QoS 1: publishAsync resolves on the PUBACK, which the embedded broker sends after ingest.
    await within(client.publishAsync(TOPIC, PAYLOAD, { qos: 1 }), 5_000, "the PUBACK");
    expect(stored.map((d) => d.value.metric)).toEqual(["pm25", "pm10"]);
    expect(deadLetters).toHaveLength(1);
    const letter = deadLetters[0]?.value as DeadLetter;
    expect(letter).toMatchObject({
      code: "bus.message_too_large",
      path: "values.o3",
      source: "mqtt",
      origin: TOPIC,
      stationId: "ld-aq-01",
    });
    expect(letter.message).toBe(
      `bus.message_too_large: "values.o3" is "${o3Size} bytes on the bus", expected at most ${limit} bytes (the bus's maxMessageBytes for topic "readings")`,
    );
    expect(JSON.parse(letter.payload)).toMatchObject({ metric: "o3", value: 96.12345678901234, ts: TS });

    // Ingest goes on: the next message of the same session is stored and acknowledged.
    await within(
      client.publishAsync(TOPIC, JSON.stringify({ ts: TS + 60_000, values: { pm25: 36 } }), { qos: 1 }),
      5_000,
      "the next PUBACK",
    );
    await waitFor(() => stored.length === 3, { what: "the next reading" });
    expect(stored[2]?.value).toMatchObject({ metric: "pm25", value: 36 });

    const metrics = await metricsRegistry.metrics();
    expect(metrics).toMatch(/qingshan_readings_rejected_total\{reason="bus\.message_too_large"\} 1\n/);
    expect(metrics).toMatch(/qingshan_readings_received_total\{source="mqtt-json"\} 3\n/);
    expect(metrics).not.toMatch(/qingshan_ingest_publish_retries_total\{[^}]*\} [1-9]/);
  });
});

describe("a reading larger than the bus accepts, through an external broker", () => {
  it("is dead-lettered and the message acknowledged by ingest's own PUBACK", async () => {
    const { port, acked: acksFromIngest } = await startPlainBroker("ingest-too-large", cleanups);
    const bus = createMemoryBus({ topicMaxMessageBytes: { readings: neighbourLimit() } });
    await bus.start();
    cleanups.push(() => bus.stop());
    const stored: Reading[] = [];
    const deadLetters: DeadLetter[] = [];
    await bus.subscribe<Reading>("readings", { group: "writer", durable: true }, async (batch) => {
      stored.push(...batch.map((d) => d.value));
    });
    await bus.subscribe<DeadLetter>("deadletters", { group: "writer", durable: true }, async (batch) => {
      deadLetters.push(...batch.map((d) => d.value));
    });
    const ingest = createIngest(
      {
        mqtt: {
          url: `mqtt://127.0.0.1:${port}`,
          protocolVersion: 4,
          shareGroup: "",
          clientId: "ingest-too-large",
        },
        hj212: { tcpPort: 0 },
      },
      { bus, registry, clock, logger, metricsRegistry: new Registry() },
    );
    await ingest.start();
    cleanups.push(() => ingest.stop());
    const client = await connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: "station-too-large-ext",
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    cleanups.push(() => client.endAsync(true));
    await client.publishAsync(TOPIC, PAYLOAD, { qos: 1 });
    await waitFor(() => acksFromIngest.length === 1, { what: "the PUBACK from ingest" });
    expect(stored.map((r) => r.metric)).toEqual(["pm25", "pm10"]);
    expect(deadLetters.map((d) => [d.code, d.path])).toEqual([["bus.message_too_large", "values.o3"]]);
  });
});

describe("dead letters too large for the bus", () => {
  async function deliverWith(topicMaxMessageBytes: { readings: number; deadletters: number }) {
    const bus = createMemoryBus({ topicMaxMessageBytes });
    await bus.start();
    cleanups.push(() => bus.stop());
    const deadLetters: DeadLetter[] = [];
    await bus.subscribe<DeadLetter>("deadletters", { group: "writer", durable: true }, async (batch) => {
      deadLetters.push(...batch.map((d) => d.value));
    });
    const metrics = createIngestMetrics(new Registry());
    const pipeline = createIngestPipeline({ bus, registry, clock, metrics });
    const logged: unknown[] = [];
    const capture = pino({ level: "error" }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const decoded = pipeline.decodeJson(TOPIC, PAYLOAD, { source: "mqtt", origin: TOPIC });
    const result = await within(
      deliverWithRetry(pipeline, decoded, {
        signal: new AbortController().signal,
        policy: { initialDelayMs: 5, maxDelayMs: 20 },
        logger: capture,
        metrics,
      }),
      5_000,
      "delivery",
    );
    return { result, deadLetters, logged };
  }

  it("goes again without its raw payload when only that makes it fit", async () => {
    const { result, deadLetters, logged } = await deliverWith({
      readings: neighbourLimit(),
      deadletters: 400,
    });
    expect(result.accepted).toBe(2);
    expect(result.rejections.map((r) => r.code)).toEqual(["bus.message_too_large"]);
    expect(result.undeliverableDeadLetters).toBeUndefined();
    expect(deadLetters.map((d) => [d.code, d.path, d.payload])).toEqual([
      ["bus.message_too_large", "values.o3", ""],
    ]);
    expect(logged).toEqual([]);
  });

  it("is logged in full and the input acknowledged when not even the bare dead letter fits (no endless retry)", async () => {
    const { result, deadLetters, logged } = await deliverWith({
      readings: neighbourLimit(),
      deadletters: 50,
    });
    expect(result.accepted).toBe(2);
    expect(deadLetters).toEqual([]);
    expect(result.undeliverableDeadLetters?.map((d) => [d.code, d.path])).toEqual([
      ["bus.message_too_large", "values.o3"],
    ]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 50,
      deadLetter: { code: "bus.message_too_large", path: "values.o3" },
    });
  });
});
