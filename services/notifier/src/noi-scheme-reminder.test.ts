import { type AlertEvent, createStationRegistry } from "@qingshan/domain";
import type { NoiScheme } from "@qingshan/standards";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { cleanupAfterEach, hourly, publishAlerts, startNotifier, T0 } from "./testdata/harness.ts";
import { createTestNotifier, notificationIds, startMailRig } from "./testdata/mail-rig.ts";

const cleanup = cleanupAfterEach();

// A bureau's own table (qingshan config noi.scheme), as in config/qingshan.yaml's example: 1500 is
// its II (candidate A's I), 800 its III (candidate A's II).
const BUREAU: NoiScheme = {
  id: "lishui-fresh-air",
  source: "丽水市清新空气分级（局定）",
  title: { zh: "丽水清新空气三级", en: "Lishui fresh air, three grades" },
  provisional: false,
  grades: [
    { grade: "I", min: 2100, zh: "非常清新", en: "very fresh", color: "#00a651" },
    { grade: "II", min: 900, zh: "较清新", en: "rather fresh", color: "#ffd700" },
    { grade: "III", min: 0, zh: "一般", en: "ordinary", color: "#ed1c24" },
  ],
};

const registry = createStationRegistry([
  {
    id: "ld-noi-01",
    name: { zh: "白云山负氧离子站", en: "Baiyun Mountain ion station" },
    kind: "noi",
    location: { lat: 28.47, lon: 119.9 },
    township: "白云街道",
  },
]);

/** The noi-grade alert as the evaluator raises it by the bureau's table, made a warning by the bureau. */
const noiAlert: AlertEvent = {
  id: "n1:raised",
  alertId: "n1",
  type: "raised",
  at: new Date(T0).toISOString(),
  ruleId: "noi-grade",
  stationId: "ld-noi-01",
  severity: "warning",
  tier: 0,
  routes: ["duty"],
  level: "II",
  levelName: { zh: "II级", en: "grade II" },
  metric: "noi",
  value: 1000,
  window: "1-h mean",
  startedAt: "2026-11-28T10:00:00+08:00",
  conditionHolds: true,
  message: {
    zh: "负氧离子 1000 个/cm³，II级（较清新）",
    en: "negative oxygen ions 1000 ions/cm³, grade II (rather fresh)",
  },
};

describe("NOI reminders grade by the configured table (noi.scheme)", () => {
  it("a reminder names the bureau table's grades of the latest and the highest hourly means, not candidate A's", async () => {
    const { store, bus, smtp, mailConfig } = await startMailRig(cleanup);
    // Hourly means 1000, 1500, 800 ions/cm³: the bureau's II, II, III (candidate A's II, I, II).
    await store.writeReadings(hourly("ld-noi-01", "noi", T0, [1000, 1500, 800]));
    let t = T0;
    const config = mailConfig({ renotifyMinutes: 15, escalateAfterMinutes: 0 }, { timeoutMs: 5_000 });
    const notifier = await startNotifier(cleanup, config, {
      bus,
      store,
      registry,
      noiScheme: BUREAU,
      now: () => t,
    });
    await publishAlerts(bus, noiAlert);
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    t = Date.parse("2026-11-28T13:10:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });

    expect(notificationIds(smtp.mails)).toEqual(["n1:raised", "n1:renotified:1"]);
    expect(smtp.mails[1]?.text).toContain(
      "最新 Latest: 800 ions/cm³ III级 grade III 小时值 hourly（11月28日 13:00 / 28 Nov 13:00）；" +
        "告警以来最高 highest since the alert began: 1500 ions/cm³ II级 grade II（11月28日 12:00 / 28 Nov 12:00）",
    );
  });

  it("an invalid table is refused when the notifier is created", async () => {
    const { store, bus, mailConfig } = await startMailRig(cleanup);
    const [first, second, ...rest] = BUREAU.grades;
    const unordered: NoiScheme = {
      ...BUREAU,
      grades: [second, first, ...rest].filter((g) => g !== undefined),
    };
    expect(() => createTestNotifier(mailConfig(), { bus, store, noiScheme: unordered })).toThrow(
      "NOI scheme lishui-fresh-air: grades[1].min must be below grades[0].min (best grade first)",
    );
  });
});
