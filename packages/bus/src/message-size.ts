import type { BusMessage, BusTopic } from "./bus.ts";
import { BusError } from "./errors.ts";

/** One message a publish left out because it is larger than the bus accepts for its topic. */
export interface OversizeMessage {
  /** Position of the message in the `publish` call's list. */
  readonly index: number;
  readonly key: string;
  /** UTF-8 bytes of the key plus the JSON-encoded value ({@link messageSizeBytes}). */
  readonly sizeBytes: number;
  /** The topic's limit, `bus.maxMessageBytes(topic)`. */
  readonly limitBytes: number;
}

/**
 * A publish some of whose messages are larger than the bus accepts (code `bus.message_too_large`).
 * It is thrown only after every other message of that publish was durably accepted, so the caller
 * knows exactly which messages were not: `rejected`. Retrying those fails again (a permanent,
 * per-message rejection, not a transport failure).
 *
 * @example
 * try { await bus.publish("readings", messages); }
 * catch (e) {
 *   if (!(e instanceof BusMessageTooLargeError)) throw e; // transient: retry the publish
 *   for (const r of e.rejected) deadLetter(messages[r.index], `${r.sizeBytes} > ${r.limitBytes} bytes`);
 * }
 */
export class BusMessageTooLargeError extends BusError {
  constructor(
    readonly topic: BusTopic,
    readonly rejected: readonly OversizeMessage[],
    /** Messages of the same publish that were accepted. */
    readonly accepted: number,
  ) {
    const named = rejected
      .slice(0, 5)
      .map((r) => `message ${r.index} (key "${r.key}") is ${r.sizeBytes} bytes, limit ${r.limitBytes}`)
      .join("; ");
    const more = rejected.length > 5 ? `; and ${rejected.length - 5} more` : "";
    super(
      "bus.message_too_large",
      `${rejected.length} message(s) of a publish to "${topic}" exceed the topic's maximum message size and were not published (${accepted} others were): ${named}${more}`,
    );
  }
}

/**
 * The size the message limit applies to: UTF-8 bytes of the key plus those of the JSON-encoded
 * value (what both adapters carry; Kafka adds its record framing on top, see its `maxMessageBytes`).
 *
 * @example
 * messageSizeBytes({ key: "ld-aq-01", value: { pm25: 35 } }) // 8 + 11 = 19
 */
export function messageSizeBytes(message: BusMessage<unknown>): number {
  return Buffer.byteLength(message.key) + Buffer.byteLength(JSON.stringify(message.value) ?? "");
}

/**
 * Splits a publish into the messages within `limitBytes` and the oversize ones, measuring each
 * with `size` (so an adapter that encodes anyway measures what it encoded).
 *
 * @example
 * const { fitting, oversize } = partitionBySize(messages, 1000, (m) => messageSizeBytes(m));
 */
export function partitionBySize<M extends { readonly key: string }>(
  messages: readonly M[],
  limitBytes: number,
  size: (message: M) => number,
): { fitting: M[]; oversize: OversizeMessage[] } {
  const fitting: M[] = [];
  const oversize: OversizeMessage[] = [];
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as M;
    const sizeBytes = size(message);
    if (sizeBytes > limitBytes) oversize.push({ index, key: message.key, sizeBytes, limitBytes });
    else fitting.push(message);
  }
  return { fitting, oversize };
}
