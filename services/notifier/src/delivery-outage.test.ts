import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@qingshan/testkit";
import { startTestSmtp } from "@qingshan/testkit/smtp";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { Notification } from "./notification.ts";
import { createNotifier } from "./notifier.ts";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  MIN,
  publishAlerts,
  raised,
  registry,
  silentLogger,
  startBus,
  startNotifier,
  startReceiver,
  startSmtp,
  startStore,
  startStoreAndBus,
  T0,
  tempDir,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

/** The spool file's lines as { channel, notification id }; [] when there is no file. */
async function spooled(file: string): Promise<Array<{ channel: string; id: string }>> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { channel: string; notification: Notification })
    .map((l) => ({ channel: l.channel, id: l.notification.id }));
}

function sample(text: string, name: string, channel: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{channel="${channel}"}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

/** A port an SMTP server listened on and no longer does: the mail server is down. */
async function downSmtpPort(): Promise<number> {
  const smtp = await startTestSmtp();
  await smtp.stop();
  return smtp.port;
}

describe("a mail-server outage loses no notification", () => {
  it("retries e-mail past the old 12-attempt budget, keeps the backlog in the spool and the metrics, and sends it in order once SMTP is back; webhooks go on meanwhile", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const port = await downSmtpPort();
    const hook = await startReceiver(cleanup);
    const metricsRegistry = new Registry();
    const config = baseConfig(dir, {
      // The default maxAttempts (no limit before the fix: 12 attempts, ~6 min at 1 s…60 s).
      retry: { initialMs: 20, maxMs: 50 },
      email: { smtp: localSmtp(port), timeoutMs: 2_000 },
      webhooks: [{ name: "ops-json", format: "json", url: `${hook.url}/hook` }],
    });
    const notifier = await startNotifier(cleanup, config, {
      bus,
      store,
      now: () => T0,
      metricsRegistry,
    });
    await publishAlerts(bus, raised("a1"), raised("a2", T0 + MIN));

    // The webhook does not wait behind the e-mail backlog.
    await waitFor(() => hook.received.length === 2, { what: "both alerts on the webhook" });
    // Far more attempts than the old limit (12 per notification), nothing dropped.
    await waitFor(() => (notifier.stats().email?.retried ?? 0) >= 40, {
      what: "e-mail retried past 12 attempts",
      timeoutMs: 20_000,
    });
    expect(notifier.stats().email).toMatchObject({ delivered: 0, dropped: 0, pending: 2 });
    // What is pending is on disk while the server is down (a crash would not lose it).
    expect(await spooled(config.spoolFile ?? "")).toEqual([
      { channel: "email", id: "a1:raised" },
      { channel: "email", id: "a2:raised" },
    ]);
    const during = await metricsRegistry.metrics();
    expect(sample(during, "qingshan_notification_queue_depth", "email")).toBe(2);
    expect(during).toContain('qingshan_notifications_dropped_total{channel="email",reason="max_attempts"} 0');
    expect(sample(during, "qingshan_notification_oldest_pending_seconds", "email")).toBeGreaterThan(0.5);
    expect(sample(during, "qingshan_notification_oldest_pending_seconds", "ops-json")).toBe(0);

    // The mail server comes back on its port.
    const smtp = await startTestSmtp({ port });
    cleanup.add(() => smtp.stop());
    await waitFor(() => smtp.mails.length === 2, { what: "the backlog sent", timeoutMs: 10_000 });
    expect(smtp.mails.map((m) => m.headers.get("x-qingshan-notification"))).toEqual([
      "a1:raised",
      "a2:raised",
    ]);
    expect(smtp.mails[0]?.subject).toContain("新告警");
    await waitFor(async () => (await spooled(config.spoolFile ?? "")).length === 0, {
      what: "spool emptied",
    });
    expect(notifier.stats().email).toMatchObject({ delivered: 2, dropped: 0, pending: 0 });
    const after = await metricsRegistry.metrics();
    expect(sample(after, "qingshan_notification_queue_depth", "email")).toBe(0);
    expect(sample(after, "qingshan_notification_oldest_pending_seconds", "email")).toBe(0);
  });

  it("a crash while the mail server is down loses nothing: the next start sends what the spool held", async () => {
    const dir = await tempDir(cleanup);
    const store = await startStore(join(dir, "q.duckdb"), cleanup);
    const deadPort = await downSmtpPort();
    const first = await startBus(cleanup);
    const crashing = createNotifier(
      baseConfig(dir, {
        retry: { initialMs: 20, maxMs: 50 },
        email: { smtp: localSmtp(deadPort), timeoutMs: 2_000 },
      }),
      { bus: first, store, registry, logger: silentLogger, now: () => T0, metricsRegistry: new Registry() },
    );
    await crashing.start();
    // Never stopped before the next start reads the spool: what the file holds then is what a
    // killed process leaves (its mail server stays down, so it sends nothing meanwhile).
    cleanup.add(() => crashing.stop());
    await publishAlerts(first, raised("a1"));
    await waitFor(() => (crashing.stats().email?.retried ?? 0) >= 3, { what: "failing attempts" });
    const config = baseConfig(dir);
    await waitFor(async () => (await spooled(config.spoolFile ?? "")).length === 1, {
      what: "the pending e-mail in the spool",
    });

    const smtp = await startSmtp(cleanup);
    await startNotifier(
      cleanup,
      { ...config, email: { smtp: localSmtp(smtp.port), timeoutMs: 2_000 } },
      {
        bus: await startBus(cleanup),
        store,
        now: () => T0,
        metricsRegistry: new Registry(),
      },
    );
    await waitFor(() => smtp.mails.length === 1, { what: "the e-mail the crashed process held" });
    expect(smtp.mails[0]?.headers.get("x-qingshan-notification")).toBe("a1:raised");
    expect(smtp.mails[0]?.subject).toContain("新告警");
  });
});
