import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { alertThreadId } from "./channels/email.ts";
import {
  acknowledged,
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  MIN,
  publishAlerts,
  raised,
  startNotifier,
  startSmtp,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

describe("the shipped routes e-mail the all-clear", () => {
  it("sends 告警已解除 Alert resolved to the duty officer in the alert's thread; an acknowledgement is not e-mailed", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    // No `routes`: the defaults, as config/qingshan.yaml ships them (duty → "*", publication → none).
    const config = baseConfig(dir, {
      email: { smtp: localSmtp(smtp.port) },
    });
    const notifier = await startNotifier(cleanup, config, { bus, store, now: () => T0 + 5 * MIN });
    await publishAlerts(bus, raised("a1"), acknowledged("a1", T0 + 2 * MIN), {
      ...raised("a1"),
      id: "a1:resolved",
      type: "resolved",
      at: new Date(T0 + 4 * MIN).toISOString(),
      value: 60.1,
      message: { zh: "PM2.5 24小时均值 60.1 ≤ 75 µg/m³", en: "PM2.5 24-hour mean 60.1 ≤ 75 µg/m³" },
    });
    await waitFor(() => smtp.mails.length === 2, { what: "the raised and resolved e-mails" });
    await waitFor(() => bus.depth().alerts === 0, { what: "every event handled" });
    // The server has the second mail before the client has its reply (a loaded machine shows it).
    await waitFor(() => notifier.stats().email?.pending === 0, { what: "both counted as delivered" });
    expect(notifier.stats().email).toMatchObject({ delivered: 2, pending: 0 });
    const [first, resolved] = smtp.mails;
    expect(first?.headers.get("x-qingshan-notification")).toBe("a1:raised");
    expect(resolved?.headers.get("x-qingshan-notification")).toBe("a1:resolved");
    expect(resolved?.subject).toContain("告警已解除");
    expect(resolved?.subject).toContain("Alert resolved");
    expect(resolved?.inReplyTo).toBe(alertThreadId("a1", "qingshan.local"));
    const to = resolved?.to && "value" in resolved.to ? resolved.to.value.map((a) => a.address) : [];
    expect(to).toEqual(["duty@test.example"]);
  });
});
