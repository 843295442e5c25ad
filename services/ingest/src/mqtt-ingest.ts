import { type IClientOptions, type IPublishPacket, type MqttClient, connect as mqttConnect } from "mqtt";
import type { Logger } from "pino";
import { ArrivalLine } from "./arrival-line.ts";
import type { IngestConfig } from "./config.ts";
import {
  DeliveryAbortedError,
  deliverWithRetry,
  type RetryPolicy,
  settleWithin,
} from "./deliver-with-retry.ts";
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
}

export interface MqttIngest {
  /** Connects every session and subscribes; rejects with a clear error when the broker refuses. */
  start(): Promise<void>;
  /** Stops taking messages, waits for in-flight ones to be handed on and acknowledged, disconnects. */
  stop(): Promise<void>;
  /** The subscribed topic filters, e.g. `$share/qingshan/stations/#`. */
  readonly topicFilters: readonly string[];
  /** Client ids of the sessions (stable across restarts: the broker keeps each session's queue). */
  readonly clientIds: readonly string[];
  /** Sessions currently connected to the broker, of `clientIds.length`. */
  connectedSessions(): number;
}

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
    resubscribe: true,
  };
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
  const stopping = new AbortController();
  const retry = { signal: stopping.signal, policy: options.retry, logger, metrics };
  /** Messages taken and not yet acknowledged or given up, and who waits for them to reach 0 (stop). */
  let inFlight = 0;
  let idle: Array<() => void> = [];
  let closing = false;
  // Set when stop gave up on in-flight messages: they must not be acknowledged afterwards.
  let abandoned = false;

  /** The message's input, or undefined for Qingshan's own topics (its HJ 212 replies, alerts). */
  function decode(packet: IPublishPacket): { decoded: DecodedInput; mn?: string } | undefined {
    return decodeMqttMessage(pipeline, topics, packet.topic, packet.payload);
  }

  /** Decodes and hands on one message; settles its place in the PUBACK line either way. */
  async function handle(
    client: MqttClient,
    packet: IPublishPacket,
    entry: PendingPuback,
    line: ArrivalLine<PendingPuback>,
  ): Promise<void> {
    try {
      const input = decode(packet);
      // Qingshan's own messages (e.g. this instance's HJ 212 replies under hj212/#) are acknowledged, not input.
      const result = input === undefined ? undefined : await deliverWithRetry(pipeline, input.decoded, retry);
      const mn = input?.mn;
      if (result?.response !== undefined && mn !== undefined) {
        // The station (or its gateway) listens for the 9014 data response on {prefix}/{MN}/reply.
        client.publish(`${options.hj212TopicPrefix}/${mn}/reply`, result.response, { qos: 1 });
      }
      entry.state = "succeeded";
    } catch (error) {
      if (!(error instanceof DeliveryAbortedError)) {
        logger.error({ err: error, topic: packet.topic }, "MQTT message not handled; left unacknowledged");
      }
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
        if (--inFlight === 0 && idle.length > 0) {
          const wake = idle;
          idle = [];
          for (const resolve of wake) resolve();
        }
      },
    );
  }

  function attach(client: MqttClient): void {
    // The session's messages not yet acknowledged, in receive order (one line per connection object).
    const line = new ArrivalLine<PendingPuback>();
    client.handleMessage = (packet, callback) => {
      // While stopping, new messages are left unacknowledged: the broker keeps them in the session.
      // Not calling back also stops MQTT.js from reading further packets of this connection.
      if (closing) return;
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
      // packet at once: many messages are in flight per connection (bounded by the broker's
      // in-flight window, Receive Maximum in MQTT 5), and the PUBACK is sent above once handed on.
      callback(DEFERRED_ACK);
    };
    client.on("error", (error) =>
      logger.error({ err: error, clientId: client.options.clientId }, "MQTT error"),
    );
    client.on("offline", () => logger.warn({ clientId: client.options.clientId }, "MQTT connection lost"));
    client.on("reconnect", () => logger.info({ clientId: client.options.clientId }, "MQTT reconnecting"));
  }

  function connectOne(clientId: string): Promise<MqttClient> {
    const client = mqttConnect(options.url, clientOptions(mqtt, clientId));
    attach(client);
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
      for (const clientId of clientIds) {
        const client = await connectOne(clientId);
        const grants = await client.subscribeAsync(
          Object.fromEntries(filters.map((topic) => [topic, { qos: 1 as const }])),
        );
        const refused = grants.filter((g) => g.qos === 128);
        if (refused.length > 0) {
          throw new Error(
            `the MQTT broker ${options.url} refused the subscription to ${refused.map((g) => g.topic).join(", ")} (check its ACL; shared subscriptions need MQTT 5 or mqtt.shareGroup "")`,
          );
        }
        const downgraded = grants.filter((g) => g.qos === 0);
        if (downgraded.length > 0) {
          logger.warn(
            { topics: downgraded.map((g) => g.topic) },
            "broker granted QoS 0: messages may be lost without redelivery",
          );
        }
        // After the new subscription (no gap): a session of an earlier version keeps no second filter.
        await client.unsubscribeAsync(legacyTopicFilters(mqtt.shareGroup, options.hj212TopicPrefix));
        logger.info({ clientId, url: options.url, topics: filters }, "MQTT ingest subscribed");
      }
    } catch (error) {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      clients.length = 0;
      throw error;
    }
  }

  async function stop(): Promise<void> {
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
    // An offline session cannot flush its queued HJ 212 replies: close it at once (unanswered
    // stations resend their packets, which is harmless: the store is idempotent).
    await Promise.all(clients.map((c) => c.endAsync(!drained || !c.connected)));
    clients.length = 0;
  }

  return {
    start,
    stop,
    topicFilters: filters,
    clientIds,
    connectedSessions: () => clients.filter((c) => c.connected).length,
  };
}
