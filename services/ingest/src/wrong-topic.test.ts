import { createMemoryBus } from "@qingshan/bus";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { connectAsync, type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest, type Ingest } from "./index.ts";
import { AIR_MN, clock, collect, NOW, PACKET_A, registry } from "./testdata/fixtures.ts";
import { startPlainBroker } from "./testdata/plain-broker.ts";

const logger = pino({ level: "silent" });
const READING = JSON.stringify({ ts: NOW - 60_000, values: { pm25: 35 } });
const EXPECTED = "stations/{stationId}/{kind} for JSON or hj212/{MN} for HJ 212";

const cleanups = cleanupsAfterEach();

async function started(
  input: Parameters<typeof createIngest>[0],
): Promise<{ ingest: Ingest; got: Awaited<ReturnType<typeof collect>>; metrics: Registry }> {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const got = await collect(bus);
  const metrics = new Registry();
  const ingest = createIngest(input, { bus, registry, clock, logger, metricsRegistry: metrics });
  await ingest.start();
  cleanups.push(() => ingest.stop());
  return { ingest, got, metrics };
}

async function station(url: string, clientId: string): Promise<MqttClient> {
  const client = await connectAsync(url, { clientId, protocolVersion: 4 });
  cleanups.push(() => client.endAsync());
  return client;
}

describe("a message on a topic ingest does not take", () => {
  it("is a topic.invalid dead letter on the embedded broker, counted as rejected; Qingshan's own topics are not", async () => {
    const port = await freePort();
    const { ingest, got, metrics } = await started({
      mqtt: { embeddedPort: port, embeddedHost: "127.0.0.1" },
      hj212: { tcpPort: 0 },
    });
    const client = await station(ingest.brokerUrl as string, "station-wrong-topic");
    const wrong = [
      "stations/ld-aq-01",
      "stations/ld-aq-01/air/extra",
      "station/ld-aq-01/air",
      "stations/ld-aq-01/",
      "stations//air",
      "hj212",
      `hj212/${AIR_MN}/extra`,
    ];
    // Each is acknowledged (QoS 1) as before; what changes is that it leaves a trace.
    for (const topic of wrong) await client.publishAsync(topic, READING, { qos: 1 });
    // The notifier's alert events and HJ 212 replies share the broker: not station input.
    await client.publishAsync("alerts/ld-aq-01", '{"alertId":"x"}', { qos: 1 });
    await client.publishAsync(`hj212/${AIR_MN}/reply`, PACKET_A, { qos: 1 });
    await client.publishAsync("stations/ld-aq-01/air", READING, { qos: 1 });

    await waitFor(() => got.readings.length === 1 && got.deadLetters.length >= wrong.length, {
      what: "the reading and a dead letter per wrong topic",
    });
    const letters = got.deadLetters.map((d) => d.value);
    expect(letters.map((l) => l.origin).sort()).toEqual([...wrong].sort());
    for (const letter of letters) {
      expect(letter).toMatchObject({
        code: "topic.invalid",
        source: "mqtt",
        payload: READING,
        message: `topic.invalid: wrong topic ${JSON.stringify(letter.origin)}, expected ${EXPECTED}`,
      });
    }
    // A topic naming a registered station (by id or MN) files its letter under that station.
    expect(Object.fromEntries(letters.map((l) => [l.origin, l.stationId ?? null]))).toEqual({
      "stations/ld-aq-01": "ld-aq-01",
      "stations/ld-aq-01/air/extra": "ld-aq-01",
      "station/ld-aq-01/air": "ld-aq-01",
      "stations/ld-aq-01/": "ld-aq-01",
      "stations//air": null,
      hj212: null,
      [`hj212/${AIR_MN}/extra`]: "ld-aq-01",
    });
    const text = await metrics.metrics();
    expect(text).toContain(`qingshan_readings_rejected_total{reason="topic.invalid"} ${wrong.length}`);
  });

  it("is a dead letter under stations/# and hj212/# on an external broker; ingest's own replies there are not", async () => {
    const { port } = await startPlainBroker("qingshan-ingest", cleanups);
    const { ingest, got } = await started({
      mqtt: { url: `mqtt://127.0.0.1:${port}`, protocolVersion: 4, shareGroup: "" },
      hj212: { tcpPort: 0 },
    });
    const client = await station(`mqtt://127.0.0.1:${port}`, "station-wrong-topic-ext");
    const wrong = ["stations/ld-aq-01", "stations/ld-aq-01/air/extra", "hj212", `hj212/${AIR_MN}/extra`];
    for (const topic of wrong) await client.publishAsync(topic, READING, { qos: 1 });
    await client.publishAsync(`hj212/${AIR_MN}/reply`, PACKET_A, { qos: 1 });
    await client.publishAsync("stations/ld-aq-01/air", READING, { qos: 1 });
    await waitFor(() => got.readings.length === 1 && got.deadLetters.length >= wrong.length, {
      what: "the reading and a dead letter per wrong topic",
    });
    expect(got.deadLetters.map((d) => [d.value.code, d.value.origin]).sort()).toEqual(
      wrong.map((t) => ["topic.invalid", t]).sort(),
    );
    expect(ingest.ready().ok).toBe(true);
  });

  it("an observation with empty values is a payload.invalid dead letter, not silently acknowledged", async () => {
    const port = await freePort();
    const { ingest, got } = await started({
      mqtt: { embeddedPort: port, embeddedHost: "127.0.0.1" },
      hj212: { tcpPort: 0 },
    });
    const client = await station(ingest.brokerUrl as string, "station-empty-values");
    await client.publishAsync("stations/ld-aq-01/air", JSON.stringify({ ts: NOW, values: {} }), { qos: 1 });
    await waitFor(() => got.deadLetters.length === 1, { what: "the dead letter" });
    expect(got.deadLetters[0]?.value).toMatchObject({
      code: "payload.invalid",
      path: "values",
      stationId: "ld-aq-01",
      message: 'payload.invalid: "values" is {}, expected at least one metric (values is empty)',
    });
    expect(got.readings).toEqual([]);
  });
});
