import { BEIJING_OFFSET_MS } from "@qingshan/domain";
import { formatDataTime } from "./data-time.ts";
import { buildHostReply, buildPacket, type Hj212Packet, type PacketInput } from "./packet.ts";

/** hj212.md §3: QnRtn of a 9011 request response. */
export const QN_RTN: Readonly<Record<string, string>> = Object.freeze({
  "1": "ready to execute",
  "2": "refused",
  "3": "wrong PW",
  "4": "wrong MN",
  "5": "wrong ST",
  "6": "wrong Flag",
  "7": "wrong QN",
  "8": "wrong CN",
  "9": "CRC error",
  "100": "unknown error",
});

/** hj212.md §3: ExeRtn of a 9012 execution result ("from memory, check before use" there). */
export const EXE_RTN: Readonly<Record<string, string>> = Object.freeze({
  "1": "success",
  "2": "failed (reason unknown)",
  "3": "request condition error",
  "4": "communication timeout",
  "5": "system busy",
  "6": "system fault",
  "100": "no data",
});

/** hj212.md §1.1: QN "YYYYMMDDhhmmsszzz" (milliseconds), in Beijing time like DataTime. */
export function formatQn(t: number): string {
  return new Date(t + BEIJING_OFFSET_MS)
    .toISOString()
    .slice(0, 23)
    .replace(/[-T:.]/g, "");
}

/**
 * The host's notification response 9013 to a station's notification (e.g. a 1013
 * time-calibration request with A=1): ST=91, same QN, PW and MN, Flag without A/D, `CP=&&&&`
 * (hj212.md §3). hj212.md gives no 9013 example; it is built like the 9014 of §7 B.
 *
 * @throws Hj212Error "missing-field" when the request has no QN to echo
 * @example
 * buildNotificationResponse(parsePacket(timeCalibrationRequest))
 * // "##0087QN=20261128103000000;ST=91;CN=9013;PW=123456;MN=…;Flag=4;CP=&&&&…\r\n"
 */
export function buildNotificationResponse(request: Hj212Packet): string {
  return buildHostReply(request, "9013", "");
}

/**
 * The host's request response 9011 to a station's request: `CP=&&QnRtn=n&&` (hj212.md §3;
 * n from {@link QN_RTN}, e.g. 3 wrong PW), ST=91, same QN, PW and MN, Flag without A/D.
 *
 * @throws Hj212Error "missing-field" when the request has no QN to echo
 * @example
 * buildRequestResponse(parsePacket(request), 3) // "…;CN=9011;…;CP=&&QnRtn=3&&…\r\n"
 */
export function buildRequestResponse(request: Hj212Packet, qnRtn: number): string {
  return buildHostReply(request, "9011", `QnRtn=${qnRtn}`);
}

/** The station a host command goes to: its system code, password, MN and protocol version. */
export interface CommandTarget {
  readonly st: string;
  readonly pw?: string;
  readonly mn: string;
  /** Flag version bits (hj212.md §1.2): 1 for HJ 212-2017. */
  readonly version: number;
}

/**
 * The host command 1012 "set field-machine time" (设置现场机时间, hj212.md §3): `SystemTime` is the
 * host's time `now` as "YYYYMMDDhhmmss" in Beijing time, the format and zone of DataTime (hj212.md
 * §1.1), which the station's clock stamps. `PolId` (the instrument whose clock to set, as a 1013
 * may name it) is written before SystemTime when given; without it the data logger's own clock is
 * meant. hj212.md lists neither field: they are the standard's 1012 parameters as its public
 * implementations write them. hj212.md is silent on a host command's ST and Flag; as the host
 * command of its §2 example (CN 1062, ST=32, Flag=5) this uses the station's own ST — not 91,
 * which marks replies — and Flag = version bits with A=1, so the station answers 9011 and 9012.
 * QN is a new request number, `now` in Beijing time with milliseconds.
 *
 * @example
 * buildSetTimeCommand({ st: "22", pw: "123456", mn: "LDAQ0000000000000000001A", version: 1 }, Date.parse("2026-11-28T02:30:00Z"))
 * // "##0109QN=20261128103000000;ST=22;CN=1012;PW=123456;MN=LDAQ0000000000000000001A;Flag=5;CP=&&SystemTime=20261128103000&&…\r\n"
 */
export function buildSetTimeCommand(target: CommandTarget, now: number, polId?: string): string {
  const input: PacketInput = {
    qn: formatQn(now),
    st: target.st,
    cn: "1012",
    mn: target.mn,
    flag: (target.version << 2) | 1,
    cp: `${polId === undefined ? "" : `PolId=${polId};`}SystemTime=${formatDataTime(now)}`,
  };
  if (target.pw !== undefined) input.pw = target.pw;
  return buildPacket(input);
}

/** What a station answered to a host command (9011 or 9012). */
export interface CommandAnswer {
  readonly cn: "9011" | "9012";
  /** `QnRtn` for 9011, `ExeRtn` for 9012. */
  readonly field: "QnRtn" | "ExeRtn";
  /** The code as sent; undefined when the CP lacks it. */
  readonly value?: string;
  /** {@link QN_RTN} / {@link EXE_RTN} meaning, undefined for a code not in the table. */
  readonly meaning?: string;
  /** QnRtn 1 (ready to execute) or ExeRtn 1 (success). */
  readonly ok: boolean;
}

/**
 * Reads a station's 9011 request response or 9012 execution result (hj212.md §3); undefined for
 * any other CN.
 *
 * @example
 * commandAnswer(parsePacket(qnRtn2)) // { cn: "9011", field: "QnRtn", value: "2", meaning: "refused", ok: false }
 */
export function commandAnswer(packet: Hj212Packet): CommandAnswer | undefined {
  if (packet.cn !== "9011" && packet.cn !== "9012") return undefined;
  const field = packet.cn === "9011" ? "QnRtn" : "ExeRtn";
  const table = packet.cn === "9011" ? QN_RTN : EXE_RTN;
  const value = packet.cp.other[field];
  const meaning = value !== undefined && Object.hasOwn(table, value) ? table[value] : undefined;
  return {
    cn: packet.cn,
    field,
    ...(value === undefined ? {} : { value }),
    ...(meaning === undefined ? {} : { meaning }),
    ok: value === "1",
  };
}
