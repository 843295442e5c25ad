import { type MetricId, toBeijingIso } from "@qingshan/domain";
import { parseDataTime } from "./data-time.ts";
import type { Hj212Packet } from "./packet.ts";
import { lookupCode, valueFieldOf } from "./readings.ts";
import { isDecimal } from "./units.ts";

export interface PacketSummary {
  valid: true;
  st: string;
  cn: string;
  mn: string;
  flag: { needAck: boolean; split: boolean; version: number };
  /** CP DataTime as ISO 8601 with +08:00; "" when the packet has none. */
  dataTime: string;
  /** The CP groups as sent. */
  codes: Record<string, Record<string, string>>;
  /** Values of mapped codes as sent (no unit conversion: the summary knows no station). */
  values: Partial<Record<MetricId, { value: number; flag: string }>>;
  /** Codes that map to no Qingshan metric. */
  unknownCodes?: string[];
}

/**
 * A JSON-friendly view of a valid packet, for tools and the API's "decode this packet" endpoint.
 *
 * @example
 * packetSummary(parsePacket(exampleA)).values.pm25 // { value: 35, flag: "N" }
 */
export function packetSummary(packet: Hj212Packet, codeMap?: Record<string, MetricId>): PacketSummary {
  const time = packet.cp.dataTime === undefined ? undefined : parseDataTime(packet.cp.dataTime);
  const values: Partial<Record<MetricId, { value: number; flag: string }>> = {};
  const unknownCodes: string[] = [];
  for (const [code, fields] of Object.entries(packet.cp.groups)) {
    const { metric } = lookupCode(code, packet.flag.version, codeMap);
    if (metric === null) {
      unknownCodes.push(code);
      continue;
    }
    const field = valueFieldOf(packet.cn, fields);
    const text = field === undefined ? undefined : fields[field];
    if (text !== undefined && isDecimal(text))
      values[metric] = { value: Number(text), flag: fields.Flag ?? "N" };
  }
  const summary: PacketSummary = {
    valid: true,
    st: packet.st,
    cn: packet.cn,
    mn: packet.mn,
    flag: { needAck: packet.flag.needAck, split: packet.flag.split, version: packet.flag.version },
    dataTime: time === undefined ? "" : toBeijingIso(time),
    codes: packet.cp.groups,
    values,
  };
  if (unknownCodes.length > 0) summary.unknownCodes = unknownCodes;
  return summary;
}
