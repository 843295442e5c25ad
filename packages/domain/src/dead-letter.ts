/**
 * A rejected input, kept with the reason it was rejected. Nothing rejected is ever silently
 * dropped: whole messages that cannot be decoded and single values that fail validation both
 * become dead letters.
 */
export interface Rejection {
  /** Stable code from REJECTION_CODES. */
  readonly code: RejectionCode;
  /** Field path inside the payload, e.g. "values.pm25" or "[3].ts"; "" for the whole message. */
  readonly path: string;
  /** The value received at that path (JSON-safe; long text truncated). */
  readonly received?: unknown;
  /** What was expected instead. */
  readonly expected: string;
  /** One sentence naming path, value and expectation. */
  readonly message: string;
}

export interface DeadLetter {
  readonly id: string;
  readonly receivedAt: number;
  /** Where it came from: "mqtt", "hj212-tcp", "import", "bus". */
  readonly source: string;
  /** MQTT topic, TCP peer or file name. */
  readonly origin: string;
  readonly stationId?: string;
  readonly code: RejectionCode;
  readonly path: string;
  readonly message: string;
  /** The raw payload text (truncated to 4 KiB). */
  readonly payload: string;
}

/** Catalogue of rejection codes. Codes are stable and never reused. */
export const REJECTION_CODES = {
  "payload.too_large": "the message is larger than the configured maximum",
  "payload.malformed": "the message is not valid JSON / not a decodable packet",
  "payload.invalid": "the message does not have the shape of the wire contract",
  "topic.invalid": "the topic is not stations/{stationId}/{kind} or hj212/{MN}",
  "station.unknown": "no station with this id (or HJ 212 MN) is registered",
  "station.kind_mismatch": "the topic's kind is not the station's kind",
  "metric.unknown": "not a metric id of the catalogue (or an unknown HJ 212 code)",
  "metric.not_at_station": "the metric is not reported by stations of this kind / this station",
  "value.not_number": "the value is not a number",
  "value.not_finite": "the value is NaN or infinite",
  "value.out_of_range": "the value is outside the instrument's physical range",
  "unit.mismatch": "the declared unit is not the metric's canonical unit",
  "flag.unknown": "not an HJ 212 data flag",
  "ts.invalid": "the timestamp is not ISO 8601 with an offset nor epoch milliseconds",
  "ts.future": "the timestamp is further in the future than the allowed clock skew",
  "ts.too_late": "the timestamp is older than the configured lateness",
  "window.too_late":
    "the evaluator got the reading after its windows moved on (older than the lateness): stored, but not evaluated by the rules",
  "period.invalid": "the period is not an ISO 8601 duration",
  "hj212.framing": "HJ 212 packet framing is wrong (header, length, tail)",
  "hj212.crc": "HJ 212 CRC mismatch",
  "hj212.field": "an HJ 212 field is missing or malformed",
  "hj212.not_stored":
    "an HJ 212 data upload (CN 20xx) that Qingshan does not store as readings (e.g. 2021 device running state, 2041 running-time daily data, 2081 collector power-on time): kept only as a dead letter",
  "bus.message_too_large":
    "the reading, once encoded for the bus, is larger than the bus accepts for one message (its maxMessageBytes); retrying cannot succeed",
} as const;
export type RejectionCode = keyof typeof REJECTION_CODES;
