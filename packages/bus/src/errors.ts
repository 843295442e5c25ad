/**
 * Error catalogue of the bus. Codes are stable and never reused (STYLE.md "Errors are a catalogue").
 */
export const BUS_ERROR_CODES = {
  "bus.config_invalid": "the adapter configuration does not validate",
  "bus.not_started": "publish, subscribe or partitionFor was called before start",
  "bus.stopped": "the bus was stopped; nothing more is accepted and pending publishes are not acknowledged",
  "bus.topic_unknown": "the topic is not one of BUS_TOPICS",
  "bus.options_invalid": "the subscribe options do not validate",
  "bus.message_too_large":
    "a message (or a produce request) is larger than the adapter or the brokers accept; BusMessageTooLargeError names the messages when they were measured before sending",
} as const;
export type BusErrorCode = keyof typeof BUS_ERROR_CODES;

/**
 * An error raised by a bus adapter, with a stable `code` from BUS_ERROR_CODES.
 *
 * @example
 * try { await bus.publish("readings", msgs); }
 * catch (e) { if (e instanceof BusError && e.code === "bus.stopped") { // do not acknowledge upstream } }
 */
export class BusError extends Error {
  override readonly name = "BusError";
  constructor(
    readonly code: BusErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
