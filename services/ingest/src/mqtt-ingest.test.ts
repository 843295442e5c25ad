import { createServer } from "node:net";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import { freePort, waitFor } from "@qingshan/testkit";
import { connectAsync, type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createIngest, type Ingest, type IngestConfigInput } from "./index.ts";
import {
  type Collected,
  clock,
  collect,
  gate,
  PACKET_B,
  PACKET_B_RESPONSE,
  registry,
  WATER_MN,
} from "./testdata/fixtures.ts";
import { startPlainBroker } from "./testdata/plain-broker.ts";

const TS = Date.parse("2026-11-28T10:00:00+08:00");
const logger = pino({ level: "silent" });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

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
