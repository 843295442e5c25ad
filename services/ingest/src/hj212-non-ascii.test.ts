import { connect } from "node:net";
import { createMemoryBus } from "@qingshan/bus";
import { buildDataResponse, crc16Bytes, formatCrc, parsePacket } from "@qingshan/hj212";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createHj212TcpListener } from "./hj212-tcp.ts";
import { createIngestPipeline } from "./ingest-pipeline.ts";
import { createIngestMetrics } from "./metrics.ts";
import { decodeMqttMessage } from "./mqtt-decode.ts";
import { AIR_MN, clock, collect, PACKET_B, PACKET_B_RESPONSE, registry } from "./testdata/fixtures.ts";
import { ingestTopics } from "./topics.ts";

const cleanups = cleanupsAfterEach();

const HEAD = `QN=20261128103005123;ST=22;CN=2011;PW=123456;MN=${AIR_MN};Flag=5;CP=&&DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=`;
const TAIL = ",a34002-Flag=N;a21026-Rtd=8,a21026-Flag=N&&";
/** Offset of PM10's value in the packet: "##" + 4 length digits + the segment up to it. */
const VALUE_OFFSET = 6 + HEAD.length;
const RULE = "(hj212.md §1: HJ 212 packets are ASCII text; Qingshan reads other bytes as UTF-8)";

/** A packet whose PM10 value is `value` (bytes), length and CRC over the bytes unless overridden. */
function packet(value: Buffer, over: { qn?: string; length?: number } = {}): Buffer {
  const head = over.qn === undefined ? HEAD : HEAD.replace("20261128103005123", over.qn);
  const segment = Buffer.concat([Buffer.from(head), value, Buffer.from(TAIL)]);
  const length = String(over.length ?? segment.length).padStart(4, "0");
  return Buffer.concat([
    Buffer.from(`##${length}`),
    segment,
    Buffer.from(`${formatCrc(crc16Bytes(segment))}\r\n`),
  ]);
}

/** "６２" (full-width digits) in UTF-8 and in GBK. */
const UTF8_62 = Buffer.from("６２", "utf8");
const GBK_62 = Buffer.from([0xa3, 0xb6, 0xa3, 0xb2]);

async function pipelineWithLog() {
  const bus = createMemoryBus();
  await bus.start();
  cleanups.push(() => bus.stop());
  const got = await collect(bus);
  const warnings: Array<{ msg: string; station?: string; nonAscii?: string[] }> = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const metrics = createIngestMetrics(new Registry());
  const pipeline = createIngestPipeline({ bus, registry, clock, metrics, logger });
  return { got, warnings, logger, metrics, pipeline };
}

describe("HJ 212 packets holding bytes that are not ASCII (hj212.md §1)", () => {
  it("over TCP: dead-letters the value naming byte and offset, stores and answers the rest, keeps reading", async () => {
    const { got, warnings, logger, metrics, pipeline } = await pipelineWithLog();
    const listener = createHj212TcpListener({
      port: 0,
      host: "127.0.0.1",
      idleTimeoutMs: 60_000,
      maxConnections: 4,
      drainTimeoutMs: 2000,
      pipeline,
      logger,
      metrics,
      retry: { initialDelayMs: 10, maxDelayMs: 100 },
    });
    const port = await listener.start();
    cleanups.push(() => listener.stop());
    const socket = connect({ port, host: "127.0.0.1" });
    cleanups.push(async () => void socket.destroy());
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    const received = () => Buffer.concat(chunks).toString("latin1");

    const utf8 = packet(UTF8_62);
    const gbk = packet(GBK_62, { qn: "20261128103005124" });
    // The length of the UTF-8 text counted in characters: refused whole, never answered.
    const characters = utf8.subarray(6, utf8.length - 6).toString("utf8").length;
    const counted = packet(UTF8_62, { qn: "20261128103005125", length: characters });
    socket.write(Buffer.concat([utf8, gbk, counted, Buffer.from(PACKET_B)]));

    // The 9014s echo the QNs (the GBK packet's text is not UTF-8: its reply is built from its twin).
    const replies = [utf8, packet(UTF8_62, { qn: "20261128103005124" })].map((p) =>
      buildDataResponse(parsePacket(p.toString("utf8"))),
    );
    await waitFor(() => received() === replies.join("") + PACKET_B_RESPONSE, { what: "three replies" });
    expect(got.readings.map((d) => [d.value.metric, d.value.value]).slice(0, 4)).toEqual([
      ["pm25", 35],
      ["so2", 8],
      ["pm25", 35],
      ["so2", 8],
    ]);
    expect(got.readings).toHaveLength(4 + 9);
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path, d.value.stationId])).toEqual([
      ["value.not_number", "CP.a34002-Rtd", "ld-aq-01"],
      ["value.not_number", "CP.a34002-Rtd", "ld-aq-01"],
      // A frame its length does not fit names no station (unverifiedMn).
      ["hj212.framing", "length", undefined],
    ]);
    const [first, second, third] = got.deadLetters.map((d) => d.value.message);
    expect(first).toBe(
      `value.not_number: "CP.a34002-Rtd" is "６２", expected a number; CP.a34002-Rtd holds non-ASCII byte 0xEF at offset ${VALUE_OFFSET} of the packet ${RULE}`,
    );
    expect(second).toBe(
      `value.not_number: "CP.a34002-Rtd" is "\u{fffd}\u{fffd}\u{fffd}\u{fffd}", expected a number; CP.a34002-Rtd holds non-ASCII byte 0xA3 at offset ${VALUE_OFFSET} of the packet ${RULE}`,
    );
    expect(third).toBe(
      `hj212.framing: length-mismatch: length says 0${characters}, but the data segment before CRC and tail is ${characters + 4} bytes (${characters} characters: the length counts characters, not bytes); the packet holds non-ASCII byte 0xEF at offset ${VALUE_OFFSET} ${RULE}`,
    );
    // Logged once per station.
    expect(warnings.filter((w) => w.msg.includes("not ASCII"))).toEqual([
      expect.objectContaining({
        station: "ld-aq-01",
        nonAscii: ["CP.a34002-Rtd"],
        msg: `HJ 212 station ld-aq-01 sends bytes that are not ASCII (CP.a34002-Rtd holds non-ASCII byte 0xEF at offset ${VALUE_OFFSET} of the packet; hj212.md §1: HJ 212 packets are ASCII text): read as UTF-8; logged once per station`,
      }),
    ]);
  });

  it("over MQTT: reads the payload's bytes, so a GBK byte is named as received and the rest is stored", async () => {
    const { pipeline } = await pipelineWithLog();
    const topics = ingestTopics("hj212", []);
    const gbk = packet(GBK_62);
    const decoded = decodeMqttMessage(pipeline, topics, `hj212/${AIR_MN}`, gbk)?.decoded;
    expect(decoded?.readings.map((r) => [r.metric, r.value])).toEqual([
      ["pm25", 35],
      ["so2", 8],
    ]);
    expect(decoded?.deadLetters.map((d) => d.message)).toEqual([
      `value.not_number: "CP.a34002-Rtd" is "\u{fffd}\u{fffd}\u{fffd}\u{fffd}", expected a number; CP.a34002-Rtd holds non-ASCII byte 0xA3 at offset ${VALUE_OFFSET} of the packet ${RULE}`,
    ]);
    expect(decoded?.response).toBe(buildDataResponse(parsePacket(packet(UTF8_62).toString("utf8"))));
  });
});
