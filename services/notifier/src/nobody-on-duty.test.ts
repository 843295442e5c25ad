import { waitFor } from "@qingshan/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { NotifierConfig } from "./config.ts";
import { failedRecord, sample } from "./testdata/delivery-records.ts";
import {
  baseConfig,
  cleanupAfterEach,
  publishAlerts,
  raised,
  startNotifier,
  T0,
} from "./testdata/harness.ts";
import { createTestNotifier, startMailRig } from "./testdata/mail-rig.ts";
import { recordingLogger } from "./testdata/recording-logger.ts";

const cleanup = cleanupAfterEach();

/** Officers on weekdays only (08:00–20:00 Beijing); T0, 2026-11-28 10:00, is a Saturday. */
const WEEKDAY_ROSTER: NotifierConfig["roster"] = {
  people: [
    { id: "duty-a", name: "测试值班员 Test Duty", email: "duty@test.example" },
    { id: "chief", name: "测试科长 Test Chief", email: "chief@test.example" },
  ],
  shifts: [
    {
      name: "day",
      days: ["mon", "tue", "wed", "thu", "fri"],
      start: "08:00",
      end: "20:00",
      tiers: [["duty-a"], ["chief"]],
    },
  ],
};

describe("nobody on duty is not a delivery", () => {
  it("warns at load which hours of the week have nobody at tier 0", () => {
    const logger = recordingLogger();
    createTestNotifier(
      { ...baseConfig("/nonexistent"), roster: WEEKDAY_ROSTER },
      { bus: undefined as never, store: undefined as never, logger, metricsRegistry: new Registry() },
    );
    const gaps = logger.warnings.filter((w) => w.msg.startsWith("roster: nobody on duty at tier 0"));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]?.fields).toEqual({
      tier: 0,
      gaps: [
        "mon 20:00 – tue 08:00",
        "tue 20:00 – wed 08:00",
        "wed 20:00 – thu 08:00",
        "thu 20:00 – fri 08:00",
        "fri 20:00 – mon 08:00",
      ],
    });
    expect(gaps[0]?.msg).toContain("fri 20:00 – mon 08:00");

    const full = recordingLogger();
    createTestNotifier(baseConfig("/nonexistent"), {
      bus: undefined as never,
      store: undefined as never,
      logger: full,
      metricsRegistry: new Registry(),
    });
    expect(full.warnings.filter((w) => w.msg.startsWith("roster:"))).toEqual([]);
  });

  it("an alert when nobody is on duty is recorded as nobody_on_duty, naming the tier and the time, and counted; none is 'delivered'", async () => {
    const { dir, store, bus, smtp, mailConfig } = await startMailRig(cleanup);
    const metricsRegistry = new Registry();
    const notifier = await startNotifier(
      cleanup,
      mailConfig({ roster: WEEKDAY_ROSTER }, { timeoutMs: 2_000 }),
      { bus, store, now: () => T0, metricsRegistry },
    );
    await publishAlerts(bus, raised("a1"));
    await waitFor(async () => (await failedRecord(dir)).length === 1, { what: "the missed alert recorded" });
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "the queue done" });
    expect(smtp.mails).toHaveLength(0);
    expect(notifier.stats().email).toMatchObject({ delivered: 0, dropped: 1, refused: 1 });
    const [line] = await failedRecord(dir);
    expect(line).toMatchObject({
      reason: "nobody_on_duty",
      partial: false,
      notification: "a1:raised",
      rejected: [
        {
          target: "roster tier 0",
          reply: "nobody on duty at roster tier 0 on sat 2026-11-28 10:00 (Beijing time)",
        },
      ],
    });
    const metrics = await metricsRegistry.metrics();
    expect(
      sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="nobody_on_duty"'),
    ).toBe(1);
    expect(sample(metrics, "qingshan_notifications_sent_total", 'channel="email"')).toBe(0);
  });

  it("with copy addresses (email.to) they get it, and the duty roster's miss is still recorded and counted", async () => {
    const { dir, store, bus, smtp, mailConfig } = await startMailRig(cleanup);
    const metricsRegistry = new Registry();
    const notifier = await startNotifier(
      cleanup,
      mailConfig({ roster: WEEKDAY_ROSTER }, { to: ["archive@test.example"], timeoutMs: 2_000 }),
      { bus, store, now: () => T0, metricsRegistry },
    );
    await publishAlerts(bus, raised("a1"));
    await waitFor(() => smtp.mails.length === 1, { what: "the copy" });
    await waitFor(async () => (await failedRecord(dir)).length === 1, { what: "the miss recorded" });
    const to =
      smtp.mails[0]?.to && "value" in smtp.mails[0].to ? smtp.mails[0].to.value.map((a) => a.address) : [];
    expect(to).toEqual(["archive@test.example"]);
    expect((await failedRecord(dir))[0]).toMatchObject({
      reason: "nobody_on_duty",
      partial: true,
      rejected: [{ target: "roster tier 0" }],
    });
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "the queue done" });
    expect(notifier.stats().email).toMatchObject({ delivered: 1, dropped: 0, refused: 1 });
    const metrics = await metricsRegistry.metrics();
    expect(
      sample(metrics, "qingshan_notifications_dropped_total", 'channel="email",reason="nobody_on_duty"'),
    ).toBe(1);
  });
});
