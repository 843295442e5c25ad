import { DEFAULT_DECODE_LIMITS } from "@qingshan/domain";
import { z } from "zod";
import {
  DEFAULT_CLOCK_SET_INTERVAL_MS,
  DEFAULT_SLOW_CLOCK_THRESHOLD_MS,
  HJ212_CLOCK_SETTINGS,
  SLOW_CLOCK_LAG_SPREAD_MS,
} from "./hj212-clock.ts";
import { isTopicFilter } from "./topics.ts";

const port = z.number().int().min(0).max(65535);
/** An MQTT topic level: no wildcards, no separators (MQTT 5.0 §4.7.1, §4.8.2 share name). */
const topicLevel = z.string().regex(/^[^/+#\s]+$/, "one topic level without '/', '+', '#' or spaces");

/**
 * Configuration of the ingest service. Every field has a default; units are in the names.
 *
 * @example
 * const config = parseIngestConfig({ mqtt: { url: "mqtt://127.0.0.1:1883" }, hj212: { tcpPort: 0 } });
 * config.mqtt.shareGroup // "qingshan"
 */
export const IngestConfigSchema = z.strictObject({
  mqtt: z
    .strictObject({
      /** Broker URL (mqtt://, mqtts://, ws://). Unset or "": start the embedded broker. */
      url: z.string().optional(),
      /** Port of the embedded broker (only without `url`). 0 picks a free port. */
      embeddedPort: port.default(1883),
      embeddedHost: z.string().min(1).default("0.0.0.0"),
      /**
       * Stable client id: the broker keeps the persistent session under it. Unique per instance
       * (two instances with one id take the session from each other); "-N" is appended per
       * connection when `connections` > 1.
       */
      clientId: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,60}$/, "1–60 letters, digits, '_', '.', '-'")
        .default("qingshan-ingest"),
      /** MQTT 5 shared-subscription group; "" subscribes without `$share` (one instance only). */
      shareGroup: z.union([z.literal(""), topicLevel]).default("qingshan"),
      /** 5 (MQTT 5.0) or 4 (MQTT 3.1.1). The embedded broker speaks 3.1.1 only. */
      protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
      /** Sessions (connections) this process opens in the share group; each handles many messages at once. */
      connections: z.number().int().min(1).max(64).default(1),
      /**
       * Unacknowledged messages a connection holds: they are handled concurrently and written in
       * batches, so this bounds throughput; past it ingest reads no more of the connection. Sent as
       * the Receive Maximum (MQTT 5.0 §3.1.2.11.3), which brokers do not always honour. 4000, not
       * 1000: in `pnpm bench` 1000 left throughput at 19–31k msg/s against 35k (README "Not losing readings").
       */
      maxInFlight: z.number().int().min(1).max(65535).default(4000),
      /** How long the broker keeps the session (and queues messages) after a disconnect (MQTT 5). */
      sessionExpirySeconds: z
        .number()
        .int()
        .min(0)
        .max(4_294_967_295)
        .default(7 * 86_400),
      /**
       * Leave the share group on a graceful stop: unsubscribe (the broker routes new messages to
       * the other members), hand on what the session still receives until it has been quiet for
       * `leaveQuietMs` with nothing in flight, then disconnect with Session Expiry Interval 0 so
       * the broker deletes the session (MQTT 5.0 §3.14.2.2.2) and strands nothing in it. Set it on
       * every replica when 2 or more ingests share the subscription; leave it off with one (its
       * session keeps what stations publish while it restarts).
       */
      leaveOnStop: z.boolean().default(false),
      /** With `leaveOnStop`: how long the session must receive nothing before it is ended. */
      leaveQuietMs: z.number().int().min(0).max(60_000).default(1000),
      keepaliveSeconds: z.number().int().min(0).max(65535).default(30),
      reconnectPeriodMs: z.number().int().min(0).default(1000),
      connectTimeoutMs: z.number().int().positive().default(30_000),
      username: z.string().optional(),
      password: z.string().optional(),
      /**
       * Topic filters Qingshan's other services publish on the same broker (the notifier's
       * `{notifier.mqtt.topicPrefix}/#`): not station input, never dead-lettered. Every other topic
       * the embedded broker sees (or that arrives under `stations/#` and `{hj212 prefix}/#` on
       * `url`) but `stations/{id}/{kind}`, `{prefix}/{MN}`, `{prefix}/{MN}/reply` and `$…` is
       * dead-lettered as topic.invalid.
       */
      ownTopics: z
        .array(z.string().refine(isTopicFilter, "an MQTT topic filter such as alerts/#"))
        .default(["alerts/#"]),
    })
    .prefault({}),
  hj212: z
    .strictObject({
      /** HJ 212 packets published as MQTT payloads arrive on `{prefix}/{MN}`. */
      mqttTopicPrefix: topicLevel.default("hj212"),
      /** TCP listener for stations that speak HJ 212 over TCP; 0 disables it. */
      tcpPort: port.default(9212),
      tcpHost: z.string().min(1).default("0.0.0.0"),
      /** A station connection with no traffic for this long is closed (stations reconnect). */
      idleTimeoutMs: z
        .number()
        .int()
        .min(0)
        .default(15 * 60_000),
      maxConnections: z.number().int().positive().default(2048),
      /**
       * Split messages (Flag D = 1, hj212.md §8 rule 4) are reassembled by (MN, QN) on TCP and on
       * `{prefix}/{MN}`; the packets of one still incomplete this long after its first packet
       * arrived are dead-lettered ("split message MN=… QN=… incomplete: packets 1, 3 of 4 received within 60 s").
       */
      splitTimeoutMs: z.number().int().positive().default(60_000),
      /**
       * At most this many split messages held incomplete per transport (TCP, MQTT): a packet that
       * starts one more dead-letters the oldest one's packets at once ("… dropped incomplete: packets
       * 1 of 3 received; more than 1000 split messages pending (hj212.maxPendingSplitMessages)").
       */
      maxPendingSplitMessages: z.number().int().positive().default(1000),
      /** Likewise, at most this many bytes of split-message packets held per transport (resends included). */
      maxPendingSplitBytes: z
        .number()
        .int()
        .positive()
        .default(16 * 1024 * 1024),
      /**
       * When the TCP listener sets a station's clock with 1012 (校时, hj212.md §3): "auto" on the
       * station's 1013 request, when its data arrive stamped further ahead than
       * limits.maxFutureSkewMs (ts.future) and when its real-time data arrive behind by a constant
       * lag of slowClockThresholdMs or more; "on-request" on 1013 only; "off" never (hj212-clock.ts).
       */
      clockSetting: z.enum(HJ212_CLOCK_SETTINGS).default("auto"),
      /** At most one 1012 per station (MN) this often for a clock found ahead or behind. */
      clockSetIntervalMs: z.number().int().positive().default(DEFAULT_CLOCK_SET_INTERVAL_MS),
      /**
       * With clockSetting "auto": a station whose last 3 real-time uploads (2011) each arrived at
       * least this long after their DataTime, by lags within 10 s of each other, has a slow clock
       * and gets a 1012 (hj212-clock.ts isSlowClock). At least 3 × the lags' allowed spread (30 s):
       * real-time data normally arrive seconds after their DataTime.
       */
      slowClockThresholdMs: z
        .number()
        .int()
        .min(3 * SLOW_CLOCK_LAG_SPREAD_MS, "at least 30000 (30 s): real-time data arrive seconds late")
        .default(DEFAULT_SLOW_CLOCK_THRESHOLD_MS),
    })
    .prefault({}),
  /** Validation limits of both decoders (DecodeLimits of @qingshan/domain). */
  limits: z
    .strictObject({
      maxPayloadBytes: z.number().int().positive().default(DEFAULT_DECODE_LIMITS.maxPayloadBytes),
      maxFutureSkewMs: z.number().int().min(0).default(DEFAULT_DECODE_LIMITS.maxFutureSkewMs),
      maxLatenessMs: z.number().int().positive().default(DEFAULT_DECODE_LIMITS.maxLatenessMs),
    })
    .prefault({}),
  /** How long stop lets in-flight inputs retry a failing bus before leaving them unacknowledged. */
  drainTimeoutMs: z.number().int().min(0).default(10_000),
  /** Backoff while the bus refuses a publish; the message stays unacknowledged meanwhile. */
  publishRetry: z
    .strictObject({
      initialDelayMs: z.number().int().positive().default(100),
      maxDelayMs: z.number().int().positive().default(5000),
    })
    .prefault({}),
});

export type IngestConfig = z.infer<typeof IngestConfigSchema>;
export type IngestConfigInput = z.input<typeof IngestConfigSchema>;

/**
 * Validates the configuration once, fills defaults and freezes it. Throws an Error naming the
 * setting on invalid input.
 *
 * @example
 * parseIngestConfig({}).hj212.tcpPort // 9212
 */
export function parseIngestConfig(input: IngestConfigInput = {}): IngestConfig {
  const parsed = IngestConfigSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`ingest config: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  const config = parsed.data;
  if (config.mqtt.url === "") delete config.mqtt.url;
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
