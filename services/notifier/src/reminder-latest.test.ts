import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { cleanupAfterEach, hourly, MIN, publishAlerts, raised, startNotifier } from "./testdata/harness.ts";
import { notificationIds, startMailRig } from "./testdata/mail-rig.ts";

const cleanup = cleanupAfterEach();

/** gb3095-24h-pm25 at ld-aq-01 as the rules engine raises it for the 25 Nov day (stamped at its end). */
function dayAlert(): AlertEvent {
  return {
    ...raised("pm25-day", Date.parse("2026-11-26T00:00:05+08:00")),
    id: "pm25-day:raised",
    value: 114.2,
    window: "Beijing calendar day",
    calendarWindow: "day",
    startedAt: "2026-11-26T00:00:00+08:00",
    dataTime: "2026-11-26T00:00:00+08:00",
    conditionHolds: true,
    message: {
      zh: "【警告】莲都监测站：PM2.5 日均值超二级标准。细颗粒物(PM2.5) 11月25日日均值 114.2 µg/m³；> 75 µg/m³；开始于 11月25日（北京时间）。",
      en: "[warning] Liandu station: PM2.5 daily mean above Grade II. Fine particulate matter (PM2.5) daily mean of 25 Nov 114.2 µg/m³; > 75 µg/m³; since 25 Nov Beijing time.",
    },
  };
}

describe("reminders and escalations state the latest value", () => {
  it("a daily PM2.5 alert open since 25 Nov is reminded and escalated on 30 Nov with the 29 Nov daily mean and the worst day, not the raising 114.2", async () => {
    const { store, bus, smtp, mailConfig } = await startMailRig(cleanup);
    // Hourly PM2.5 of the Beijing days 25–29 Nov: daily means 114.2, 171, 246, 289, 60.1
    // (hour labels in (day start, day end]); 30 Nov has 8 hours so far (not a valid day).
    const days: Array<[string, number, number]> = [
      ["2026-11-25", 114.2, 24],
      ["2026-11-26", 171, 24],
      ["2026-11-27", 246, 24],
      ["2026-11-28", 289, 24],
      ["2026-11-29", 60.1, 24],
      ["2026-11-30", 300, 8],
    ];
    await store.writeReadings(
      days.flatMap(([date, value, hours]) =>
        hourly(
          "ld-aq-01",
          "pm25",
          Date.parse(`${date}T00:00:00+08:00`),
          // Around the mean, so it takes a mean of hours.
          Array.from({ length: hours }, (_, h) => value + (h % 2 === 0 ? 5 : -5)),
        ),
      ),
    );
    let t = Date.parse("2026-11-30T08:00:00+08:00");
    const config = mailConfig({ renotifyMinutes: 15, escalateAfterMinutes: 30 }, { timeoutMs: 5_000 });
    const notifier = await startNotifier(cleanup, config, { bus, store, now: () => t });
    await publishAlerts(bus, dayAlert());
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    expect(smtp.mails[0]?.subject).toContain("PM2.5 日值 114.2 µg/m³");

    t += 15 * MIN;
    await notifier.tick(); // escalated (raised long ago)
    await waitFor(() => smtp.mails.length === 2, { what: "the escalation" });
    t += 15 * MIN;
    await notifier.tick(); // reminded
    await waitFor(() => smtp.mails.length === 3, { what: "the reminder" });

    for (const mail of smtp.mails.slice(1)) {
      expect(mail.subject).toContain("PM2.5 日值 60.1 µg/m³");
      expect(mail.subject).not.toContain("114.2");
      expect(mail.text).toContain(
        "最新 Latest: 60.1 µg/m³ 日值 daily（11月29日 / 29 Nov）；告警以来最高 highest since the alert began: 289 µg/m³（11月28日 / 28 Nov）",
      );
      // The message and the value it was raised with stay, labelled as such.
      expect(mail.text).toContain("告警时实测 Measured when alerted: 114.2 µg/m³");
    }
    expect(notificationIds(smtp.mails)).toEqual([
      "pm25-day:raised",
      "pm25-day:escalated:1",
      "pm25-day:renotified:1",
    ]);
    // The stored reminder carries the latest value and its data time (API, MQTT, live feed).
    const stored = await store.queryAlertEvents({ from: Date.parse("2026-11-25T00:00:00+08:00") });
    const reminder = stored.find((e) => e.id === "pm25-day:renotified:1");
    expect(reminder?.value).toBeCloseTo(60.1, 6);
    expect(Date.parse(reminder?.dataTime ?? "")).toBe(Date.parse("2026-11-30T00:00:00+08:00"));
  });
});
