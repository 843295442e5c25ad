import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crc16, formatCrc } from "./crc.ts";
import { parsePacket } from "./packet.ts";
import { packetSummary } from "./summary.ts";

const readme = readFileSync(join(import.meta.dirname, "../README.md"), "utf8");

/** The README's example packet, its written `\r\n` turned into CR LF. */
function examplePacket(): string {
  const block = /<!-- example-packet -->\n```text\n(.*)\n```/.exec(readme)?.[1];
  if (!block) throw new Error("README.md has no example-packet block");
  return block.replace(/\\r\\n$/, "\r\n");
}

describe("the README's example packet", () => {
  it("has the length and CRC of its data segment", () => {
    const packet = examplePacket();
    const segment = packet.slice(6, -6);
    expect(packet.slice(2, 6)).toBe(String(segment.length).padStart(4, "0"));
    expect(packet.slice(-6, -2)).toBe(formatCrc(crc16(segment)));
  });

  it("decodes to the readings the README describes", () => {
    const summary = packetSummary(parsePacket(examplePacket()));
    expect(summary).toMatchObject({
      valid: true,
      st: "22",
      cn: "2011",
      mn: "LDAQ0000000000000000001A",
      flag: { needAck: false, split: false },
      dataTime: "2026-11-28T10:30:00+08:00",
    });
    expect(summary.values).toEqual({
      pm25: { value: 35, flag: "N" },
      pm10: { value: 62, flag: "N" },
      so2: { value: 8, flag: "N" },
      no2: { value: 41, flag: "N" },
      co: { value: 0.8, flag: "N" },
      o3: { value: 96, flag: "N" },
    });
  });

  it("is the packet of the README's CLI example", () => {
    const json = /printf '%s\\n' '(\{"packet":.*\})'/.exec(readme)?.[1] ?? "";
    expect((JSON.parse(json) as { packet: string }).packet).toBe(examplePacket());
  });
});
