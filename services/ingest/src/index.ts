import type { Bus } from "@qingshan/bus";
import type { StationRegistry } from "@qingshan/domain";
import { type Logger, pino } from "pino";
import type { Registry } from "prom-client";
import { createEmbeddedIntake, type EmbeddedIntake } from "./broker-intake.ts";
import { type IngestConfig, type IngestConfigInput, parseIngestConfig } from "./config.ts";
import { type EmbeddedBroker, startEmbeddedBroker } from "./embedded-broker.ts";
import { createHj212TcpListener, type Hj212TcpListener } from "./hj212-tcp.ts";
import { createIngestPipeline, type IngestPipeline } from "./ingest-pipeline.ts";
import { createIngestMetrics, type IngestMetrics } from "./metrics.ts";
import { createMqttIngest, type MqttIngest } from "./mqtt-ingest.ts";

export { createEmbeddedIntake, type EmbeddedIntake, type EmbeddedIntakeOptions } from "./broker-intake.ts";
export {
  type IngestConfig,
  type IngestConfigInput,
  IngestConfigSchema,
  parseIngestConfig,
} from "./config.ts";
export { MAX_DEAD_LETTER_PAYLOAD_BYTES, toDeadLetter, truncateUtf8 } from "./dead-letters.ts";
export { DeliveryAbortedError, deliverWithRetry, type RetryPolicy } from "./deliver-with-retry.ts";
export {
  type BrokerIntake,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  type IncomingPublish,
  startEmbeddedBroker,
} from "./embedded-broker.ts";
export { createHj212TcpListener, type Hj212TcpListener, type Hj212TcpOptions } from "./hj212-tcp.ts";
export {
  createIngestPipeline,
  type DecodedInput,
  type Hj212SubmitOptions,
  type IngestPipeline,
  type IngestPipelineDeps,
  type IngestSource,
  type SubmitOptions,
  type SubmitResult,
} from "./ingest-pipeline.ts";
export { createIngestMetrics, type IngestMetrics } from "./metrics.ts";
export { createMqttIngest, type MqttIngest, type MqttIngestOptions, topicFilters } from "./mqtt-ingest.ts";

export interface IngestDeps {
  readonly bus: Bus;
  readonly registry: StationRegistry;
  /** UTC epoch ms; default Date.now. */
  readonly clock?: () => number;
  /** Default: a pino logger named "ingest". */
  readonly logger?: Logger;
  /** prom-client registry for the metrics; default the global `register`. */
  readonly metricsRegistry?: Registry;
}

export interface Ingest {
  /** Starts the embedded broker with its intake (without mqtt.url) or the MQTT sessions, and the HJ 212 TCP listener. */
  start(): Promise<void>;
  /** Stops intake, drains in-flight messages (acknowledging them), disconnects, closes the broker. */
  stop(): Promise<void>;
  /** The transport-free core, for CSV import and backfill through the HTTP API. */
  readonly pipeline: IngestPipeline;
  readonly config: IngestConfig;
  readonly metrics: IngestMetrics;
  /**
   * Readiness: the embedded broker listens, or every MQTT session to the external broker is
   * connected (a session that lost its broker reconnects; until then ingest is not ready).
   */
  ready(): { ok: boolean; detail: string };
  /** Port of the embedded broker once started; undefined with mqtt.url. */
  readonly brokerPort: number | undefined;
  /** URL the MQTT sessions connect to once started (the embedded broker's or mqtt.url). */
  readonly brokerUrl: string | undefined;
  /** Port of the HJ 212 TCP listener once started; undefined when hj212.tcpPort is 0. */
  readonly tcpPort: number | undefined;
}

/**
 * Composes the ingest service from its configuration: validates it (no I/O), and on `start`
 * opens the HJ 212 TCP listener and either the embedded broker with ingest inside it (no
 * `mqtt.url`: station messages are acknowledged once stored) or the MQTT sessions that subscribe
 * to `stations/#` and `hj212/#` on `mqtt.url`. A message on a topic ingest does not take (and not
 * Qingshan's own, `mqtt.ownTopics`) is dead-lettered as topic.invalid.
 *
 * @example
 * const ingest = createIngest({ mqtt: { embeddedPort: 1883 } }, { bus, registry });
 * await ingest.start();
 * // … later
 * await ingest.stop();
 */
export function createIngest(input: IngestConfigInput, deps: IngestDeps): Ingest {
  const config = parseIngestConfig(input);
  const logger = deps.logger ?? pino({ name: "ingest" });
  const metrics = createIngestMetrics(deps.metricsRegistry);
  const pipeline = createIngestPipeline({
    bus: deps.bus,
    registry: deps.registry,
    metrics,
    limits: config.limits,
    logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  let broker: EmbeddedBroker | undefined;
  let tcp: Hj212TcpListener | undefined;
  let mqtt: MqttIngest | undefined;
  let intake: EmbeddedIntake | undefined;
  let tcpPort: number | undefined;
  let brokerUrl: string | undefined;

  async function start(): Promise<void> {
    try {
      if (config.mqtt.url === undefined) {
        // Embedded mode: ingest runs inside the broker, so the station's PUBACK waits for the store
        // (no second MQTT hop whose acknowledgement would come before the data is safe).
        const embedded = createEmbeddedIntake({
          pipeline,
          hj212TopicPrefix: config.hj212.mqttTopicPrefix,
          ownTopics: config.mqtt.ownTopics,
          logger,
          metrics,
          retry: config.publishRetry,
          drainTimeoutMs: config.drainTimeoutMs,
          splitTimeoutMs: config.hj212.splitTimeoutMs,
          maxPendingSplitMessages: config.hj212.maxPendingSplitMessages,
          maxPendingSplitBytes: config.hj212.maxPendingSplitBytes,
          reply: (topic, payload) => (broker ? broker.publish(topic, payload) : Promise.resolve()),
        });
        intake = embedded;
        broker = await startEmbeddedBroker({
          port: config.mqtt.embeddedPort,
          host: config.mqtt.embeddedHost,
          intake: embedded.intake,
        });
        logger.info({ port: broker.port }, "embedded MQTT broker started");
      }
      brokerUrl = broker?.url ?? config.mqtt.url;
      // hj212.tcpPort 0 disables the listener.
      if (config.hj212.tcpPort !== 0) {
        tcp = createHj212TcpListener({
          port: config.hj212.tcpPort,
          host: config.hj212.tcpHost,
          idleTimeoutMs: config.hj212.idleTimeoutMs,
          maxConnections: config.hj212.maxConnections,
          drainTimeoutMs: config.drainTimeoutMs,
          splitTimeoutMs: config.hj212.splitTimeoutMs,
          maxPendingSplitMessages: config.hj212.maxPendingSplitMessages,
          maxPendingSplitBytes: config.hj212.maxPendingSplitBytes,
          clockSetting: config.hj212.clockSetting,
          clockSetIntervalMs: config.hj212.clockSetIntervalMs,
          slowClockThresholdMs: config.hj212.slowClockThresholdMs,
          ...(deps.clock ? { clock: deps.clock } : {}),
          ...(deps.metricsRegistry ? { metricsRegistry: deps.metricsRegistry } : {}),
          pipeline,
          logger,
          metrics,
          retry: config.publishRetry,
        });
        tcpPort = await tcp.start();
      }
      if (broker === undefined) {
        mqtt = createMqttIngest({
          url: brokerUrl as string,
          mqtt: config.mqtt,
          hj212TopicPrefix: config.hj212.mqttTopicPrefix,
          ownTopics: config.mqtt.ownTopics,
          drainTimeoutMs: config.drainTimeoutMs,
          splitTimeoutMs: config.hj212.splitTimeoutMs,
          maxPendingSplitMessages: config.hj212.maxPendingSplitMessages,
          maxPendingSplitBytes: config.hj212.maxPendingSplitBytes,
          pipeline,
          logger,
          metrics,
          retry: config.publishRetry,
        });
        await mqtt.start();
      }
    } catch (error) {
      await stop();
      throw error;
    }
  }

  async function stop(): Promise<void> {
    // Order: intake first (drains what stations sent, its PUBACKs need the broker), then TCP,
    // then the embedded broker.
    await mqtt?.stop();
    mqtt = undefined;
    await intake?.stop();
    intake = undefined;
    await tcp?.stop();
    tcp = undefined;
    tcpPort = undefined;
    await broker?.close();
    broker = undefined;
  }

  function ready(): { ok: boolean; detail: string } {
    if (broker !== undefined) return { ok: true, detail: `embedded broker on port ${broker.port}` };
    if (mqtt === undefined) return { ok: false, detail: "not started" };
    // A session counts once connected and its SUBACK granted the filters: connected alone
    // receives nothing after a broker restart until it has subscribed again (mqtt-ingest.ts).
    const sessions = mqtt.sessions();
    const ready = sessions.filter((s) => s.state === "ready").length;
    const problems = sessions
      .filter((s) => s.state !== "ready")
      .map((s) => `; ${s.clientId}: ${s.reason ?? s.state}`)
      .join("");
    return {
      ok: ready === sessions.length,
      detail: `${ready}/${sessions.length} MQTT sessions connected and subscribed to ${brokerUrl}${problems}`,
    };
  }

  return {
    start,
    stop,
    ready,
    pipeline,
    config,
    metrics,
    get brokerPort() {
      return broker?.port;
    },
    get brokerUrl() {
      return brokerUrl;
    },
    get tcpPort() {
      return tcpPort;
    },
  };
}
