import { setTimeout as delay } from "node:timers/promises";
/** Raised when the writer stops while a batch is still waiting to be retried; the bus keeps the batch. */
export class WriterStoppingError extends Error {
  override readonly name = "WriterStoppingError";
}

export interface RetryContext {
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  /** Aborting ends the retry loop at the next wait: the batch is left unacknowledged on the bus. */
  readonly signal: AbortSignal;
  /** Called before each wait with the failed attempt's error. */
  onRetry(error: unknown, attempt: number, retryInMs: number): void;
}

/**
 * The delay before retry number `attempt` (1-based): initialMs·2^(attempt−1), capped at maxMs.
 *
 * @example
 * backoffMs(3, { initialMs: 100, maxMs: 30_000 }); // 400
 */
export function backoffMs(attempt: number, retry: RetryContext["retry"]): number {
  return Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt - 1, 30));
}

/**
 * Runs `write` until it resolves, waiting with exponential backoff between failed attempts.
 * It never gives up on its own (the writer never drops data); only `signal` ends it, by
 * rejecting with WriterStoppingError.
 *
 * @example
 * await writeWithRetry(() => store.writeReadings(batch), { retry, signal, onRetry: (e, n, ms) => log.warn(...) });
 */
export async function writeWithRetry(write: () => Promise<void>, context: RetryContext): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return attempt;
    } catch (error) {
      if (context.signal.aborted) throw new WriterStoppingError("writer stopping", { cause: error });
      const retryInMs = backoffMs(attempt, context.retry);
      context.onRetry(error, attempt, retryInMs);
      await sleep(retryInMs, context.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => {
    throw new WriterStoppingError("writer stopping");
  });
}
