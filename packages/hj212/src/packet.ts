import { type CommandParameters, parseCp } from "./cp.ts";
import { crc16Bytes, crcMistake, formatCrc } from "./crc.ts";
import { Hj212Error, truncate } from "./errors.ts";
import { decodeFlag, type PacketFlag } from "./flag.ts";
import { type NonAsciiByte, nonAsciiItems, withNonAsciiNote } from "./non-ascii.ts";
import { type ProtocolProfile, profileForVersion } from "./protocol.ts";

/** HJ 212-2017 §6.3 (hj212.md §1): the data segment is 0000–1024 characters. */
export const MAX_DATA_LENGTH = 1024;
/** `##` + 4-digit length + 4-digit CRC + `\r\n`. */
export const FRAME_OVERHEAD = 12;
export const MAX_PACKET_LENGTH = MAX_DATA_LENGTH + FRAME_OVERHEAD;

/** A packet that passed framing, CRC and field checks. */
export interface Hj212Packet {
  /** The whole packet as received, tail included. */
  raw: string;
  qn?: string;
  st: string;
  cn: string;
  pw?: string;
  mn: string;
  flag: PacketFlag;
  pnum?: number;
  pno?: number;
  /** Header fields this codec does not know (e.g. HJ 212-2025 `RF=`), kept as sent. */
  extra: Record<string, string>;
  /** CP `DataTime` ("YYYYMMDDhhmmss", Beijing time) as sent. */
  dataTime?: string;
  cp: CommandParameters;
  /**
   * The fields and CP items holding bytes that are not ASCII (hj212.md §1: the data segment is
   * ASCII), each with its first such byte and offset; absent when there are none.
   */
  nonAscii?: readonly NonAsciiByte[];
}

export interface ParseOptions {
  /**
   * What to do with an ST or CN missing from the version's code table: "reject" (default,
   * hj212.md §8.2) or "accept" (vendor-specific codes).
   */
  unknownCodes?: "reject" | "accept";
}

const CRLF = Buffer.from("\r\n");
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const DIGITS4 = /^\d{4}$/;
const FIELD_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Parses and validates one complete packet: header `##`, 4-digit length ≤ 1024, tail `\r\n`, CRC
 * (upper- or lowercase hex), fields QN ST CN PW MN Flag (PNUM/PNO when split) and `CP=&&…&&`.
 * Non-ASCII text counts as UTF-8 bytes for length and CRC.
 *
 * @throws Hj212Error with a specific code (see HJ212_ERROR_CODES)
 * @example
 * const p = parsePacket("##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n");
 * p.cn // "1062"; p.cp.other.RtdInterval // "30"; p.flag.needAck // true
 */
export function parsePacket(text: string, options: ParseOptions = {}): Hj212Packet {
  return parseFrame(Buffer.from(text, "utf8"), text, options);
}

/**
 * Parses one framed packet given as bytes; `raw` is its text for the result and messages. Bytes
 * that are not ASCII are listed in `nonAscii`; when the packet is refused, the reason names the
 * first one and its offset.
 */
export function parseFrame(bytes: Buffer, raw: string, options: ParseOptions = {}): Hj212Packet {
  let packet: Hj212Packet;
  try {
    const segment = checkFrame(bytes);
    packet = { raw, ...parseSegment(segment, options) };
  } catch (error) {
    throw error instanceof Hj212Error ? withNonAsciiNote(error, bytes) : error;
  }
  const nonAscii = nonAsciiItems(bytes, bytes.length - FRAME_OVERHEAD);
  if (nonAscii.length > 0) packet.nonAscii = nonAscii;
  return packet;
}

/** Checks header, length, tail and CRC; returns the data segment text. */
function checkFrame(bytes: Buffer): string {
  const head = (n: number) => truncate(bytes.subarray(0, n).toString("utf8"), 40);
  // hj212.md §1: header "##"
  if (bytes.length < 2 || bytes[0] !== 0x23 || bytes[1] !== 0x23) {
    throw new Hj212Error("missing-header", `packet starts with "${head(10)}", not "##"`, {
      path: "header",
      received: head(10),
      expected: '"##"',
    });
  }
  const lengthText = bytes.subarray(2, 6).toString("latin1");
  if (!DIGITS4.test(lengthText)) {
    throw new Hj212Error("bad-length", `length "${lengthText}" is not 4 decimal digits`, {
      path: "length",
      received: lengthText,
      expected: "4 decimal digits",
    });
  }
  const length = Number(lengthText);
  if (length > MAX_DATA_LENGTH) {
    throw new Hj212Error("length-too-large", `length ${lengthText} exceeds ${MAX_DATA_LENGTH}`, {
      path: "length",
      received: lengthText,
      expected: `at most ${MAX_DATA_LENGTH}`,
    });
  }
  const tailAt = 6 + length + 4;
  const crlf = bytes.indexOf(CRLF, 6);
  if (crlf === -1) {
    // A device writing a line feed alone (or a carriage return alone) as the tail: say so, its
    // bytes do not show in a dead letter's text.
    const lone = loneTailNote(bytes, tailAt);
    const detail = lone === undefined ? "" : `: ${lone}`;
    throw new Hj212Error("missing-tail", `no "\\r\\n" after the CRC${detail}`, {
      path: "tail",
      received: truncate(bytes.subarray(-6).toString("utf8"), 10),
      expected: '"\\r\\n"',
    });
  }
  if (crlf !== tailAt) {
    const actual = crlf - 10;
    // hj212.md §1 counts characters, assuming ASCII; a device counting the characters of non-ASCII
    // text gives fewer than its bytes.
    const characters = actual > 0 ? bytes.subarray(6, 6 + actual).toString("utf8").length : actual;
    const counts =
      characters === length && characters !== actual
        ? ` bytes (${characters} characters: the length counts characters, not bytes)`
        : actual >= 0 && Object.hasOwn(COUNTED_TOO, length - actual)
          ? ` (the length counts ${COUNTED_TOO[length - actual]} too; it counts the data segment only, hj212.md §1)`
          : "";
    throw new Hj212Error(
      "length-mismatch",
      `length says ${lengthText}, but the data segment before CRC and tail is ${actual < 0 ? "shorter than a CRC" : actual}${counts}`,
      { path: "length", received: lengthText, expected: `${Math.max(actual, 0)}`.padStart(4, "0") },
    );
  }
  if (bytes.length !== tailAt + 2) {
    const extra = bytes.length - tailAt - 2;
    throw new Hj212Error("length-mismatch", `${extra} bytes after the tail`, {
      path: "tail",
      received: truncate(bytes.subarray(tailAt + 2).toString("utf8"), 40),
      expected: "nothing after \\r\\n",
    });
  }
  const crcText = bytes.subarray(6 + length, tailAt).toString("latin1");
  if (!HEX4.test(crcText)) {
    throw new Hj212Error("bad-crc-format", `CRC "${crcText}" is not 4 hex digits`, {
      path: "CRC",
      received: crcText,
      expected: "4 hex digits",
    });
  }
  const segmentBytes = bytes.subarray(6, 6 + length);
  // hj212.md §2: CRC over the data segment only; lowercase hex accepted on receipt.
  const expected = formatCrc(crc16Bytes(segmentBytes));
  if (crcText.toUpperCase() !== expected) {
    const mistake = crcMistake(bytes.subarray(0, 6), segmentBytes, Number.parseInt(crcText, 16));
    const why = mistake === undefined ? "" : ` (${mistake})`;
    throw new Hj212Error("crc-mismatch", `expected ${expected}, got ${crcText}${why}`, {
      path: "CRC",
      received: crcText,
      expected,
    });
  }
  return segmentBytes.toString("utf8");
}

/**
 * The MN field of a whole frame, read without checking its CRC or other fields: names the station
 * of a packet that fails them, for its dead letter. Undefined unless the length header and the
 * tail frame a data segment (as `parsePacket` frames it) whose header before `CP=&&` holds exactly
 * one printable MN.
 *
 * @example
 * unverifiedMn("##0087QN=…;MN=LDWQ0000000000000000002B;Flag=4;CP=&&&&ABCD\r\n") // "LDWQ0000000000000000002B"
 */
export function unverifiedMn(raw: string): string | undefined {
  const bytes = Buffer.from(raw, "utf8");
  if (bytes.length < FRAME_OVERHEAD || bytes[0] !== 0x23 || bytes[1] !== 0x23) return undefined;
  const lengthText = bytes.subarray(2, 6).toString("latin1");
  if (!DIGITS4.test(lengthText)) return undefined;
  const length = Number(lengthText);
  const tailAt = 6 + length + 4;
  if (length > MAX_DATA_LENGTH || bytes.length !== tailAt + 2 || bytes.indexOf(CRLF, 6) !== tailAt) {
    return undefined;
  }
  const segment = bytes.subarray(6, 6 + length).toString("utf8");
  const cpMatch = /(?:^|;)CP=&&/.exec(segment);
  if (!cpMatch) return undefined;
  const mns = segment
    .slice(0, cpMatch.index)
    .split(";")
    .filter((field) => field.startsWith("MN="))
    .map((field) => field.slice(3));
  const [mn] = mns;
  return mns.length === 1 && mn !== undefined && PRINTABLE.test(mn) ? mn : undefined;
}

type Parsed = Omit<Hj212Packet, "raw">;

/** A tail of one byte instead of CR LF, by that byte. */
const LONE_TAIL: Readonly<Record<number, string>> = Object.freeze({ 10: "LF (\\n)", 13: "CR (\\r)" });

/**
 * "the packet ends with LF (\n) alone; the tail is CR LF (hj212.md §1)" when `bytes` end with
 * one byte, LF or CR, where the tail is due at `tailAt`; undefined otherwise.
 */
export function loneTailNote(bytes: Uint8Array, tailAt: number): string | undefined {
  const lone = bytes.length === tailAt + 1 ? LONE_TAIL[bytes[tailAt] as number] : undefined;
  return lone === undefined
    ? undefined
    : `the packet ends with ${lone} alone; the tail is CR LF (hj212.md §1)`;
}

/** What a length field too large by n counts besides the data segment (the usual device mistakes). */
const COUNTED_TOO: Readonly<Record<number, string>> = Object.freeze({
  4: "the CRC (4 bytes)",
  6: "the CRC and the tail (6 bytes)",
  12: "the whole packet (12 bytes more)",
});

/**
 * The edition whose rules a field failed, and, when it is not HJ 212-2017, why: its Flag's version
 * bits (hj212.md §1.2). A 2017 device that sends Flag=1 or 0 (version bits 000000) is read as
 * HJ/T 212-2005 and its 24-character MN refused; "HJ/T 212-2005" alone does not tell its vendor why.
 */
function editionOf(profile: ProtocolProfile, flagText: string): string {
  if (profile.version === 1) return profile.edition;
  const bits = profile.version.toString(2).padStart(6, "0");
  const why = `${profile.edition}: Flag=${flagText} has protocol version bits ${bits}`;
  return profile.version === 0 ? `${why}; HJ 212-2017 sets 000001 (Flag=4, or 5 to ask for a reply)` : why;
}

function fieldError(field: string, value: string, expected: string): Hj212Error {
  return new Hj212Error("bad-field", `${field} "${truncate(value, 40)}" is not ${expected}`, {
    path: field,
    received: value,
    expected,
  });
}

function missing(field: string, expected: string): Hj212Error {
  return new Hj212Error("missing-field", `no ${field} field`, { path: field, expected });
}

/** Parses the fields of a data segment (hj212.md §1.1). */
export function parseSegment(segment: string, options: ParseOptions = {}): Parsed {
  // CP comes last and its content may hold ";", so it is cut off before the header is split.
  const cpMatch = /(?:^|;)CP=&&/.exec(segment);
  if (!cpMatch) {
    throw new Hj212Error("missing-cp", 'no "CP=&&" in the data segment', {
      path: "CP",
      received: truncate(segment, 60),
      expected: "CP=&&…&&",
    });
  }
  const cpStart = cpMatch.index + cpMatch[0].length;
  if (!segment.endsWith("&&") || segment.length - 2 < cpStart) {
    throw new Hj212Error("unterminated-cp", 'CP is not closed by "&&" at the end of the data segment', {
      path: "CP",
      received: truncate(segment.slice(cpStart - 5), 60),
      expected: "CP=&&…&&",
    });
  }
  const cp = parseCp(segment.slice(cpStart, segment.length - 2));
  const header = segment.slice(0, cpMatch.index);

  const fields = new Map<string, string>();
  for (const item of header === "" ? [] : header.split(";")) {
    const eq = item.indexOf("=");
    const key = eq === -1 ? item : item.slice(0, eq);
    if (eq === -1 || !FIELD_KEY.test(key)) throw fieldError("header", item, "key=value");
    if (fields.has(key)) throw fieldError(key, item.slice(eq + 1), "given once");
    fields.set(key, item.slice(eq + 1));
  }

  const flagText = fields.get("Flag");
  if (flagText === undefined) throw missing("Flag", "Flag=<0…255>");
  if (!/^\d{1,3}$/.test(flagText) || Number(flagText) > 255) throw fieldError("Flag", flagText, "0…255");
  const flag = decodeFlag(Number(flagText));
  const profile = profileForVersion(flag.version);

  const st = fields.get("ST");
  if (st === undefined) throw missing("ST", "ST=<2 digits>");
  if (!/^\d{2}$/.test(st)) throw fieldError("ST", st, "2 digits");
  const cn = fields.get("CN");
  if (cn === undefined) throw missing("CN", "CN=<4 digits>");
  if (!/^\d{4}$/.test(cn)) throw fieldError("CN", cn, "4 digits");
  const mn = fields.get("MN");
  if (mn === undefined) throw missing("MN", "MN=<device id>");
  if (mn.length > profile.mnMaxLength || !PRINTABLE.test(mn)) {
    throw fieldError(
      "MN",
      mn,
      `1…${profile.mnMaxLength} printable characters (${editionOf(profile, flagText)})`,
    );
  }
  const qn = fields.get("QN");
  // hj212.md §1.1: QN is YYYYMMDDhhmmsszzz
  if (qn !== undefined && !/^\d{17}$/.test(qn)) throw fieldError("QN", qn, "17 digits YYYYMMDDhhmmsszzz");
  const pw = fields.get("PW");
  if (pw !== undefined && (pw.length > 6 || !PRINTABLE.test(pw))) {
    throw fieldError("PW", pw, "1…6 printable characters");
  }

  if ((options.unknownCodes ?? "reject") === "reject") {
    const unknownCode = (field: "ST" | "CN", code: string, table: string) =>
      new Hj212Error(
        "unknown-code",
        `${field} ${code} is not a ${table} of ${editionOf(profile, flagText)}`,
        {
          path: field,
          received: code,
          expected: `a ${table} of ${profile.edition}`,
        },
      );
    if (!Object.hasOwn(profile.systemCodes, st)) throw unknownCode("ST", st, "system code");
    if (profile.commandCodes !== null && !Object.hasOwn(profile.commandCodes, cn)) {
      throw unknownCode("CN", cn, "command code");
    }
  }

  const result: Parsed = { st, cn, mn, flag, extra: {}, cp };
  if (qn !== undefined) result.qn = qn;
  if (pw !== undefined) result.pw = pw;
  const pnumText = fields.get("PNUM");
  const pnoText = fields.get("PNO");
  // hj212.md §1.2: PNUM and PNO are present when the D bit is set.
  if (flag.split && pnumText === undefined) throw missing("PNUM", "PNUM when Flag has the D bit");
  if (flag.split && pnoText === undefined) throw missing("PNO", "PNO when Flag has the D bit");
  if (pnumText !== undefined) {
    if (!/^\d{1,4}$/.test(pnumText) || Number(pnumText) < 1) throw fieldError("PNUM", pnumText, "1…9999");
    result.pnum = Number(pnumText);
  }
  if (pnoText !== undefined) {
    const limit = result.pnum ?? 9999;
    if (!/^\d{1,4}$/.test(pnoText) || Number(pnoText) < 1 || Number(pnoText) > limit) {
      throw fieldError("PNO", pnoText, `1…${limit}`);
    }
    result.pno = Number(pnoText);
  }
  const known = new Set(["QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO"]);
  result.extra = Object.fromEntries([...fields].filter(([key]) => !known.has(key)));
  if (cp.dataTime !== undefined) result.dataTime = cp.dataTime;
  return result;
}

/** Fields of a packet to build; `cp` is the content between `CP=&&` and `&&`. */
export interface PacketInput {
  qn?: string;
  st: string;
  cn: string;
  pw?: string;
  mn: string;
  flag: number;
  pnum?: number;
  pno?: number;
  /** Further header fields, written after Flag/PNUM/PNO (e.g. HJ 212-2025 `RF`). */
  extra?: Record<string, string>;
  cp: string;
}

/**
 * Builds a packet: `##` + length + data segment + CRC + `\r\n` (hj212.md §1).
 *
 * @throws Hj212Error "bad-field", "missing-field" or "length-too-large"
 * @example
 * buildPacket({ qn: "20160801085857223", st: "32", cn: "1062", pw: "100000", mn: "010000A8900016F000169DC0", flag: 5, cp: "RtdInterval=30" })
 * // "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
 */
export function buildPacket(p: PacketInput): string {
  if (!Number.isInteger(p.flag) || p.flag < 0 || p.flag > 255)
    throw fieldError("Flag", String(p.flag), "0…255");
  const flag = decodeFlag(p.flag);
  if (flag.split && (p.pnum === undefined || p.pno === undefined)) {
    throw missing(p.pnum === undefined ? "PNUM" : "PNO", "PNUM and PNO when Flag has the D bit");
  }
  const parts: Array<[string, string]> = [];
  if (p.qn !== undefined) parts.push(["QN", p.qn]);
  parts.push(["ST", p.st], ["CN", p.cn]);
  if (p.pw !== undefined) parts.push(["PW", p.pw]);
  parts.push(["MN", p.mn], ["Flag", String(p.flag)]);
  if (p.pnum !== undefined) parts.push(["PNUM", String(p.pnum)]);
  if (p.pno !== undefined) parts.push(["PNO", String(p.pno)]);
  for (const [key, value] of Object.entries(p.extra ?? {})) {
    if (!FIELD_KEY.test(key) || key === "CP") throw fieldError("header", key, "a field name");
    parts.push([key, value]);
  }
  for (const [key, value] of parts) {
    if (/[;\r\n]/.test(value) || value.includes("CP=&&"))
      throw fieldError(key, value, "text without ; or CR/LF");
  }
  if (/[\r\n]/.test(p.cp)) throw fieldError("CP", p.cp, "text without CR/LF");
  const segment = `${parts.map(([k, v]) => `${k}=${v}`).join(";")};CP=&&${p.cp}&&`;
  // Validate what we produce with the same rules we apply on receipt.
  parseSegment(segment, { unknownCodes: "accept" });
  const bytes = Buffer.from(segment, "utf8");
  if (bytes.length > MAX_DATA_LENGTH) {
    throw new Hj212Error("length-too-large", `data segment of ${bytes.length} exceeds ${MAX_DATA_LENGTH}`, {
      path: "length",
      received: String(bytes.length),
      expected: `at most ${MAX_DATA_LENGTH}`,
    });
  }
  return `##${String(bytes.length).padStart(4, "0")}${segment}${formatCrc(crc16Bytes(bytes))}\r\n`;
}

/**
 * The host's data response 9014 to an uploaded packet: ST=91, same QN, PW and MN, Flag with the
 * request's version and no ack/split bits (Flag=4 for 2017), `CP=&&&&` (hj212.md §3, §7 B).
 *
 * @throws Hj212Error "missing-field" when the request has no QN to echo
 * @example
 * buildDataResponse(parsePacket(exampleB))
 * // "##0087QN=20261128100012456;ST=91;CN=9014;PW=123456;MN=LDWQ0000000000000000002B;Flag=4;CP=&&&&B101\r\n"
 */
export function buildDataResponse(request: Hj212Packet): string {
  return buildHostReply(request, "9014", "");
}

/**
 * A reply of the host to `request` (9011, 9013, 9014): ST=91, its QN, PW and MN echoed, Flag with
 * the request's version bits and no A/D bit (Flag=4 for 2017, as the 9014 of hj212.md §3, §7 B).
 *
 * @throws Hj212Error "missing-field" when the request has no QN to echo
 */
export function buildHostReply(request: Hj212Packet, cn: string, cp: string): string {
  if (request.qn === undefined) throw missing("QN", `a QN to echo in the ${cn} response`);
  const input: PacketInput = {
    qn: request.qn,
    st: "91",
    cn,
    mn: request.mn,
    flag: request.flag.version << 2,
    cp,
  };
  if (request.pw !== undefined) input.pw = request.pw;
  return buildPacket(input);
}
