import { Counter, Gauge, register as globalRegister, Histogram, type Registry } from "prom-client";

/**
 * The notifier's Prometheus metrics. Every outcome of a delivery is counted (sent, failed attempt,
 * dropped) per channel; queue depth and open alerts are gauges that several notifiers sharing a
 * registry add to (each one adds and removes its own share, and removes all of it on stop).
 */
export interface NotifierMetrics {
  /** Notifications a channel accepted, by channel (email, a webhook name, mqtt, …). */
  readonly sent: Counter<"channel">;
  /** Failed delivery attempts (each one, retried or not), by channel. */
  readonly failed: Counter<"channel">;
  /**
   * Notifications given up, by channel and reason: "max_attempts" (after `retry.maxAttempts`; never
   * with the default 0, no limit), "rejected" (refused for good, e.g. SMTP 5xx about every
   * recipient's address, webhook 404: not retried), "recipient_rejected" (refused for good for some
   * recipients, the others got it), "nobody_on_duty" (e-mail: nobody on duty with an address at
   * the alert's tiers then; sent to the copy addresses only, if any).
   */
  readonly dropped: Counter<"channel" | "reason">;
  /** Notifications waiting or being delivered, by channel. */
  readonly queueDepth: Gauge<"channel">;
  /**
   * Age of the oldest notification a channel still holds (0 when none), computed at scrape time
   * from the sources each running notifier adds to `backlogSources` (and removes on stop).
   */
  readonly oldestPendingSeconds: Gauge<"channel">;
  readonly backlogSources: Set<BacklogSource>;
  /** Alert event time (`at`) → accepted by the channel, by channel. */
  readonly deliverySeconds: Histogram<"channel">;
  /** Alerts not resolved, by severity and status (open = not acknowledged). */
  readonly alertsOpen: Gauge<"severity" | "status">;
}

/** Per channel: when (wall clock ms) its oldest held notification was accepted, undefined when none. */
export type BacklogSource = () => ReadonlyArray<{ channel: string; since: number | undefined }>;

const backlogSourcesOf = new WeakMap<Registry, Set<BacklogSource>>();

function reuse<M>(registry: Registry, name: string, make: () => M): M {
  // A re-created notifier (restart in tests, several in one process) shares the registry;
  // registering a name twice throws.
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/**
 * Creates the notifier metrics on `registry` (default: prom-client's global registry), reusing
 * any already registered there.
 *
 * @example
 * const metrics = createNotifierMetrics(new Registry());
 * metrics.sent.inc({ channel: "email" });
 */
export function createNotifierMetrics(registry: Registry = globalRegister): NotifierMetrics {
  const registers = [registry];
  const counter = (name: string, help: string) =>
    reuse(registry, name, () => new Counter({ name, help, labelNames: ["channel"] as const, registers }));
  let backlogSources = backlogSourcesOf.get(registry);
  if (backlogSources === undefined) {
    backlogSources = new Set();
    backlogSourcesOf.set(registry, backlogSources);
  }
  const sources = backlogSources;
  return {
    backlogSources: sources,
    oldestPendingSeconds: reuse(
      registry,
      "qingshan_notification_oldest_pending_seconds",
      () =>
        new Gauge({
          name: "qingshan_notification_oldest_pending_seconds",
          help: "Age of the oldest notification a channel still holds for delivery (0: none): how long that channel's backlog has been waiting, by channel",
          labelNames: ["channel"] as const,
          registers,
          collect() {
            const now = Date.now();
            const ages = new Map<string, number>();
            for (const source of sources)
              for (const { channel, since } of source()) {
                const age = since === undefined ? 0 : Math.max(0, now - since) / 1000;
                ages.set(channel, Math.max(ages.get(channel) ?? 0, age));
              }
            this.reset();
            for (const [channel, age] of ages) this.set({ channel }, age);
          },
        }),
    ),
    sent: counter("qingshan_notifications_sent_total", "Notifications a channel accepted, by channel"),
    failed: counter(
      "qingshan_notifications_failed_total",
      "Failed notification delivery attempts (each attempt, retried or not), by channel",
    ),
    dropped: reuse(
      registry,
      "qingshan_notifications_dropped_total",
      () =>
        new Counter({
          name: "qingshan_notifications_dropped_total",
          help: "Notifications given up, by channel and reason: max_attempts (retry.maxAttempts; none with the default 0, no limit), rejected (refused for good: SMTP 5xx about the addresses or the message, webhook 4xx other than 408/429; not retried, in the failed record), recipient_rejected (refused for good for some recipients, the others got it), nobody_on_duty (e-mail reached no duty officer: nobody on duty with an address; in the failed record)",
          labelNames: ["channel", "reason"] as const,
          registers,
        }),
    ),
    queueDepth: reuse(
      registry,
      "qingshan_notification_queue_depth",
      () =>
        new Gauge({
          name: "qingshan_notification_queue_depth",
          help: "Notifications waiting or being delivered, by channel",
          labelNames: ["channel"] as const,
          registers,
        }),
    ),
    deliverySeconds: reuse(
      registry,
      "qingshan_notification_delivery_seconds",
      () =>
        new Histogram({
          name: "qingshan_notification_delivery_seconds",
          help: "Alert event time to delivery (channel accepted), retries included, by channel",
          labelNames: ["channel"] as const,
          // From the MQTT path (tens of ms) to a webhook retried with backoff for minutes.
          buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
          registers,
        }),
    ),
    alertsOpen: reuse(
      registry,
      "qingshan_alerts_open",
      () =>
        new Gauge({
          name: "qingshan_alerts_open",
          help: "Alerts not resolved, by severity and status (open: not acknowledged; acknowledged)",
          labelNames: ["severity", "status"] as const,
          registers,
        }),
    ),
  };
}
