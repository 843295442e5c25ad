import { rejection } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { buildPacket, parsePacket } from "./packet.ts";
import { replyFor } from "./reply.ts";
import { PACKET_A, PACKET_B, PACKET_B_RESPONSE } from "./testdata/examples.ts";

const AIR_MN = "LDAQ0000000000000000001A";

/** A station's packet of command `cn` with Flag=5 (HJ 212-2017, answer requested), or `flag`. */
function command(cn: string, cp: string, flag = 5): string {
  return buildPacket({ qn: "20261128103005123", st: "22", cn, pw: "123456", mn: AIR_MN, flag, cp });
}

/** The data uploads Qingshan does not store as readings, with a CP each might carry. */
const UNSTORED: ReadonlyArray<readonly [string, string]> = [
  ["2021", "DataTime=20261128103000;a34004-RS=1"],
  ["2041", "DataTime=20261128000000;a34004-RT=23.5"],
  ["2081", "DataTime=20261128103000;RestartTime=20261128080000"],
];

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
      ["2012", ""],
      ["2022", ""],
      ["9011", "QnRtn=1"],
    ] as const) {
      expect(replyFor(parsePacket(command(cn, cp)), []), `CN ${cn}`).toBeUndefined();
    }
  });

  it.each(UNSTORED)(
    "answers data upload CN %s with A=1 (Flag=5), kept as an hj212.not_stored dead letter, with a 9014 echoing its QN",
    (cn, cp) => {
      const notStored = rejection("hj212.not_stored", "CN", cn, "a data upload stored as readings");
      const reply = replyFor(parsePacket(command(cn, cp)), [notStored]);
      expect(reply).toBe(
        buildPacket({
          qn: "20261128103005123",
          st: "91",
          cn: "9014",
          pw: "123456",
          mn: AIR_MN,
          flag: 4,
          cp: "",
        }),
      );
      expect(parsePacket(reply as string)).toMatchObject({ qn: "20261128103005123", cn: "9014" });
    },
  );

  it.each(UNSTORED)("does not answer data upload CN %s without A (Flag=4)", (cn, cp) => {
    const notStored = rejection("hj212.not_stored", "CN", cn, "a data upload stored as readings");
    expect(replyFor(parsePacket(command(cn, cp, 4)), [notStored])).toBeUndefined();
  });

  it("does not answer a CN 1011 with A=1 (Flag=5), rejected hj212.field", () => {
    const field = rejection("hj212.field", "CN", "1011", "a data upload");
    expect(replyFor(parsePacket(command("1011", "SystemTime=20261128103000")), [field])).toBeUndefined();
  });

  it("does not answer a data upload rejected as a whole for a field error", () => {
    const noDataTime = rejection("hj212.field", "CP.DataTime", undefined, "DataTime=YYYYMMDDhhmmss");
    expect(replyFor(parsePacket(PACKET_B), [noDataTime])).toBeUndefined();
  });

  it("answers a data upload whose values were rejected (resending changes nothing)", () => {
    const range = rejection("value.out_of_range", "CP.w01001-Avg", 15, "0…14");
    expect(replyFor(parsePacket(PACKET_B), [range])).toBe(PACKET_B_RESPONSE);
  });

  it("does not answer a data upload from an MN no station has: the logger keeps it and resends", () => {
    const unknown = rejection("station.unknown", "MN", "X", "the HJ 212 MN of a registered station");
    expect(replyFor(parsePacket(PACKET_B), [unknown])).toBeUndefined();
  });
});
