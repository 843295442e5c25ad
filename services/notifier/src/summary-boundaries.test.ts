import { type AlertEvent, foldAlertEvents } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import type { ParsedMail } from "@qingshan/testkit/smtp";
import { describe, expect, it } from "vitest";
import {
  acknowledged,
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  publishAlerts,
  raised,
  startNotifier,
  startSmtp,
  startStoreAndBus,
} from "./testdata/harness.ts";

// The scheduled summaries through the real notifier: DuckDB store, in-process bus, real SMTP,
// the notifier's injected clock. The harness roster: day 08:00–20:00 (duty@), night 20:00–08:00 (night@).

const cleanup = cleanupAfterEach();
const bj = (local: string) => Date.parse(`${local}+08:00`);

function resolved(alertId: string, at: number): AlertEvent {
  return { ...raised(alertId), id: `${alertId}:resolved`, type: "resolved", at: new Date(at).toISOString() };
}

/**
 * A notifier whose clock the test sets, fed `events` over the bus in order (the clock following
 * each event's `at`, as the evaluator publishes them live), so the notifier stores them itself.
 */
async function notifierFedWith(events: readonly AlertEvent[]) {
  const { dir, store, bus } = await startStoreAndBus(cleanup);
  const smtp = await startSmtp(cleanup);
  const config = baseConfig(dir, {
    renotifyMinutes: 0,
    escalateAfterMinutes: 0,
    routes: [{ name: "duty", channels: ["email"], events: ["escalated"], summaries: ["handover", "daily"] }],
    email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
  });
  let clock = Date.parse(events[0]?.at ?? "2026-11-29T00:00:00+08:00");
  const notifier = await startNotifier(cleanup, config, { bus, store, now: () => clock });
  for (const e of events) {
    clock = Date.parse(e.at);
    await publishAlerts(bus, e);
  }
  await waitFor(async () => (await store.queryAlertEvents({})).length === events.length, {
    what: "every event stored by the notifier",
  });
  return {
    store,
    notifier,
    setClock: (t: number) => {
      clock = t;
    },
    /** The summary e-mail whose subject contains `title`, once it arrived. */
    async mail(title: string): Promise<{ text: string; subject: string; to: string[] }> {
      let found: ParsedMail | undefined;
      await waitFor(
        () => {
          found = smtp.mails.find((m) => (m.subject ?? "").includes(title));
          return found !== undefined;
        },
        { what: `the e-mail "${title}"` },
      );
      const m = found as ParsedMail;
      const to = (Array.isArray(m.to) ? m.to : m.to === undefined ? [] : [m.to]).flatMap((a) =>
        a.value.map((v) => v.address ?? ""),
      );
      return { text: m.text ?? "", subject: m.subject ?? "", to: to.sort() };
    },
  };
}

/** Alert ids linked in the section of `text` whose heading contains `heading` (up to the next blank line). */
function section(text: string, heading: string): { count: number; ids: string[] } {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.includes(heading));
  if (start < 0) throw new Error(`no section "${heading}" in:\n${text}`);
  const count = Number(/: (\d+)/.exec(lines[start] ?? "")?.[1]);
  const ids: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    const id = /\/api\/v1\/alerts\/([\w-]+)/.exec(line)?.[1];
    if (id !== undefined) ids.push(id);
  }
  return { count, ids: ids.sort() };
}

// A night with alerts: one raised in the day shift before, three raised during the night (one of
// them resolved before morning, one acknowledged), one raised at 07:47 just before the change.
const NIGHT = [
  raised("day-10h", bj("2026-11-29T10:00:00")),
  raised("night-21h", bj("2026-11-29T21:30:00")),
  raised("night-23h", bj("2026-11-29T23:00:00")),
  raised("night-02h", bj("2026-11-30T02:00:00")),
  resolved("night-23h", bj("2026-11-30T03:00:00")),
  acknowledged("night-21h", bj("2026-11-30T06:00:00")),
  raised("night-0747", bj("2026-11-30T07:47:00")),
];

describe("shift handover at the shift change, as the cron runs it (a few ms after it)", () => {
  it("08:00:00.012: outgoing night 20:00–08:00, incoming day, both officers, the night's alerts", async () => {
    const n = await notifierFedWith(NIGHT);
    n.setClock(bj("2026-11-30T08:00:00.012"));
    await n.notifier.runShiftHandover();
    const mail = await n.mail("Shift handover");
    expect(mail.subject).toContain("Shift handover 30 Nov 08:00 Beijing time");
    expect(mail.text).toContain(
      "交班 Outgoing shift: night（11月29日 20:00 – 11月30日 08:00（北京时间）/ 29 Nov 20:00 – 30 Nov 08:00 Beijing time）; 接班 Incoming shift: day",
    );
    expect(mail.text).toContain("接班值班人员 Incoming duty officers: 测试值班员 Test Duty");
    // Notifier README: the outgoing and the incoming tier-0 officers.
    expect(mail.to).toEqual(["duty@test.example", "night@test.example"]);
    expect(section(mail.text, "Alerts raised during the past shift")).toEqual({
      count: 4,
      ids: ["night-02h", "night-0747", "night-21h", "night-23h"],
    });
    expect(section(mail.text, "Open alerts")).toEqual({
      count: 4,
      ids: ["day-10h", "night-02h", "night-0747", "night-21h"],
    });
  });

  it("20:00:00.005: outgoing day 08:00–20:00, incoming night, both officers, the day's alerts", async () => {
    const n = await notifierFedWith([
      raised("early", bj("2026-11-29T07:59:59.999")),
      raised("morning", bj("2026-11-29T08:00:00")),
      raised("evening", bj("2026-11-29T19:59:59.999")),
    ]);
    n.setClock(bj("2026-11-29T20:00:00.005"));
    await n.notifier.runShiftHandover();
    const mail = await n.mail("Shift handover");
    expect(mail.subject).toContain("Shift handover 29 Nov 20:00 Beijing time");
    expect(mail.text).toContain(
      "交班 Outgoing shift: day（11月29日 08:00 – 11月29日 20:00（北京时间）/ 29 Nov 08:00 – 29 Nov 20:00 Beijing time）; 接班 Incoming shift: night",
    );
    expect(mail.text).toContain("接班值班人员 Incoming duty officers: 夜班值班员 Night Duty");
    expect(mail.to).toEqual(["duty@test.example", "night@test.example"]);
    expect(section(mail.text, "Alerts raised during the past shift")).toEqual({
      count: 2,
      ids: ["evening", "morning"],
    });
    expect(section(mail.text, "Open alerts").count).toBe(3);
  });

  it("exactly at 08:00:00.000 and a minute late (08:01) it is the same 08:00 handover", async () => {
    for (const at of ["2026-11-30T08:00:00", "2026-11-30T08:01:00"]) {
      const n = await notifierFedWith(NIGHT);
      n.setClock(bj(at));
      const sent = await n.notifier.runShiftHandover();
      expect(sent.id).toBe("handover:202611300800");
      const mail = await n.mail("Shift handover");
      expect(mail.text).toContain("交班 Outgoing shift: night（11月29日 20:00 – 11月30日 08:00");
      expect(mail.to).toEqual(["duty@test.example", "night@test.example"]);
      expect(section(mail.text, "Alerts raised during the past shift").count).toBe(4);
    }
  });
});

describe("daily summary at 08:00 (cron, a few ms after it)", () => {
  it("lists the alerts open now, as GET /alerts?status=open,acknowledged and the handover do, and yesterday's raises", async () => {
    const n = await notifierFedWith([
      // Raised more than 400 days before and still open (a year-long target's alert).
      raised("old-open", bj("2025-09-01T10:00:00")),
      raised("nov28", bj("2026-11-28T15:00:00")),
      raised("nov29-first", bj("2026-11-29T00:00:00")),
      ...NIGHT,
      raised("nov30-first", bj("2026-11-30T00:00:00")),
    ]);
    n.setClock(bj("2026-11-30T08:00:00.012"));
    await n.notifier.runDailySummary();
    await n.notifier.runShiftHandover();
    const daily = await n.mail("Daily summary");
    const handover = await n.mail("Shift handover");
    expect(daily.subject).toContain("每日小结 11月29日（北京时间） | Daily summary 29 Nov (Beijing time)");

    // What the API answers for status=open,acknowledged: every stored event folded.
    const api = foldAlertEvents(await n.store.queryAlertEvents({}))
      .filter((s) => s.status !== "resolved")
      .map((s) => s.alertId)
      .sort();
    expect(api).toEqual([
      "day-10h",
      "night-02h",
      "night-0747",
      "night-21h",
      "nov28",
      "nov29-first",
      "nov30-first",
      "old-open",
    ]);
    expect(section(daily.text, "Open alerts")).toEqual({ count: api.length, ids: api });
    expect(section(handover.text, "Open alerts")).toEqual({ count: api.length, ids: api });
    // Acknowledged at 06:00 today: shown as acknowledged, as the API has it.
    expect(daily.text).toMatch(/- \[已确认 acknowledged\][^\n]*\/api\/v1\/alerts\/night-21h/);

    // Raised on the Beijing day 29 Nov: [00:00, 24:00), the one resolved since included.
    expect(daily.text).toContain("昨日（11月29日）告警 Alerts raised on 29 Nov: 4");
    expect(daily.text).toContain("- 规则 rule gb3095-24h-pm25: 4");
    expect(daily.to).toEqual(["duty@test.example"]);
  });
});
