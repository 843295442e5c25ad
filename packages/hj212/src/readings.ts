import {
  checkTime,
  checkValue,
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  METRICS,
  type MetricId,
  type Reading,
  type ReadingSource,
  type Rejection,
  rejection,
  type Station,
} from "@qingshan/domain";
import {
  COMMAND_CODES_2017,
  DATA_COMMANDS,
  POLLUTANT_CODES_2017,
  type PollutantCode,
  UNSTORED_DATA_COMMANDS,
} from "./codes.ts";
import { parseDataTime } from "./data-time.ts";
import { HJ212_ERROR_CODES, type Hj212Error } from "./errors.ts";
import { groupNonAsciiNote } from "./non-ascii.ts";
import type { Hj212Packet } from "./packet.ts";
import { dataFlagOf, profileForVersion } from "./protocol.ts";
import { convertDecimal, isConvertible, isDecimal } from "./units.ts";

export interface DecodeOptions {
  /** Clock (UTC ms), for lateness and future-skew checks and `receivedAt`. */
  now: number;
  limits?: Partial<DecodeLimits>;
  /** Code → metric overrides, checked before the edition's table (vendor codes such as a21030 for O3). */
  codeMap?: Record<string, MetricId>;
  /** Default "mqtt-hj212". */
  source?: ReadingSource;
  /** Period of CN 2051 minute data; the packet does not carry it (set by CN 1063/1064). Default 60 000. */
  minuteDataPeriodMs?: number;
}

export interface PacketReadings {
  readings: Reading[];
  rejections: Rejection[];
}

/** The value field of a pollutant group for a command, falling back to the other one. */
export function valueFieldOf(cn: string, fields: Record<string, string>): string | undefined {
  const primary = DATA_COMMANDS[cn]?.valueField ?? "Rtd";
  const fallback = primary === "Rtd" ? "Avg" : "Rtd";
  if (fields[primary] !== undefined) return primary;
  if (fields[fallback] !== undefined) return fallback;
  return undefined;
}

/** Looks a pollutant code up: overrides first, then the table of the packet's edition. */
export function lookupCode(
  code: string,
  version: number,
  codeMap: Record<string, MetricId> = {},
): { metric: MetricId | null; entry: PollutantCode | undefined } {
  const entry = Object.hasOwn(profileForVersion(version).pollutantCodes, code)
    ? profileForVersion(version).pollutantCodes[code]
    : undefined;
  const override = Object.hasOwn(codeMap, code) ? codeMap[code] : undefined;
  return { metric: override ?? entry?.metric ?? null, entry };
}

/**
 * The rejection of a packet whose `PW` is not the access password of its station (`hj212.pw`; a
 * missing PW too), `hj212.field` at `PW`; undefined when it matches or the station has none. The
 * expected text never shows the configured password (dead letters are read through the API).
 *
 * @example
 * passwordRejection(parsePacket(text), station) // undefined, or { code: "hj212.field", path: "PW", … }
 */
export function passwordRejection(packet: Hj212Packet, station: Station): Rejection | undefined {
  const pw = station.hj212?.pw;
  if (pw === undefined || packet.pw === pw) return undefined;
  return rejection(
    "hj212.field",
    "PW",
    packet.pw,
    `the access password configured for station ${station.id} (hj212.pw); nothing of this packet is stored`,
  );
}

/**
 * Turns a parsed data packet (CN 2011, 2051, 2061, 2031) into readings of `station`. DataTime is
 * Beijing time; the value is `Rtd` for 2011 and `Avg` otherwise (each falls back to the other);
 * values are converted from the station's device unit to the canonical unit and validated with
 * the shared domain checks. A bad value rejects only itself. The other data uploads (2021, 2041,
 * 2081: {@link UNSTORED_DATA_COMMANDS}) give no readings and one `hj212.not_stored` rejection at
 * `CN`, so that the packet is kept as a dead letter (and answered: `replyFor`); any other command
 * is rejected `hj212.field` at `CN`. A station with `hj212.pw` set has every packet whose `PW`
 * differs (or is missing) rejected first, `hj212.field` at `PW`, whatever its CN.
 *
 * @example
 * const { readings, rejections } = packetToReadings(parsePacket(text), station, { now: Date.now() });
 */
export function packetToReadings(
  packet: Hj212Packet,
  station: Station,
  options: DecodeOptions,
): PacketReadings {
  const limits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, ...options.limits };
  const source = options.source ?? "mqtt-hj212";
  const fail = (r: Rejection): PacketReadings => ({ readings: [], rejections: [r] });

  // Checked before anything else, so that no command of a station is taken from a sender without
  // its password.
  const wrongPassword = passwordRejection(packet, station);
  if (wrongPassword !== undefined) return fail(wrongPassword);
  const command = DATA_COMMANDS[packet.cn];
  const unstored = UNSTORED_DATA_COMMANDS.includes(packet.cn);
  if (!command && !unstored) {
    return fail(
      rejection(
        "hj212.field",
        "CN",
        packet.cn,
        "a data upload: 2011, 2051, 2061 or 2031 (stored as readings), 2021, 2041 or 2081 (kept as a dead letter)",
      ),
    );
  }
  if (station.hj212 !== undefined && station.hj212.mn !== packet.mn) {
    return fail(
      rejection("hj212.field", "MN", packet.mn, `${station.hj212.mn}, the MN of station ${station.id}`),
    );
  }
  if (!command) return fail(notStored(packet.cn, station));
  // hj212.md §8 rule 4: a split message (Flag D=1) is read once reassembled (SplitReassembler,
  // reassembly.ts; ingest does so). A packet of one given here is read on its own, and a
  // continuation packet without DataTime is rejected saying why.
  const inPart = packet.flag.split
    ? ` (this is packet ${packet.pno} of ${packet.pnum} of a split message: reassemble its packets first)`
    : "";
  if (packet.cp.dataTime === undefined) {
    return fail(rejection("hj212.field", "CP.DataTime", undefined, `DataTime=YYYYMMDDhhmmss${inPart}`));
  }
  const dataTime = parseDataTime(packet.cp.dataTime);
  if (dataTime === undefined) {
    return fail(
      rejection("hj212.field", "CP.DataTime", packet.cp.dataTime, `a real time YYYYMMDDhhmmss${inPart}`),
    );
  }
  const periodMs = packet.cn === "2051" ? (options.minuteDataPeriodMs ?? command.periodMs) : command.periodMs;
  // hj212.md §5: whether DataTime marks the period's start or end is a per-station setting.
  const ts = station.hj212?.dataTimeMarks === "end" ? dataTime - periodMs : dataTime;
  const timeProblem = checkTime(ts, options.now, limits, "CP.DataTime");
  if (timeProblem) return fail(timeProblem);

  const profile = profileForVersion(packet.flag.version);
  const readings: Reading[] = [];
  const rejections: Rejection[] = [];
  for (const [code, fields] of Object.entries(packet.cp.groups)) {
    const reject = (r: Rejection) => rejections.push(withGroupNote(r, packet, code));
    const field = valueFieldOf(packet.cn, fields);
    const path = `CP.${code}-${field ?? command.valueField}`;
    const { metric, entry } = lookupCode(code, packet.flag.version, options.codeMap);
    if (metric === null) {
      const expected = entry
        ? `a code mapped to a Qingshan metric (${code} is ${entry.en}, which Qingshan does not store; map it in codeMap)`
        : `a pollutant code of ${profile.edition} Appendix B or of codeMap${codeOfAnotherEdition(code, packet)}`;
      reject(rejection("metric.unknown", `CP.${code}`, code, expected));
      continue;
    }
    // A wrong unit explains an odd value better than the range check would, so it is checked first.
    const canonical = METRICS[metric].unit;
    const deviceUnit = deviceUnitOf(station, metric, entry, options.codeMap, code);
    if (!isConvertible(deviceUnit, canonical)) {
      reject(
        rejection(
          "unit.mismatch",
          path,
          deviceUnit,
          `a unit convertible to "${canonical}" (station ${station.id}, hj212.units.${metric})`,
        ),
      );
      continue;
    }
    const text = field === undefined ? undefined : fields[field];
    const value = text !== undefined && isDecimal(text) ? convertDecimal(text, deviceUnit, canonical) : text;
    const problem = checkValue(station, metric, value, path);
    if (problem) {
      reject(problem);
      continue;
    }
    // hj212.md §5 says nothing of a group without `-Flag` (its examples always send one): it is
    // taken as N, normal (README, packetToReadings).
    const sent = fields.Flag ?? "N";
    // hj212.md §5: the flags of the packet's edition (Table 8 of 2017; the 2005 set mapped).
    const flag = dataFlagOf(profile, packet.st, sent);
    if (!("flag" in flag)) {
      reject(rejection("flag.unknown", `CP.${code}-Flag`, sent, flag.expected));
      continue;
    }
    readings.push({
      stationId: station.id,
      metric,
      ts,
      periodMs,
      value: value as number,
      flag: flag.flag,
      source,
      receivedAt: options.now,
    });
  }
  return { readings, rejections };
}

/**
 * hj212.md §1.2, §6: a 2017 code (a34004) in a packet whose Flag version bits say HJ/T 212-2005
 * is most likely a 2017 device with the wrong Flag: the rejection says which to change.
 */
function codeOfAnotherEdition(code: string, packet: Hj212Packet): string {
  if (packet.flag.version !== 0 || !Object.hasOwn(POLLUTANT_CODES_2017, code)) return "";
  const item = POLLUTANT_CODES_2017[code]?.en ?? code;
  return ` (${code} is ${item} in HJ 212-2017, but Flag=${packet.flag.value} has protocol version bits 000000, HJ/T 212-2005: a device speaking HJ 212-2017 sets Flag=4, or 5 to ask for a reply; else map the code in codeMap)`;
}

/** A group holding bytes that are not ASCII was read as UTF-8: its rejection names them (hj212.md §1). */
function withGroupNote(r: Rejection, packet: Hj212Packet, code: string): Rejection {
  const note = packet.nonAscii === undefined ? "" : groupNonAsciiNote(packet.nonAscii, code);
  return note === "" ? r : { ...r, message: `${r.message}; ${note}` };
}

/**
 * The rejection of a data upload Qingshan does not store as readings (e.g. CN 2021): the packet is
 * kept as this dead letter.
 */
function notStored(cn: string, station: Station): Rejection {
  const what = `${cn} ${COMMAND_CODES_2017[cn]?.en ?? "data upload"}`;
  const expected = `a data upload stored as readings (2011, 2051, 2061 or 2031); ${what} is not stored as readings: kept as this dead letter`;
  return {
    ...rejection("hj212.not_stored", "CN", cn, expected),
    message: `hj212.not_stored: CN ${what} of station ${station.id} is not stored as readings; kept as this dead letter`,
  };
}

/**
 * The unit the device sends `metric` in: the station's setting, else the code's default unit in the
 * standard's table (only when the code came from that table), else the canonical unit.
 */
function deviceUnitOf(
  station: Station,
  metric: MetricId,
  entry: PollutantCode | undefined,
  codeMap: Record<string, MetricId> | undefined,
  code: string,
): string {
  const configured = station.hj212?.units[metric];
  if (configured !== undefined) return configured;
  const overridden = codeMap !== undefined && Object.hasOwn(codeMap, code);
  if (!overridden && entry?.unit !== undefined && entry.metric === metric) return entry.unit;
  return METRICS[metric].unit;
}

/**
 * A codec error as a domain rejection (for the dead letter): framing → "hj212.framing",
 * CRC → "hj212.crc", fields → "hj212.field".
 *
 * @example
 * hj212ErrorToRejection(err).message // "hj212.crc: crc-mismatch: expected EB01, got ABCD"
 */
export function hj212ErrorToRejection(err: Hj212Error): Rejection {
  const code = HJ212_ERROR_CODES[err.code].rejection;
  const base = rejection(code, err.path, err.received, err.expected);
  return { ...base, message: `${code}: ${err.message}` };
}
