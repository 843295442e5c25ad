import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { createMemoryBus } from "@qingshan/bus";
import { buildDataResponse, buildPacket, parsePacket } from "@qingshan/hj212";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createHj212TcpListener } from "./hj212-tcp.ts";
import { createIngestPipeline } from "./ingest-pipeline.ts";
import { createIngestMetrics } from "./metrics.ts";
import { AIR_MN, clock, gate, PACKET_B, PACKET_B_RESPONSE, PACKET_C, registry } from "./testdata/fixtures.ts";
import { connectTcpStation, startHj212Listener } from "./testdata/hj212-listener.ts";

const logger = pino({ level: "silent" });
const cleanups = cleanupsAfterEach();

describe("HJ 212 over TCP", () => {
  it("answers example B (Flag=5) with the exact 9014 data response after handing its readings on", async () => {
    const { port, got } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups);
    station.socket.write(PACKET_B);
    await waitFor(() => station.received() === PACKET_B_RESPONSE, { what: "the 9014 reply" });
    expect(got.readings).toHaveLength(9);
    expect(got.readings.every((d) => d.key === "ld-wq-02" && d.value.source === "tcp-hj212")).toBe(true);
  });

  it("dead-letters example C (bad CRC) without answering it, across arbitrary chunking", async () => {
    const { port, got } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups);
    const stream = Buffer.from(PACKET_C + PACKET_B);
    for (let i = 0; i < stream.length; i += 7) station.socket.write(stream.subarray(i, i + 7));
    await waitFor(() => station.received() === PACKET_B_RESPONSE, { what: "the reply to B" });
    await waitFor(() => got.deadLetters.length === 1, { what: "the dead letter of C" });
    // Packets of one connection are handled in order, so C was finished before B was answered:
    // the only bytes sent back are B's reply.
    expect(station.received()).toBe(PACKET_B_RESPONSE);
    const [deadLetter] = got.deadLetters;
    expect(deadLetter?.value).toMatchObject({ code: "hj212.crc", source: "hj212-tcp", payload: PACKET_C });
    expect(deadLetter?.value.origin).toMatch(/^(::ffff:)?127\.0\.0\.1:\d+$/);
    expect(deadLetter?.value.message).toContain("expected EB01, got ABCD");
  });

  it("names the station of a bad-CRC packet by its MN when registered, saying the MN is unverified", async () => {
    const { port, got } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups);
    // PACKET_C with another MN (same length, nobody's) and its CRC still wrong.
    const unknownMn = PACKET_C.replace(AIR_MN, "ZZ".padEnd(AIR_MN.length, "0"));
    station.socket.write(PACKET_C + unknownMn);
    await waitFor(() => got.deadLetters.length === 2, { what: "both dead letters" });
    const [known, unknown] = got.deadLetters.map((d) => d.value);
    expect(known).toMatchObject({ code: "hj212.crc", stationId: "ld-aq-01", payload: PACKET_C });
    expect(got.deadLetters[0]?.key).toBe("ld-aq-01");
    expect(known?.message).toBe(
      "hj212.crc: crc-mismatch: expected EB01, got ABCD (station ld-aq-01 named by the MN of this unverified packet)",
    );
    expect(unknown).toMatchObject({ code: "hj212.crc", payload: unknownMn });
    expect(unknown?.stationId).toBeUndefined();
    expect(unknown?.message).not.toContain("station");
    expect(station.received()).toBe("");
  });

  it("dead-letters a packet cut off by the connection closing as such (not as an MQTT message)", async () => {
    const { port, got } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups);
    const partial = PACKET_B.slice(0, -2);
    station.socket.end(partial);
    await waitFor(() => got.deadLetters.length === 1, { what: "the dead letter of the cut packet" });
    expect(got.deadLetters[0]?.value).toMatchObject({
      code: "hj212.framing",
      path: "tail",
      source: "hj212-tcp",
      payload: partial,
      message: `hj212.framing: missing-tail: connection closed after ${partial.length} bytes of a packet`,
    });
    expect(got.deadLetters[0]?.value.stationId).toBeUndefined();
    expect(got.readings).toEqual([]);
    expect(station.received()).toBe("");
  });

  it("sends the reply only once the durable subscriber has processed the readings", async () => {
    const held = gate();
    let entered = false;
    const { port } = await startHj212Listener(cleanups, {
      prepare: async (bus) => {
        await bus.subscribe("readings", { group: "writer", durable: true }, async () => {
          entered = true;
          await held.promise;
        });
      },
    });
    const station = await connectTcpStation(port, cleanups);
    station.socket.write(PACKET_B);
    await waitFor(() => entered, { what: "the writer to receive B's readings" });
    expect(station.received()).toBe("");
    held.release();
    await waitFor(() => station.received() === PACKET_B_RESPONSE, { what: "the 9014 reply" });
  });

  it("names the setting to change when the port is taken", async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    const bus = createMemoryBus();
    const metrics = createIngestMetrics(new Registry());
    const listener = createHj212TcpListener({
      port,
      host: "127.0.0.1",
      idleTimeoutMs: 0,
      maxConnections: 1,
      drainTimeoutMs: 100,
      pipeline: createIngestPipeline({ bus, registry, clock, metrics }),
      logger,
      metrics,
      retry: { initialDelayMs: 10, maxDelayMs: 100 },
    });
    await expect(listener.start()).rejects.toThrow(
      `HJ 212 TCP port ${port} is already in use: set hj212.tcpPort (QINGSHAN_HJ212_PORT) to a free port, or 0 to disable the listener`,
    );
  });

  // Data loggers keep their connection open between uploads; stopping must not wait for them.
  it("stops promptly while a station stays connected and silent after its answered packet", async () => {
    const { port, got, stop } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups, { ignoresFin: true });
    station.socket.write(PACKET_B);
    await waitFor(() => station.received() === PACKET_B_RESPONSE, { what: "the 9014 reply" });
    const started = Date.now();
    await stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await station.ended;
    expect(got.readings).toHaveLength(9);
  });

  it("stops promptly while a station has sent half a packet and stays silent", async () => {
    const { port, got, stop } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups, { ignoresFin: true });
    station.socket.write(PACKET_B.slice(0, 200));
    await waitFor(() => station.socket.bytesWritten === 200, { what: "the half packet to be sent" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await station.ended;
    // Not received whole, so neither stored nor answered (the station resends it), but reported.
    expect(got.readings).toEqual([]);
    expect(station.received()).toBe("");
    expect(got.deadLetters.map((d) => [d.value.code, d.value.message])).toEqual([
      ["hj212.framing", "hj212.framing: missing-tail: connection closed after 200 bytes of a packet"],
    ]);
  });

  it("answers a packet being handed on when stop begins, then closes the open connection", async () => {
    const held = gate();
    let entered = false;
    const { port, stop } = await startHj212Listener(cleanups, {
      prepare: async (bus) => {
        await bus.subscribe("readings", { group: "writer", durable: true }, async () => {
          entered = true;
          await held.promise;
        });
      },
    });
    const station = await connectTcpStation(port, cleanups, { ignoresFin: true });
    station.socket.write(PACKET_B);
    await waitFor(() => entered, { what: "the writer to receive B's readings" });
    const stopped = stop();
    setTimeout(held.release, 200);
    await stopped;
    await station.ended;
    expect(station.received()).toBe(PACKET_B_RESPONSE);
  });

  it("reports garbage read in many TCP segments as one dead letter, then answers the next packet", async () => {
    const { port, got } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups);
    // 50 000 bytes without "#", written in 1 000-byte pieces with pauses so they arrive in many reads.
    const garbage = noHash(50_000);
    for (let i = 0; i < garbage.length; i += 1000) {
      station.socket.write(garbage.subarray(i, i + 1000));
      if (i % 10_000 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    station.socket.write(PACKET_B);
    await waitFor(() => station.received() === PACKET_B_RESPONSE, { what: "the reply to B" });
    expect(got.deadLetters).toHaveLength(1);
    const letter = got.deadLetters[0]?.value;
    expect(letter).toMatchObject({ code: "hj212.framing", path: "header", source: "hj212-tcp" });
    expect(letter?.message).toBe("hj212.framing: missing-header: 50000 bytes outside a packet skipped");
    expect(Buffer.byteLength(letter?.payload ?? "", "latin1")).toBeLessThanOrEqual(4096);
    expect(got.readings).toHaveLength(9);
  });

  it("closes a connection that sends only garbage past the limit, with one dead letter; a new connection is answered", async () => {
    const { port, got } = await startHj212Listener(cleanups);
    const flood = await connectTcpStation(port, cleanups);
    flood.socket.on("error", () => {});
    const garbage = noHash(1_000_000);
    for (let i = 0; i < garbage.length && !flood.socket.destroyed; i += 16_384) {
      flood.socket.write(garbage.subarray(i, i + 16_384));
    }
    await waitFor(() => flood.socket.readableEnded || flood.socket.destroyed, {
      what: "the host to close the flooding connection",
    });
    await waitFor(() => got.deadLetters.length >= 1, { what: "the dead letter of the garbage" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got.deadLetters).toHaveLength(1);
    expect(got.deadLetters[0]?.value.message).toMatch(
      /^hj212\.framing: missing-header: \d+ bytes outside a packet skipped; connection closed after more than 65536 bytes without an HJ 212 packet$/,
    );
    const station = await connectTcpStation(port, cleanups);
    station.socket.write(PACKET_B);
    await waitFor(() => station.received() === PACKET_B_RESPONSE, { what: "the reply to B" });
  });
  // hj212.md §8 rule 4: split messages (Flag D=1, PNUM/PNO) are reassembled by (MN, QN) and answered
  // once, whole (more in hj212-split.test.ts).
  it("reassembles split messages whether each part carries DataTime or only the first; one 9014 each", async () => {
    const { port, got } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups);
    const part = (qn: string, pno: number, cp: string) =>
      buildPacket({ qn, st: "22", cn: "2011", pw: "123456", mn: AIR_MN, flag: 7, pnum: 2, pno, cp });
    const whole1 = part("20261128103005001", 1, "DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N");
    const whole2 = part("20261128103005001", 2, "DataTime=20261128103000;a05024-Rtd=96,a05024-Flag=N");
    // A station that cut one CP anywhere: the second part has no DataTime of its own.
    const cut1 = part("20261128103005002", 1, "DataTime=20261128103000;a34002-Rtd=62,a34002-Flag=N");
    const cut2 = part("20261128103005002", 2, "a21026-Rtd=8,a21026-Flag=N");
    station.socket.write(whole1 + whole2 + cut1 + cut2 + PACKET_B);
    const answers = [whole1, cut1].map((p) => buildDataResponse(parsePacket(p))).join("");
    await waitFor(() => station.received().length >= answers.length + PACKET_B_RESPONSE.length, {
      what: "the replies",
    });
    expect(station.received()).toBe(answers + PACKET_B_RESPONSE);
    expect(
      got.readings.filter((d) => d.key === "ld-aq-01").map((d) => [d.value.metric, d.value.value]),
    ).toEqual([
      ["pm25", 35],
      ["o3", 96],
      ["pm10", 62],
      ["so2", 8],
    ]);
    expect(got.deadLetters).toEqual([]);
  });
  it("closes a connection flooded with 5 MB of random bytes after one dead letter", async () => {
    const { port, got } = await startHj212Listener(cleanups);
    const flood = await connectTcpStation(port, cleanups);
    flood.socket.on("error", () => {});
    const garbage = randomBytes(5_000_000);
    for (let i = 0; i < garbage.length && !flood.socket.destroyed; i += 65_536) {
      flood.socket.write(garbage.subarray(i, i + 65_536));
    }
    await waitFor(() => flood.socket.readableEnded || flood.socket.destroyed, {
      what: "the host to close the flooding connection",
    });
    await waitFor(() => got.deadLetters.length >= 1, { what: "the dead letters of the garbage" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Before: one per socket read (109 for 5 MB), and one more per "##" among the random bytes.
    expect(got.deadLetters.map((d) => [d.value.code, d.value.path])).toEqual([["hj212.framing", "header"]]);
    expect(got.deadLetters[0]?.value.message).toMatch(
      /^hj212\.framing: missing-header: \d+ bytes outside a packet skipped; connection closed after more than 65536 bytes without an HJ 212 packet$/,
    );
  });

  it("reports a pending run of garbage when the listener stops", async () => {
    const { port, got, stop } = await startHj212Listener(cleanups);
    const station = await connectTcpStation(port, cleanups, { ignoresFin: true });
    station.socket.write("AT+CIPSEND=12\r\n");
    await waitFor(() => station.socket.bytesWritten === 15, { what: "the bytes to be sent" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stop();
    expect(got.deadLetters.map((d) => [d.value.code, d.value.message])).toEqual([
      ["hj212.framing", "hj212.framing: missing-header: 15 bytes outside a packet skipped"],
    ]);
  });
  it("closes an idle connection of a station that ignores the FIN, reporting its partial packet", async () => {
    const { port, got } = await startHj212Listener(cleanups, { idleTimeoutMs: 300 });
    const station = await connectTcpStation(port, cleanups, { ignoresFin: true });
    station.socket.write(PACKET_B.slice(0, 100));
    await station.ended;
    await waitFor(() => got.deadLetters.length === 1, { what: "the dead letter of the partial packet" });
    expect(got.deadLetters[0]?.value.message).toBe(
      "hj212.framing: missing-tail: connection closed after 100 bytes of a packet",
    );
    expect(station.received()).toBe("");
  });
});

/** `length` pseudo-random bytes without "#" (so no HJ 212 header can appear among them). */
function noHash(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = 12345;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const b = (x >> 16) & 0xff;
    bytes[i] = b === 0x23 ? 0x24 : b;
  }
  return bytes;
}
