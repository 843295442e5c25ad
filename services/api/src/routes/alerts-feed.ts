import { randomUUID } from "node:crypto";
import type { Bus, Subscription } from "@qingshan/bus";
import type { AlertEvent } from "@qingshan/domain";
import type { TimeSeriesStore } from "@qingshan/store";
import type { FastifyInstance } from "fastify";
import type { AlertFeed } from "../deps.ts";

/** An AlertFeed with its bus subscription's lifecycle. */
export interface BusAlertFeed extends AlertFeed {
  /** Subscribes to bus "alerts" with a group unique to this API instance (non-durable). */
  start(): Promise<void>;
  /** Closes the subscription and tells every listener the feed ended. */
  stop(): Promise<void>;
}

/**
 * Relays every AlertEvent published on bus "alerts" to the listeners of this instance. Each API
 * instance subscribes with its own group (`api-live-<uuid>`), so every instance sees every event;
 * the group is not durable, so a slow browser never holds back the notifier or a publisher.
 * With a `store`, a batch is stored (idempotent on the event id) before it is relayed: publishers
 * may publish before storing, and a browser that refetches on an event must find it in the store.
 *
 * @example
 * const feed = createAlertFeed(bus); await feed.start();
 * const off = feed.listen((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
 */
export function createAlertFeed(
  bus: Bus,
  store?: Pick<TimeSeriesStore, "writeAlertEvents">,
  group = `api-live-${randomUUID()}`,
): BusAlertFeed {
  const listeners = new Set<(event: AlertEvent) => void>();
  const stopCallbacks = new Set<() => void>();
  let subscription: Subscription | undefined;
  return {
    get listeners() {
      return listeners.size;
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onStop(callback) {
      stopCallbacks.add(callback);
      return () => stopCallbacks.delete(callback);
    },
    async start() {
      subscription = await bus.subscribe<AlertEvent>(
        "alerts",
        { group },
        async function relayAlertEvents(batch) {
          // A failing store (its writers log it) must not stop the live feed: relay regardless.
          await store?.writeAlertEvents(batch.map((d) => d.value)).catch(() => undefined);
          for (const delivery of batch) {
            for (const listener of listeners) {
              // A listener that throws (a closed socket) must not hold the batch for the others.
              try {
                listener(delivery.value);
              } catch {
                listeners.delete(listener);
              }
            }
          }
        },
      );
    },
    async stop() {
      for (const callback of stopCallbacks) callback();
      stopCallbacks.clear();
      listeners.clear();
      await subscription?.close();
      subscription = undefined;
    },
  };
}

/** Starts the feed when the app is ready and stops it (ending open streams) before it closes. */
export function registerAlertFeed(app: FastifyInstance, feed: BusAlertFeed): void {
  app.addHook("onReady", async function startAlertFeed() {
    await feed.start();
  });
  app.addHook("preClose", async function stopAlertFeed() {
    await feed.stop();
  });
}
