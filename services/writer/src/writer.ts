import type { Bus, Delivery, DeliveryContext, Subscription } from "@qingshan/bus";
import type { DeadLetter, Reading } from "@qingshan/domain";
import type { TimeSeriesStore } from "@qingshan/store";
import { type Logger, pino } from "pino";
import type { Registry } from "prom-client";
import { parseWriterConfig, type WriterConfig, type WriterSettings } from "./config.ts";
import { groupCommit } from "./group-commit.ts";
import { lastPerKey, lastPerReading } from "./last-per-key.ts";
import { createWriterMetrics, type WriteKind } from "./metrics.ts";
import { createReadingsLog, type ReadingsLog, type SkipReason } from "./readings-log.ts";
import { writeWithRetry } from "./write-with-retry.ts";

/** The recovery log line's words for why bytes of a segment were skipped. */
const SKIP_REASONS: Record<SkipReason, string> = {
  "torn-tail": "torn tail: the last record was cut short by a crash during its write (never acknowledged)",
  checksum: "checksum mismatch: the record was damaged after it was written; skipped alone",
  length: "damaged length prefix: skipped up to the next whole record",
};

/** The part of the store the writer uses (any TimeSeriesStore qualifies). */
export type WriterStore = Pick<TimeSeriesStore, "writeReadings" | "writeDeadLetters">;

/** Log methods the writer calls (a pino Logger qualifies). */
export type WriterLogger = Pick<Logger, "info" | "warn" | "error" | "debug">;

export interface WriterDeps extends WriterConfig {
  readonly bus: Bus;
  readonly store: WriterStore;
  /** Where metrics are registered; default prom-client's global registry. */
  readonly registry?: Registry;
  readonly logger?: WriterLogger;
}

export interface Writer {
  readonly settings: Readonly<WriterSettings>;
  /** Subscribes to "readings" and "deadletters"; the bus must be started. */
  start(): Promise<void>;
  /**
   * Stops consuming and waits for in-flight writes. A batch still waiting for a retry is given
   * up (its handler rejects), so it stays unacknowledged on the bus.
   */
  stop(): Promise<void>;
}

/**
 * Creates the writer: bus "readings" → store.writeReadings, bus "deadletters" →
 * store.writeDeadLetters. Batches of several partitions that arrive while a write runs are
 * written together (group commit), so the store sees few large transactions under load. Validates config without I/O; never drops: a failing store write is
 * retried with exponential backoff and the bus batch is acknowledged only once it is written.
 *
 * @example
 * const writer = createWriter({ bus, store, registry, retry: { initialMs: 100, maxMs: 30_000 } });
 * await writer.start();
 * // … readings published on the bus are now stored …
 * await writer.stop();
 */
export function createWriter(deps: WriterDeps): Writer {
  const { bus, store, registry, logger: injected, ...config } = deps;
  const settings = parseWriterConfig(config);
  const logger: WriterLogger = injected ?? pino({ name: "qingshan-writer" });
  const metrics = createWriterMetrics(registry);
  let controller = new AbortController();
  let subscriptions: Subscription[] = [];
  let state: "created" | "running" | "stopped" = "created";
  // The bus hands each partition's batch separately; concurrent ones share one store transaction.
  // A key lives in one partition, so batches deduplicated by lastPerKey stay so when combined.
  // The writer stopping gives up a write still waiting on the store (a hung InfluxDB would hold
  // stop for its request timeout and retries); the input stays unacknowledged, redelivered later.
  const commitReadings = groupCommit<Reading>(
    (r) => store.writeReadings(r, { signal: controller.signal }),
    settings.maxBatch,
  );
  const commitDeadLetters = groupCommit<DeadLetter>(
    (letters) => store.writeDeadLetters(letters, { signal: controller.signal }),
    settings.deadLetterMaxBatch,
  );

  const log: ReadingsLog | undefined =
    settings.log.dir === null
      ? undefined
      : createReadingsLog({
          dir: settings.log.dir,
          lingerMs: settings.log.lingerMs,
          maxBatch: settings.maxBatch,
          maxPending: settings.log.maxPendingReadings,
          segmentBytes: settings.log.segmentBytes,
          store: (readings) =>
            write("readings", readings.length, controller.signal, () =>
              store.writeReadings(readings, { signal: controller.signal }),
            ),
          onStored(count) {
            metrics.readingsWritten.inc(count);
            metrics.logPending.set(log?.pendingReadings() ?? 0);
          },
          onCleanupError(error) {
            logger.error(
              { err: error, dir: settings.log.dir },
              "readings log: stored segments could not be deleted; tried again after the next store write (a restart meanwhile stores them again, idempotently)",
            );
          },
        });

  async function write(
    kind: WriteKind,
    count: number,
    signal: AbortSignal,
    run: () => Promise<void>,
  ): Promise<void> {
    const attempts = await writeWithRetry(
      async function timedWrite() {
        const end = metrics.latency.startTimer({ kind });
        await run();
        end();
      },
      {
        retry: settings.retry,
        signal,
        onRetry(error, attempt, retryInMs) {
          metrics.retries.inc({ kind });
          logger.warn(
            { err: error, kind, batchSize: count, attempt, retryInMs },
            "store write failed; retrying",
          );
        },
      },
    );
    if (attempts > 1)
      logger.info({ kind, batchSize: count, attempts }, "store write succeeded after retries");
  }

  async function writeReadingBatch(
    batch: readonly Delivery<Reading>[],
    delivery: DeliveryContext,
  ): Promise<void> {
    const values: Reading[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) values[i] = (batch[i] as Delivery<Reading>).value;
    const readings = lastPerReading(values);
    // Either the writer stopping or the bus closing the subscription ends the retries.
    const signal = AbortSignal.any([controller.signal, delivery.signal]);
    if (log !== undefined) {
      await writeWithRetry(() => log.append(readings), {
        retry: settings.retry,
        signal,
        onRetry(error, attempt, retryInMs) {
          logger.warn(
            { err: error, batchSize: readings.length, attempt, retryInMs },
            "readings log append failed; retrying",
          );
        },
      });
      metrics.logPending.set(log.pendingReadings());
      return;
    }
    await write("readings", readings.length, signal, () => commitReadings(readings));
    metrics.readingsWritten.inc(readings.length);
  }

  async function writeDeadLetterBatch(
    batch: readonly Delivery<DeadLetter>[],
    delivery: DeliveryContext,
  ): Promise<void> {
    const letters = lastPerKey(
      batch.map((d) => d.value),
      (letter) => letter.id,
    );
    const signal = AbortSignal.any([controller.signal, delivery.signal]);
    await write("deadletters", letters.length, signal, () => commitDeadLetters(letters));
    metrics.deadLettersStored.inc(letters.length);
  }

  async function start(): Promise<void> {
    if (state === "running") return;
    if (state === "stopped") controller = new AbortController();
    state = "running";
    try {
      if (log !== undefined) {
        const { recovered, segments, skipped, repaired, unattributed, kept } = await log.start();
        if (skipped.length > 0 || repaired.length > 0)
          logger.warn(
            {
              recovered,
              segments,
              dir: settings.log.dir,
              skipped: skipped.map((s) => ({ ...s, why: SKIP_REASONS[s.why] })),
              repaired,
              unattributed,
              kept,
            },
            "stored the readings an earlier run left in the readings log, skipping what could not be read",
          );
        else if (segments > 0)
          logger.info(
            { recovered, segments, dir: settings.log.dir },
            "stored the readings an earlier run left in the readings log",
          );
      }
      subscriptions.push(
        await bus.subscribe<Reading>(
          "readings",
          { group: settings.readingsGroup, durable: true, maxBatch: settings.maxBatch },
          writeReadingBatch,
        ),
      );
      subscriptions.push(
        await bus.subscribe<DeadLetter>(
          "deadletters",
          { group: settings.deadLettersGroup, durable: true, maxBatch: settings.deadLetterMaxBatch },
          writeDeadLetterBatch,
        ),
      );
    } catch (error) {
      await stop();
      throw error;
    }
    logger.info({ maxBatch: settings.maxBatch, retry: settings.retry }, "writer started");
  }

  async function stop(): Promise<void> {
    if (state !== "running") return;
    state = "stopped";
    // Order matters: first end retry waits (a store that is down would otherwise hold stop
    // forever), then close, which waits for writes already in progress to finish.
    controller.abort();
    const closing = subscriptions;
    subscriptions = [];
    await Promise.all(closing.map((s) => s.close()));
    if (log !== undefined) {
      await log.stop();
      const left = log.pendingReadings();
      if (left > 0)
        logger.warn(
          { readings: left, dir: settings.log.dir },
          "readings left in the readings log; stored at the next start",
        );
    }
    logger.info({}, "writer stopped");
  }

  return { settings, start, stop };
}
