import { createServer } from "node:net";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { connectAsync, type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest, type Ingest, type IngestConfigInput } from "./index.ts";
import {
  AIR_MN,
  type Collected,
  clock,
  collect,
  gate,
  PACKET_A,
  PACKET_B,
  PACKET_B_RESPONSE,
  PACKET_C,
  registry,
  WATER_MN,
} from "./testdata/fixtures.ts";
import { startPlainBroker } from "./testdata/plain-broker.ts";

const TS = Date.parse("2026-11-28T10:00:00+08:00");
const logger = pino({ level: "silent" });
const cleanups = cleanupsAfterEach();

async function startBus(): Promise<{ bus: Bus; got: Collected }> {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  return { bus, got: await collect(bus) };
}

async function startIngest(config: IngestConfigInput, bus: Bus): Promise<Ingest> {
  const ingest = createIngest(config, { bus, registry, clock, logger, metricsRegistry: new Registry() });
  await ingest.start();
  cleanups.push(() => ingest.stop());
  return ingest;
}

async function station(url: string, clientId = `station-${Math.random().toString(36).slice(2)}`) {
  const client = await connectAsync(url, { clientId, protocolVersion: 4, reconnectPeriod: 0 });
  cleanups.push(() => client.endAsync(true));
  return client;
}

function nextMessage(client: MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => {
    client.on("message", function onMessage(t, payload) {
      if (t !== topic) return;
      client.off("message", onMessage);
      resolve(payload.toString("utf8"));
    });
  });
}

describe("MQTT ingest over the embedded broker", () => {
  it("turns JSON messages into readings and rejects into dead letters with reasons", async () => {
    const { bus, got } = await startBus();
    const port = await freePort();
    const ingest = await startIngest(
      { mqtt: { embeddedPort: port, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
      bus,
    );
    expect(ingest.brokerPort).toBe(port);
    expect(ingest.tcpPort).toBeUndefined();
    const client = await station(`mqtt://127.0.0.1:${port}`);
    await client.publishAsync(
      "stations/ld-aq-01/air",
      JSON.stringify({ ts: TS, values: { pm25: 35, o3: 96 } }),
      { qos: 1 },
    );
    await client.publishAsync(
      "stations/ld-aq-01/air",
      JSON.stringify({ ts: TS, values: { pm10: 60, so2: "x", co: 999 } }),
      { qos: 1 },
    );
    await client.publishAsync("stations/ld-aq-01/air", "{oops", { qos: 1 });
    await client.publishAsync("stations/ld-nope/air", JSON.stringify({ ts: TS, values: { pm25: 1 } }), {
      qos: 1,
    });
    await client.publishAsync("stations/ld-aq-01/water", JSON.stringify({ ts: TS, values: { ph: 7 } }), {
      qos: 1,
    });
    await waitFor(() => got.readings.length === 3 && got.deadLetters.length === 5, {
      what: "3 readings, 5 dead letters",
    });
    expect(got.readings.map((d) => d.value.metric)).toEqual(["pm25", "o3", "pm10"]);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.origin])).toEqual([
      ["value.not_number", "values.so2", "stations/ld-aq-01/air"],
      ["value.out_of_range", "values.co", "stations/ld-aq-01/air"],
      ["payload.malformed", "", "stations/ld-aq-01/air"],
      ["station.unknown", "", "stations/ld-nope/air"],
      ["station.kind_mismatch", "", "stations/ld-aq-01/water"],
    ]);
    expect(got.deadLetters.every((d) => d.value.source === "mqtt")).toBe(true);
    expect(got.deadLetters[2]?.value.payload).toBe("{oops");
  });

  it("reads HJ 212 packets on hj212/{MN} and publishes the 9014 reply on hj212/{MN}/reply", async () => {
    const { bus, got } = await startBus();
    const ingest = await startIngest(
      { mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
      bus,
    );
    const client = await station(ingest.brokerUrl as string);
    await client.subscribeAsync(`hj212/${WATER_MN}/reply`, { qos: 1 });
    const reply = nextMessage(client, `hj212/${WATER_MN}/reply`);
    await client.publishAsync(`hj212/${WATER_MN}`, PACKET_B, { qos: 1 });
    expect(await reply).toBe(PACKET_B_RESPONSE);
    expect(got.readings).toHaveLength(9);
    expect(got.readings.every((d) => d.key === "ld-wq-02" && d.value.source === "mqtt-hj212")).toBe(true);
  });

  it("names the setting to change when the embedded broker's port is taken", async () => {
    const { bus } = await startBus();
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    const ingest = createIngest(
      { mqtt: { embeddedPort: port, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
      { bus, registry, clock, logger, metricsRegistry: new Registry() },
    );
    await expect(ingest.start()).rejects.toThrow(
      `MQTT port ${port} is already in use: set mqtt.embeddedPort (QINGSHAN_MQTT_PORT) to a free port, or mqtt.url to use an existing broker`,
    );
  });

  it("stop drains: a message being handed on is finished before the session closes", async () => {
    const { bus, got } = await startBus();
    const held = gate();
    let entered = false;
    await bus.subscribe("readings", { group: "writer", durable: true }, async () => {
      entered = true;
      await held.promise;
    });
    const ingest = createIngest(
      { mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
      { bus, registry, clock, logger, metricsRegistry: new Registry() },
    );
    await ingest.start();
    const client = await station(ingest.brokerUrl as string);
    let acknowledged = false;
    const published = client
      .publishAsync("stations/ld-aq-01/air", JSON.stringify({ ts: TS, values: { pm25: 35 } }), { qos: 1 })
      .then(() => {
        acknowledged = true;
      });
    await waitFor(() => entered, { what: "the writer to receive the reading" });
    let stopped = false;
    const stopping = ingest.stop().then(() => {
      stopped = true;
    });
    await waitFor(() => got.readings.length === 1, { what: "the reading" });
    // The embedded broker runs ingest before its PUBACK: the station is not told "received" while
    // the writer still holds the reading.
    expect(stopped).toBe(false);
    expect(acknowledged).toBe(false);
    held.release();
    await stopping;
    // …and its PUBACK went out before the broker closed.
    await published;
    expect(stopped).toBe(true);
  });
});

/**
 * Publishes packet-level failures on hj212/{MN} and checks their dead letters: the reason names
 * the MQTT topic (not a connection), and every one carries the station of the topic's MN.
 */
async function rejectsHj212PacketsWithTheTopicStation(
  client: MqttClient,
  got: Collected,
  published: () => number,
): Promise<void> {
  const airTopic = `hj212/${AIR_MN}`;
  const noCrlf = PACKET_A.slice(0, -2);
  await client.publishAsync(airTopic, noCrlf, { qos: 1 });
  await client.publishAsync(airTopic, PACKET_C, { qos: 1 });
  await client.publishAsync(airTopic, "hello", { qos: 1 });
  await client.publishAsync(`hj212/${WATER_MN}`, PACKET_A, { qos: 1 });
  await client.publishAsync("hj212/UNREGISTERED00000000000", PACKET_C, { qos: 1 });
  await waitFor(() => got.deadLetters.length === 5, { what: "5 dead letters" });
  // Each rejected message is acknowledged by ingest, so it is not redelivered forever.
  await waitFor(() => published() === 5, { what: "5 PUBACKs from ingest" });
  expect(got.readings).toEqual([]);
  // Dead letters of different stations may arrive in any order (keyed by station).
  const letter = (origin: string, payload: string) =>
    got.deadLetters.find((d) => d.value.origin === origin && d.value.payload === payload);
  const view = (d: (typeof got.deadLetters)[number] | undefined) =>
    d && [d.key, d.value.stationId, d.value.source, d.value.code, d.value.path, d.value.message];
  expect(view(letter(airTopic, noCrlf))).toEqual([
    "ld-aq-01",
    "ld-aq-01",
    "mqtt",
    "hj212.framing",
    "tail",
    `hj212.framing: missing-tail: HJ 212 packet on MQTT topic ${airTopic} does not end with \\r\\n (hj212.md §1, §8.2)`,
  ]);
  expect(view(letter(airTopic, PACKET_C))).toEqual([
    "ld-aq-01",
    "ld-aq-01",
    "mqtt",
    "hj212.crc",
    "CRC",
    "hj212.crc: crc-mismatch: expected EB01, got ABCD",
  ]);
  expect(view(letter(airTopic, "hello"))).toEqual([
    "ld-aq-01",
    "ld-aq-01",
    "mqtt",
    "hj212.framing",
    "header",
    "hj212.framing: missing-header: 5 bytes outside a packet skipped",
  ]);
  // A packet naming another MN than its topic: filed under the topic's station.
  expect(view(letter(`hj212/${WATER_MN}`, PACKET_A))?.slice(0, 5)).toEqual([
    "ld-wq-02",
    "ld-wq-02",
    "mqtt",
    "hj212.field",
    "MN",
  ]);
  // A topic MN no station has: nothing to file it under.
  expect(view(letter("hj212/UNREGISTERED00000000000", PACKET_C))?.slice(0, 4)).toEqual([
    "unknown",
    undefined,
    "mqtt",
    "hj212.crc",
  ]);
}

describe("HJ 212 packets rejected on hj212/{MN}", () => {
  it("embedded broker: a packet without its \\r\\n tail is rejected naming the topic, with the topic's station", async () => {
    const { bus, got } = await startBus();
    const ingest = await startIngest(
      { mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" }, hj212: { tcpPort: 0 } },
      bus,
    );
    const client = await station(ingest.brokerUrl as string);
    let published = 0;
    client.on("packetreceive", (packet) => {
      if (packet.cmd === "puback") published++;
    });
    await rejectsHj212PacketsWithTheTopicStation(client, got, () => published);
  });

  it("external broker: the same reasons and station ids, each message acknowledged by ingest", async () => {
    const { port, acked } = await startPlainBroker("ingest-hj212-reject-test", cleanups);
    const { bus, got } = await startBus();
    await startIngest(
      {
        mqtt: {
          url: `mqtt://127.0.0.1:${port}`,
          protocolVersion: 4,
          shareGroup: "",
          clientId: "ingest-hj212-reject-test",
        },
        hj212: { tcpPort: 0 },
      },
      bus,
    );
    const client = await station(`mqtt://127.0.0.1:${port}`);
    await rejectsHj212PacketsWithTheTopicStation(client, got, () => acked.length);
  });
});

describe("PUBACK after hand-off", () => {
  it("acknowledges a message only after the bus publish of its readings resolved", async () => {
    const { port, acked: acksFromIngest } = await startPlainBroker("ingest-ack-test", cleanups);

    const { bus, got } = await startBus();
    const held = gate();
    let entered = false;
    await bus.subscribe("readings", { group: "writer", durable: true }, async () => {
      entered = true;
      await held.promise;
    });
    await startIngest(
      {
        mqtt: {
          url: `mqtt://127.0.0.1:${port}`,
          protocolVersion: 4,
          shareGroup: "",
          clientId: "ingest-ack-test",
        },
        hj212: { tcpPort: 0 },
      },
      bus,
    );
    const client = await station(`mqtt://127.0.0.1:${port}`);
    await client.publishAsync("stations/ld-aq-01/air", JSON.stringify({ ts: TS, values: { pm25: 35 } }), {
      qos: 1,
    });
    await waitFor(() => entered, { what: "the writer to receive the reading" });
    await waitFor(() => got.readings.length === 1, { what: "the reading" });
    expect(acksFromIngest).toEqual([]);
    held.release();
    await waitFor(() => acksFromIngest.length === 1, { what: "the PUBACK from ingest" });
  });

  it("sends its PUBACKs in receive order, also when a later message is handed on first", async () => {
    const { port, acked: acksFromIngest } = await startPlainBroker("ingest-order-test", cleanups);
    const { bus } = await startBus();
    // Air and water stations land on different partitions: the water batch is written first.
    const air = gate();
    const written: string[] = [];
    await bus.subscribe<{ stationId: string }>(
      "readings",
      { group: "writer", durable: true },
      async (batch) => {
        if (batch[0]?.value.stationId === "ld-aq-01") await air.promise;
        written.push(...batch.map((d) => d.value.stationId));
      },
    );
    await startIngest(
      {
        mqtt: {
          url: `mqtt://127.0.0.1:${port}`,
          protocolVersion: 4,
          shareGroup: "",
          clientId: "ingest-order-test",
        },
        hj212: { tcpPort: 0 },
      },
      bus,
    );
    const client = await station(`mqtt://127.0.0.1:${port}`);
    const airTopic = "stations/ld-aq-01/air";
    const waterTopic = "stations/ld-wq-02/water";
    await client.publishAsync(airTopic, JSON.stringify({ ts: TS, values: { pm25: 35 } }), { qos: 1 });
    await client.publishAsync(waterTopic, JSON.stringify({ ts: TS, values: { ph: 7.2 } }), { qos: 1 });
    await waitFor(() => written.includes("ld-wq-02"), { what: "the water reading written" });
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 5));
    expect(acksFromIngest).toEqual([]);
    air.release();
    await waitFor(() => acksFromIngest.length === 2, { what: "both PUBACKs from ingest" });
    expect(acksFromIngest).toEqual([airTopic, waterTopic]);
  });
});
