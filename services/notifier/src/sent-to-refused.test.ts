import { waitFor } from "@qingshan/testkit";
import { startTestSmtp } from "@qingshan/testkit/smtp";
import { describe, expect, it } from "vitest";
import type { NotifierConfig } from "./config.ts";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  publishAlerts,
  raised,
  startNotifier,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

// Two officers on duty at tier 0 all week.
const ROSTER: NotifierConfig["roster"] = {
  people: [
    { id: "officer-a", name: "甲 Officer A", email: "a@test.example" },
    { id: "officer-b", name: "乙 Officer B", email: "b@test.example" },
  ],
  shifts: [{ name: "all day", start: "00:00", end: "00:00", tiers: [["officer-a", "officer-b"]] }],
};

describe("an alert e-mail whose recipient the mail server refuses (QA: 'Notified: 甲、乙' though 乙 was refused)", () => {
  it("says whom it was sent to, and tells those who got it, in the thread, who was refused and why", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const accepted: string[] = [];
    const smtp = await startTestSmtp({
      refuseRecipient(address) {
        if (address === "b@test.example")
          return { code: 550, message: "5.1.1 <b@test.example>: user unknown" };
        accepted.push(address);
        return undefined;
      },
    });
    cleanup.add(() => smtp.stop());
    await startNotifier(
      cleanup,
      baseConfig(dir, { roster: ROSTER, email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 } }),
      { bus, store, now: () => T0 },
    );
    await publishAlerts(bus, raised("a1"));
    await waitFor(() => smtp.mails.length === 2, { what: "the alert e-mail and the notice" });
    const [alert, notice] = smtp.mails;
    const lines = (alert?.text ?? "").split("\n");
    // Rendered before sending: what was attempted, not a claim that both were notified.
    expect(lines).toContain("发送至 Sent to: 甲 Officer A、乙 Officer B（值班人员 duty officer）");
    expect(alert?.text).not.toContain("通知 Notified");
    // The refusal is visible to the officer who got the alert: a follow-up in the alert's thread.
    const to = notice?.to && "value" in notice.to ? notice.to.value.map((a) => a.address) : [];
    expect(to).toEqual(["a@test.example"]);
    expect(accepted).toEqual(["a@test.example", "a@test.example"]);
    expect(notice?.subject).toMatch(/^\[青山 Qingshan\] 【未送达】.* \| \[Not delivered to everyone\] /);
    expect(notice?.inReplyTo).toBe(alert?.messageId);
    expect(notice?.messageId).not.toBe(alert?.messageId);
    const noticeLines = (notice?.text ?? "").split("\n");
    expect(noticeLines).toContainEqual(
      expect.stringMatching(
        /^未送达 Not delivered: 乙 Officer B <b@test\.example>（550 .*user unknown）：邮件服务器拒收，此人未收到本告警邮件/,
      ),
    );
    expect(noticeLines).toContain("本邮件发送至 This notice sent to: a@test.example");
  });
});
