import type { Delivery } from "../bus.ts";

/** One published message, shared by every consumer group of its topic. */
export interface StoredMessage {
  readonly delivery: Delivery<unknown>;
  /** Groups that still have to acknowledge it; when 0 it no longer counts in `depth()`. */
  pendingGroups: number;
}

/** Resolves a durable `publish` once every durable group has acknowledged every message of it. */
export interface PublishTicket {
  remaining: number;
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/** A message in one group's partition queue; `ticket` only for durable groups. */
export interface QueuedMessage {
  readonly message: StoredMessage;
  readonly ticket: PublishTicket | undefined;
}

/**
 * A ticket that resolves after `count` acknowledgements and is removed from `outstanding` once settled.
 *
 * @example
 * const t = createTicket(2, outstanding); t.remaining--; t.remaining--; t.resolve();
 */
export function createTicket(count: number, outstanding: Set<PublishTicket>): PublishTicket {
  let resolvePromise!: () => void;
  let rejectPromise!: (error: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    resolvePromise = resolve;
    rejectPromise = reject;
  });
  const ticket: PublishTicket = {
    remaining: count,
    promise,
    resolve: function resolveTicket() {
      outstanding.delete(ticket);
      resolvePromise();
    },
    reject: function rejectTicket(error) {
      outstanding.delete(ticket);
      rejectPromise(error);
    },
  };
  outstanding.add(ticket);
  return ticket;
}
