import { describe, expect, it } from "vitest";
import {
  buildNotificationResponse,
  buildRequestResponse,
  buildSetTimeCommand,
  commandAnswer,
  formatQn,
} from "./commands.ts";
import { buildPacket, parsePacket } from "./packet.ts";

// Expected packets: CRCs computed by a separate implementation of hj212.md §2 (Appendix A), which
// gives 1C80 for the standard's own example.

const AIR_MN = "LDAQ0000000000000000001A";
/** 2026-11-28 10:30:00.000 Beijing time. */
const NOW = Date.parse("2026-11-28T10:30:00+08:00");

/** Station ld-aq-01's time-calibration request (CN 1013), Flag=5: answer requested. */
const TIME_REQUEST = buildPacket({
  qn: "20261128100000001",
  st: "22",
  cn: "1013",
  pw: "123456",
  mn: AIR_MN,
  flag: 5,
  cp: "",
});

describe("host commands and replies (hj212.md §3)", () => {
  it("formats QN as YYYYMMDDhhmmsszzz in Beijing time", () => {
    expect(formatQn(NOW + 123)).toBe("20261128103000123");
    expect(formatQn(Date.parse("2026-11-30T23:59:59.999Z"))).toBe("20261201075959999");
  });

  it("builds 1012 set-time: the station's ST, Flag=5 (A=1), SystemTime in Beijing time, a new QN", () => {
    expect(buildSetTimeCommand({ st: "22", pw: "123456", mn: AIR_MN, version: 1 }, NOW)).toBe(
      "##0112QN=20261128103000000;ST=22;CN=1012;PW=123456;MN=LDAQ0000000000000000001A;Flag=5;CP=&&SystemTime=20261128103000&&30C0\r\n",
    );
  });

  it("names the instrument a 1013 named (PolId) before SystemTime", () => {
    const packet = buildSetTimeCommand(
      { st: "21", pw: "123456", mn: "LDWQ0000000000000000002B", version: 1 },
      NOW + 123,
      "w01018",
    );
    expect(packet).toBe(
      "##0125QN=20261128103000123;ST=21;CN=1012;PW=123456;MN=LDWQ0000000000000000002B;Flag=5;CP=&&PolId=w01018;SystemTime=20261128103000&&5140\r\n",
    );
    expect(parsePacket(packet).cp.other).toEqual({ PolId: "w01018", SystemTime: "20261128103000" });
  });

  it("answers a notification with 9013 (ST=91, its QN, Flag=4, CP=&&&&)", () => {
    expect(buildNotificationResponse(parsePacket(TIME_REQUEST))).toBe(
      "##0087QN=20261128100000001;ST=91;CN=9013;PW=123456;MN=LDAQ0000000000000000001A;Flag=4;CP=&&&&18C0\r\n",
    );
  });

  it("answers a request with 9011 QnRtn", () => {
    expect(buildRequestResponse(parsePacket(TIME_REQUEST), 3)).toBe(
      "##0094QN=20261128100000001;ST=91;CN=9011;PW=123456;MN=LDAQ0000000000000000001A;Flag=4;CP=&&QnRtn=3&&30C0\r\n",
    );
  });

  it("reads a station's 9011 / 9012 answers", () => {
    const answer = (cn: string, cp: string) =>
      commandAnswer(
        parsePacket(
          buildPacket({ qn: "20261128103000000", st: "91", cn, pw: "123456", mn: AIR_MN, flag: 4, cp }),
        ),
      );
    expect(answer("9011", "QnRtn=1")).toEqual({
      cn: "9011",
      field: "QnRtn",
      value: "1",
      meaning: "ready to execute",
      ok: true,
    });
    expect(answer("9011", "QnRtn=2")).toEqual({
      cn: "9011",
      field: "QnRtn",
      value: "2",
      meaning: "refused",
      ok: false,
    });
    expect(answer("9012", "ExeRtn=1")).toEqual({
      cn: "9012",
      field: "ExeRtn",
      value: "1",
      meaning: "success",
      ok: true,
    });
    expect(answer("9012", "ExeRtn=42")).toEqual({ cn: "9012", field: "ExeRtn", value: "42", ok: false });
    expect(answer("9012", "")).toEqual({ cn: "9012", field: "ExeRtn", ok: false });
    expect(answer("9014", "")).toBeUndefined();
  });
});
