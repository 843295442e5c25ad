import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import type { ParsedMail } from "@qingshan/testkit/smtp";
import { describe, expect, it } from "vitest";
import { alertThreadId, messageIdDomain, notificationMessageId } from "./channels/email.ts";
import { ROUTE_EVENT_TYPES } from "./config.ts";
import {
  acknowledged,
  cleanupAfterEach,
  MIN,
  publishAlerts,
  raised,
  startNotifier,
  T0,
} from "./testdata/harness.ts";
import { alertsHandled, createTestNotifier, notificationIds, startMailRig } from "./testdata/mail-rig.ts";

const cleanup = cleanupAfterEach();

const references = (m: ParsedMail | undefined): string[] =>
  m?.references === undefined ? [] : Array.isArray(m.references) ? m.references : [m.references];

describe("e-mails about one alert are one thread", () => {
  it("raised, level change, reminder, escalation, acknowledgement and resolution refer to the raised e-mail's Message-ID, also after a restart", async () => {
    const { store, bus, smtp, mailConfig } = await startMailRig(cleanup);
    let t = T0;
    const config = mailConfig(
      {
        renotifyMinutes: 15,
        escalateAfterMinutes: 30,
        routes: [{ name: "duty", channels: ["email"], events: [...ROUTE_EVENT_TYPES] }],
      },
      { from: "青山监测 Qingshan <qingshan@hb.example.gov.cn>" },
    );
    const publish = async (...events: AlertEvent[]) => {
      await publishAlerts(bus, ...events);
      await alertsHandled(bus);
    };
    const first = createTestNotifier(config, { bus, store, now: () => t });
    await first.start();
    await publish(raised("a1"), raised("a2"));
    await waitFor(() => smtp.mails.length === 2, { what: "the raised e-mails" });
    t += 10 * MIN;
    await publish({
      ...raised("a1"),
      id: "a1:level_changed:x",
      type: "level_changed",
      at: new Date(t).toISOString(),
      severity: "critical",
      value: 260.2,
    });
    t += 15 * MIN;
    await first.tick(); // both reminded (a2's escalation is due at +30 min)
    await waitFor(() => smtp.mails.length === 5, { what: "level change and reminders" });
    await first.stop();

    const second = await startNotifier(cleanup, config, { bus, store, now: () => t });
    t += 15 * MIN;
    await second.tick(); // a1 escalated 30 min after its level change, a2 40 min after its raise
    await waitFor(() => smtp.mails.length === 7, { what: "the escalations after the restart" });
    await publish(acknowledged("a1", t + MIN), {
      ...raised("a1"),
      id: "a1:resolved",
      type: "resolved",
      at: new Date(t + 2 * MIN).toISOString(),
    });
    await waitFor(() => smtp.mails.length === 9, { what: "acknowledged and resolved" });

    const byId = (id: string) => smtp.mails.find((m) => m.headers.get("x-qingshan-notification") === id);
    const a1 = smtp.mails.filter((m) => String(m.headers.get("x-qingshan-notification")).startsWith("a1:"));
    expect(notificationIds(a1)).toEqual([
      "a1:raised",
      "a1:level_changed:x",
      "a1:renotified:1",
      "a1:escalated:1",
      expect.stringMatching(/^a1:acknowledged:/),
      "a1:resolved",
    ]);
    const root = byId("a1:raised")?.messageId;
    expect(root).toBe(alertThreadId("a1", "hb.example.gov.cn"));
    expect(root).toMatch(/^<alert\.a1\.[0-9a-f]{16}@hb\.example\.gov\.cn>$/);
    for (const m of a1.slice(1)) {
      expect(m.inReplyTo).toBe(root);
      expect(references(m)).toEqual([root]);
      const id = String(m.headers.get("x-qingshan-notification"));
      expect(m.messageId).toBe(notificationMessageId(id, "hb.example.gov.cn"));
    }
    expect(byId("a1:raised")?.inReplyTo).toBeUndefined();
    expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(smtp.mails.length);

    // The other alert is its own thread.
    const a2root = byId("a2:raised")?.messageId;
    expect(a2root).not.toBe(root);
    expect(byId("a2:renotified:1")?.inReplyTo).toBe(a2root);
    expect(references(byId("a2:escalated:1"))).toEqual([a2root]);
    // Subjects name the event in both languages, without "Re: ".
    expect(a1.map((m) => m.subject?.startsWith("[青山 Qingshan] 【"))).toEqual(a1.map(() => true));
  });

  it("takes the Message-ID domain from the From address, or qingshan.local", () => {
    expect(messageIdDomain("青山监测 Qingshan <qingshan@Example.gov.cn>")).toBe("example.gov.cn");
    expect(messageIdDomain("qingshan@hb.example.cn")).toBe("hb.example.cn");
    expect(messageIdDomain("青山监测 Qingshan <qingshan@localhost>")).toBe("qingshan.local");
    expect(
      alertThreadId("heavy-pollution-warning:ld-aq-01:2026-11-28T09:00:00+08:00", "qingshan.local"),
    ).toMatch(
      /^<alert\.heavy-pollution-warning\.ld-aq-01\.2026-11-28T09\.00\.00\.08\.00\.[0-9a-f]{16}@qingshan\.local>$/,
    );
  });
});
