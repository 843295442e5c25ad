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
  /** Notifications given up after `retry.maxAttempts`, by channel. */
  readonly dropped: Counter<"channel">;
  /** Notifications waiting or being delivered, by channel. */
  readonly queueDepth: Gauge<"channel">;
  /** Alert event time (`at`) → accepted by the channel, by channel. */
  readonly deliverySeconds: Histogram<"channel">;
  /** Alerts not resolved, by severity and status (open = not acknowledged). */
  readonly alertsOpen: Gauge<"severity" | "status">;
}

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
  return {
    sent: counter("qingshan_notifications_sent_total", "Notifications a channel accepted, by channel"),
    failed: counter(
      "qingshan_notifications_failed_total",
      "Failed notification delivery attempts (each attempt, retried or not), by channel",
    ),
    dropped: counter(
      "qingshan_notifications_dropped_total",
      "Notifications given up after the last attempt (retry.maxAttempts), by channel",
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
