import type { Delivery } from "../bus.ts";

/**
 * Resolves a durable `publish` once every durable group has acknowledged every message of it.
 * A class rather than an object of closures: one is made per publish, on the hot path.
 *
 * @example
 * const t = new PublishTicket(2); t.acknowledge(1); t.acknowledge(1); await t.promise;
 */
export class PublishTicket {
  /** Acknowledgements still due: messages × durable groups at publish time. */
  remaining: number;
  readonly promise: Promise<void>;
  private resolvePromise!: () => void;
  private rejectPromise!: (error: unknown) => void;
  private settled = false;

  constructor(count: number) {
    this.remaining = count;
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolvePromise = resolve;
      this.rejectPromise = reject;
    });
  }

  /** Counts `count` acknowledgements; resolves the publish at the last one. */
  acknowledge(count: number): void {
    this.remaining -= count;
    if (this.remaining === 0 && !this.settled) {
      this.settled = true;
      this.resolvePromise();
    }
  }

  /** Rejects the publish unless it already resolved. */
  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectPromise(error);
  }
}

/**
 * The messages of one publish that went to one partition, as queued in one group. The deliveries
 * are shared by every group of the topic (handlers must not mutate them: `Delivery` is readonly);
 * `ticket` only for durable groups.
 */
export interface Chunk {
  readonly deliveries: readonly Delivery<unknown>[];
  readonly ticket: PublishTicket | undefined;
}
