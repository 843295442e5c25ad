import { describe, expect, it } from "vitest";
import { crc16, formatCrc } from "./crc.ts";
import { PacketStreamDecoder, type StreamItem } from "./stream.ts";
import { PACKET_A, PACKET_B, PACKET_B_RESPONSE, PACKET_C, STANDARD_EXAMPLE } from "./testdata/examples.ts";

/** A compact view of decoder output: "cn" for a packet, "code" for an error. */
function outcomes(items: StreamItem[]): string[] {
  return items.map((i) => (i.packet ? `packet ${i.packet.cn}` : `error ${i.error?.code}`));
}

function feed(decoder: PacketStreamDecoder, chunks: Array<string | Buffer>): StreamItem[] {
  return chunks.flatMap((c) => decoder.push(c));
}

describe("PacketStreamDecoder (hj212.md §8)", () => {
  it("decodes several packets in one chunk", () => {
    const items = new PacketStreamDecoder().push(PACKET_A + PACKET_B + PACKET_B_RESPONSE);
    expect(outcomes(items)).toEqual(["packet 2011", "packet 2061", "packet 9014"]);
    expect(items.map((i) => i.raw)).toEqual([PACKET_A, PACKET_B, PACKET_B_RESPONSE]);
  });

  it("decodes two packets split into two chunks at every byte position", () => {
    const stream = Buffer.from(PACKET_A + PACKET_B);
    for (let at = 0; at <= stream.length; at++) {
      const decoder = new PacketStreamDecoder();
      const items = feed(decoder, [stream.subarray(0, at), stream.subarray(at)]);
      expect(outcomes(items), `split at ${at}`).toEqual(["packet 2011", "packet 2061"]);
      expect(decoder.pending).toBe(0);
    }
  });

  it("decodes packets with garbage between them split at every byte position, one report per run", () => {
    const stream = Buffer.from(`noise${PACKET_A}junk${PACKET_B}`);
    for (let at = 0; at <= stream.length; at++) {
      const items = feed(new PacketStreamDecoder(), [stream.subarray(0, at), stream.subarray(at)]);
      const packets = items.filter((i) => i.packet).map((i) => i.packet?.cn);
      const errors = items.filter((i) => i.error);
      expect(packets, `split at ${at}`).toEqual(["2011", "2061"]);
      expect(
        errors.map((i) => [i.error?.message, i.raw]),
        `split at ${at}`,
      ).toEqual([
        ["missing-header: 5 bytes outside a packet skipped", "noise"],
        ["missing-header: 4 bytes outside a packet skipped", "junk"],
      ]);
    }
  });

  it("reports a long run of garbage read in many chunks once, with its length and a bounded sample", () => {
    const decoder = new PacketStreamDecoder();
    const garbage = Buffer.alloc(100_000, "z");
    const items: StreamItem[] = [];
    for (let i = 0; i < garbage.length; i += 1460) items.push(...decoder.push(garbage.subarray(i, i + 1460)));
    expect(items).toEqual([]);
    expect(decoder.unframedBytes).toBe(100_000);
    items.push(...decoder.push(PACKET_A));
    expect(outcomes(items)).toEqual(["error missing-header", "packet 2011"]);
    expect(items[0]?.error?.message).toBe("missing-header: 100000 bytes outside a packet skipped");
    expect(items[0]?.raw).toBe("z".repeat(4096));
    expect(decoder.unframedBytes).toBe(0);
  });

  it("reports the run so far on flushSkipped, with a note, and starts a new run", () => {
    const decoder = new PacketStreamDecoder();
    decoder.push("abc");
    decoder.push("def");
    expect(decoder.flushSkipped("connection closed").map((i) => [i.error?.message, i.raw])).toEqual([
      ["missing-header: 6 bytes outside a packet skipped; connection closed", "abcdef"],
    ]);
    expect(decoder.flushSkipped()).toEqual([]);
    decoder.push("g");
    expect(decoder.end().map((i) => i.error?.message)).toEqual([
      "missing-header: 1 bytes outside a packet skipped",
    ]);
  });

  it("decodes a stream fed one byte at a time, reporting each packet when its tail arrives", () => {
    const decoder = new PacketStreamDecoder();
    const stream = Buffer.from(STANDARD_EXAMPLE + PACKET_A);
    const seen: Array<[number, string]> = [];
    for (let i = 0; i < stream.length; i++) {
      for (const item of decoder.push(stream.subarray(i, i + 1)))
        seen.push([i + 1, outcomes([item])[0] ?? ""]);
    }
    expect(seen).toEqual([
      [STANDARD_EXAMPLE.length, "packet 1062"],
      [stream.length, "packet 2011"],
    ]);
  });

  it("skips and reports garbage before, between and after packets (the last run at the end)", () => {
    const decoder = new PacketStreamDecoder();
    const items = decoder.push(`noise${PACKET_A}#junk#${PACKET_B}tail`);
    expect(outcomes(items)).toEqual([
      "error missing-header",
      "packet 2011",
      "error missing-header",
      "packet 2061",
    ]);
    items.push(...decoder.end());
    expect(items.filter((i) => i.error).map((i) => i.raw)).toEqual(["noise", "#junk#", "tail"]);
    expect(items[0]?.error?.message).toBe("missing-header: 5 bytes outside a packet skipped");
  });

  it("skips bare line breaks between packets silently", () => {
    const items = new PacketStreamDecoder().push(`${PACKET_A}\r\n\n${PACKET_B}`);
    expect(outcomes(items)).toEqual(["packet 2011", "packet 2061"]);
  });

  it("keeps a trailing # in case it starts the next header", () => {
    const decoder = new PacketStreamDecoder();
    expect(outcomes(decoder.push("xx#"))).toEqual([]);
    expect(decoder.pending).toBe(1);
    const items = decoder.push(PACKET_A.slice(1));
    expect(outcomes(items)).toEqual(["error missing-header", "packet 2011"]);
    expect(items[0]?.raw).toBe("xx");
  });

  it("finds the header at the end of a run of #", () => {
    expect(outcomes(new PacketStreamDecoder().push(`#${PACKET_A}`))).toEqual([
      "error missing-header",
      "packet 2011",
    ]);
  });

  it("reports a bad CRC and goes on with the next packet", () => {
    const items = new PacketStreamDecoder().push(PACKET_C + PACKET_B);
    expect(outcomes(items)).toEqual(["error crc-mismatch", "packet 2061"]);
    expect(items[0]?.error?.message).toBe("crc-mismatch: expected EB01, got ABCD");
    expect(items[0]?.raw).toBe(PACKET_C);
  });

  it("reports a bad length and resynchronises on the next header", () => {
    const items = new PacketStreamDecoder().push(`##02x8QN=1;garbage${PACKET_A}##2000abc${PACKET_B}`);
    expect(outcomes(items)).toEqual([
      "error bad-length",
      "packet 2011",
      "error length-too-large",
      "packet 2061",
    ]);
    expect(items[0]?.raw).toBe("##02x8QN=1;garbage");
  });

  it("takes a ## without a length inside garbage as more garbage: one report for the run", () => {
    const decoder = new PacketStreamDecoder();
    const items = [...decoder.push("noise##x"), ...decoder.push("y!##2000zz"), ...decoder.push(PACKET_A)];
    expect(items.map((i) => [outcomes([i])[0], i.raw])).toEqual([
      ["error missing-header", "noise##xy!##2000zz"],
      ["packet 2011", PACKET_A],
    ]);
  });

  it("reports a packet cut short and recovers the packet that follows it", () => {
    const cut = PACKET_A.slice(0, 120);
    const items = new PacketStreamDecoder().push(cut + PACKET_B);
    expect(outcomes(items)).toEqual(["error missing-tail", "packet 2061"]);
    expect(items[0]?.raw).toBe(cut);
  });

  it("reports a length that is too small (tail later than the length says)", () => {
    const wrong = `##0270${PACKET_A.slice(6)}`;
    const items = new PacketStreamDecoder().push(wrong + PACKET_B);
    expect(outcomes(items)).toEqual(["error length-mismatch", "packet 2061"]);
    expect(items[0]?.raw).toBe(wrong);
  });

  it("reports a length that is too large (tail earlier than the length says) without waiting", () => {
    const wrong = `##0290${PACKET_A.slice(6)}`;
    const decoder = new PacketStreamDecoder();
    const items = decoder.push(wrong);
    expect(outcomes(items)).toEqual(["error length-mismatch"]);
    expect(decoder.pending).toBe(0);
  });

  it("reports a packet without tail once all its promised bytes are there", () => {
    const noTail = `${PACKET_A.slice(0, -2)}XY`;
    const items = new PacketStreamDecoder().push(noTail);
    expect(outcomes(items)).toEqual(["error missing-tail"]);
  });

  it("holds at most one incomplete packet", () => {
    const decoder = new PacketStreamDecoder();
    const prefix = "ST=22;CN=2011;MN=X;Flag=4;CP=&&a=";
    const segment = `${prefix}${"x".repeat(1024 - prefix.length - 2)}&&`;
    const packet = `##1024${segment}${formatCrc(crc16(segment))}\r\n`;
    expect(outcomes(decoder.push(packet.slice(0, -1)))).toEqual([]);
    expect(decoder.pending).toBe(packet.length - 1);
    expect(outcomes(decoder.push("\n"))).toEqual(["packet 2011"]);
    decoder.push("y".repeat(100_000));
    expect(decoder.pending).toBe(0);
  });

  it("reports what is left when the connection ends", () => {
    const decoder = new PacketStreamDecoder();
    decoder.push(PACKET_A.slice(0, 50));
    const items = decoder.end();
    expect(outcomes(items)).toEqual(["error missing-tail"]);
    expect(items[0]?.raw).toBe(PACKET_A.slice(0, 50));
    expect(items[0]?.error?.message).toBe("missing-tail: connection closed after 50 bytes of a packet");
    expect(decoder.end()).toEqual([]);
  });

  it("names the message, not a connection, when a message ends the input (MQTT)", () => {
    const input = { kind: "message", name: "MQTT topic hj212/M" } as const;
    const noCrlf = new PacketStreamDecoder();
    noCrlf.push(PACKET_A.slice(0, -2));
    expect(noCrlf.end(input).map((i) => i.error?.message)).toEqual([
      "missing-tail: HJ 212 packet on MQTT topic hj212/M does not end with \\r\\n (hj212.md §1, §8.2)",
    ]);
    const cut = new PacketStreamDecoder();
    cut.push(PACKET_A.slice(0, 50));
    expect(cut.end(input).map((i) => i.error?.message)).toEqual([
      "missing-tail: HJ 212 packet on MQTT topic hj212/M ends after 50 bytes without \\r\\n, its length field announces 290 bytes (hj212.md §1, §8.2)",
    ]);
  });

  it("truncates the raw text of huge garbage", () => {
    const decoder = new PacketStreamDecoder();
    expect(decoder.push("z".repeat(10_000))).toEqual([]);
    const items = decoder.end();
    expect(items[0]?.raw.length).toBe(4096);
    expect(items[0]?.error?.message).toBe("missing-header: 10000 bytes outside a packet skipped");
  });
});
