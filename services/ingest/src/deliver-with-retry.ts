import { setTimeout as delay } from "node:timers/promises";
import type { DeadLetter } from "@qingshan/domain";
import type { Logger } from "pino";
import type { DecodedInput, IngestPipeline, SubmitResult } from "./ingest-pipeline.ts";
import type { IngestMetrics } from "./metrics.ts";

export interface RetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** Thrown when delivery was abandoned because the transport is stopping; the input stays unacknowledged. */
export class DeliveryAbortedError extends Error {
  constructor() {
    super("delivery abandoned: ingest is stopping; the input was not acknowledged and will be redelivered");
    this.name = "DeliveryAbortedError";
  }
}

/** Per stop signal, the rejects of deliveries waiting for the bus (one abort listener per signal). */
const waitingOn = new WeakMap<AbortSignal, Set<(error: Error) => void>>();

/**
 * `work`, or a DeliveryAbortedError as soon as `signal` aborts: a publish the bus holds (the
 * writer retrying a store or log that keeps failing) must not hold up ingest's stop past its
 * drain timeout. The input stays unacknowledged; how `work` ends later no longer matters (a
 * resend after it was stored is idempotent).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let waiting = waitingOn.get(signal);
  if (waiting === undefined) {
    const rejects = new Set<(error: Error) => void>();
    waiting = rejects;
    waitingOn.set(signal, rejects);
    signal.addEventListener(
      "abort",
      () => {
        for (const reject of rejects) reject(new DeliveryAbortedError());
        rejects.clear();
      },
      { once: true },
    );
  }
  const rejects = waiting;
  return new Promise<T>((resolve, reject) => {
    rejects.add(reject);
    work.then(
      (value) => {
        rejects.delete(reject);
        resolve(value);
      },
      (error: unknown) => {
        rejects.delete(reject);
        reject(error);
      },
    );
  });
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

function logUndeliverable(logger: Logger, source: string, letters: readonly DeadLetter[]): void {
  for (const deadLetter of letters) {
    logger.error(
      { deadLetter, source },
      "dead letter too large for the bus even without its payload (raise the bus's maxMessageBytes for deadletters); logged here instead, the input is acknowledged",
    );
  }
}

/**
 * Hands a decoded input on to the bus, retrying with exponential backoff while the bus refuses it
 * (the input is neither acknowledged nor dropped meanwhile). A reading the bus rejects as too
 * large is not a refusal of the input: `deliver` dead-letters it (`bus.message_too_large`) and
 * resolves, so it is never retried. Gives up only when `signal` aborts, by throwing
 * {@link DeliveryAbortedError} — also while a publish is still waiting for the bus.
 *
 * @example
 * const result = await deliverWithRetry(pipeline, pipeline.decodeJson(topic, payload, opts), { signal, policy, logger, metrics });
 */
export async function deliverWithRetry(
  pipeline: IngestPipeline,
  decoded: DecodedInput,
  ctx: { signal: AbortSignal; policy: RetryPolicy; logger: Logger; metrics: IngestMetrics },
): Promise<SubmitResult> {
  let delay = ctx.policy.initialDelayMs;
  for (;;) {
    if (ctx.signal.aborted) throw new DeliveryAbortedError();
    try {
      const result = await untilAborted(pipeline.deliver(decoded), ctx.signal);
      if (result.undeliverableDeadLetters !== undefined) {
        logUndeliverable(ctx.logger, decoded.source, result.undeliverableDeadLetters);
      }
      return result;
    } catch (error) {
      if (ctx.signal.aborted) throw new DeliveryAbortedError();
      ctx.metrics.publishRetries.inc({ source: decoded.source });
      ctx.logger.warn(
        { err: error, retryInMs: delay, source: decoded.source },
        "bus publish failed; the input stays unacknowledged and is retried",
      );
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, ctx.policy.maxDelayMs);
    }
  }
}

/**
 * Waits for `work` to settle, at most `timeoutMs`; resolves true when it settled in time.
 *
 * @example
 * const drained = await settleWithin(Promise.allSettled(inFlight), 10_000);
 */
export async function settleWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
