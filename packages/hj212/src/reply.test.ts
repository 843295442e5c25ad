import { rejection } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { buildPacket, parsePacket } from "./packet.ts";
import { replyFor } from "./reply.ts";
import { PACKET_A, PACKET_B, PACKET_B_RESPONSE } from "./testdata/examples.ts";

const AIR_MN = "LDAQ0000000000000000001A";

/** A station's packet of command `cn` with Flag=5 (HJ 212-2017, answer requested). */
function command(cn: string, cp: string): string {
  return buildPacket({ qn: "20261128103005123", st: "22", cn, pw: "123456", mn: AIR_MN, flag: 5, cp });
}

describe("replyFor (hj212.md §3)", () => {
  it("answers a data upload with A=1 with the 9014 data response echoing its QN", () => {
    expect(replyFor(parsePacket(PACKET_B), [])).toBe(PACKET_B_RESPONSE);
  });

  it("does not answer a data upload without A (Flag=4)", () => {
    expect(replyFor(parsePacket(PACKET_A), [])).toBeUndefined();
  });

  it("never answers a command other than a data upload with a data response, even with A=1", () => {
    for (const [cn, cp] of [
      ["1011", "SystemTime=20261128103000"],
      ["1013", ""],
      ["2021", "DataTime=20261128103000;a34004-RS=1"],
      ["9011", "QnRtn=1"],
    ] as const) {
      expect(replyFor(parsePacket(command(cn, cp)), []), `CN ${cn}`).toBeUndefined();
    }
  });

  it("does not answer a data upload rejected as a whole for a field error", () => {
    const noDataTime = rejection("hj212.field", "CP.DataTime", undefined, "DataTime=YYYYMMDDhhmmss");
    expect(replyFor(parsePacket(PACKET_B), [noDataTime])).toBeUndefined();
  });

  it("answers a data upload whose values or station were rejected (resending changes nothing)", () => {
    const unknown = rejection("station.unknown", "MN", "X", "the HJ 212 MN of a registered station");
    expect(replyFor(parsePacket(PACKET_B), [unknown])).toBe(PACKET_B_RESPONSE);
  });
});
