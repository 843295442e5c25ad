import { describe, expect, it } from "vitest";
import { crc16, crc16Bytes, formatCrc } from "./crc.ts";
import { parsePacket } from "./packet.ts";
import { PACKET_A, PACKET_B, PACKET_B_RESPONSE, STANDARD_EXAMPLE, segmentOf } from "./testdata/examples.ts";

/** Plain CRC-16/MODBUS, the common mistake hj212.md §2 warns about. */
function modbus(text: string): number {
  let reg = 0xffff;
  for (const byte of Buffer.from(text)) {
    reg ^= byte;
    for (let bit = 0; bit < 8; bit++) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
  }
  return reg;
}

describe("crc16 (HJ 212-2017 Appendix A)", () => {
  it("gives 1C80 for the standard's example, where MODBUS gives 0759", () => {
    const segment = segmentOf(STANDARD_EXAMPLE);
    expect(segment).toHaveLength(101);
    expect(formatCrc(crc16(segment))).toBe("1C80");
    expect(formatCrc(modbus(segment))).toBe("0759");
  });

  it.each([
    ["A", PACKET_A, "EB01", 278],
    ["B", PACKET_B, "09C0", 443],
    ["B response", PACKET_B_RESPONSE, "B101", 87],
  ])("gives the CRC of example %s", (_name, packet, crc, length) => {
    const segment = segmentOf(packet);
    expect(segment).toHaveLength(length);
    expect(formatCrc(crc16(segment))).toBe(crc);
  });

  it("is 0xFFFF for an empty segment and agrees between text and bytes", () => {
    expect(crc16("")).toBe(0xffff);
    expect(crc16Bytes(Buffer.from(segmentOf(PACKET_A)))).toBe(crc16(segmentOf(PACKET_A)));
  });
});

describe("formatCrc", () => {
  it("writes 4 uppercase hex digits", () => {
    expect(formatCrc(0x9c0)).toBe("09C0");
    expect(formatCrc(0)).toBe("0000");
    expect(formatCrc(0xeb01)).toBe("EB01");
  });

  it("refuses values that are not 16-bit", () => {
    expect(() => formatCrc(0x10000)).toThrow(RangeError);
    expect(() => formatCrc(-1)).toThrow(RangeError);
  });
});

describe("a CRC that does not match names the usual device mistake (hj212.md §2)", () => {
  /** The standard's example packet with `crc` in place of its CRC. */
  const withCrc = (crc: string) => STANDARD_EXAMPLE.replace("1C80\r\n", `${crc}\r\n`);
  const reasonOf = (packet: string) => {
    try {
      parsePacket(packet);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected a CRC error");
  };

  it.each([
    [
      "CRC-16/MODBUS",
      "0759",
      "crc-mismatch: expected 1C80, got 0759 (0759 is the CRC-16/MODBUS of the data segment, not the CRC of HJ 212-2017 Appendix A (which shifts the register before each byte: hj212.md §2))",
    ],
    [
      "the header included",
      formatCrc(crc16(STANDARD_EXAMPLE.slice(0, -6))),
      `crc-mismatch: expected 1C80, got ${formatCrc(crc16(STANDARD_EXAMPLE.slice(0, -6)))} (${formatCrc(crc16(STANDARD_EXAMPLE.slice(0, -6)))} is the CRC of the header and the data segment: the CRC covers the data segment only, after the 4-digit length (hj212.md §2))`,
    ],
    [
      "bytes swapped",
      "801C",
      "crc-mismatch: expected 1C80, got 801C (801C is the right CRC with its two bytes swapped: it is written high byte first (hj212.md §2))",
    ],
    ["a corrupted packet", "ABCD", "crc-mismatch: expected 1C80, got ABCD"],
  ])("%s", (_name, crc, reason) => {
    expect(reasonOf(withCrc(crc))).toBe(reason);
  });
});
