import { join } from "node:path";
import { type AlertEvent, createStationRegistry, METRICS, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createNotifier } from "./notifier.ts";
import {
  baseConfig,
  Cleanup,
  HOUR,
  hourly,
  publishAlerts,
  startBus,
  startSmtp,
  startStore,
  tempDir,
} from "./testdata/harness.ts";

const logger = pino({ level: "silent" });
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);

const registry = createStationRegistry([
  {
    id: "ld-aq-01",
    name: { zh: "莲都监测站", en: "Liandu station" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
  },
  {
    id: "ld-aq-02",
    name: { zh: "碧湖监测站", en: "Bihu station" },
    kind: "air",
    location: { lat: 28.37, lon: 119.8 },
    township: "碧湖镇",
  },
]);

const PM25 = METRICS.pm25;
const PM10 = METRICS.pm10;

function raised(event: Omit<AlertEvent, "id" | "type" | "tier" | "routes">): AlertEvent {
  return { ...event, id: `${event.alertId}:raised`, type: "raised", tier: 0, routes: ["duty"] };
}

/** Hourly PM2.5 of `station`: `perDay[i]` every hour of the Beijing day `first` + i days. */
function days(stationId: string, first: string, perDay: readonly number[]): Reading[] {
  const from = at(`${first}T00:00:00+08:00`);
  return hourly(
    stationId,
    "pm25",
    from,
    perDay.flatMap((v) => Array<number>(24).fill(v)),
  );
}

/** A store, a bus, an SMTP server and a notifier reminding every 15 min (no escalation) at clock `t`. */
async function setup(clock: { t: number }) {
  const dir = await tempDir(cleanup);
  const store = await startStore(join(dir, "q.duckdb"), cleanup);
  const bus = await startBus(cleanup);
  const smtp = await startSmtp(cleanup);
  const config = baseConfig(dir, {
    renotifyMinutes: 15,
    escalateAfterMinutes: 0,
    email: { smtp: { host: "127.0.0.1", port: smtp.port, secure: false }, timeoutMs: 5_000 },
  });
  const notifier = createNotifier(config, { bus, store, registry, logger, now: () => clock.t });
  await notifier.start();
  cleanup.add(() => notifier.stop());
  const byId = (id: string) => smtp.mails.find((m) => m.headers.get("x-qingshan-notification") === id);
  return { store, bus, smtp, notifier, byId };
}

/** An out-of-range finding as packages/rules observeQuality raises it. */
function outOfRange(
  alertId: string,
  stationId: string,
  metric: "pm25" | "pm10",
  value: number,
  note: string,
) {
  const def = METRICS[metric];
  return raised({
    alertId,
    at: "2026-11-28T10:00:00+08:00",
    ruleId: "dq-out-of-range",
    stationId,
    severity: "warning",
    metric,
    value,
    startedAt: "2026-11-28T10:00:00+08:00",
    details: [{ metric, value, limit: note.startsWith("flag T") ? def.instrumentRange[1] : 500, note }],
    message: {
      zh: `${def.zh} ${value} ${def.unit} 超出仪器量程`,
      en: `${def.en} ${value} ${def.unit} outside the instrument's range`,
    },
  });
}

describe("reminders of out-of-range findings state the latest reading and whether it is still out of range", () => {
  it("a reading back in range, one still flagged T, and one with no newer reading than the alerted", async () => {
    const clock = { t: at("2026-11-28T10:00:00+08:00") };
    const { store, bus, smtp, notifier, byId } = await setup(clock);
    // ld-aq-01: PM2.5 620 at 09:00 (the rule's range [0, 500]), then 45 and 38. ld-aq-02: PM10 flagged
    // T (above the measuring upper limit) at 09:00 and again at 11:00. PM2.5 of ld-aq-02: 700 at 09:00 only.
    const from = at("2026-11-28T09:00:00+08:00");
    await store.writeReadings([
      ...hourly("ld-aq-01", "pm25", from, [620, 45, 38]),
      ...hourly("ld-aq-02", "pm10", from, [5000, 800, 5000]).map((r) =>
        r.value === 5000 ? { ...r, flag: "T" as const } : r,
      ),
    ]);
    await publishAlerts(
      bus,
      outOfRange("r1", "ld-aq-01", "pm25", 620, "outside [0, 500]"),
      outOfRange("r2", "ld-aq-02", "pm10", 5000, "flag T: above the measuring upper limit"),
    );
    await waitFor(() => smtp.mails.length === 2, { what: "the raised e-mails" });
    clock.t = at("2026-11-28T12:10:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 4, { what: "the reminders" });
    expect(byId("r1:renotified:1")?.text).toContain(
      `最新 Latest: ${PM25.zh} 最新读数 38 µg/m³（11月28日 11:00），已在量程 [0, 500] 内 / ${PM25.en} latest reading 38 µg/m³ (28 Nov 11:00), back within the range [0, 500]`,
    );
    expect(byId("r1:renotified:1")?.text).toContain("告警时实测 Measured when alerted: 620");
    expect(byId("r2:renotified:1")?.text).toContain(
      `最新 Latest: ${PM10.zh} 最新读数 5000 µg/m³（11月28日 11:00，标记 T 超测上限），仍超出量程 [0, 5000] / ${PM10.en} latest reading 5000 µg/m³ (28 Nov 11:00, flag T: above the measuring upper limit), still outside the range [0, 5000]`,
    );
    const stored = await store.queryAlertEvents({ from: at("2026-11-28T00:00:00+08:00") });
    const r1 = stored.find((e) => e.id === "r1:renotified:1");
    expect(r1?.value).toBe(38);
    expect(Date.parse(r1?.dataTime ?? "")).toBe(at("2026-11-28T11:00:00+08:00"));
  });

  it("without a newer reading the reminder states the alerted reading as the latest, still out of range; without any, the alerted value", async () => {
    const clock = { t: at("2026-11-28T10:00:00+08:00") };
    const { store, bus, smtp, notifier, byId } = await setup(clock);
    await store.writeReadings(hourly("ld-aq-01", "pm25", at("2026-11-28T09:00:00+08:00"), [620]));
    await publishAlerts(
      bus,
      outOfRange("r1", "ld-aq-01", "pm25", 620, "outside [0, 500]"),
      // Nothing of ld-aq-02 in the store.
      outOfRange("r2", "ld-aq-02", "pm25", 700, "outside [0, 500]"),
    );
    await waitFor(() => smtp.mails.length === 2, { what: "the raised e-mails" });
    clock.t = at("2026-11-28T12:10:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 4, { what: "the reminders" });
    expect(byId("r1:renotified:1")?.text).toContain(
      `最新 Latest: ${PM25.zh} 最新读数 620 µg/m³（11月28日 09:00），仍超出量程 [0, 500] / ${PM25.en} latest reading 620 µg/m³ (28 Nov 09:00), still outside the range [0, 500]`,
    );
    expect(byId("r2:renotified:1")?.text).not.toContain("最新 Latest");
    expect(byId("r2:renotified:1")?.text).toContain("实测 Measured: 700");
  });
});

describe("reminders of month and year-to-date alerts state the window's mean now", () => {
  it("a monthly PM2.5 mean alert's reminder states the month's mean through the last completed day", async () => {
    // 1–27 Nov at 60 µg/m³: raised at 28 Nov 00:00 (27 valid days, HJ 663's ≥ 27). Then 28 and 29 Nov at 30.
    const clock = { t: at("2026-11-28T00:05:00+08:00") };
    const { store, bus, smtp, notifier, byId } = await setup(clock);
    await store.writeReadings(days("ld-aq-01", "2026-11-01", [...Array<number>(27).fill(60), 30, 30]));
    await publishAlerts(
      bus,
      raised({
        alertId: "m1",
        at: "2026-11-28T00:05:00+08:00",
        ruleId: "pm25-monthly-over",
        stationId: "ld-aq-01",
        severity: "warning",
        metric: "pm25",
        value: 60,
        threshold: 35,
        window: "calendar month",
        calendarWindow: "month",
        startedAt: "2026-11-28T00:00:00+08:00",
        dataTime: "2026-11-28T00:00:00+08:00",
        message: { zh: `${PM25.zh}自然月 60 µg/m³`, en: `${PM25.en} calendar month 60 µg/m³` },
      }),
    );
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    clock.t = at("2026-11-30T10:00:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    // (27 × 60 + 2 × 30) / 29 = 57.93
    const mail = byId("m1:renotified:1");
    expect(mail?.subject).toContain("PM2.5 月均值 57.9 µg/m³");
    expect(mail?.text).toContain(
      `最新 Latest: ${PM25.zh}自然月 57.9 µg/m³（11月1日至11月29日，29 个有效日） / ${PM25.en} calendar month 57.9 µg/m³ (1 Nov to 29 Nov, 29 valid days)`,
    );
    expect(mail?.text).toContain("告警时实测 Measured when alerted: 60");
    const stored = await store.queryAlertEvents({ from: at("2026-11-27T00:00:00+08:00") });
    const reminder = stored.find((e) => e.id === "m1:renotified:1");
    expect(reminder?.value).toBe(57.9);
    expect(Date.parse(reminder?.dataTime ?? "")).toBe(at("2026-11-30T00:00:00+08:00"));
  });

  it("with no newer day the month's reminder states the days the alert was raised on; in a new month, that its mean is not valid yet", async () => {
    const clock = { t: at("2026-11-28T00:05:00+08:00") };
    const { store, bus, smtp, notifier, byId } = await setup(clock);
    await store.writeReadings(days("ld-aq-01", "2026-11-01", Array<number>(27).fill(60)));
    await store.writeReadings(days("ld-aq-02", "2026-11-01", [...Array<number>(30).fill(60), 20, 20]));
    const monthly = (alertId: string, stationId: string) =>
      raised({
        alertId,
        at: "2026-11-28T00:05:00+08:00",
        ruleId: "pm25-monthly-over",
        stationId,
        severity: "warning",
        metric: "pm25",
        value: 60,
        threshold: 35,
        window: "calendar month",
        calendarWindow: "month",
        startedAt: "2026-11-28T00:00:00+08:00",
        message: { zh: `${PM25.zh}自然月 60 µg/m³`, en: `${PM25.en} calendar month 60 µg/m³` },
      });
    await publishAlerts(bus, monthly("m1", "ld-aq-01"), monthly("m2", "ld-aq-02"));
    await waitFor(() => smtp.mails.length === 2, { what: "the raised e-mails" });
    // ld-aq-01 has nothing after 27 Nov; ld-aq-02 has 1 and 2 Dec (20 µg/m³), 2 of the 27 days December needs.
    clock.t = at("2026-12-03T09:00:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 4, { what: "the reminders" });
    expect(byId("m1:renotified:1")?.text).not.toContain("最新 Latest");
    expect(byId("m2:renotified:1")?.text).toContain(
      `最新 Latest: ${PM25.zh}自然月 暂无有效值：12月1日至12月2日 2 个有效日均值（需 ≥ 27 个），其均值 20 µg/m³`,
    );
    // Reminded within November with no newer day: the month through 28 Nov, still the 27 valid days raised on.
    const clock2 = { t: at("2026-11-28T00:05:00+08:00") };
    const second = await setup(clock2);
    await second.store.writeReadings(days("ld-aq-01", "2026-11-01", Array<number>(27).fill(60)));
    await publishAlerts(second.bus, monthly("m3", "ld-aq-01"));
    await waitFor(() => second.smtp.mails.length === 1, { what: "the raised e-mail" });
    clock2.t = at("2026-11-29T09:00:00+08:00");
    await second.notifier.tick();
    await waitFor(() => second.smtp.mails.length === 2, { what: "the reminder" });
    expect(second.byId("m3:renotified:1")?.text).toContain(
      `最新 Latest: ${PM25.zh}自然月 60 µg/m³（11月1日至11月28日，27 个有效日） / ${PM25.en} calendar month 60 µg/m³ (1 Nov to 28 Nov, 27 valid days)`,
    );
  });

  it("an annual-target alert's reminder states the year-to-date mean as the rule assesses it", async () => {
    // 1 Jan – 27 Nov (331 days) at 35 µg/m³: raised for 27 Nov (mean 35 > target 32). Then 28 and 29 Nov at 300.
    const clock = { t: at("2026-11-28T00:05:00+08:00") };
    const { store, bus, smtp, notifier, byId } = await setup(clock);
    const perDay = Array<number>(331).fill(35);
    expect(at("2026-01-01T00:00:00+08:00") + 331 * DAY).toBe(at("2026-11-28T00:00:00+08:00"));
    await store.writeReadings(days("ld-aq-01", "2026-01-01", [...perDay, 300, 300]));
    await publishAlerts(
      bus,
      raised({
        alertId: "y1",
        at: "2026-11-28T00:05:00+08:00",
        ruleId: "pm25-annual-target",
        stationId: "ld-aq-01",
        severity: "critical",
        level: "exceeded",
        levelName: { zh: "已无法达标", en: "exceeded" },
        metric: "pm25",
        value: 35,
        threshold: 32,
        window: "year to date",
        calendarWindow: "year-to-date",
        startedAt: "2026-11-28T00:00:00+08:00",
        conditionHolds: true,
        message: {
          zh: `${PM25.zh}年初至今均值 35 µg/m³（331 个有效日）：已无法达标`,
          en: `${PM25.en} year-to-date mean 35 µg/m³ (331 valid days): exceeded`,
        },
      }),
    );
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    clock.t = at("2026-11-30T10:00:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    // (331 × 35 + 2 × 300) / 333 = 36.59, reported as an integer (assessAnnualTarget): 37.
    const mail = byId("y1:renotified:1");
    expect(mail?.subject).toContain("PM2.5 年初至今均值 37 µg/m³");
    expect(mail?.text).toContain(
      `最新 Latest: ${PM25.zh}年初至今均值 37 µg/m³（1月1日至11月29日，333 个有效日） / ${PM25.en} year-to-date mean 37 µg/m³ (1 Jan to 29 Nov, 333 valid days)`,
    );
    const stored = await store.queryAlertEvents({ from: at("2026-11-27T00:00:00+08:00") });
    const reminder = stored.find((e) => e.id === "y1:renotified:1");
    expect(reminder?.value).toBe(37);
    expect(Date.parse(reminder?.dataTime ?? "")).toBe(at("2026-11-30T00:00:00+08:00"));
  }, 60_000);
});
