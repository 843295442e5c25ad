import type { Rejection } from "@qingshan/domain";
import { isDataUpload } from "./codes.ts";
import { buildDataResponse, type Hj212Packet } from "./packet.ts";

/**
 * The platform's reply to a packet that parsed and whose readings and dead letters were handed on,
 * or undefined when none is due. One rule for every transport (TCP, MQTT `hj212/{MN}/reply`):
 *
 * - hj212.md §3: the 9014 data response answers a **data upload** (CN 20xx sent by a station:
 *   2011, 2051, 2061, 2031, stored as readings, and 2021, 2041, 2081, kept as `hj212.not_stored`
 *   dead letters) whose Flag asks for an answer (A = 1), echoing its QN. It never answers any
 *   other command (nor 2012/2022, host commands).
 * - The other commands a station may send (e.g. 1011 field-machine time, 1013 time-calibration
 *   request, 9011/9012 answers) get no reply here (packetToReadings rejects them `hj212.field`).
 *   A transport that holds a dialogue with the station answers a 1013 itself
 *   (`buildNotificationResponse`, `buildSetTimeCommand`; services/ingest does so over TCP).
 * - A packet rejected as a whole for a field error (`hj212.field`: not a data upload, no or bad
 *   DataTime, a wrong PW, the MN of another station or topic) is not answered, as framing and CRC
 *   errors are not; a data upload whose values were rejected (range checks, …) or that is not
 *   stored (`hj212.not_stored`) is answered: it was handed on to the dead letters and resending
 *   would not change the outcome.
 * - A data upload from an MN no station has (`station.unknown`) is not answered either: a data
 *   logger deletes what the platform acknowledged with 9014, so an answer would lose data that
 *   registering the MN (or correcting its spelling in the registry) would recover; unanswered,
 *   the logger keeps it and resends it.
 * - A data upload asking for an answer without a QN cannot be answered: the 9014 echoes the QN it
 *   answers (hj212.md §1.1, §3). {@link unansweredWithoutQn} gives its dead letter.
 *
 * @example
 * replyFor(parsePacket(exampleB), []) // "##0087QN=20261128100012456;ST=91;CN=9014;…B101\r\n"
 * replyFor(parsePacket(runningStateFlag5), [notStoredRejection]) // the 9014 echoing its QN
 * replyFor(parsePacket(timeUploadFlag5), [fieldRejection]) // undefined
 * replyFor(parsePacket(exampleB), [stationUnknownRejection]) // undefined
 */
export function replyFor(packet: Hj212Packet, rejections: readonly Rejection[]): string | undefined {
  if (!packet.flag.needAck || packet.qn === undefined) return undefined;
  if (!isDataUpload(packet.cn)) return undefined;
  if (rejections.some(isUnanswered)) return undefined;
  return buildDataResponse(packet);
}

/** A rejection after which a data upload is not answered, so that the station resends it. */
function isUnanswered(r: Rejection): boolean {
  return r.code === "hj212.field" || r.code === "station.unknown";
}

/**
 * The `hj212.field` rejection (path `QN`) of a data upload whose Flag asks for an answer (A = 1)
 * but that carries no QN, when it would otherwise be answered ({@link replyFor}): the 9014 data
 * response echoes the QN of the packet it answers (hj212.md §1.1, §3), so none can be sent, and the
 * station will resend the packet until its timeout and retries (CN 1000) run out. The packet is
 * handled as usual otherwise (its readings stored, its bad values dead-lettered); this rejection
 * only makes the missing answer visible. Undefined for any other packet.
 *
 * @example
 * unansweredWithoutQn(parsePacket(exampleBWithoutQn), [])?.message
 * // "hj212.field: data upload CN 2061 asks for an answer (Flag=5, A=1) but has no QN: …"
 */
export function unansweredWithoutQn(
  packet: Hj212Packet,
  rejections: readonly Rejection[],
): Rejection | undefined {
  if (!packet.flag.needAck || packet.qn !== undefined || !isDataUpload(packet.cn)) return undefined;
  if (rejections.some(isUnanswered)) return undefined;
  const expected = "a QN (YYYYMMDDhhmmsszzz) in a packet whose Flag asks for an answer";
  return {
    code: "hj212.field",
    path: "QN",
    received: undefined,
    expected,
    message: `hj212.field: data upload CN ${packet.cn} asks for an answer (Flag=${packet.flag.value}, A=1) but has no QN: the 9014 data response echoes the QN of the packet it answers (hj212.md §1.1, §3), so none was sent and the station will resend it; its readings were handled as usual (stored unless dead-lettered for their own reason). Expected ${expected}`,
  };
}
