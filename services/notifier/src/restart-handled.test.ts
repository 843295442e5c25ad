import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import type { NotifierConfig } from "./config.ts";
import type { Notifier } from "./notifier.ts";
import { cleanupAfterEach, HOUR, publishAlerts, raised, startNotifier, T0 } from "./testdata/harness.ts";
import { alertsHandled, createTestNotifier, notificationIds, startMailRig } from "./testdata/mail-rig.ts";

const cleanup = cleanupAfterEach();

function resolvedEvent(alertId: string, at: number): AlertEvent {
  return {
    ...raised(alertId),
    id: `${alertId}:resolved`,
    type: "resolved",
    at: new Date(at).toISOString(),
    value: 60.1,
    message: { zh: "PM2.5 24小时均值 60.1 ≤ 75 µg/m³", en: "PM2.5 24-hour mean 60.1 ≤ 75 µg/m³" },
  };
}

async function setup() {
  const { store, bus, smtp, mailConfig } = await startMailRig(cleanup);
  const config: NotifierConfig = mailConfig({}, { timeoutMs: 5_000 });
  let t = T0;
  const clock = { now: () => t, set: (ms: number) => (t = ms) };
  /** A notifier that ran once and is down now: its consumer group exists and keeps what comes. */
  const stopped = async (): Promise<void> => {
    const n = createTestNotifier(config, { bus, store, now: clock.now });
    await n.start();
    await n.stop();
  };
  /** Everything delivered to the group handled and every e-mail out. */
  const settled = async (n: Notifier): Promise<void> => {
    await alertsHandled(bus);
    await waitFor(() => n.stats().email?.pending === 0, { what: "the e-mails out" });
  };
  return { store, bus, smtp, config, clock, stopped, settled };
}

describe("a notifier restarted while the evaluator raises and resolves alerts", () => {
  it("e-mails a raise the evaluator stored and published while it was down, once", async () => {
    const { store, bus, smtp, config, clock, stopped, settled } = await setup();
    await stopped();
    // The evaluator stores each event itself, apart from publishing it.
    await store.writeAlertEvents([raised("a1")]);
    await publishAlerts(bus, raised("a1"));

    clock.set(T0 + 60_000);
    const n = await startNotifier(cleanup, config, { bus, store, now: clock.now });
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    await settled(n);
    expect(n.openAlerts().map((s) => s.alertId)).toEqual(["a1"]);
    // Delivered once more (at least once): handled already.
    await publishAlerts(bus, raised("a1"));
    await settled(n);
    expect(notificationIds(smtp.mails)).toEqual(["a1:raised"]);
    expect(smtp.mails[0]?.subject).toContain("新告警");
  });

  it("e-mails the all-clear of an alert the evaluator resolved while it was down, once", async () => {
    const { store, bus, smtp, config, clock, stopped, settled } = await setup();
    const first = await startNotifier(cleanup, config, { bus, store, now: clock.now });
    await publishAlerts(bus, raised("a1"));
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    await settled(first);
    await first.stop();

    const resolved = resolvedEvent("a1", T0 + HOUR);
    await store.writeAlertEvents([resolved]);
    await publishAlerts(bus, resolved);
    clock.set(T0 + HOUR + 60_000);
    const second = await startNotifier(cleanup, config, { bus, store, now: clock.now });
    await waitFor(() => smtp.mails.length === 2, { what: "the all-clear e-mail" });
    await settled(second);
    expect(second.openAlerts()).toEqual([]);
    expect(notificationIds(smtp.mails)).toEqual(["a1:raised", "a1:resolved"]);
    expect(smtp.mails[1]?.subject).toContain("告警已解除");

    // A further restart neither re-sends nor forgets.
    await second.stop();
    await stopped();
    expect(notificationIds(smtp.mails)).toEqual(["a1:raised", "a1:resolved"]);
  });

  it("e-mails a raise that reached the store but not the bus (the process ended between the two)", async () => {
    const { store, smtp, config, clock, stopped, bus, settled } = await setup();
    await stopped();
    await store.writeAlertEvents([raised("a1")]);
    clock.set(T0 + 60_000);
    const n = await startNotifier(cleanup, config, { bus, store, now: clock.now });
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    await settled(n);
    expect(notificationIds(smtp.mails)).toEqual(["a1:raised"]);
    expect(n.openAlerts().map((s) => s.alertId)).toEqual(["a1"]);
  });
});
