import { type Station, StationSchema } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { crc16Bytes, formatCrc } from "./crc.ts";
import { Hj212Error } from "./errors.ts";
import { buildPacket, parseFrame, parsePacket } from "./packet.ts";
import { packetToReadings } from "./readings.ts";
import { joinSplitMessage } from "./reassembly.ts";
import { PacketStreamDecoder } from "./stream.ts";

const MN = "LDAQ0000000000000000001A";
const NOW = Date.parse("2026-11-28T10:31:00+08:00");
const HEAD = `QN=20261128103005123;ST=22;CN=2011;PW=123456;MN=${MN};Flag=5;CP=&&DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=`;
const RULE = "(hj212.md §1: HJ 212 packets are ASCII text; Qingshan reads other bytes as UTF-8)";

const station: Station = StationSchema.parse({
  id: "ld-aq-01",
  name: { zh: "莲都监测站", en: "Liandu station" },
  kind: "air",
  location: { lat: 28.45, lon: 119.92 },
  township: "万象街道",
  hj212: { mn: MN },
});

/** A frame of a data segment given as bytes: length and CRC over those bytes unless overridden. */
function frame(segment: Buffer, over: { length?: number; crc?: string } = {}): Buffer {
  const length = String(over.length ?? segment.length).padStart(4, "0");
  const crc = over.crc ?? formatCrc(crc16Bytes(segment));
  return Buffer.concat([Buffer.from(`##${length}`), segment, Buffer.from(`${crc}\r\n`)]);
}

/** PM10 sent as "６２" (full-width digits): UTF-8 EF BC 96 EF BC 92, GBK A3 B6 A3 B2. */
const UTF8_SEGMENT = Buffer.from(`${HEAD}６２,a34002-Flag=N;a21026-Rtd=8,a21026-Flag=N&&`, "utf8");
const GBK_SEGMENT = Buffer.concat([
  Buffer.from(HEAD),
  Buffer.from([0xa3, 0xb6, 0xa3, 0xb2]),
  Buffer.from(",a34002-Flag=N;a21026-Rtd=8,a21026-Flag=N&&"),
]);
/** Offset of PM10's value in the packet: "##" + 4 length digits + the segment up to it. */
const VALUE_OFFSET = 6 + Buffer.byteLength(HEAD);

function decode(bytes: Buffer) {
  const decoder = new PacketStreamDecoder();
  return [...decoder.push(bytes), ...decoder.end()];
}

describe("non-ASCII bytes in a packet (hj212.md §1)", () => {
  it("rejects only the value holding them, naming the byte and its offset; the good values are kept", () => {
    for (const [segment, byte] of [
      [UTF8_SEGMENT, "0xEF"],
      [GBK_SEGMENT, "0xA3"],
    ] as const) {
      const [item] = decode(frame(segment));
      expect(item?.packet?.nonAscii).toEqual([
        { path: "CP.a34002-Rtd", offset: VALUE_OFFSET, byte: Number(byte) },
      ]);
      const { readings, rejections } = packetToReadings(item?.packet as never, station, { now: NOW });
      expect(readings.map((r) => [r.metric, r.value])).toEqual([
        ["pm25", 35],
        ["so2", 8],
      ]);
      expect(rejections.map((r) => [r.code, r.path])).toEqual([["value.not_number", "CP.a34002-Rtd"]]);
      expect(rejections[0]?.message).toMatch(
        new RegExp(
          `^value\\.not_number: "CP\\.a34002-Rtd" is ".+", expected a number; CP\\.a34002-Rtd holds non-ASCII byte ${byte} at offset ${VALUE_OFFSET} of the packet \\(hj212\\.md §1: HJ 212 packets are ASCII text; Qingshan reads other bytes as UTF-8\\)$`,
        ),
      );
    }
  });

  it("names the byte of a code or flag that is not ASCII, and stores a value beside non-ASCII text in its group", () => {
    const segment = Buffer.from(
      `${HEAD}62,a34002-Flag=Ｎ;a21026-Rtd=8,a21026-Info=站;ａ21004-Rtd=41&&`.replace("Flag=5", "Flag=4"),
      "utf8",
    );
    const bytes = frame(segment);
    const packet = parseFrame(bytes, bytes.toString("utf8"));
    const at = (text: string) => bytes.indexOf(Buffer.from(text));
    expect(packet.nonAscii).toEqual([
      { path: "CP.a34002-Flag", offset: at("Ｎ"), byte: 0xef },
      { path: "CP.a21026-Info", offset: at("站"), byte: 0xe7 },
      { path: "CP.ａ21004-Rtd", offset: at("ａ"), byte: 0xef },
    ]);
    const { readings, rejections } = packetToReadings(packet, station, { now: NOW });
    expect(readings.map((r) => [r.metric, r.value])).toEqual([
      ["pm25", 35],
      ["so2", 8],
    ]);
    expect(rejections.map((r) => r.message)).toEqual([
      `flag.unknown: "CP.a34002-Flag" is "Ｎ", expected a data flag of HJ 212-2017: one of N F M S D C T B; CP.a34002-Flag holds non-ASCII byte 0xEF at offset ${at("Ｎ")} of the packet ${RULE}`,
      `metric.unknown: "CP.ａ21004" is "ａ21004", expected a pollutant code of HJ 212-2017 Appendix B or of codeMap; CP.ａ21004-Rtd holds non-ASCII byte 0xEF at offset ${at("ａ")} of the packet ${RULE}`,
    ]);
  });

  it("says a length counting characters, not bytes, and names the first non-ASCII byte", () => {
    const characters = UTF8_SEGMENT.toString("utf8").length;
    const [item] = decode(frame(UTF8_SEGMENT, { length: characters }));
    expect(item?.error?.message).toBe(
      `length-mismatch: length says 0${characters}, but the data segment before CRC and tail is ${UTF8_SEGMENT.length} bytes (${characters} characters: the length counts characters, not bytes); the packet holds non-ASCII byte 0xEF at offset ${VALUE_OFFSET} ${RULE}`,
    );
  });

  it("names the first non-ASCII byte of a packet whose CRC was counted over another encoding", () => {
    // The device computed the CRC over GBK and the bytes arrived as UTF-8.
    const [item] = decode(frame(UTF8_SEGMENT, { crc: formatCrc(crc16Bytes(GBK_SEGMENT)) }));
    expect(item?.error?.code).toBe("crc-mismatch");
    expect(item?.error?.message).toMatch(
      new RegExp(`; the packet holds non-ASCII byte 0xEF at offset ${VALUE_OFFSET} \\(hj212\\.md §1`),
    );
  });

  it("names the non-ASCII byte of a header field it rejects", () => {
    const bytes = frame(Buffer.from(UTF8_SEGMENT.toString("utf8").replace(MN, "LDAQ站"), "utf8"));
    expect(() => parseFrame(bytes, bytes.toString("utf8"))).toThrow(
      new Hj212Error(
        "bad-field",
        `MN "LDAQ站" is not 1…24 printable characters (HJ 212-2017); the packet holds non-ASCII byte 0xE7 at offset ${bytes.indexOf(Buffer.from("站"))} ${RULE}`,
        { path: "MN", received: "LDAQ站", expected: "1…24 printable characters (HJ 212-2017)" },
      ),
    );
  });

  it("names the first non-ASCII byte of a packet cut short", () => {
    const cut = frame(GBK_SEGMENT).subarray(0, VALUE_OFFSET + 10);
    expect(decode(cut).map((i) => i.error?.message)).toEqual([
      `missing-tail: connection closed after ${cut.length} bytes of a packet; the packet holds non-ASCII byte 0xA3 at offset ${VALUE_OFFSET} ${RULE}`,
    ]);
  });

  it("keeps the offsets of a split message's packets with their PNO", () => {
    const part = (pno: number, cp: string) =>
      parsePacket(
        buildPacket({ qn: "20261128103005123", st: "22", cn: "2011", mn: MN, flag: 6, pnum: 2, pno, cp }),
      );
    const first = part(1, "DataTime=20261128103000;a34004-Rtd=35");
    const second = part(2, "a34002-Rtd=６２");
    const whole = joinSplitMessage([first, second]);
    expect(whole.nonAscii).toEqual([
      {
        path: "CP.a34002-Rtd",
        offset: Buffer.from(second.raw).indexOf(Buffer.from("６")),
        byte: 0xef,
        pno: 2,
      },
    ]);
    expect(packetToReadings(whole, station, { now: NOW }).rejections[0]?.message).toContain(
      "CP.a34002-Rtd holds non-ASCII byte 0xEF at offset",
    );
    expect(packetToReadings(whole, station, { now: NOW }).rejections[0]?.message).toContain(
      "of packet 2 of the split message",
    );
  });
});
