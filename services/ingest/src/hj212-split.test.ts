import { randomUUID } from "node:crypto";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import type { Reading } from "@qingshan/domain";
import { buildDataResponse, buildPacket, parsePacket } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { requirePrivateMosquitto, startPrivateMosquitto } from "@qingshan/testkit/mosquitto";
import { connectAsync, type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngest, type IngestConfigInput } from "./index.ts";
import { createIngestPipeline } from "./ingest-pipeline.ts";
import { createIngestMetrics } from "./metrics.ts";
import { AIR_MN, type Collected, clock, collect, PACKET_A, registry } from "./testdata/fixtures.ts";
import { connectTcpStation, startHj212Listener } from "./testdata/hj212-listener.ts";

// hj212.md §8 rule 4: split messages (Flag D = 1) are reassembled by (MN, QN) using PNUM/PNO
// before processing, on TCP and on MQTT hj212/{MN}, with real listeners and brokers.

const logger = pino({ level: "silent" });
const cleanups = cleanupsAfterEach();

/** Example A's CP (hj212.md §7 A) cut at group boundaries into three packets. */
const CP_PARTS = [
  "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=62,a34002-Flag=N",
  "a21026-Rtd=8,a21026-Flag=N;a21004-Rtd=41,a21004-Flag=N",
  "a21005-Rtd=0.8,a21005-Flag=N;a05024-Rtd=96,a05024-Flag=N",
];

/** Packet `pno` of example A split in 3 (Flag 7: split, answer requested). */
function part(pno: number, { qn = "20261128103005123", pnum = 3, flag = 7 } = {}): string {
  return buildPacket({
    qn,
    st: "22",
    cn: "2011",
    pw: "123456",
    mn: AIR_MN,
    flag,
    pnum,
    pno,
    cp: CP_PARTS[(pno - 1) % 3] as string,
  });
}

/** A run-unique QN (the MQTT tests' broker is private, but two QNs per test must differ). */
function uniqueQn(): string {
  return `2026112810${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
}

/** Example A decoded whole (unsplit) by the same pipeline: what the split message must yield. */
function unsplitReadings(): Array<Partial<Reading>> {
  const pipeline = createIngestPipeline({
    bus: createMemoryBus(),
    registry,
    clock,
    metrics: createIngestMetrics(new Registry()),
  });
  return pipeline.decodeHj212(PACKET_A, { source: "hj212-tcp", origin: "x" }).readings.map(comparable);
}

function comparable(r: Reading): Partial<Reading> {
  const { receivedAt: _receivedAt, ...rest } = r as Reading & { receivedAt?: number };
  return rest;
}

async function startBus(): Promise<{ bus: Bus; got: Collected }> {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  return { bus, got: await collect(bus) };
}

/** qingshan_messages_total{source} as a scrape reads it. */
async function messagesTotal(metricsRegistry: Registry, source: string): Promise<number | undefined> {
  const metric = await metricsRegistry.getSingleMetric("qingshan_messages_total")?.get();
  return metric?.values.find((v) => v.labels.source === source)?.value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("HJ 212 split messages over TCP", () => {
  it("reassembles 3 packets sent out of order plus a resent one: each reading once, one 9014 after the last", async () => {
    const { port, got } = await startHj212Listener(cleanups, { splitTimeoutMs: 60_000 });
    const station = await connectTcpStation(port, cleanups);
    station.socket.write(part(3));
    station.socket.write(part(1));
    station.socket.write(part(3));
    await sleep(200);
    // Nothing handed on, nothing answered while packet 2 is missing.
    expect(got.readings).toHaveLength(0);
    expect(got.deadLetters).toHaveLength(0);
    expect(station.received()).toBe("");
    station.socket.write(part(2));
    const reply = buildDataResponse(parsePacket(part(1)));
    await waitFor(() => station.received() === reply, { what: "the 9014 of the whole message" });
    expect(reply).toContain("QN=20261128103005123;ST=91;CN=9014");
    expect(got.readings.map((d) => comparable(d.value))).toEqual(unsplitReadings());
    expect(got.readings).toHaveLength(6);
    expect(got.readings.every((d) => d.key === "ld-aq-01" && d.value.source === "tcp-hj212")).toBe(true);
    // A late resend of a part after completion does not add readings; it is dead-lettered as an
    // incomplete message at its timeout (here not reached).
    await sleep(100);
    expect(got.deadLetters).toHaveLength(0);
    expect(station.received()).toBe(reply);
  });

  it("dead-letters the packets of an incomplete message after hj212.splitTimeoutMs, unanswered", async () => {
    const { port, got, metricsRegistry } = await startHj212Listener(cleanups, { splitTimeoutMs: 300 });
    const station = await connectTcpStation(port, cleanups);
    const p1 = part(1, { pnum: 4 });
    const p3 = part(3, { pnum: 4 });
    station.socket.write(p1 + p3 + p3);
    await waitFor(() => got.deadLetters.length === 2, { what: "dead letters of packets 1 and 3" });
    const letters = got.deadLetters.map((d) => d.value);
    expect(letters.map((d) => d.payload)).toEqual([p1, p3]);
    for (const letter of letters) {
      expect(letter).toMatchObject({
        code: "hj212.field",
        path: "PNO",
        stationId: "ld-aq-01",
        source: "hj212-tcp",
      });
      expect(letter.message).toBe(
        `hj212.field: bad-field: split message MN=${AIR_MN} QN=20261128103005123 incomplete: packets 1, 3 of 4 received within 0.3 s`,
      );
    }
    expect(got.readings).toHaveLength(0);
    await sleep(100);
    expect(got.deadLetters).toHaveLength(2);
    expect(station.received()).toBe("");
    // Three packets received (one resent), each counted once: their dead letters are no new messages.
    expect(await messagesTotal(metricsRegistry, "hj212-tcp")).toBe(3);
  });

  it("dead-letters every packet of a message whose packets disagree on PNUM", async () => {
    const { port, got } = await startHj212Listener(cleanups, { splitTimeoutMs: 60_000 });
    const station = await connectTcpStation(port, cleanups);
    const p1 = part(1);
    const p2 = part(2, { pnum: 2 });
    station.socket.write(p1 + p2);
    await waitFor(() => got.deadLetters.length === 2, { what: "two dead letters" });
    expect(got.deadLetters.map((d) => [d.value.payload, d.value.path])).toEqual([
      [p1, "PNUM"],
      [p2, "PNUM"],
    ]);
    expect(got.deadLetters[0]?.value.message).toContain(
      "inconsistent: packet 2 has PNUM=2, packet 1 PNUM=3; all its packets are rejected",
    );
    expect(got.readings).toHaveLength(0);
    expect(station.received()).toBe("");
  });

  it("dead-letters the parts held when the listener stops", async () => {
    const { port, got, stop } = await startHj212Listener(cleanups, { splitTimeoutMs: 60_000 });
    const station = await connectTcpStation(port, cleanups);
    const p2 = part(2);
    station.socket.write(p2);
    await sleep(100);
    await stop();
    expect(got.deadLetters.map((d) => d.value.payload)).toEqual([p2]);
    expect(got.deadLetters[0]?.value.message).toContain(
      "incomplete: packet 2 of 3 received before ingest stopped",
    );
  });
});

async function mqttStation(url: string): Promise<MqttClient> {
  const client = await connectAsync(url, { clientId: `station-${randomUUID().slice(0, 8)}` });
  cleanups.push(() => client.endAsync(true));
  return client;
}

async function startIngest(input: IngestConfigInput, metricsRegistry = new Registry()) {
  const { bus, got } = await startBus();
  const ingest = createIngest(input, { bus, registry, clock, logger, metricsRegistry });
  await ingest.start();
  cleanups.push(() => ingest.stop());
  return { ingest, got };
}

const probe = await requirePrivateMosquitto();

describe.skipIf(!probe.available)(`HJ 212 split messages over MQTT through Mosquitto${probe.note}`, () => {
  async function setup(splitTimeoutMs: number) {
    const broker = await startPrivateMosquitto();
    cleanups.push(() => broker.stop());
    const { ingest, got } = await startIngest({
      mqtt: { url: broker.url, clientId: `ingest-${randomUUID().slice(0, 8)}`, sessionExpirySeconds: 30 },
      hj212: { tcpPort: 0, splitTimeoutMs },
    });
    const station = await mqttStation(broker.url);
    const replies: string[] = [];
    await station.subscribeAsync(`hj212/${AIR_MN}/reply`, { qos: 1 });
    station.on("message", (_topic, payload) => replies.push(payload.toString("utf8")));
    return { ingest, got, station, replies };
  }

  it("reassembles packets published as separate messages out of order, with a resend; answers once on {prefix}/{MN}/reply", async () => {
    const { got, station, replies } = await setup(60_000);
    const qn = uniqueQn();
    const topic = `hj212/${AIR_MN}`;
    await station.publishAsync(topic, part(2, { qn }), { qos: 1 });
    await station.publishAsync(topic, part(3, { qn }), { qos: 1 });
    await station.publishAsync(topic, part(2, { qn }), { qos: 1 });
    await sleep(200);
    expect(got.readings).toHaveLength(0);
    await station.publishAsync(topic, part(1, { qn }), { qos: 1 });
    await waitFor(() => got.readings.length === 6 && replies.length === 1, { what: "readings and reply" });
    expect(got.readings.map((d) => comparable(d.value))).toEqual(
      unsplitReadings().map((r) => ({ ...r, source: "mqtt-hj212" })),
    );
    expect(replies).toEqual([buildDataResponse(parsePacket(part(1, { qn })))]);
    await sleep(100);
    expect(got.readings).toHaveLength(6);
    expect(got.deadLetters).toHaveLength(0);
  });

  it("dead-letters an incomplete message after hj212.splitTimeoutMs, naming the topic", async () => {
    const { got, station, replies } = await setup(300);
    const qn = uniqueQn();
    const topic = `hj212/${AIR_MN}`;
    const p1 = part(1, { qn });
    const p3 = part(3, { qn });
    await station.publishAsync(topic, p1, { qos: 1 });
    await station.publishAsync(topic, p3, { qos: 1 });
    await waitFor(() => got.deadLetters.length === 2, { what: "dead letters of packets 1 and 3" });
    const letters = got.deadLetters.map((d) => d.value);
    expect(letters.map((d) => d.payload)).toEqual([p1, p3]);
    expect(letters[0]).toMatchObject({ source: "mqtt", origin: topic, stationId: "ld-aq-01", path: "PNO" });
    expect(letters[0]?.message).toContain(
      `split message MN=${AIR_MN} QN=${qn} incomplete: packets 1, 3 of 3 received within 0.3 s`,
    );
    expect(got.readings).toHaveLength(0);
    expect(replies).toEqual([]);
  });

  it("dead-letters the parts held at stop, and stops without waiting for the drain timeout", async () => {
    const { ingest, got, station } = await setup(60_000);
    const qn = uniqueQn();
    const p2 = part(2, { qn });
    await station.publishAsync(`hj212/${AIR_MN}`, p2, { qos: 1 });
    await sleep(200);
    const started = Date.now();
    await ingest.stop();
    // drainTimeoutMs is 10 s: the message holding the part was settled by its dead letter.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(got.deadLetters.map((d) => d.value.payload)).toEqual([p2]);
    expect(got.deadLetters[0]?.value.message).toContain(
      `QN=${qn} incomplete: packet 2 of 3 received before ingest stopped`,
    );
  });
});

describe("HJ 212 split messages through the embedded broker", () => {
  it("sends a part's PUBACK only once its whole message was handed on", async () => {
    const { ingest, got } = await startIngest({
      mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" },
      hj212: { tcpPort: 0 },
    });
    const station = await mqttStation(ingest.brokerUrl as string);
    const qn = uniqueQn();
    const topic = `hj212/${AIR_MN}`;
    let firstAcked = false;
    const first = station.publishAsync(topic, part(1, { qn }), { qos: 1 }).then(() => {
      firstAcked = true;
    });
    await sleep(300);
    expect(firstAcked).toBe(false);
    expect(got.readings).toHaveLength(0);
    // Packets 2 and 3 in one payload complete the message.
    await station.publishAsync(topic, part(2, { qn }) + part(3, { qn }), { qos: 1 });
    await first;
    expect(got.readings).toHaveLength(6);
    expect(got.readings.every((d) => d.value.source === "mqtt-hj212")).toBe(true);
  });

  it("beyond hj212.maxPendingSplitMessages dead-letters the oldest message's part at once, then sends its PUBACK; each packet counted once", async () => {
    const metricsRegistry = new Registry();
    const { ingest, got } = await startIngest(
      {
        mqtt: { embeddedPort: 0, embeddedHost: "127.0.0.1" },
        hj212: { tcpPort: 0, maxPendingSplitMessages: 2 },
      },
      metricsRegistry,
    );
    const station = await mqttStation(ingest.brokerUrl as string);
    const topic = `hj212/${AIR_MN}`;
    const qns = [uniqueQn(), uniqueQn(), uniqueQn()];
    const acked: string[] = [];
    const publishes = qns.map((qn) =>
      station.publishAsync(topic, part(1, { qn }), { qos: 1 }).then(() => {
        acked.push(qn);
      }),
    );
    // The third message's first part evicts the first message (2 may be held): its dead letter,
    // then its PUBACK, well before hj212.splitTimeoutMs (60 s).
    await publishes[0];
    expect(got.deadLetters.map((d) => d.value.payload)).toEqual([part(1, { qn: qns[0] })]);
    expect(got.deadLetters[0]?.value).toMatchObject({ source: "mqtt", origin: topic, path: "PNO" });
    expect(got.deadLetters[0]?.value.message).toBe(
      `hj212.field: bad-field: split message MN=${AIR_MN} QN=${qns[0]} dropped incomplete: packet 1 of 3 received; more than 2 split messages pending (hj212.maxPendingSplitMessages)`,
    );
    await sleep(200);
    expect(acked).toEqual([qns[0]]);
    expect(got.deadLetters).toHaveLength(1);
    // The messages still held complete (that publish's PUBACK follows the second message's, held).
    void station
      .publishAsync(topic, part(2, { qn: qns[2] }) + part(3, { qn: qns[2] }), { qos: 1 })
      .catch(() => undefined);
    await waitFor(() => got.readings.length === 6, { what: "the third message's readings" });
    // 5 packets (in 4 MQTT messages), each counted once: the evicted part's dead letter adds none.
    expect(await messagesTotal(metricsRegistry, "mqtt")).toBe(5);
  });
});
