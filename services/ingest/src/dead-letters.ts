import { randomUUID } from "node:crypto";
import type { DeadLetter, Rejection } from "@qingshan/domain";

/** A dead letter keeps at most this many bytes of the raw payload (DeadLetter.payload contract). */
export const MAX_DEAD_LETTER_PAYLOAD_BYTES = 4096;

/**
 * Cuts text to at most `maxBytes` bytes of UTF-8 without splitting a character.
 *
 * @example
 * truncateUtf8("青山".repeat(2000), 4096).length // 1365 (3 bytes each)
 */
export function truncateUtf8(text: string, maxBytes = MAX_DEAD_LETTER_PAYLOAD_BYTES): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.byteLength <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/** Where a rejected input came from. */
export interface DeadLetterContext {
  /** "mqtt", "hj212-tcp", "import", "api". */
  readonly source: string;
  /** MQTT topic, TCP peer address or file name. */
  readonly origin: string;
  readonly receivedAt: number;
  readonly stationId?: string | undefined;
  /** The raw payload text; truncated to 4 KiB here. */
  readonly payload: string;
}

/**
 * Turns a rejection into a dead letter with its reason and the raw payload.
 *
 * @example
 * toDeadLetter(rejection("payload.malformed", "", "{", "JSON"), { source: "mqtt", origin: "stations/a/air", receivedAt: Date.now(), payload: "{" })
 */
export function toDeadLetter(r: Rejection, ctx: DeadLetterContext): DeadLetter {
  return {
    id: randomUUID(),
    receivedAt: ctx.receivedAt,
    source: ctx.source,
    origin: ctx.origin,
    ...(ctx.stationId === undefined ? {} : { stationId: ctx.stationId }),
    code: r.code,
    path: r.path,
    message: r.message,
    payload: truncateUtf8(ctx.payload),
  };
}
