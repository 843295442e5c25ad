import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { ROUTE_EVENT_TYPES } from "./config.ts";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  publishAlerts,
  raised,
  startNotifier,
  startSmtp,
  startStoreAndBus,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

/** A day-window alert as the rules engine words it: assessed at the day's end (25 Nov → 26 Nov 00:00). */
function dayAlert(alertId: string, extra: Partial<AlertEvent> = {}): AlertEvent {
  return {
    ...raised(alertId, Date.parse("2026-11-26T00:00:05+08:00")),
    ruleId: "gb3095-24h-pm25",
    value: 119.8,
    window: "Beijing calendar day",
    calendarWindow: "day",
    startedAt: "2026-11-26T00:00:00+08:00",
    dataTime: "2026-11-26T00:00:00+08:00",
    conditionHolds: true,
    message: {
      zh: "【警告】莲都监测站：PM2.5 日均值超二级标准。细颗粒物(PM2.5) 11月25日日均值 119.8 µg/m³；> 75 µg/m³；开始于 11月25日（北京时间）。",
      en: "[warning] Liandu station: PM2.5 daily mean above Grade II. Fine particulate matter (PM2.5) daily mean of 25 Nov 119.8 µg/m³; > 75 µg/m³; since 25 Nov Beijing time.",
    },
    ...extra,
  };
}

async function mailsOf(events: readonly AlertEvent[]) {
  const { dir, store, bus } = await startStoreAndBus(cleanup);
  const smtp = await startSmtp(cleanup);
  const config = baseConfig(dir, {
    renotifyMinutes: 0,
    escalateAfterMinutes: 0,
    routes: [{ name: "duty", channels: ["email"], events: [...ROUTE_EVENT_TYPES] }],
    email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
  });
  const now = Date.parse("2026-11-26T00:01:00+08:00");
  await startNotifier(cleanup, config, { bus, store, now: () => now });
  await publishAlerts(bus, ...events);
  await waitFor(() => smtp.mails.length === events.length, { what: "one e-mail per event" });
  return (alertId: string) => {
    const mail = smtp.mails.find((m) => (m.text ?? "").includes(`/alerts/${alertId}`));
    if (mail === undefined) throw new Error(`no e-mail of ${alertId}`);
    return { subject: mail.subject ?? "", text: mail.text ?? "" };
  };
}

describe("e-mails of calendar-window alerts", () => {
  it("the Started row names the day or month assessed, not the day's end instant the event is stamped with", async () => {
    const mail = await mailsOf([
      dayAlert("day"),
      // Stored before calendarWindow existed: the window text says it is a day.
      dayAlert("day-old", { calendarWindow: undefined }),
      // A month window assessed to its last day (Nov): stamped 1 Dec 00:00.
      dayAlert("month", {
        window: "calendar month",
        calendarWindow: "month",
        startedAt: "2026-12-01T00:00:00+08:00",
        dataTime: "2026-12-01T00:00:00+08:00",
      }),
      dayAlert("ytd", { window: "year to date", calendarWindow: "year-to-date" }),
      // An hourly window: the start is a clock time.
      raised("hourly"),
    ]);
    for (const id of ["day", "day-old", "ytd"]) {
      expect(mail(id).text).toContain("开始时间 Started: 11月25日 / 25 Nov 北京时间 (Beijing time, UTC+8)");
      expect(mail(id).text).not.toContain("11月26日 00:00");
    }
    expect(mail("month").text).toContain("开始时间 Started: 2026年11月 / Nov 2026 北京时间");
    expect(mail("hourly").text).toContain("开始时间 Started: 11月28日 09:00 / 28 Nov 09:00 北京时间");
  });

  it("the subject shows the value with the body's rounding: 0.0263 mg/L, not 0", async () => {
    const tp: AlertEvent = {
      ...dayAlert("tp"),
      stationId: "ls-wq-03",
      ruleId: "water-drinking-source-tp",
      metric: "tp",
      value: 0.0263,
      threshold: 0.025,
      message: {
        zh: "【警告】水源地：总磷超标。总磷 11月25日日均值 0.0263 mg/L；> 0.025 mg/L；开始于 11月25日（北京时间）。",
        en: "[warning] source: total phosphorus. Total phosphorus daily mean of 25 Nov 0.0263 mg/L; > 0.025 mg/L; since 25 Nov Beijing time.",
      },
    };
    // An event stored before the engine rounded once (61.417): shown as the engine shows it now.
    const unrounded = dayAlert("pm25", { value: 61.417 });
    const mail = await mailsOf([tp, unrounded]);
    expect(mail("tp").subject).toContain("日值 0.0263 mg/L");
    expect(mail("tp").subject).toContain("daily 0.0263 mg/L");
    expect(mail("tp").text).toContain("实测 Measured: 0.0263 mg/L");
    expect(mail("pm25").subject).toContain("PM2.5 日值 61.4 µg/m³");
    expect(mail("pm25").text).toContain("实测 Measured: 61.4 µg/m³");
  });
});
