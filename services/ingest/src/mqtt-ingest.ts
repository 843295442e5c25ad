import {
  connectAsync,
  ErrorWithSubackPacket,
  type IClientOptions,
  type IDisconnectPacket,
  type IPublishPacket,
  type MqttClient,
  connect as mqttConnect,
  ReasonCodes,
} from "mqtt";
import type { Logger } from "pino";
import { ArrivalLine } from "./arrival-line.ts";
import type { IngestConfig } from "./config.ts";
import {
  DeliveryAbortedError,
  deliverWithRetry,
  type RetryPolicy,
  settleWithin,
} from "./deliver-with-retry.ts";
import { createSplitMessages, DEFAULT_SPLIT_TIMEOUT_MS, type SplitDecoded } from "./hj212-split.ts";
import type { DecodedInput, IngestPipeline } from "./ingest-pipeline.ts";
import type { IngestMetrics } from "./metrics.ts";
import { decodeMqttMessage } from "./mqtt-decode.ts";
import { ingestTopics } from "./topics.ts";

export interface MqttIngestOptions {
  /** Broker URL, e.g. "mqtt://127.0.0.1:1883". */
  readonly url: string;
  readonly mqtt: IngestConfig["mqtt"];
  /** Topic prefix of HJ 212 packets: `{prefix}/{MN}`. */
  readonly hj212TopicPrefix: string;
  /** Topic filters of Qingshan's other publishers on this broker (the notifier's `alerts/#`): not input. */
  readonly ownTopics: readonly string[];
  readonly pipeline: IngestPipeline;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  readonly retry: RetryPolicy;
  /** How long `stop` lets in-flight messages retry a failing bus before leaving them unacknowledged. */
  readonly drainTimeoutMs: number;
  /** hj212.splitTimeoutMs (default {@link DEFAULT_SPLIT_TIMEOUT_MS}): see hj212-split.ts. */
  readonly splitTimeoutMs?: number;
  /** hj212.maxPendingSplitMessages / hj212.maxPendingSplitBytes (defaults in hj212-split.ts): see there. */
  readonly maxPendingSplitMessages?: number;
  readonly maxPendingSplitBytes?: number;
}

/**
 * One session's readiness: `ready` once connected and the broker granted every topic filter in
 * its SUBACK on this connection; `subscribing` between CONNACK and SUBACK; `refused` when the
 * SUBACK refused a filter (reason code 0x80 or above, MQTT 5.0 §3.9.3); `disconnected` otherwise.
 *
 * @example
 * { clientId: "qingshan-ingest-1", state: "refused", reason: "the broker refused $share/qingshan/stations/# (0x87 Not authorized)" }
 */
export interface MqttSessionStatus {
  readonly clientId: string;
  readonly state: "ready" | "subscribing" | "refused" | "disconnected";
  /** Why the session is not ready; undefined when it is. */
  readonly reason?: string;
}

export interface MqttIngest {
  /**
   * Connects every session and subscribes; rejects with a clear error when the broker refuses.
   * Every later reconnect subscribes again (see subscribeSession).
   */
  start(): Promise<void>;
  /** Stops taking messages, waits for in-flight ones to be handed on and acknowledged, disconnects. */
  stop(): Promise<void>;
  /** The subscribed topic filters, e.g. `$share/qingshan/stations/#`. */
  readonly topicFilters: readonly string[];
  /** Client ids of the sessions (stable across restarts: the broker keeps each session's queue). */
  readonly clientIds: readonly string[];
  /** Sessions currently connected to the broker, of `clientIds.length`. */
  connectedSessions(): number;
  /** Each session's readiness, in `clientIds` order: ready only once its SUBACK granted every filter. */
  sessions(): MqttSessionStatus[];
}

/** MQTT 5.0 §3.14.2.1 DISCONNECT reason 0x8E: another connection with this client id took the session. */
const SESSION_TAKEN_OVER = 0x8e;
/** Socket errors of a broker that cannot be reached (down, restarting, network): logged as a summary. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);
/** While reconnecting, one summary line (attempts, since when, last error) at most this often. */
const RECONNECT_SUMMARY_MS = 60_000;

const isoTime = (ms: number): string => new Date(ms).toISOString();
const countOf = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;
/**
 * Mosquitto (2.0.11 at least) and MQTT 3.1.1 brokers take a session over by closing the old
 * connection without a DISCONNECT: this many closes in a row, each within QUICK_CLOSE_MS of the
 * CONNACK, with no reason and no socket error, are reported as a takeover.
 */
const QUICK_CLOSES_FOR_TAKEOVER = 3;
const QUICK_CLOSE_MS = 10_000;
/** A repeated takeover (two instances with one id kick each other off every second) is logged this often. */
const TAKEOVER_LOG_INTERVAL_MS = 60_000;

/**
 * Delays of the reconnect attempts right after a lost connection, before MQTT.js's own every
 * `mqtt.reconnectPeriodMs` (delays at or above it are skipped). A restarted Mosquitto 2.0.11
 * restores our session without its `$share/…` subscriptions and drops what stations publish until
 * we have subscribed again, though it acknowledges it to them: stations that reconnect sooner
 * than us lose that much (mqtt-broker-restart-loss.test.ts: 340–384 messages at 400/s when ingest
 * came back after 1 s). Not after a session takeover, nor after the second connection in a row
 * that closed soon after its CONNACK: two instances with one client id would take the session
 * from each other ever faster.
 */
const QUICK_RECONNECT_MS = [50, 100, 200, 400];

/** Handed to MQTT.js's handleMessage callback so it sends no PUBACK itself (see attach). */
const DEFERRED_ACK = new Error("PUBACK deferred until the message is handed on");

/** One message's place in its session's PUBACK line. */
interface PendingPuback {
  readonly stream: MqttClient["stream"];
  readonly messageId: number | undefined;
  readonly qos: number;
  /** "succeeded": handed on, waiting for earlier messages; "failed": never acknowledged. */
  state: "pending" | "succeeded" | "failed";
}

/** One session (client id) of this process and its readiness (see MqttSessionStatus). */
interface Session {
  readonly clientId: string;
  state: MqttSessionStatus["state"];
  reason: string | undefined;
  /** Counts connects and closes: the SUBACK of an earlier connection does not change a later one's state. */
  connection: number;
  /** The current connection's subscription: undefined once granted, else the error that refused it. */
  subscribed: Promise<Error | undefined> | undefined;
}

/** The parts of MQTT.js's client used to send a PUBACK ourselves (MQTT.js 5 has no manual-ack API). */
interface PacketWriter {
  _writePacket(packet: { cmd: "puback"; messageId: number }, cb?: () => void): void;
}

/**
 * Sends the PUBACK of `messageId` on the connection the message came in on. After a reconnect
 * the id may name another message of the new connection, so a stale PUBACK is dropped: the broker
 * redelivers the message in the resumed session and it is handled again (idempotently).
 */
function sendPuback(client: MqttClient, stream: MqttClient["stream"], messageId: number): void {
  if (!client.connected || client.stream !== stream || stream.destroyed) return;
  (client as unknown as PacketWriter)._writePacket({ cmd: "puback", messageId });
}

/**
 * The topic filters ingest subscribes to: every topic under `stations` and under the HJ 212 prefix
 * (a mistyped one below them, e.g. `stations/ld-aq-01` or `hj212/X/Y`, still arrives and is
 * dead-lettered as topic.invalid), in a shared subscription when a group is set (MQTT 5.0 §4.8.2)
 * so several instances split the load.
 *
 * @example
 * topicFilters("qingshan", "hj212") // ["$share/qingshan/stations/#", "$share/qingshan/hj212/#"]
 */
export function topicFilters(shareGroup: string, hj212Prefix: string): string[] {
  const filters = ingestTopics(hj212Prefix, []).filters;
  return shareGroup === "" ? [...filters] : filters.map((f) => `$share/${shareGroup}/${f}`);
}

/**
 * The filters earlier versions subscribed to: unsubscribed at start, so a persistent session
 * carried over does not get a second copy of each message through them (a shared subscription
 * of another filter is another share: MQTT 5.0 §4.8.2).
 */
function legacyTopicFilters(shareGroup: string, hj212Prefix: string): string[] {
  const filters = ["stations/+/+", `${hj212Prefix}/+`];
  return shareGroup === "" ? filters : filters.map((f) => `$share/${shareGroup}/${f}`);
}

/**
 * The subscription options. MQTT 5.0 §3.8.3.1 Retain Handling 1: retained messages only when the
 * subscription does not exist yet, so subscribing again on a reconnect (see subscribeSession)
 * does not resend them. MQTT 3.1.1 has no such option: there a retained message under the
 * filters is delivered again at each reconnect (harmless: the store is idempotent).
 */
const SUBSCRIPTION_OPTIONS = { qos: 1 as const, rh: 1 };

/** "0x87 Not authorized": a SUBACK reason code (MQTT 5.0 §3.9.3; 3.1.1 §3.9.3 knows only 0x80 Failure). */
function reasonName(code: number, protocolVersion: number): string {
  const name =
    protocolVersion === 5
      ? (ReasonCodes as Record<number, string | undefined>)[code]
      : code === 0x80
        ? "Failure"
        : undefined;
  return `0x${code.toString(16).padStart(2, "0")}${name ? ` ${name}` : ""}`;
}

/** Whether DEBUG asks for MQTT.js's log (the `debug` package's namespaces, e.g. DEBUG=mqttjs*). */
const MQTT_DEBUG = /(^|[\s,])(\*|mqttjs)/.test(process.env.DEBUG ?? "");
function ignoreLog(): void {}

function clientOptions(mqtt: IngestConfig["mqtt"], clientId: string): IClientOptions {
  const options: IClientOptions = {
    clientId,
    // A persistent session: the broker keeps our subscriptions and queues QoS 1 messages while we
    // are away, and redelivers the ones we did not acknowledge (MQTT 3.1.1 §3.1.2.4, 5.0 §3.1.2.4).
    clean: false,
    protocolVersion: mqtt.protocolVersion,
    keepalive: mqtt.keepaliveSeconds,
    reconnectPeriod: mqtt.reconnectPeriodMs,
    connectTimeout: mqtt.connectTimeoutMs,
    manualConnect: true,
    // MQTT.js resubscribes only when the CONNACK says no session is present; ingest subscribes
    // on every connect itself (subscribeSession).
    resubscribe: false,
  };
  // MQTT.js logs each packet through `debug`; even disabled, that is a few calls per message.
  if (!MQTT_DEBUG) options.log = ignoreLog;
  if (mqtt.username !== undefined) options.username = mqtt.username;
  if (mqtt.password !== undefined) options.password = mqtt.password;
  if (mqtt.protocolVersion === 5) {
    options.properties = {
      // MQTT 5.0 §3.1.2.11.2: without an expiry the session ends at disconnect despite clean: false.
      sessionExpiryInterval: mqtt.sessionExpirySeconds,
      // MQTT 5.0 §3.1.2.11.3: bounds the unacknowledged messages the broker has in flight to us.
      receiveMaximum: mqtt.maxInFlight,
    };
  }
  return options;
}

/**
 * The MQTT transport of ingest. Each message is decoded and handed on to the bus; its PUBACK is
 * sent only after the readings and dead letters were published. Messages of a session are handled
 * concurrently (up to the broker's in-flight window: Receive Maximum `mqtt.maxInFlight` in MQTT 5,
 * the broker's own limit in 3.1.1), so the bus and the writer get many at once and write them in
 * large batches; PUBACKs still go out in receive order (MQTT 3.1.1 §4.6).
 *
 * @example
 * const transport = createMqttIngest({ url: "mqtt://127.0.0.1:1883", mqtt: config.mqtt, hj212TopicPrefix: "hj212", pipeline, logger, metrics, retry: config.publishRetry });
 * await transport.start();
 */
export function createMqttIngest(options: MqttIngestOptions): MqttIngest {
  const { mqtt, pipeline, logger, metrics } = options;
  const filters = topicFilters(mqtt.shareGroup, options.hj212TopicPrefix);
  const clientIds = Array.from({ length: mqtt.connections }, (_, i) =>
    mqtt.connections === 1 ? mqtt.clientId : `${mqtt.clientId}-${i + 1}`,
  );
  const topics = ingestTopics(options.hj212TopicPrefix, options.ownTopics);
  const clients: MqttClient[] = [];
  const sessions: Session[] = clientIds.map((clientId) => ({
    clientId,
    state: "disconnected",
    reason: "not started",
    connection: 0,
    subscribed: undefined,
  }));
  const stopping = new AbortController();
  const retry = { signal: stopping.signal, policy: options.retry, logger, metrics };
  // hj212.md §8 rule 4: split messages on hj212/{MN} are reassembled by (MN, QN) over all sessions
  // of this process (a shared subscription spreads one topic over them).
  const splits = createSplitMessages({
    pipeline,
    settings: options,
    logger,
    deliver: (decoded) => deliverWithRetry(pipeline, decoded, retry),
  });
  /** Messages taken and not yet acknowledged or given up, and who waits for them to reach 0 (stop). */
  let inFlight = 0;
  /**
   * Per session line: MQTT.js's callback for the packet that filled the line to `mqtt.maxInFlight`.
   * Until it is called MQTT.js reads nothing more of that connection, so TCP holds the broker back
   * and the backlog stays in the broker's session. The broker's own window is not enough: MQTT
   * 3.1.1 has no Receive Maximum, and Mosquitto 2.0.11 sends thousands past it under load.
   */
  const heldReads = new WeakMap<ArrivalLine<PendingPuback>, () => void>();
  let idle: Array<() => void> = [];
  let closing = false;
  /** Set once leaveOnStop unsubscribed: a reconnect then must not join the share group again. */
  let leaving = false;
  // Set when stop gave up on in-flight messages: they must not be acknowledged afterwards.
  let abandoned = false;
  /**
   * When a message last arrived or was acknowledged (ms, Date.now), for leaveOnStop's quiet
   * period: a PUBACK frees a place in the in-flight window, which the broker may fill from the
   * session's queue, so the quiet period counts from it too.
   */
  let lastActivity = 0;
  /** Messages received since leaving the share group began (the session's queue being drained). */
  let drainedOnLeave: number | undefined;

  /** The message's input, or undefined for Qingshan's own topics (its HJ 212 replies, alerts). */
  function decode(
    packet: IPublishPacket,
  ): { decoded: DecodedInput; mn?: string; split?: SplitDecoded } | undefined {
    return decodeMqttMessage(pipeline, topics, packet.topic, packet.payload, splits);
  }

  /** Decodes and hands on one message; settles its place in the PUBACK line either way. */
  async function handle(
    client: MqttClient,
    packet: IPublishPacket,
    entry: PendingPuback,
    line: ArrivalLine<PendingPuback>,
  ): Promise<void> {
    let split: SplitDecoded | undefined;
    try {
      const input = decode(packet);
      split = input?.split;
      // Qingshan's own messages (e.g. this instance's HJ 212 replies under hj212/#) are acknowledged, not input.
      const result = input === undefined ? undefined : await deliverWithRetry(pipeline, input.decoded, retry);
      split?.handedOn();
      const mn = input?.mn;
      if (result?.response !== undefined && mn !== undefined) {
        // The station (or its gateway) listens for the 9014 data response on {prefix}/{MN}/reply.
        client.publish(`${options.hj212TopicPrefix}/${mn}/reply`, result.response, { qos: 1 });
      }
      // A message holding a part of a split message is acknowledged only once that message was
      // handed on whole, or its parts dead-lettered (timeout, inconsistent, stop); no await for
      // the other messages (one more microtask each).
      const held = split?.held();
      if (held !== undefined) await held;
      entry.state = "succeeded";
    } catch (error) {
      if (!(error instanceof DeliveryAbortedError)) {
        logger.error({ err: error, topic: packet.topic }, "MQTT message not handled; left unacknowledged");
      }
      split?.handedOn(error);
      entry.state = "failed";
    }
    release(client, line);
  }

  /**
   * PUBACKs go out in receive order (MQTT 3.1.1 §4.6, 5.0 §4.6), each once its own message and
   * every earlier one were handed on (a failed one is skipped: never acknowledged, redelivered).
   */
  function release(client: MqttClient, line: ArrivalLine<PendingPuback>): void {
    line.drain(
      (entry) => entry.state === "pending",
      (entry) => {
        if (entry.state === "succeeded" && !abandoned && entry.qos !== 0 && entry.messageId !== undefined) {
          sendPuback(client, entry.stream, entry.messageId);
        }
        metrics.counts.inFlight("mqtt", -1);
        lastActivity = Date.now();
        if (--inFlight === 0 && idle.length > 0) {
          const wake = idle;
          idle = [];
          for (const resolve of wake) resolve();
        }
      },
    );
    const resume = heldReads.get(line);
    if (resume !== undefined && line.length < mqtt.maxInFlight && !closing) {
      heldReads.delete(line);
      resume();
    }
  }

  /**
   * Subscribes the session's filters on this connection, on every connect and not only when the
   * CONNACK says no session is present (MQTT.js's resubscribe): Mosquitto 2.0.11 restores a
   * persistent session from its persistence file after a restart (session present 1) without its
   * `$share/…` subscriptions, and the session would stay connected receiving nothing. Subscribing
   * to a filter the session has replaces that subscription without losing messages (MQTT 5.0
   * §3.8.4, 3.1.1 §3.8.4). Resolves to undefined once the SUBACK granted every filter, else to
   * the error (a refusal is logged here at error).
   */
  async function subscribeSession(
    client: MqttClient,
    session: Session,
    reconnect: boolean,
  ): Promise<Error | undefined> {
    const connection = session.connection;
    const current = (): boolean => session.connection === connection;
    session.state = "subscribing";
    session.reason = "connected, waiting for the broker's SUBACK";
    let refused: Array<{ topic: string; code: number }>;
    try {
      const grants = await client.subscribeAsync(
        Object.fromEntries(filters.map((topic) => [topic, SUBSCRIPTION_OPTIONS])),
      );
      refused = grants.filter((g) => g.qos >= 0x80).map((g) => ({ topic: g.topic, code: g.qos }));
      if (refused.length === 0) {
        const downgraded = grants.filter((g) => g.qos === 0);
        if (downgraded.length > 0) {
          logger.warn(
            { clientId: session.clientId, topics: downgraded.map((g) => g.topic) },
            "broker granted QoS 0: messages may be lost without redelivery",
          );
        }
        if (current()) {
          session.state = "ready";
          session.reason = undefined;
        }
        if (reconnect) {
          logger.info(
            { clientId: session.clientId, url: options.url, topics: filters },
            "MQTT ingest subscribed again after reconnecting",
          );
        }
        return undefined;
      }
    } catch (error) {
      // MQTT.js rejects a SUBACK with any reason code 0x80 or above (MQTT 5.0 §3.9.3, 3.1.1 §3.9.3).
      if (!(error instanceof ErrorWithSubackPacket)) {
        // The connection closed before the SUBACK: the next connect subscribes again.
        if (current()) session.reason = `subscribing failed: ${(error as Error).message}`;
        if (!closing) {
          logger.warn(
            { err: error, clientId: session.clientId },
            "MQTT subscribing failed; retried at the next connect",
          );
        }
        return error as Error;
      }
      const granted = error.packet.granted;
      refused = filters.flatMap((topic, i) => {
        const code = granted[i];
        return typeof code === "number" && code >= 0x80 ? [{ topic, code }] : [];
      });
    }
    const what = refused.map((r) => `${r.topic} (${reasonName(r.code, mqtt.protocolVersion)})`).join(", ");
    const hint = `check its ACL; shared subscriptions need MQTT 5 or mqtt.shareGroup ""`;
    if (current()) {
      session.state = "refused";
      session.reason = `the broker refused ${what}`;
    }
    logger.error(
      { clientId: session.clientId, url: options.url, refused: what },
      `MQTT subscription refused by the broker: ${what}; this session receives no messages (${hint})`,
    );
    return new Error(`the MQTT broker ${options.url} refused the subscription to ${what} (${hint})`);
  }

  function attach(client: MqttClient, session: Session): void {
    // The session's messages not yet acknowledged, in receive order (one line per connection object).
    const line = new ArrivalLine<PendingPuback>();
    client.handleMessage = (packet, callback) => {
      // While stopping, new messages are left unacknowledged: the broker keeps them in the session.
      // Not calling back also stops MQTT.js from reading further packets of this connection.
      if (closing) return;
      lastActivity = Date.now();
      if (drainedOnLeave !== undefined) drainedOnLeave++;
      metrics.counts.inFlight("mqtt", 1);
      inFlight++;
      const entry: PendingPuback = {
        stream: client.stream,
        messageId: packet.messageId,
        qos: packet.qos,
        state: "pending",
      };
      line.push(entry);
      void handle(client, packet, entry, line);
      // Calling back with an error makes MQTT.js skip its own PUBACK and go on with the next
      // packet: up to maxInFlight messages of a session are in flight at once, and each PUBACK
      // is sent in release() once handed on. Past that, the next packet waits for room.
      if (line.length >= mqtt.maxInFlight) heldReads.set(line, () => callback(DEFERRED_ACK));
      else callback(DEFERRED_ACK);
    };
    const clientId = client.options.clientId;
    /** Why the broker ended the connection (its DISCONNECT, MQTT 5), until the next connect. */
    let disconnectReason: number | undefined;
    let connectedAt = 0;
    let errorSinceConnect = false;
    /** Connections in a row the broker closed soon after CONNACK, with no reason and no error. */
    let quickCloses = 0;
    let takeovers = 0;
    let takeoverLoggedAt = Number.NEGATIVE_INFINITY;
    function reportTakeover(certain: boolean): void {
      takeovers++;
      const now = Date.now();
      if (now - takeoverLoggedAt < TAKEOVER_LOG_INTERVAL_MS) return;
      takeoverLoggedAt = now;
      const how = certain
        ? "another client connected to the broker with the client id"
        : `the broker closed the connection ${quickCloses} times in a row within seconds of accepting it, with no reason, as it does when another client connects with the client id`;
      const detail = certain
        ? " (DISCONNECT reason 0x8E Session taken over)"
        : " (Mosquitto and MQTT 3.1.1 just close the connection)";
      logger.error(
        { clientId, url: options.url, takeovers },
        `MQTT session taken over: ${how} "${clientId}"${detail}; two ingest instances with one client id take the session from each other in turn. Give each instance its own QINGSHAN_MQTT_CLIENT_ID (mqtt.clientId)`,
      );
    }
    let connects = 0;
    client.on("connect", () => {
      disconnectReason = undefined;
      errorSinceConnect = false;
      connectedAt = Date.now();
      session.connection++;
      connects++;
      if (closing || leaving) {
        session.state = "disconnected";
        session.reason = "stopping";
        return;
      }
      session.subscribed = subscribeSession(client, session, connects > 1);
    });
    client.on("close", () => {
      session.connection++;
      session.state = "disconnected";
      session.reason = closing ? "stopped" : "connection lost; reconnecting";
    });
    client.on("disconnect", (packet: IDisconnectPacket) => {
      disconnectReason = packet.reasonCode;
      if (packet.reasonCode === SESSION_TAKEN_OVER) reportTakeover(true);
    });
    // A broker outage fails every reconnect (each reconnectPeriodMs, 86 400 a day at 1 s): the
    // first attempt and the first connection error at warn, then one summary a minute of both at
    // warn (each further attempt at debug only), and the reconnection at info.
    let connectionErrors = 0;
    let lastConnectionError: { code: string; reason: string } | undefined;
    let reconnectAttempts = 0;
    let reconnectingSince = 0;
    let reconnectLoggedAt = 0;
    client.on("connect", () => {
      if (reconnectAttempts > 0) {
        logger.info(
          {
            clientId,
            url: options.url,
            attempts: reconnectAttempts,
            errors: connectionErrors,
            since: isoTime(reconnectingSince),
          },
          `MQTT reconnected after ${countOf(reconnectAttempts, "attempt")} since ${isoTime(reconnectingSince)}`,
        );
      }
      connectionErrors = 0;
      lastConnectionError = undefined;
      reconnectAttempts = 0;
    });
    client.on("error", (error) => {
      errorSinceConnect = true;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined || !CONNECTION_ERROR_CODES.has(code)) {
        logger.error({ err: error, clientId }, "MQTT error");
        return;
      }
      connectionErrors += 1;
      lastConnectionError = { code, reason: error.message };
      if (connectionErrors === 1) {
        logger.warn({ clientId, code, reason: error.message }, "MQTT broker unreachable; reconnecting");
      }
    });
    client.on("reconnect", () => {
      reconnectAttempts += 1;
      const now = Date.now();
      if (reconnectAttempts === 1) {
        reconnectingSince = now;
        reconnectLoggedAt = now;
        logger.warn({ clientId, url: options.url }, "MQTT reconnecting");
        return;
      }
      if (now - reconnectLoggedAt < RECONNECT_SUMMARY_MS) {
        logger.debug({ clientId, attempt: reconnectAttempts }, "MQTT reconnecting");
        return;
      }
      reconnectLoggedAt = now;
      const since = isoTime(reconnectingSince);
      logger.warn(
        {
          clientId,
          url: options.url,
          attempts: reconnectAttempts,
          errors: connectionErrors,
          since,
          ...lastConnectionError,
        },
        `MQTT still reconnecting: ${countOf(reconnectAttempts, "attempt")} since ${since}` +
          (lastConnectionError ? ` (last error ${lastConnectionError.code})` : ""),
      );
    });
    client.on("offline", () => {
      if (disconnectReason === SESSION_TAKEN_OVER) {
        logger.warn({ clientId, reason: "session taken over (0x8E)" }, "MQTT connection lost");
        return;
      }
      if (disconnectReason !== undefined) {
        quickCloses = 0;
        logger.warn(
          { clientId, reason: `broker DISCONNECT 0x${disconnectReason.toString(16)}` },
          "MQTT connection lost",
        );
        return;
      }
      const quick = !closing && !errorSinceConnect && Date.now() - connectedAt < QUICK_CLOSE_MS;
      quickCloses = quick ? quickCloses + 1 : 0;
      logger.warn(
        {
          clientId,
          reason:
            "connection closed without a reason (by the broker, the network, or a client with the same id taking the session)",
        },
        "MQTT connection lost",
      );
      if (quickCloses >= QUICK_CLOSES_FOR_TAKEOVER) reportTakeover(false);
    });
    let quickReconnect: NodeJS.Timeout | undefined;
    function reconnectSoon(step: number): void {
      const delay = QUICK_RECONNECT_MS[step];
      if (delay === undefined || delay >= mqtt.reconnectPeriodMs) return;
      quickReconnect = setTimeout(() => {
        quickReconnect = undefined;
        // Only between attempts: once MQTT.js's own attempt is under way its stream is open.
        if (closing || client.connected || !client.reconnecting || !client.stream.destroyed) return;
        // With its own stores: MQTT.js's reconnect() without them would drop unacknowledged publishes.
        client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
        reconnectSoon(step + 1);
      }, delay);
      quickReconnect.unref();
    }
    // After the logging "offline" listener above, which has counted this close in quickCloses.
    client.on("offline", () => {
      clearTimeout(quickReconnect);
      if (disconnectReason !== SESSION_TAKEN_OVER && quickCloses < 2) reconnectSoon(0);
    });
    client.on("connect", () => clearTimeout(quickReconnect));
  }

  function connectOne(session: Session): Promise<MqttClient> {
    const { clientId } = session;
    const client = mqttConnect(options.url, clientOptions(mqtt, clientId));
    attach(client, session);
    clients.push(client);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`no CONNACK within ${mqtt.connectTimeoutMs} ms`)),
        mqtt.connectTimeoutMs,
      );
      function cleanup() {
        clearTimeout(timer);
        client.off("connect", onConnect);
        client.off("error", fail);
      }
      function onConnect() {
        cleanup();
        resolve(client);
      }
      function fail(error: Error) {
        cleanup();
        reject(
          new Error(
            `cannot connect to the MQTT broker ${options.url} as "${clientId}": ${error.message} (check mqtt.url / QINGSHAN_MQTT_URL)`,
            { cause: error },
          ),
        );
      }
      client.once("connect", onConnect);
      client.once("error", fail);
      client.connect();
    });
  }

  async function start(): Promise<void> {
    try {
      for (const session of sessions) {
        const client = await connectOne(session);
        // The connect handler (attach) subscribed.
        const refused = await session.subscribed;
        if (refused !== undefined) throw refused;
        // After the new subscription (no gap): a session of an earlier version keeps no second filter.
        await client.unsubscribeAsync(legacyTopicFilters(mqtt.shareGroup, options.hj212TopicPrefix));
        logger.info(
          { clientId: session.clientId, url: options.url, topics: filters },
          "MQTT ingest subscribed",
        );
      }
    } catch (error) {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      clients.length = 0;
      throw error;
    }
  }

  /** Resolves once no message is in flight, or false after `timeoutMs`. */
  function settledWithin(timeoutMs: number): Promise<boolean> {
    if (inFlight === 0) return Promise.resolve(true);
    return settleWithin(new Promise<void>((resolve) => idle.push(resolve)), timeoutMs);
  }

  /**
   * leaveOnStop, first half: unsubscribe from the shared subscription (the broker then routes new
   * messages to the other members: MQTT 5.0 §4.8.2) and go on handing on what the session still
   * receives (messages queued for it before) until nothing arrived for `leaveQuietMs` and nothing
   * is in flight. Returns whether the session may be deleted: false when unsubscribing failed or
   * in-flight messages did not settle within the drain timeout (the session must keep them).
   */
  async function leaveShareGroup(): Promise<boolean> {
    const connected = clients.filter((c) => c.connected);
    if (clients.length === 0) return false;
    if (connected.length !== clients.length) {
      logger.warn(
        { clientIds, connected: connected.length },
        "MQTT leaveOnStop: not every session is connected, so the sessions are kept (not left) at stop",
      );
      return false;
    }
    drainedOnLeave = 0;
    leaving = true;
    try {
      await Promise.all(clients.map((c) => c.unsubscribeAsync([...filters])));
    } catch (error) {
      logger.warn({ err: error, clientIds }, "MQTT leaveOnStop: unsubscribing failed, the sessions are kept");
      return false;
    }
    // The quiet period starts at the UNSUBACK at the earliest.
    lastActivity = Date.now();
    logger.info(
      { clientIds, topics: filters },
      "MQTT leaving the share group: unsubscribed, draining the session",
    );
    for (;;) {
      if (!(await settledWithin(options.drainTimeoutMs))) return false;
      const quietFor = Date.now() - lastActivity;
      if (quietFor >= mqtt.leaveQuietMs && inFlight === 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, mqtt.leaveQuietMs - quietFor)));
    }
    return clients.every((c) => c.connected);
  }

  /**
   * leaveOnStop, second half: ends every session at the broker. MQTT 5: DISCONNECT with Session
   * Expiry Interval 0 (MQTT 5.0 §3.14.2.2.2: the broker deletes the session). MQTT 3.1.1: after
   * the disconnect, a connection with clean session 1 discards the stored session (3.1.1 §3.1.2.4).
   */
  async function endSessions(): Promise<void> {
    if (mqtt.protocolVersion === 5) {
      await Promise.all(clients.map((c) => c.endAsync(false, { properties: { sessionExpiryInterval: 0 } })));
      return;
    }
    await Promise.all(clients.map((c) => c.endAsync(false)));
    for (const clientId of clientIds) {
      const cleaner = await connectAsync(options.url, {
        ...clientOptions(mqtt, clientId),
        clean: true,
        reconnectPeriod: 0,
        manualConnect: false,
      });
      await cleaner.endAsync(false);
    }
  }

  async function stop(): Promise<void> {
    // Split messages still incomplete are dead-lettered first, so the parts' messages can be
    // acknowledged; parts arriving after that are dead-lettered at once (hj212-split.ts).
    await splits.stop();
    const leave = mqtt.leaveOnStop && (await leaveShareGroup());
    closing = true;
    // Drain: messages already being handed on finish and are acknowledged before we disconnect.
    // Past the drain timeout (bus down or stuck) retries stop and the connection is closed
    // without acknowledging them: the broker redelivers them to the next session.
    const settled = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
    const drained = await settleWithin(settled, options.drainTimeoutMs);
    stopping.abort();
    if (!drained) {
      abandoned = true;
      logger.warn({ inFlight }, "MQTT drain timed out; in-flight messages left unacknowledged");
    }
    if (leave && drained && clients.every((c) => c.connected)) {
      // Everything the session received was handed on and acknowledged: nothing is lost with it.
      try {
        if (!(await settleWithin(endSessions(), mqtt.connectTimeoutMs))) {
          throw new Error(`no answer from the broker within ${mqtt.connectTimeoutMs} ms`);
        }
        logger.info(
          { clientIds, drainedMessages: drainedOnLeave },
          `MQTT left the share group: ${drainedOnLeave} messages received while leaving were handed on, session ended at the broker`,
        );
      } catch (error) {
        logger.warn(
          { err: error, clientIds },
          "MQTT leaveOnStop: ending the session failed, the broker may keep it",
        );
        await Promise.all(clients.map((c) => c.endAsync(true)));
      }
    } else {
      if (mqtt.leaveOnStop && clients.length > 0) {
        logger.warn(
          { clientIds, drainedMessages: drainedOnLeave },
          "MQTT leaveOnStop: the session is kept at the broker (not everything was handed on); it holds the unacknowledged messages until this client id connects again",
        );
      }
      // An offline session cannot flush its queued HJ 212 replies: close it at once (unanswered
      // stations resend their packets, which is harmless: the store is idempotent).
      await Promise.all(clients.map((c) => c.endAsync(!drained || !c.connected)));
    }
    clients.length = 0;
  }

  return {
    start,
    stop,
    topicFilters: filters,
    clientIds,
    connectedSessions: () => clients.filter((c) => c.connected).length,
    sessions: () =>
      sessions.map(({ clientId, state, reason }) =>
        reason === undefined ? { clientId, state } : { clientId, state, reason },
      ),
  };
}
