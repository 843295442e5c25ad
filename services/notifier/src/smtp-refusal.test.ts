import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@qingshan/testkit";
import { startTestSmtp } from "@qingshan/testkit/smtp";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { addressReply } from "./channels/email.ts";
import { failedRecord, sample } from "./testdata/delivery-records.ts";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  MIN,
  publishAlerts,
  raised,
  startNotifier,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

/** The day shift (08:00–20:00 Beijing) has duty-a at tier 0, the night shift duty-n (harness ROSTER). */
const NIGHT = T0 + 11 * 60 * MIN; // 21:00 Beijing

describe("addressReply: is a 5xx to RCPT TO about the address (RFC 5321 §4.2.2, RFC 3463)?", () => {
  it.each([
    // Enhanced status codes decide when present (RFC 3463 §3.2 5.1.x, §3.3 5.2.x).
    ["550 5.1.1 <x@y>: Recipient address rejected: User unknown in local recipient table", true],
    ["550-5.1.1 The email account that you tried to reach does not exist.", true],
    ["550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", true],
    ["552 5.2.2 Mailbox full", true],
    ["554 5.7.1 <x@y>: Relay access denied", false],
    ["550 5.7.1 Unable to relay", false],
    ["550 5.7.1 No such user here, policy rejection", false],
    ["554 5.4.4 Unable to route", false],
    // No enhanced code: the reply code, and for 550/552/554 the text.
    ["550 No such user", true],
    ["550 No such user here", true],
    ["550 User unknown", true],
    ["550 <x@y>: Recipient address rejected: User unknown", true],
    ["550 Requested action not taken: mailbox unavailable", true],
    ["550 Mailbox does not exist", true],
    ["551 User not local; please try <x@z>", true],
    ["553 Requested action not taken: mailbox name not allowed", true],
    ["550 Relaying denied", false],
    ["550 Relay access denied for user unknown", false],
    ["554 Transaction failed: policy", false],
    ["550 Rejected", false],
    ["550 Sender address rejected: access denied", false],
    ["552 Too many recipients", false],
    ["555 MAIL FROM/RCPT TO parameters not recognized", false],
  ])("%s → %s", (response, expected) => {
    expect(addressReply({ response })).toBe(expected);
  });
});

describe("an SMTP 5xx to every recipient without an enhanced status code", () => {
  it("a bare `550 No such user`: recorded as a bad address in failedFile, not retried; the record's reason is the metric's", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const rcpt: string[] = [];
    const smtp = await startTestSmtp({
      refuseRecipient(address) {
        rcpt.push(address);
        return address === "duty@test.example" ? { code: 550, message: "No such user" } : undefined;
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
    await waitFor(async () => (await failedRecord(dir)).length === 2, { what: "both refusals recorded" });
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "the queue empty" });
    // Each tried once, not again.
    expect(rcpt).toEqual(["duty@test.example", "duty@test.example"]);
    expect(notifier.stats().email).toMatchObject({ delivered: 0, retried: 0, dropped: 2, refused: 2 });
    const record = await failedRecord(dir);
    expect(record.map((l) => [l.notification, l.reason, l.code, l.partial, l.rejected])).toEqual([
      [
        "a1:raised",
        "rejected",
        "address_rejected",
        false,
        [{ target: "duty@test.example", reply: "550 No such user" }],
      ],
      [
        "a2:raised",
        "rejected",
        "address_rejected",
        false,
        [{ target: "duty@test.example", reply: "550 No such user" }],
      ],
    ]);
    const metrics = await metricsRegistry.metrics();
    expect(sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="rejected"')).toBe(
      2,
    );
    expect(
      sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="recipient_rejected"'),
    ).toBe(0);
    expect(sample(metrics, "qingshan_notification_queue_depth", 'channel="email"')).toBe(0);
  });

  it("`550 5.7.1 Relaying denied`: the server's policy, held and retried, nothing in failedFile", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    let refusals = 0;
    const smtp = await startTestSmtp({
      refuseRecipient() {
        refusals++;
        return { code: 550, message: "5.7.1 Relaying denied" };
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

    await publishAlerts(bus, raised("a1"));
    await waitFor(() => refusals >= 3, { what: "a1 retried" });
    expect(notifier.stats().email).toMatchObject({ delivered: 0, dropped: 0, refused: 0, pending: 1 });
    expect(await failedRecord(dir)).toEqual([]);
    const metrics = await metricsRegistry.metrics();
    expect(sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="rejected"')).toBe(
      0,
    );
    expect(sample(metrics, "qingshan_notification_queue_depth", 'channel="email"')).toBe(1);
  });

  it("a message held for a refusal (`550 Rejected`, nothing about the address) does not hold later e-mails: the next alert's goes out, the held one stays spooled and goes out once the server takes it", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    let dutyRefused = true;
    const dutyTries: string[] = [];
    const smtp = await startTestSmtp({
      refuseRecipient(address) {
        if (address !== "duty@test.example") return undefined;
        dutyTries.push(address);
        return dutyRefused ? { code: 550, message: "Rejected" } : undefined;
      },
    });
    cleanup.add(() => smtp.stop());
    let clock = T0;
    const notifier = await startNotifier(
      cleanup,
      baseConfig(dir, {
        retry: { initialMs: 20, maxMs: 50, maxAttempts: 0 },
        email: { smtp: localSmtp(smtp.port), timeoutMs: 2_000 },
      }),
      { bus, store, now: () => clock },
    );

    // Day shift: a1 to duty-a, whose every delivery the server refuses.
    await publishAlerts(bus, raised("a1"));
    await waitFor(() => dutyTries.length >= 2, { what: "a1 refused and retried" });
    // Night shift: a2 to duty-n goes out although a1 is still held.
    clock = NIGHT;
    await publishAlerts(bus, raised("a2", NIGHT));
    await waitFor(() => smtp.mails.length === 1, { what: "a2's e-mail", timeoutMs: 5_000 });
    expect(smtp.mails[0]?.headers.get("x-qingshan-notification")).toBe("a2:raised");
    await waitFor(() => notifier.stats().email?.delivered === 1, { what: "a2 counted as delivered" });
    // a1 is not lost: still held, in the spool, not in the failed record.
    expect(notifier.stats().email).toMatchObject({ delivered: 1, dropped: 0, refused: 0, pending: 1 });
    const spool = await readFile(join(dir, "spool.jsonl"), "utf8");
    expect(spool).toContain('"id":"a1:raised"');
    expect(spool).not.toContain('"id":"a2:raised"');
    expect(await failedRecord(dir)).toEqual([]);

    dutyRefused = false; // the server takes duty-a's mail again
    await waitFor(() => smtp.mails.length === 2, { what: "a1's e-mail", timeoutMs: 5_000 });
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "a1 counted as delivered" });
    expect(smtp.mails.map((m) => m.headers.get("x-qingshan-notification"))).toEqual([
      "a2:raised",
      "a1:raised",
    ]);
    expect(notifier.stats().email).toMatchObject({ delivered: 2, dropped: 0, refused: 0 });
  });
});
