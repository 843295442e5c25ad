import type { Logger } from "pino";
import {
  DeliveryAbortedError,
  deliverWithRetry,
  type RetryPolicy,
  settleWithin,
} from "./deliver-with-retry.ts";
import type { BrokerIntake, IncomingPublish } from "./embedded-broker.ts";
import { createSplitMessages, DEFAULT_SPLIT_TIMEOUT_MS, type SplitDecoded } from "./hj212-split.ts";
import type { DecodedInput, IngestPipeline } from "./ingest-pipeline.ts";
import type { IngestMetrics } from "./metrics.ts";
import { decodeMqttMessage } from "./mqtt-decode.ts";
import { ingestTopics } from "./topics.ts";

export interface EmbeddedIntakeOptions {
  readonly pipeline: IngestPipeline;
  /** Topic prefix of HJ 212 packets: `{prefix}/{MN}`. */
  readonly hj212TopicPrefix: string;
  /** Topic filters of Qingshan's other publishers on this broker (the notifier's `alerts/#`): not input. */
  readonly ownTopics: readonly string[];
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  readonly retry: RetryPolicy;
  readonly drainTimeoutMs: number;
  /** hj212.splitTimeoutMs (default {@link DEFAULT_SPLIT_TIMEOUT_MS}): see hj212-split.ts. */
  readonly splitTimeoutMs?: number;
  /** hj212.maxPendingSplitMessages / hj212.maxPendingSplitBytes (defaults in hj212-split.ts): see there. */
  readonly maxPendingSplitMessages?: number;
  readonly maxPendingSplitBytes?: number;
  /** Sends an HJ 212 9014 data response on `{prefix}/{MN}/reply` (the broker's own publish). */
  reply(topic: string, payload: string): Promise<void>;
}

export interface EmbeddedIntake {
  /**
   * The broker hook: station JSON on `stations/{id}/{kind}` and HJ 212 on `{prefix}/{MN}`; any other
   * topic but Qingshan's own (`{prefix}/{MN}/reply`, `ownTopics`, `$…`) is dead-lettered as topic.invalid.
   */
  readonly intake: BrokerIntake;
  /**
   * Stops taking messages (a station sending one is disconnected without PUBACK), waits up to
   * drainTimeoutMs for in-flight ones; past it, their delivery is abandoned unacknowledged.
   */
  stop(): Promise<void>;
}

/**
 * Ingest inside the embedded broker: each station message is decoded, its readings and dead
 * letters are published on the bus, and only then does the broker send the PUBACK. With the
 * in-process bus and the writer's durable subscription, "published" means "stored", so a crash
 * loses nothing a station was told was received. Rejected payloads become dead letters and are
 * acknowledged like any other message (a bad message must not be redelivered forever).
 *
 * @example
 * const intake = createEmbeddedIntake({ pipeline, hj212TopicPrefix: "hj212", ownTopics: ["alerts/#"], logger, metrics, retry, drainTimeoutMs: 10_000, reply: (t, p) => broker.publish(t, p) });
 * const broker = await startEmbeddedBroker({ port: 1883, intake: intake.intake });
 */
export function createEmbeddedIntake(options: EmbeddedIntakeOptions): EmbeddedIntake {
  const { pipeline, logger, metrics } = options;
  const prefix = options.hj212TopicPrefix;
  const stopping = new AbortController();
  const retry = { signal: stopping.signal, policy: options.retry, logger, metrics };
  /** Messages being handled, and who waits for them to reach 0 (stop). */
  let inFlight = 0;
  let idle: Array<() => void> = [];
  let closing = false;

  const topics = ingestTopics(prefix, options.ownTopics);
  // hj212.md §8 rule 4: split messages on {prefix}/{MN} are reassembled by (MN, QN).
  const splits = createSplitMessages({
    pipeline,
    settings: options,
    logger,
    deliver: (decoded) => deliverWithRetry(pipeline, decoded, retry),
  });

  function decode(
    message: IncomingPublish,
  ): { decoded: DecodedInput; mn?: string; split?: SplitDecoded } | undefined {
    return decodeMqttMessage(pipeline, topics, message.topic, message.payload, splits);
  }

  /** One async function per message (tracking, logging and counting included): few promises. */
  async function handle(
    decoded: DecodedInput,
    mn: string | undefined,
    topic: string,
    split: SplitDecoded | undefined,
  ): Promise<void> {
    try {
      let result: Awaited<ReturnType<typeof deliverWithRetry>>;
      try {
        result = await deliverWithRetry(pipeline, decoded, retry);
        split?.handedOn();
      } catch (error) {
        split?.handedOn(error);
        throw error;
      }
      if (result.response !== undefined && mn !== undefined) {
        // The reply goes out after the readings were handed on; a lost reply makes the station resend (idempotent).
        options.reply(`${prefix}/${mn}/reply`, result.response).catch((error: unknown) => {
          logger.warn({ err: error, mn }, "HJ 212 reply not sent");
        });
      }
      // A part of a split message is acknowledged once its message was handed on or dead-lettered
      // (no await for the other messages: one more microtask each).
      const held = split?.held();
      if (held !== undefined) await held;
    } catch (error) {
      if (!(error instanceof DeliveryAbortedError)) {
        logger.error({ err: error, topic }, "MQTT message not handled; left unacknowledged");
      }
      throw error;
    } finally {
      metrics.counts.inFlight("mqtt", -1);
      if (--inFlight === 0 && idle.length > 0) {
        const wake = idle;
        idle = [];
        for (const resolve of wake) resolve();
      }
    }
  }

  const intake: BrokerIntake = (message) => {
    if (closing) {
      // Not acknowledged (the broker drops the connection): the station resends after reconnecting.
      return Promise.reject(new DeliveryAbortedError());
    }
    const found = decode(message);
    if (found === undefined) return undefined;
    metrics.counts.inFlight("mqtt", 1);
    inFlight++;
    return handle(found.decoded, found.mn, message.topic, found.split);
  };

  async function stop(): Promise<void> {
    closing = true;
    // No message is taken any more, so the count only falls. Split messages still incomplete are
    // dead-lettered, which settles the messages holding their parts.
    const settled = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
    const drained = await settleWithin(Promise.all([settled, splits.stop()]), options.drainTimeoutMs);
    stopping.abort();
    if (!drained) {
      logger.warn({ inFlight }, "MQTT drain timed out; in-flight messages left unacknowledged");
    }
  }

  return { intake, stop };
}
