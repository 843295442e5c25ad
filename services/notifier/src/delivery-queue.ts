import { setTimeout as delay } from "node:timers/promises";
import type { NotifierLogger } from "./logger.ts";
import type { Notification, NotifierChannel } from "./notification.ts";

export interface RetrySettings {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Attempts before a notification is dropped; 0: no limit (retried every maxMs until delivered). */
  readonly maxAttempts: number;
}

/**
 * The delay before retry number `attempt` (1-based): initialMs·2^(attempt−1), capped at maxMs.
 *
 * @example
 * backoffMs(3, { initialMs: 1000, maxMs: 60_000 }); // 4000
 */
export function backoffMs(attempt: number, retry: Pick<RetrySettings, "initialMs" | "maxMs">): number {
  return Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt - 1, 30));
}

/** Hooks for metrics: every outcome of a queue, as it happens. */
export interface DeliveryObserver {
  /** The channel accepted `notification` (after `attempts` attempts). */
  delivered(channel: string, notification: Notification, attempts: number): void;
  /** One attempt failed (retried or not). */
  failed(channel: string): void;
  /** Given up after the last attempt. */
  dropped(channel: string): void;
  /** The number of notifications the queue holds for delivery changed by `delta`. */
  depth(channel: string, delta: number): void;
}

/**
 * Called when the set of notifications a queue holds changed (accepted, delivered, dropped): what
 * the notifier persists in the spool, so that a crash loses nothing either. Only the changes worth
 * persisting are reported: every change of a sequential queue (email, webhooks), and of a parallel
 * queue (MQTT) once one of its deliveries failed, until it holds nothing again.
 */
export type PendingListener = (queue: DeliveryQueue) => void;

export interface QueueCounters {
  delivered: number;
  retried: number;
  dropped: number;
}

/**
 * One channel's queue. `push` returns at once: the bus handler never waits for a channel.
 * "sequential" delivers one notification at a time in push order (email, webhooks: a failing
 * head is retried with backoff before the next, so a robot never sees a reminder before its alert);
 * "parallel" starts each delivery immediately (MQTT: the latency-critical path, the client keeps
 * order). A failed delivery is retried with capped backoff; with `maxAttempts` 0 (the default) it is
 * retried until the channel takes it (a mail server down for hours loses nothing), else after
 * `maxAttempts` failures it is logged and dropped.
 */
export class DeliveryQueue {
  readonly counters: QueueCounters = { delivered: 0, retried: 0, dropped: 0 };
  /** Notifications accepted and not yet delivered or dropped, in push order, with when (wall clock ms). */
  private readonly pendingItems = new Map<Notification, number>();
  /** A delivery failed since the queue last held nothing (a parallel queue persists only then). */
  private backlogged = false;
  private tail: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private idleWaiters: Array<() => void> = [];
  /** What was reported to the observer as held; an aborted queue reports 0 (the rest is spooled). */
  private reportedDepth = 0;

  constructor(
    readonly channel: NotifierChannel,
    private readonly options: {
      readonly mode: "sequential" | "parallel";
      readonly retry: RetrySettings;
      readonly logger: NotifierLogger;
      readonly observer?: DeliveryObserver;
      readonly onPendingChange?: PendingListener;
    },
  ) {}

  get size(): number {
    return this.pendingItems.size;
  }

  /** Undelivered notifications (for the spool on stop). */
  pending(): Notification[] {
    return [...this.pendingItems.keys()];
  }

  /** Whether `pending()` belongs in the spool now (see {@link PendingListener}). */
  get persisted(): boolean {
    return this.options.mode === "sequential" || this.backlogged;
  }

  /** When (wall clock ms) the oldest notification still held was accepted; undefined when none. */
  oldestPendingSince(): number | undefined {
    for (const since of this.pendingItems.values()) return since;
    return undefined;
  }

  push(notification: Notification): void {
    this.pendingItems.set(notification, Date.now());
    this.pendingChanged();
    if (this.controller.signal.aborted) return;
    this.reportDepth(1);
    if (this.options.mode === "parallel") {
      this.track(this.deliver(notification));
    } else {
      this.tail = this.tail.then(() => this.deliver(notification));
      this.track(this.tail);
    }
  }

  /** Resolves true once everything pushed is delivered or dropped, false after timeoutMs. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.pendingItems.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Ends retry waits and stops starting deliveries; resolves once sends already started ended. */
  async abort(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled([...this.inFlight]);
    this.reportDepth(-this.reportedDepth);
  }

  private pendingChanged(): void {
    if (this.pendingItems.size === 0) {
      const was = this.persisted;
      this.backlogged = false;
      if (was) this.options.onPendingChange?.(this);
      return;
    }
    if (this.persisted) this.options.onPendingChange?.(this);
  }

  private reportDepth(delta: number): void {
    if (delta === 0) return;
    this.reportedDepth += delta;
    this.options.observer?.depth(this.channel.name, delta);
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async deliver(notification: Notification): Promise<void> {
    const { retry, logger, observer } = this.options;
    for (let attempt = 1; ; attempt++) {
      if (this.controller.signal.aborted) return;
      try {
        await this.channel.send(notification);
        this.counters.delivered++;
        observer?.delivered(this.channel.name, notification, attempt);
        if (attempt > 1) {
          const since = this.pendingItems.get(notification) ?? Date.now();
          logger.info(
            {
              channel: this.channel.name,
              notification: notification.id,
              attempt,
              waitedSeconds: Math.round((Date.now() - since) / 1000),
              pending: this.pendingItems.size - 1,
            },
            "delivered after retries",
          );
        }
        break;
      } catch (error) {
        observer?.failed(this.channel.name);
        if (!this.backlogged) {
          this.backlogged = true;
          this.pendingChanged();
        }
        if (retry.maxAttempts > 0 && attempt >= retry.maxAttempts) {
          this.counters.dropped++;
          observer?.dropped(this.channel.name);
          logger.error(
            { err: error, channel: this.channel.name, notification: notification.id, attempts: attempt },
            "notification dropped after the last attempt",
          );
          break;
        }
        const retryInMs = backoffMs(attempt, retry);
        this.counters.retried++;
        const oldest = this.oldestPendingSince();
        logger.warn(
          {
            err: error,
            channel: this.channel.name,
            notification: notification.id,
            attempt,
            retryInMs,
            pending: this.pendingItems.size,
            oldestPendingSeconds: oldest === undefined ? 0 : Math.round((Date.now() - oldest) / 1000),
          },
          "channel failed; retrying",
        );
        if (!(await sleep(retryInMs, this.controller.signal))) return;
      }
    }
    this.pendingItems.delete(notification);
    this.pendingChanged();
    if (this.reportedDepth > 0) this.reportDepth(-1);
    if (this.pendingItems.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/** Resolves true after ms, false as soon as signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return delay(ms, undefined, { signal }).then(
    () => true,
    () => false,
  );
}
