import { Hj212Error } from "./errors.ts";

/**
 * A field or CP item of a packet holding bytes that are not ASCII. hj212.md §1: the data segment
 * is ASCII text, and for Chinese text the standard leaves the encoding open (GBK or UTF-8); the
 * codec reads such bytes as UTF-8 (invalid sequences become U+FFFD in the text), so the byte and
 * its offset are kept to say what was really received.
 */
export interface NonAsciiByte {
  /** Where: a header field ("MN", "RF") or a CP item ("CP.i13001-Info", "CP.a34004-Rtd"). */
  readonly path: string;
  /** Offset of its first non-ASCII byte from the packet's first byte (the first "#" is 0). */
  readonly offset: number;
  /** That byte. */
  readonly byte: number;
  /** In a reassembled split message: the packet (PNO) the offset is in. */
  readonly pno?: number;
}

const SEMICOLON = 0x3b;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const CP_START = Buffer.from("CP=&&");

/** Index of the first byte ≥ 0x80 in bytes[from, to), or -1. */
export function firstNonAscii(bytes: Uint8Array, from = 0, to = bytes.length): number {
  for (let i = from; i < to; i++) if ((bytes[i] as number) >= 0x80) return i;
  return -1;
}

/** "0xE7". */
export function hexByte(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * The fields and CP items of a whole frame (header, length and tail in place) that hold non-ASCII
 * bytes, each with its first one. Items are split on the ASCII bytes ";" "," "=", which neither
 * UTF-8 nor GBK uses inside a multi-byte character, so the keys are those the parser reads.
 */
export function nonAsciiItems(frame: Buffer, length: number): NonAsciiByte[] {
  const start = 6;
  const end = start + length;
  if (firstNonAscii(frame, start, end) === -1) return [];
  let cp = frame.indexOf(CP_START, start);
  while (cp !== -1 && cp !== start && frame[cp - 1] !== SEMICOLON) cp = frame.indexOf(CP_START, cp + 1);
  const found: NonAsciiByte[] = [];
  const scan = (from: number, to: number, separators: readonly number[], prefix: string) => {
    let itemStart = from;
    for (let i = from; i <= to; i++) {
      if (i < to && !separators.includes(frame[i] as number)) continue;
      const at = firstNonAscii(frame, itemStart, i);
      if (at !== -1) {
        const eq = frame.indexOf(EQUALS, itemStart);
        const key = frame.subarray(itemStart, eq === -1 || eq > i ? i : eq).toString("utf8");
        found.push({ path: `${prefix}${key}`, offset: at, byte: frame[at] as number });
      }
      itemStart = i + 1;
    }
  };
  if (cp === -1) {
    scan(start, end, [SEMICOLON], "");
  } else {
    scan(start, cp, [SEMICOLON], "");
    scan(cp + CP_START.length, Math.max(cp + CP_START.length, end - 2), [SEMICOLON, COMMA], "CP.");
  }
  return found;
}

/**
 * "CP.a34002-Rtd holds non-ASCII byte 0xEF at offset 157 of the packet" (of packet 2, in a split
 * message).
 *
 * @example
 * describeNonAscii({ path: "CP.a34002-Rtd", offset: 157, byte: 0xef }) // "CP.a34002-Rtd holds non-ASCII byte 0xEF at offset 157 of the packet"
 */
export function describeNonAscii(item: NonAsciiByte): string {
  const where = item.pno === undefined ? "the packet" : `packet ${item.pno} of the split message`;
  return `${item.path} holds non-ASCII byte ${hexByte(item.byte)} at offset ${item.offset} of ${where}`;
}

/**
 * The note added to the rejection of a CP group `code`: its items holding non-ASCII bytes (the
 * value, the flag or the code itself, or another item of the group), or "" when none does.
 */
export function groupNonAsciiNote(nonAscii: readonly NonAsciiByte[] | undefined, code: string): string {
  const items = (nonAscii ?? []).filter((item) => item.path.startsWith(`CP.${code}-`));
  if (items.length === 0) return "";
  return `${items.map(describeNonAscii).join(", ")} (${ASCII_RULE})`;
}

/** hj212.md §1, said once after the offsets. */
export const ASCII_RULE = "hj212.md §1: HJ 212 packets are ASCII text; Qingshan reads other bytes as UTF-8";

/**
 * The error of a packet that holds bytes that are not ASCII, with its first such byte and offset
 * added to the reason: a length or CRC that does not match is then most likely counted over another
 * encoding, and the dead letter's text cannot show bytes that are not UTF-8.
 */
export function withNonAsciiNote(error: Hj212Error, frame: Uint8Array): Hj212Error {
  const at = firstNonAscii(frame);
  if (at === -1) return error;
  const detail = error.message.slice(error.code.length + 2);
  return new Hj212Error(
    error.code,
    `${detail}; the packet holds non-ASCII byte ${hexByte(frame[at] as number)} at offset ${at} (${ASCII_RULE})`,
    {
      path: error.path,
      ...(error.received === undefined ? {} : { received: error.received }),
      expected: error.expected,
    },
  );
}
