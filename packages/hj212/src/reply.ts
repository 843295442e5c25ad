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
 *   DataTime, the MN of another station or topic) is not answered, as framing and CRC errors are
 *   not; a data upload whose values or station were rejected (`station.unknown`, range checks, …)
 *   or that is not stored (`hj212.not_stored`) is answered: it was handed on to the dead letters
 *   and resending would not change the outcome.
 *
 * @example
 * replyFor(parsePacket(exampleB), []) // "##0087QN=20261128100012456;ST=91;CN=9014;…B101\r\n"
 * replyFor(parsePacket(runningStateFlag5), [notStoredRejection]) // the 9014 echoing its QN
 * replyFor(parsePacket(timeUploadFlag5), [fieldRejection]) // undefined
 */
export function replyFor(packet: Hj212Packet, rejections: readonly Rejection[]): string | undefined {
  if (!packet.flag.needAck || packet.qn === undefined) return undefined;
  if (!isDataUpload(packet.cn)) return undefined;
  if (rejections.some((r) => r.code === "hj212.field")) return undefined;
  return buildDataResponse(packet);
}
