import type { Bus } from "@qingshan/bus";
import { createMemoryBus } from "@qingshan/bus";
import { buildPacket } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createIngestPipeline, type IngestPipeline } from "./ingest-pipeline.ts";
import { createIngestMetrics } from "./metrics.ts";
import {
  AIR_MN,
  type Collected,
  clock,
  collect,
  gate,
  NOW,
  PACKET_A,
  PACKET_B,
  PACKET_B_RESPONSE,
  PACKET_C,
  registry,
  WATER_MN,
} from "./testdata/fixtures.ts";

const AIR_TOPIC = "stations/ld-aq-01/air";
const TS = Date.parse("2026-11-28T10:00:00+08:00");
const mqtt = { source: "mqtt", origin: AIR_TOPIC } as const;

let bus: Bus;
let metricsRegistry: Registry;
let pipeline: IngestPipeline;
let got: Collected;

beforeEach(async () => {
  bus = createMemoryBus();
  await bus.start();
  got = await collect(bus);
  metricsRegistry = new Registry();
  pipeline = createIngestPipeline({ bus, registry, clock, metrics: createIngestMetrics(metricsRegistry) });
});

afterEach(async () => {
  await bus.stop();
});

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe("JSON wire messages", () => {
  it("publishes every reading keyed by station id", async () => {
    const payload = JSON.stringify({ ts: "2026-11-28T10:00:00+08:00", values: { pm25: 35, o3: 96 } });
    const result = await pipeline.submitJson(AIR_TOPIC, payload, mqtt);
    expect(result).toEqual({ accepted: 2, rejections: [] });
    await waitFor(() => got.readings.length === 2, { what: "2 readings" });
    expect(got.readings.map((d) => [d.key, d.value])).toEqual([
      [
        "ld-aq-01",
        {
          stationId: "ld-aq-01",
          metric: "pm25",
          ts: TS,
          periodMs: 0,
          value: 35,
          flag: "N",
          source: "mqtt-json",
          receivedAt: NOW,
        },
      ],
      [
        "ld-aq-01",
        {
          stationId: "ld-aq-01",
          metric: "o3",
          ts: TS,
          periodMs: 0,
          value: 96,
          flag: "N",
          source: "mqtt-json",
          receivedAt: NOW,
        },
      ],
    ]);
    expect(got.deadLetters).toEqual([]);
    expect(await counter("qingshan_messages_total", { source: "mqtt" })).toBe(1);
    expect(await counter("qingshan_readings_received_total", { source: "mqtt-json" })).toBe(2);
  });

  it("lets good values through and dead-letters each bad one with its reason", async () => {
    const payload = JSON.stringify({ ts: TS, values: { pm25: 35, so2: "x", co: -5 } });
    const result = await pipeline.submitJson(AIR_TOPIC, payload, mqtt);
    expect(result.accepted).toBe(1);
    expect(result.rejections.map((r) => [r.code, r.path])).toEqual([
      ["value.not_number", "values.so2"],
      ["value.out_of_range", "values.co"],
    ]);
    await waitFor(() => got.deadLetters.length === 2 && got.readings.length === 1, { what: "deliveries" });
    expect(got.readings[0]?.value.metric).toBe("pm25");
    const [first, second] = got.deadLetters;
    expect(first?.key).toBe("ld-aq-01");
    expect(first?.value).toEqual({
      id: expect.any(String),
      receivedAt: NOW,
      source: "mqtt",
      origin: AIR_TOPIC,
      stationId: "ld-aq-01",
      code: "value.not_number",
      path: "values.so2",
      message: 'value.not_number: "values.so2" is "x", expected a number',
      payload,
    });
    expect(second?.value.code).toBe("value.out_of_range");
    expect(first?.value.id).not.toBe(second?.value.id);
    expect(await counter("qingshan_readings_rejected_total", { reason: "value.not_number" })).toBe(1);
    expect(await counter("qingshan_readings_rejected_total", { reason: "value.out_of_range" })).toBe(1);
  });

  it("in a batch of observations (an import), a dead letter keeps the observation its value came from, not the batch", async () => {
    const batch = Array.from({ length: 300 }, (_, i) => ({
      ts: TS - i * 60_000,
      values: { pm25: i === 244 ? -3 : 35, o3: 60 },
      period: "PT1M",
    }));
    const payload = JSON.stringify(batch);
    const result = await pipeline.submitJson(AIR_TOPIC, payload, { source: "import", origin: "history.csv" });
    expect(result.accepted).toBe(599);
    await waitFor(() => got.deadLetters.length === 1, { what: "a dead letter" });
    expect(got.deadLetters[0]?.value).toMatchObject({
      code: "value.out_of_range",
      path: "[244].values.pm25",
      payload: JSON.stringify(batch[244]),
    });
  });

  it.each([
    ["malformed JSON", AIR_TOPIC, "{not json", "payload.malformed"],
    ["an unknown station", "stations/ld-nope-99/air", `{"ts":${TS},"values":{"pm25":1}}`, "station.unknown"],
    ["the wrong kind", "stations/ld-aq-01/water", `{"ts":${TS},"values":{"ph":7}}`, "station.kind_mismatch"],
    [
      "a topic outside the contract",
      "stations/ld-aq-01",
      `{"ts":${TS},"values":{"pm25":1}}`,
      "topic.invalid",
    ],
    ["a wrong shape", AIR_TOPIC, `{"values":{"pm25":1}}`, "payload.invalid"],
  ])("dead-letters %s as %s", async (_what, topic, payload, code) => {
    const result = await pipeline.submitJson(topic, payload, { source: "mqtt", origin: topic });
    expect(result.accepted).toBe(0);
    expect(result.rejections.map((r) => r.code)).toEqual([code]);
    await waitFor(() => got.deadLetters.length === 1, { what: "a dead letter" });
    expect(got.deadLetters[0]?.value).toMatchObject({ code, origin: topic, source: "mqtt", payload });
    expect(got.readings).toEqual([]);
  });

  it("words a topic.invalid dead letter as a wrong topic, naming it and the form expected", async () => {
    await pipeline.submitJson("stations/ld-aq-01", `{"ts":${TS},"values":{"pm25":1}}`, mqtt);
    await waitFor(() => got.deadLetters.length === 1, { what: "a dead letter" });
    expect(got.deadLetters[0]?.value.message).toBe(
      'topic.invalid: wrong topic "stations/ld-aq-01", expected stations/{stationId}/{kind}',
    );
  });

  it("truncates the raw payload of a dead letter to 4 KiB", async () => {
    const payload = `{"ts":${TS},"values":{"pm25":"${"青".repeat(3000)}"}}`;
    await pipeline.submitJson(AIR_TOPIC, payload, mqtt);
    await waitFor(() => got.deadLetters.length === 1, { what: "a dead letter" });
    const kept = got.deadLetters[0]?.value.payload ?? "";
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(kept)).toBeGreaterThan(4090);
    expect(payload.startsWith(kept)).toBe(true);
  });

  it("applies per-call limits (a backfill with relaxed lateness)", async () => {
    const old = NOW - 30 * 86_400_000;
    const payload = JSON.stringify({ ts: old, values: { pm25: 20 } });
    const late = await pipeline.submitJson(AIR_TOPIC, payload, { source: "import", origin: "backfill.csv" });
    expect(late.rejections.map((r) => r.code)).toEqual(["ts.too_late"]);
    const relaxed = await pipeline.submitJson(AIR_TOPIC, payload, {
      source: "import",
      origin: "backfill.csv",
      limits: { maxLatenessMs: 400 * 86_400_000 },
    });
    expect(relaxed.accepted).toBe(1);
    await waitFor(() => got.readings.length === 1, { what: "the backfilled reading" });
    expect(got.readings[0]?.value).toMatchObject({ ts: old, source: "import" });
    expect(got.deadLetters[0]?.value).toMatchObject({ source: "import", origin: "backfill.csv" });
  });

  it("resolves only after a durable subscriber has processed the readings", async () => {
    const held = gate();
    let entered = false;
    let processed = false;
    await bus.subscribe("readings", { group: "writer", durable: true }, async () => {
      entered = true;
      await held.promise;
      processed = true;
    });
    let settled = false;
    const submitted = pipeline
      .submitJson(AIR_TOPIC, JSON.stringify({ ts: TS, values: { pm25: 35 } }), mqtt)
      .then((result) => {
        settled = true;
        return result;
      });
    await waitFor(() => entered, { what: "the durable handler to start" });
    expect(settled).toBe(false);
    held.release();
    expect((await submitted).accepted).toBe(1);
    expect(processed).toBe(true);
  });
});

describe("HJ 212 packets", () => {
  it("turns example B into nine water readings and answers it with the exact 9014 packet", async () => {
    const result = await pipeline.submitHj212(PACKET_B, {
      source: "mqtt",
      origin: `hj212/${WATER_MN}`,
      expectedMn: WATER_MN,
    });
    expect(result).toEqual({ accepted: 9, rejections: [], response: PACKET_B_RESPONSE });
    await waitFor(() => got.readings.length === 9, { what: "9 readings" });
    expect(got.readings.map((d) => d.value.metric).sort()).toEqual(
      ["codmn", "cond", "do", "nh3n", "ph", "temp", "tn", "tp", "turb"].sort(),
    );
    expect(got.readings.every((d) => d.key === "ld-wq-02" && d.value.source === "mqtt-hj212")).toBe(true);
  });

  it("does not answer example A (Flag=4) and reads its six values", async () => {
    const result = await pipeline.submitHj212(PACKET_A, { source: "hj212-tcp", origin: "10.0.0.7:50312" });
    expect(result).toEqual({ accepted: 6, rejections: [] });
    await waitFor(() => got.readings.length === 6, { what: "6 readings" });
    expect(got.readings[0]?.value.source).toBe("tcp-hj212");
  });

  it("dead-letters example C (bad CRC) and never answers it", async () => {
    const result = await pipeline.submitHj212(PACKET_C, { source: "hj212-tcp", origin: "10.0.0.7:50312" });
    expect(result.response).toBeUndefined();
    expect(result.accepted).toBe(0);
    await waitFor(() => got.deadLetters.length === 1, { what: "a dead letter" });
    expect(got.deadLetters[0]?.value).toMatchObject({
      code: "hj212.crc",
      source: "hj212-tcp",
      origin: "10.0.0.7:50312",
      payload: PACKET_C,
    });
    expect(got.deadLetters[0]?.value.message).toContain("expected EB01, got ABCD");
  });

  it("rejects a packet whose MN differs from the MN of its topic", async () => {
    const result = await pipeline.submitHj212(PACKET_A, {
      source: "mqtt",
      origin: `hj212/${WATER_MN}`,
      expectedMn: WATER_MN,
    });
    expect(result.accepted).toBe(0);
    expect(result.rejections.map((r) => [r.code, r.path, r.received])).toEqual([
      ["hj212.field", "MN", AIR_MN],
    ]);
  });

  it("dead-letters a packet from an unknown MN and does not answer it (the logger keeps and resends it)", async () => {
    const text = buildPacket({
      qn: "20261128103005123",
      st: "22",
      cn: "2011",
      pw: "123456",
      mn: "UNKNOWN00000000000000000",
      flag: 5,
      cp: "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N",
    });
    const result = await pipeline.submitHj212(text, { source: "hj212-tcp", origin: "10.0.0.9:4000" });
    expect(result.rejections.map((r) => r.code)).toEqual(["station.unknown"]);
    expect(result.response).toBeUndefined();
    await waitFor(() => got.deadLetters.length === 1, { what: "a dead letter" });
    expect(got.deadLetters[0]?.value).toMatchObject({ code: "station.unknown", payload: text });
  });

  it("dead-letters text that is not a packet, and an empty payload", async () => {
    const garbage = await pipeline.submitHj212("hello", { source: "mqtt", origin: "hj212/X" });
    expect(garbage.rejections.map((r) => r.code)).toEqual(["hj212.framing"]);
    const empty = await pipeline.submitHj212("", { source: "mqtt", origin: "hj212/X" });
    expect(empty.rejections.map((r) => r.code)).toEqual(["payload.malformed"]);
    await waitFor(() => got.deadLetters.length === 2, { what: "2 dead letters" });
  });

  it("files every rejection of hj212/{MN} under the topic's station: empty, too large, unparsable", async () => {
    const options = { source: "mqtt", origin: `hj212/${AIR_MN}`, expectedMn: AIR_MN } as const;
    const empty = await pipeline.submitHj212("", options);
    const tooLarge = await pipeline.submitHj212(PACKET_A, { ...options, limits: { maxPayloadBytes: 100 } });
    const cut = await pipeline.submitHj212(PACKET_A.slice(0, 50), options);
    expect([...empty.rejections, ...tooLarge.rejections, ...cut.rejections].map((r) => r.message)).toEqual([
      'payload.malformed: message is "", expected an HJ 212 packet',
      'payload.too_large: message is "290 bytes", expected at most 100 bytes',
      `hj212.framing: missing-tail: HJ 212 packet on MQTT topic hj212/${AIR_MN} ends after 50 bytes without \\r\\n, its length field announces 290 bytes (hj212.md §1, §8.2)`,
    ]);
    await waitFor(() => got.deadLetters.length === 3, { what: "3 dead letters" });
    expect(got.deadLetters.map((d) => [d.key, d.value.stationId])).toEqual([
      ["ld-aq-01", "ld-aq-01"],
      ["ld-aq-01", "ld-aq-01"],
      ["ld-aq-01", "ld-aq-01"],
    ]);
  });

  it("reads several packets in one payload and answers each that asks", async () => {
    const result = await pipeline.submitHj212(PACKET_A + PACKET_B + PACKET_C, {
      source: "mqtt",
      origin: "hj212/mixed",
    });
    expect(result.accepted).toBe(15);
    expect(result.rejections.map((r) => r.code)).toEqual(["hj212.crc"]);
    expect(result.response).toBe(PACKET_B_RESPONSE);
  });
});
