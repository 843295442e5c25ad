import { waitFor } from "@qingshan/testkit";
import { startTestSmtp } from "@qingshan/testkit/smtp";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { failedRecord, sample } from "./testdata/delivery-records.ts";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  MIN,
  publishAlerts,
  raised,
  startNotifier,
  startReceiver,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

/** The day shift (08:00–20:00 Beijing) has duty-a at tier 0, the night shift duty-n (harness ROSTER). */
const NIGHT = T0 + 11 * 60 * MIN; // 21:00 Beijing

describe("a notification a channel refuses for good does not block its queue", () => {
  it("SMTP 550 for the only recipient: recorded as failed, not retried, and the next alert's e-mail goes out", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const rcpt: string[] = [];
    const smtp = await startTestSmtp({
      refuseRecipient(address) {
        rcpt.push(address);
        return address === "duty@test.example"
          ? { code: 550, message: "5.1.1 <duty@test.example>: user unknown" }
          : undefined;
      },
    });
    cleanup.add(() => smtp.stop());
    const metricsRegistry = new Registry();
    let clock = T0;
    const notifier = await startNotifier(
      cleanup,
      baseConfig(dir, {
        // The default: no attempt limit (before the fix the refused e-mail was retried for ever).
        retry: { initialMs: 20, maxMs: 50, maxAttempts: 0 },
        email: { smtp: localSmtp(smtp.port), timeoutMs: 2_000 },
      }),
      { bus, store, now: () => clock, metricsRegistry },
    );

    // Day shift: duty-a's address is refused by the server.
    await publishAlerts(bus, raised("a1"));
    await waitFor(async () => (await failedRecord(dir)).length === 1, { what: "the refusal recorded" });
    // Night shift: the next alert goes to duty-n, not stuck behind a1.
    clock = NIGHT;
    await publishAlerts(bus, raised("a2", NIGHT));
    await waitFor(() => smtp.mails.length === 1, { what: "a2's e-mail", timeoutMs: 5_000 });
    expect(smtp.mails[0]?.headers.get("x-qingshan-notification")).toBe("a2:raised");
    // The server has the mail before the client has its reply.
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "a2 counted as delivered" });
    // a1 was tried once, not again.
    expect(rcpt.filter((a) => a === "duty@test.example")).toHaveLength(1);
    expect(notifier.stats().email).toMatchObject({ delivered: 1, dropped: 1, refused: 1, pending: 0 });

    const [line] = await failedRecord(dir);
    expect(line).toMatchObject({
      channel: "email",
      // The same reason as the metric's (every recipient refused: "rejected").
      reason: "rejected",
      code: "address_rejected",
      partial: false,
      notification: "a1:raised",
      alertId: "a1",
      rejected: [{ target: "duty@test.example" }],
      recipients: [{ id: "duty-a", email: "duty@test.example" }],
    });
    expect(line?.rejected[0]?.reply).toContain("550");
    expect(line?.rejected[0]?.reply).toContain("user unknown");
    const metrics = await metricsRegistry.metrics();
    expect(sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="rejected"')).toBe(
      1,
    );
    expect(
      sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="max_attempts"'),
    ).toBe(0);
  });

  it("one officer's address refused: the others get the e-mail, the refused one is recorded, a deferred (4xx) one is retried alone", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const accepted: string[] = [];
    let deferrals = 0;
    const smtp = await startTestSmtp({
      refuseRecipient(address) {
        if (address === "duty@test.example") return { code: 550, message: "5.1.1 mailbox unavailable" };
        if (address === "slow@test.example" && deferrals < 2) {
          deferrals++;
          return { code: 451, message: "4.3.0 try again later" };
        }
        accepted.push(address);
        return undefined;
      },
    });
    cleanup.add(() => smtp.stop());
    const metricsRegistry = new Registry();
    const notifier = await startNotifier(
      cleanup,
      baseConfig(dir, {
        retry: { initialMs: 20, maxMs: 50, maxAttempts: 0 },
        email: {
          smtp: localSmtp(smtp.port),
          to: ["ops@test.example", "slow@test.example"],
          timeoutMs: 2_000,
        },
      }),
      { bus, store, now: () => T0, metricsRegistry },
    );

    await publishAlerts(bus, raised("a1"), raised("a2", T0 + MIN));
    await waitFor(() => smtp.mails.length === 3, { what: "a1, its retry to slow@, a2" });
    expect(smtp.mails.map((m) => m.headers.get("x-qingshan-notification"))).toEqual([
      "a1:raised",
      "a1:raised",
      "a2:raised",
    ]);
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "both counted as delivered" });
    await waitFor(async () => (await failedRecord(dir)).length === 2, { what: "both refusals recorded" });
    // ops@ got a1 once; slow@ once, on the retry; duty@ never, and was tried once per alert.
    expect(accepted).toEqual([
      "ops@test.example",
      "slow@test.example",
      "ops@test.example",
      "slow@test.example",
    ]);
    const record = await failedRecord(dir);
    expect(record.map((l) => [l.notification, l.partial, l.rejected.map((r) => r.target)])).toEqual([
      ["a1:raised", true, ["duty@test.example"]],
      ["a2:raised", true, ["duty@test.example"]],
    ]);
    expect(record[0]?.recipients).toEqual([
      { id: "duty-a", name: "测试值班员 Test Duty", email: "duty@test.example" },
    ]);
    expect(notifier.stats().email).toMatchObject({ delivered: 2, dropped: 0, refused: 2, pending: 0 });
    const metrics = await metricsRegistry.metrics();
    expect(
      sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="recipient_rejected"'),
    ).toBe(2);
  });

  it("every recipient refused at RCPT TO by the server's policy (554 5.7.1 Relay access denied): held and retried, not recorded as failed; once the relay is fixed each e-mail arrives once, in order", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    let relayOk = false;
    const rcpt: string[] = [];
    const smtp = await startTestSmtp({
      refuseRecipient(address) {
        rcpt.push(address);
        return relayOk ? undefined : { code: 554, message: "5.7.1 Relay access denied" };
      },
    });
    cleanup.add(() => smtp.stop());
    const metricsRegistry = new Registry();
    const notifier = await startNotifier(
      cleanup,
      baseConfig(dir, {
        retry: { initialMs: 20, maxMs: 50, maxAttempts: 0 },
        email: { smtp: localSmtp(smtp.port), timeoutMs: 2_000 },
      }),
      { bus, store, now: () => T0, metricsRegistry },
    );

    await publishAlerts(bus, raised("a1"), raised("a2", T0 + MIN));
    await waitFor(() => (notifier.stats().email?.retried ?? 0) >= 3, { what: "a1 retried" });
    expect(smtp.mails).toHaveLength(0);
    expect(notifier.stats().email).toMatchObject({ delivered: 0, dropped: 0, refused: 0, pending: 2 });
    expect(await failedRecord(dir)).toEqual([]);
    let metrics = await metricsRegistry.metrics();
    expect(sample(metrics, "qingshan_notifications_failed_total", 'channel="email"')).toBeGreaterThanOrEqual(
      3,
    );
    expect(sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="rejected"')).toBe(
      0,
    );

    relayOk = true; // the mail server's relay is fixed
    await waitFor(() => smtp.mails.length === 2, { what: "both e-mails", timeoutMs: 5_000 });
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "both counted as delivered" });
    expect(smtp.mails.map((m) => m.headers.get("x-qingshan-notification"))).toEqual([
      "a1:raised",
      "a2:raised",
    ]);
    expect(notifier.stats().email).toMatchObject({ delivered: 2, dropped: 0, refused: 0, pending: 0 });
    expect(await failedRecord(dir)).toEqual([]);
    metrics = await metricsRegistry.metrics();
    expect(
      sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="recipient_rejected"'),
    ).toBe(0);
  });

  it("a policy refusal of only some recipients (relay denied for an outside address) keeps today's rule: recorded, the others get it", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startTestSmtp({
      refuseRecipient: (address) =>
        address.endsWith("@elsewhere.example")
          ? { code: 554, message: "5.7.1 Relay access denied" }
          : undefined,
    });
    cleanup.add(() => smtp.stop());
    const notifier = await startNotifier(
      cleanup,
      baseConfig(dir, {
        retry: { initialMs: 20, maxMs: 50, maxAttempts: 0 },
        email: { smtp: localSmtp(smtp.port), to: ["archive@elsewhere.example"], timeoutMs: 2_000 },
      }),
      { bus, store, now: () => T0 },
    );
    await publishAlerts(bus, raised("a1"));
    await waitFor(() => smtp.mails.length === 1, { what: "the e-mail to the duty officer" });
    await waitFor(async () => (await failedRecord(dir)).length === 1, { what: "the refusal recorded" });
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "counted as delivered" });
    const [line] = await failedRecord(dir);
    expect(line).toMatchObject({ partial: true, rejected: [{ target: "archive@elsewhere.example" }] });
    expect(notifier.stats().email).toMatchObject({ delivered: 1, refused: 1, retried: 0 });
  });

  it("a webhook answering 404 is not retried and the next notification goes on; 503 and 429 are retried until it recovers", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const answers = [
      { status: 404, body: '{"error":"no such hook"}' }, // a1: refused for good
      { status: 503, body: "maintenance" }, // a2: temporary
      { status: 429, body: "slow down" },
      { status: 200, body: "{}" }, // a2 delivered
      { status: 200, body: "{}" }, // a3
    ];
    const hook = await startReceiver(cleanup, (_req, n) => answers[n - 1] ?? { status: 200, body: "{}" });
    const metricsRegistry = new Registry();
    const notifier = await startNotifier(
      cleanup,
      baseConfig(dir, {
        retry: { initialMs: 20, maxMs: 50, maxAttempts: 0 },
        email: { enabled: false },
        webhooks: [{ name: "ops-json", format: "json", url: `${hook.url}/hook?token=s3cret` }],
      }),
      { bus, store, now: () => T0, metricsRegistry },
    );

    await publishAlerts(bus, raised("a1"), raised("a2", T0 + MIN), raised("a3", T0 + 2 * MIN));
    await waitFor(() => hook.received.length === 5, {
      what: "a1 once, a2 three times, a3",
      timeoutMs: 5_000,
    });
    expect(hook.received.map((r) => [(r.body.event as { alertId: string }).alertId, r.status])).toEqual([
      ["a1", 404],
      ["a2", 503],
      ["a2", 429],
      ["a2", 200],
      ["a3", 200],
    ]);
    await waitFor(() => notifier.stats()["ops-json"]?.pending === 0, { what: "queue empty" });
    expect(notifier.stats()["ops-json"]).toMatchObject({ delivered: 2, dropped: 1, refused: 1, retried: 2 });
    await waitFor(async () => (await failedRecord(dir)).length === 1, { what: "the refusal recorded" });
    const record = await failedRecord(dir);
    expect(record[0]).toMatchObject({
      channel: "ops-json",
      reason: "rejected",
      code: "http_404",
      alertId: "a1",
      partial: false,
    });
    // The URL without its secret, the server's reply.
    expect(record[0]?.rejected).toEqual([
      { target: `${hook.url}/hook?token=***`, reply: 'HTTP 404: {"error":"no such hook"}' },
    ]);
    const metrics = await metricsRegistry.metrics();
    expect(
      sample(metrics, "qingshan_notifications_dropped_total", 'channel="ops-json",reason="rejected"'),
    ).toBe(1);
  });
});
