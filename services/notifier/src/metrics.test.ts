import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createNotifier } from "./notifier.ts";
import {
  acknowledged,
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  publishAlerts,
  raised,
  registry,
  silentLogger,
  startBroker,
  startNotifier,
  startReceiver,
  startSmtp,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

/** The value of one sample in Prometheus text exposition, matched by name and (a subset of) labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("notifier metrics (real SMTP, HTTP receivers, MQTT broker, DuckDB)", () => {
  it("counts sent, failed and dropped per channel, the queue depth, delivery time and open alerts", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    const broker = await startBroker(cleanup);
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // ops-json: the first request hangs, then fails with 500; the retry succeeds.
    const ops = await startReceiver(cleanup, async (_req, n) => {
      if (n === 1) {
        await held;
        return { status: 500, body: "internal error" };
      }
      return { status: 200, body: "{}" };
    });
    // dead-hook: always down, given up after maxAttempts (3).
    const dead = await startReceiver(cleanup, () => ({ status: 503, body: "down" }));
    const metricsRegistry = new Registry();
    // Delivered 2 s after the event's time, on the injected clock.
    const now = () => T0 + 2_000;
    const notifier = await startNotifier(
      cleanup,
      baseConfig(dir, {
        email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
        retry: { initialMs: 20, maxMs: 50, maxAttempts: 3 },
        mqtt: { url: broker.url },
        webhooks: [
          { name: "ops-json", format: "json", url: `${ops.url}/hook`, timeoutMs: 10_000 },
          { name: "dead-hook", format: "json", url: `${dead.url}/hook` },
        ],
      }),
      { bus, store, now, metricsRegistry },
    );
    const text = () => metricsRegistry.metrics();

    // Every channel's series exist from the start, at 0.
    const before = await text();
    for (const channel of ["email", "ops-json", "dead-hook", "mqtt"]) {
      expect(sample(before, "qingshan_notifications_sent_total", { channel })).toBe(0);
      expect(sample(before, "qingshan_notifications_failed_total", { channel })).toBe(0);
      expect(sample(before, "qingshan_notifications_dropped_total", { channel })).toBe(0);
      expect(sample(before, "qingshan_notification_queue_depth", { channel })).toBe(0);
      // The histogram too, so rate() over it sees the first delivery after a start.
      expect(sample(before, "qingshan_notification_delivery_seconds_count", { channel })).toBe(0);
    }
    expect(sample(before, "qingshan_alerts_open", { severity: "warning", status: "open" })).toBe(0);

    const event: AlertEvent = raised("a1");
    await bus.publish("alerts", [{ key: event.stationId, value: event }]);
    await waitFor(() => smtp.mails.length === 1 && ops.requests() === 1, {
      what: "email sent, webhook held",
    });
    await waitFor(() => dead.requests() === 3, { what: "three failed attempts at dead-hook" });
    await waitFor(() => broker.messages.length === 1, { what: "the MQTT alert" });
    const during = await text();
    expect(sample(during, "qingshan_notification_queue_depth", { channel: "ops-json" })).toBe(1);
    expect(sample(during, "qingshan_alerts_open", { severity: "warning", status: "open" })).toBe(1);
    await waitFor(
      async () =>
        sample(await text(), "qingshan_notifications_dropped_total", { channel: "dead-hook" }) === 1,
      { what: "dead-hook dropped" },
    );

    release?.();
    await waitFor(() => ops.received.some((r) => r.status === 200), { what: "the webhook retry" });
    await waitFor(
      async () => sample(await text(), "qingshan_notifications_sent_total", { channel: "ops-json" }) === 1,
      { what: "ops-json counted" },
    );
    const after = await text();
    const counts = (channel: string) => [
      sample(after, "qingshan_notifications_sent_total", { channel }),
      sample(after, "qingshan_notifications_failed_total", { channel }),
      sample(after, "qingshan_notifications_dropped_total", { channel }),
      sample(after, "qingshan_notification_queue_depth", { channel }),
    ];
    expect(counts("email")).toEqual([1, 0, 0, 0]);
    expect(counts("mqtt")).toEqual([1, 0, 0, 0]);
    expect(counts("ops-json")).toEqual([1, 1, 0, 0]);
    expect(counts("dead-hook")).toEqual([0, 3, 1, 0]);
    // Event time → delivered: 2 s for each delivered notification.
    for (const channel of ["email", "ops-json", "mqtt"]) {
      const bucket = (le: string) =>
        sample(after, "qingshan_notification_delivery_seconds_bucket", { le, channel });
      expect([bucket("1"), bucket("2.5")]).toEqual([0, 1]);
      expect(sample(after, "qingshan_notification_delivery_seconds_sum", { channel })).toBe(2);
    }
    // Nothing delivered at dead-hook: its delivery-time series stays at 0.
    expect(sample(after, "qingshan_notification_delivery_seconds_count", { channel: "dead-hook" })).toBe(0);

    await bus.publish("alerts", [{ key: event.stationId, value: acknowledged("a1", T0 + 1_000) }]);
    await waitFor(() => notifier.openAlerts()[0]?.status === "acknowledged", { what: "acknowledged" });
    const acked = await text();
    expect(sample(acked, "qingshan_alerts_open", { severity: "warning", status: "open" })).toBe(0);
    expect(sample(acked, "qingshan_alerts_open", { severity: "warning", status: "acknowledged" })).toBe(1);
    // stats() and the metrics tell the same story.
    expect(notifier.stats()["ops-json"]).toMatchObject({ delivered: 1, retried: 1, dropped: 0, pending: 0 });

    await notifier.stop();
    const stopped = await text();
    expect(sample(stopped, "qingshan_alerts_open", { severity: "warning", status: "acknowledged" })).toBe(0);
  });

  it("a restarted notifier on the same store and registry counts the alerts it folds back once", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const metricsRegistry = new Registry();
    const config = baseConfig(dir, { email: { enabled: false } });
    const deps = { bus, store, registry, logger: silentLogger, now: () => T0, metricsRegistry };
    const first = createNotifier(config, deps);
    await first.start();
    const events = [raised("a1"), { ...raised("a2"), severity: "critical" as const }];
    await publishAlerts(bus, ...events);
    await waitFor(() => first.openAlerts().length === 2, { what: "two open alerts" });
    await first.stop();

    await startNotifier(cleanup, config, deps);
    const text = await metricsRegistry.metrics();
    expect(sample(text, "qingshan_alerts_open", { severity: "warning", status: "open" })).toBe(1);
    expect(sample(text, "qingshan_alerts_open", { severity: "critical", status: "open" })).toBe(1);
  });
});
