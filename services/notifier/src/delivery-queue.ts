import { setTimeout as delay } from "node:timers/promises";
import type { NotifierLogger } from "./logger.ts";
import {
  HeldRefusal,
  type Notification,
  type NotifierChannel,
  PermanentDeliveryError,
  type Rejection,
} from "./notification.ts";

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
  /**
   * Given up: after the last attempt (reason "max_attempts"), refused for good for everyone
   * ("rejected"), or for some recipients while the others got it ("recipient_rejected").
   */
  dropped(channel: string, reason: DropReason): void;
  /**
   * The channel refused `notification` for good, for everyone (`partial` false) or some recipients;
   * `reason` is the one {@link dropped} was given ({@link dropReason}), so the record and the metric agree.
   */
  refused(channel: string, notification: Notification, refusal: Refusal, reason: DropReason): void;
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

export const DROP_REASONS = ["max_attempts", "rejected", "recipient_rejected", "nobody_on_duty"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * The dropped metric's reason for a refusal for good, also the failed record's `reason`: nobody on
 * duty, refused for some recipients while the others got it, else refused for everyone.
 *
 * @example
 * dropReason({ code: "address_rejected", rejected: [], partial: false }); // "rejected"
 */
export function dropReason(refusal: Refusal): DropReason {
  if (refusal.code === "nobody_on_duty") return "nobody_on_duty";
  return refusal.partial ? "recipient_rejected" : "rejected";
}

/** A permanent refusal: what was refused (addresses, URL) with the server's replies. */
export interface Refusal {
  readonly code: string;
  readonly rejected: readonly Rejection[];
  /** The channel took the notification for the other recipients. */
  readonly partial: boolean;
}

export interface QueueCounters {
  delivered: number;
  retried: number;
  /** Given up for everyone: after maxAttempts, or refused for good. */
  dropped: number;
  /** Refused for good, for everyone or some recipients (not retried; in the failed record). */
  refused: number;
}

/**
 * One channel's queue. `push` returns at once: the bus handler never waits for a channel.
 * "sequential" delivers one notification at a time in push order (email, webhooks: a failing
 * head is retried with backoff before the next, so a robot never sees a reminder before its alert);
 * "parallel" starts each delivery immediately (MQTT: the latency-critical path, the client keeps
 * order). A failed delivery is retried with capped backoff; with `maxAttempts` 0 (the default) it is
 * retried until the channel takes it (a mail server down for hours loses nothing), else after
 * `maxAttempts` failures it is logged and dropped. A refusal for good (a {@link PermanentDeliveryError}:
 * an SMTP 5xx for the recipients or the message, a webhook's 404) is not retried: reported to the
 * observer (the failed record, the dropped metric), logged as an error, and the queue goes on with
 * the next notification; a partial delivery's refused recipients likewise, and the ones refused for
 * now are retried alone. A sequential queue's notification the channel refuses with a
 * {@link HeldRefusal} (every recipient refused, not for their addresses) is held aside instead of
 * blocking: still pending and spooled, tried again before each later delivery (in push order) and
 * on its own backoff, while the next notifications go on; a channel failure still holds the queue.
 */
export class DeliveryQueue {
  readonly counters: QueueCounters = { delivered: 0, retried: 0, dropped: 0, refused: 0 };
  /**
   * Notifications accepted and not yet delivered or dropped, in push order, with when (wall clock
   * ms) and what is still to send (the notification narrowed to the recipients left after a partial
   * delivery).
   */
  private readonly pendingItems = new Map<Notification, { since: number; current: Notification }>();
  /** A delivery failed since the queue last held nothing (a parallel queue persists only then). */
  private backlogged = false;
  private tail: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private idleWaiters: Array<() => void> = [];
  /**
   * Sequential queue: notifications the channel refused with a {@link HeldRefusal}, in push order,
   * with their attempts so far; still pending (spooled), retried before each later delivery and
   * on their own backoff, no longer in the way of the next ones.
   */
  private readonly held: Array<{ readonly notification: Notification; attempts: number }> = [];
  private heldTimer: NodeJS.Timeout | undefined;
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
    return [...this.pendingItems.values()].map((p) => p.current);
  }

  /** Whether `pending()` belongs in the spool now (see {@link PendingListener}). */
  get persisted(): boolean {
    return this.options.mode === "sequential" || this.backlogged;
  }

  /** When (wall clock ms) the oldest notification still held was accepted; undefined when none. */
  oldestPendingSince(): number | undefined {
    for (const { since } of this.pendingItems.values()) return since;
    return undefined;
  }

  push(notification: Notification): void {
    this.pendingItems.set(notification, { since: Date.now(), current: notification });
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
    clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
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

  /** A refusal for good: counted, reported (the failed record), logged with the server's replies. */
  private refuse(notification: Notification, refusal: Refusal): void {
    const { logger, observer } = this.options;
    this.counters.refused++;
    const reason = dropReason(refusal);
    observer?.dropped(this.channel.name, reason);
    observer?.refused(this.channel.name, notification, refusal, reason);
    const targets = refusal.rejected.map((r) => `${r.target} (${r.reply})`).join("; ");
    if (reason === "nobody_on_duty") {
      logger.error(
        {
          channel: this.channel.name,
          notification: notification.id,
          alertId: notification.event?.alertId,
          reason: refusal.code,
          rejected: refusal.rejected,
        },
        `${this.channel.name}: ${refusal.rejected.map((r) => r.reply).join("; ")}: reached no duty officer${refusal.partial ? " (sent to the copy addresses only)" : ""}; in the failed record`,
      );
      return;
    }
    logger.error(
      {
        channel: this.channel.name,
        notification: notification.id,
        alertId: notification.event?.alertId,
        reason: refusal.code,
        rejected: refusal.rejected,
      },
      refusal.partial
        ? `${this.channel.name}: refused for good for ${targets}; delivered to the other recipients, not retried for these`
        : `${this.channel.name}: refused for good by ${targets}; not retried, moved to the failed record, the queue goes on`,
    );
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async deliver(notification: Notification): Promise<void> {
    const sequential = this.options.mode === "sequential";
    // Held messages first, in push order, so a server that takes mail again gets it in order.
    if (sequential && this.held.length > 0) await this.retryHeld();
    for (let attempt = 1; ; attempt++) {
      if (this.controller.signal.aborted) return;
      const outcome = await this.attempt(notification, attempt);
      if (outcome === "settled") {
        this.settle(notification);
        return;
      }
      if (outcome === "held" && sequential) {
        // Refused by the server for this message only, perhaps: set aside (still pending and
        // spooled), so one message the server will not take cannot hold every later one.
        this.held.push({ notification, attempts: attempt });
        this.scheduleHeld();
        return;
      }
      if (!(await sleep(backoffMs(attempt, this.options.retry), this.controller.signal))) return;
    }
  }

  /**
   * One round over the held messages, in push order: each tried once; a channel failure (not a
   * refusal) ends the round, as every message would fail alike. Runs on the sequential chain.
   */
  private async retryHeld(): Promise<void> {
    for (const item of [...this.held]) {
      if (this.controller.signal.aborted) return;
      item.attempts++;
      const outcome = await this.attempt(item.notification, item.attempts);
      if (outcome === "settled") {
        this.held.splice(this.held.indexOf(item), 1);
        this.settle(item.notification);
      } else if (outcome === "failed") break;
    }
    this.scheduleHeld();
  }

  /** Retries the held messages after the backoff of the oldest, unless a round is already due. */
  private scheduleHeld(): void {
    const first = this.held[0];
    if (first === undefined || this.heldTimer !== undefined || this.controller.signal.aborted) return;
    this.heldTimer = setTimeout(
      () => {
        this.heldTimer = undefined;
        this.tail = this.tail.then(() => this.retryHeld());
        this.track(this.tail);
      },
      backoffMs(first.attempts, this.options.retry),
    );
  }

  /**
   * One delivery attempt: "settled" once delivered, refused for good or dropped after the last
   * attempt; "held" when the channel refused it with a {@link HeldRefusal}; "failed" otherwise.
   */
  private async attempt(notification: Notification, attempt: number): Promise<"settled" | "held" | "failed"> {
    const { retry, logger, observer } = this.options;
    const current = this.pendingItems.get(notification)?.current ?? notification;
    try {
      const result = await this.channel.send(current);
      if (result?.rejected !== undefined && result.rejected.length > 0)
        this.refuse(current, { code: "recipient_rejected", rejected: result.rejected, partial: true });
      if (result?.missed !== undefined)
        this.refuse(current, { code: result.missed.code, rejected: result.missed.rejected, partial: true });
      if (result?.retry !== undefined) throw new PartialDelivery(result.retry);
      this.counters.delivered++;
      observer?.delivered(this.channel.name, notification, attempt);
      if (attempt > 1) {
        const since = this.pendingItems.get(notification)?.since ?? Date.now();
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
      return "settled";
    } catch (error) {
      observer?.failed(this.channel.name);
      if (error instanceof PermanentDeliveryError) {
        this.counters.dropped++;
        this.refuse(current, { code: error.code, rejected: error.rejected, partial: false });
        return "settled";
      }
      if (error instanceof PartialDelivery) {
        const pending = this.pendingItems.get(notification);
        if (pending !== undefined) pending.current = error.retry;
      }
      if (!this.backlogged) {
        this.backlogged = true;
        this.pendingChanged();
      }
      if (retry.maxAttempts > 0 && attempt >= retry.maxAttempts) {
        this.counters.dropped++;
        observer?.dropped(this.channel.name, "max_attempts");
        logger.error(
          { err: error, channel: this.channel.name, notification: notification.id, attempts: attempt },
          "notification dropped after the last attempt",
        );
        return "settled";
      }
      const held = error instanceof HeldRefusal && this.options.mode === "sequential";
      this.counters.retried++;
      const oldest = this.oldestPendingSince();
      logger.warn(
        {
          err: error,
          channel: this.channel.name,
          notification: notification.id,
          attempt,
          retryInMs: backoffMs(attempt, retry),
          pending: this.pendingItems.size,
          oldestPendingSeconds: oldest === undefined ? 0 : Math.round((Date.now() - oldest) / 1000),
        },
        held
          ? "channel refused this notification; held (spooled) and retried, the next ones go on"
          : "channel failed; retrying",
      );
      return held ? "held" : "failed";
    }
  }

  /** The notification left the queue (delivered, refused for good, dropped). */
  private settle(notification: Notification): void {
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

/** A delivery that reached some recipients; the rest (`retry`) is retried like a failure. */
class PartialDelivery extends Error {
  readonly retry: Notification;
  constructor(retry: Notification) {
    super(`delivered in part; refused for now: ${(retry.addresses ?? []).join(", ")}`);
    this.retry = retry;
  }
}

/** Resolves true after ms, false as soon as signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return delay(ms, undefined, { signal }).then(
    () => true,
    () => false,
  );
}
