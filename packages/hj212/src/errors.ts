import type { RejectionCode } from "@qingshan/domain";

/**
 * Catalogue of codec errors. Codes are stable and never reused; each maps to one domain rejection
 * code so a failed packet becomes a dead letter with a specific reason (hj212.md §8.2).
 */
export const HJ212_ERROR_CODES = {
  "missing-header": { rejection: "hj212.framing", description: 'the packet does not start with "##"' },
  "bad-length": {
    rejection: "hj212.framing",
    description: "the 4 characters after ## are not decimal digits",
  },
  "length-too-large": { rejection: "hj212.framing", description: "the data segment is longer than 1024" },
  "length-mismatch": {
    rejection: "hj212.framing",
    description: "the tail is not where the length says (data segment shorter or longer)",
  },
  "missing-tail": { rejection: "hj212.framing", description: 'no "\\r\\n" tail after the CRC' },
  "bad-crc-format": { rejection: "hj212.crc", description: "the CRC is not 4 hex digits" },
  "crc-mismatch": { rejection: "hj212.crc", description: "the CRC does not match the data segment" },
  "missing-field": {
    rejection: "hj212.field",
    description: "a required field (ST, CN, MN, Flag, …) is absent",
  },
  "bad-field": { rejection: "hj212.field", description: "a field is malformed, repeated or out of range" },
  "missing-cp": { rejection: "hj212.field", description: 'no "CP=&&" in the data segment' },
  "unterminated-cp": { rejection: "hj212.field", description: 'CP is not closed by "&&" at the segment end' },
  "unknown-code": {
    rejection: "hj212.field",
    description: "the ST or CN is not in the protocol's code table",
  },
} as const satisfies Record<string, { rejection: RejectionCode; description: string }>;

export type Hj212ErrorCode = keyof typeof HJ212_ERROR_CODES;

export interface Hj212ErrorDetail {
  /** Where in the packet: "header", "length", "CRC", "tail", "ST", "CP.a34004-Rtd", … */
  readonly path: string;
  /** What was found there (text, truncated). */
  readonly received?: string;
  /** What was expected instead. */
  readonly expected: string;
}

/**
 * A packet the codec refuses. The message starts with the code, e.g.
 * "crc-mismatch: expected EB01, got ABCD".
 *
 * @example
 * try { parsePacket(text) } catch (e) { if (e instanceof Hj212Error && e.code === "crc-mismatch") … }
 */
export class Hj212Error extends Error {
  readonly code: Hj212ErrorCode;
  readonly path: string;
  readonly received: string | undefined;
  readonly expected: string;

  constructor(code: Hj212ErrorCode, detail: string, info: Hj212ErrorDetail) {
    super(`${code}: ${detail}`);
    this.name = "Hj212Error";
    this.code = code;
    this.path = info.path;
    this.received = info.received === undefined ? undefined : truncate(info.received, 120);
    this.expected = info.expected;
  }
}

/** Shortens text for error messages. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
