import { join } from "node:path";
import { type AlertEvent, createStationRegistry, type MetricId } from "@qingshan/domain";
import { computeAqi, gradeNoi } from "@qingshan/standards";
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

const T0 = Date.parse("2026-11-28T10:00:00+08:00");

const registry = createStationRegistry([
  {
    id: "ld-aq-01",
    name: { zh: "莲都监测站", en: "Liandu station" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
  },
  {
    id: "ld-w-01",
    name: { zh: "大港头断面", en: "Dagangtou section" },
    kind: "water",
    location: { lat: 28.3, lon: 119.8 },
    township: "大港头镇",
    metrics: ["do", "codmn", "nh3n", "tp"],
    water: { waterBody: "river", targetClass: "III" },
  },
  {
    id: "ld-noi-01",
    name: { zh: "白云山负氧离子站", en: "Baiyun Mountain ion station" },
    kind: "noi",
    location: { lat: 28.47, lon: 119.9 },
    township: "白云街道",
  },
]);

function raisedAt(event: Omit<AlertEvent, "id" | "type" | "at" | "tier" | "routes">): AlertEvent {
  return {
    ...event,
    id: `${event.alertId}:raised`,
    type: "raised",
    at: new Date(T0).toISOString(),
    tier: 0,
    routes: ["duty"],
  };
}

/** A store, a bus, an SMTP server and a notifier reminding every 15 min (no escalation) at clock `t`. */
/** The other pollutants' flat hourly values of the episode below. */
const EPISODE_OTHERS: ReadonlyArray<readonly [MetricId, number]> = [
  ["pm10", 50],
  ["so2", 5],
  ["no2", 20],
  ["co", 0.5],
  ["o3", 30],
];

/** ld-aq-01's hours 10:00–16:00 (labels 11:00 … 16:00): PM2.5 rising to 300 at 13:00, then 210. */
function episodeHours() {
  const pm25 = [180, 260, 300, 240, 220, 210];
  return [
    ...hourly("ld-aq-01", "pm25", T0, pm25),
    ...EPISODE_OTHERS.flatMap(([m, v]) =>
      hourly(
        "ld-aq-01",
        m,
        T0,
        pm25.map(() => v),
      ),
    ),
  ];
}

/** The hourly AQI (HJ 633-2026) of an hour of the episode with PM2.5 at `pm25`. */
function episodeAqi(pm25: number): number | null {
  return computeAqi({
    standard: "HJ633-2026",
    date: "2026-11-28",
    period: "hour",
    concentrations: { pm25_1h: pm25, pm10_1h: 50, so2_1h: 5, no2_1h: 20, co_1h: 0.5, o3_1h: 30 },
  }).aqi;
}

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
  return { store, bus, smtp, notifier };
}

describe("reminders state what is current for AQI, water-class and data-quality alerts", () => {
  it("an hourly AQI alert's reminder states the latest hourly AQI with its primary pollutant and the highest since it began, not the raising 236", async () => {
    const clock = { t: T0 };
    const { store, bus, smtp, notifier } = await setup(clock);
    await store.writeReadings(episodeHours());
    const latest = episodeAqi(210);
    const highest = episodeAqi(300);
    expect(latest).toBeGreaterThan(200);
    expect(highest).toBeGreaterThan(latest ?? 0);

    await publishAlerts(
      bus,
      raisedAt({
        alertId: "aqi1",
        ruleId: "aqi-hourly-heavy",
        stationId: "ld-aq-01",
        severity: "warning",
        level: "heavy",
        levelName: { zh: "重度污染", en: "heavily polluted" },
        metric: "aqi",
        value: 236,
        threshold: 200,
        window: "1-h mean",
        startedAt: "2026-11-28T10:00:00+08:00",
        dataTime: "2026-11-28T11:00:00+08:00",
        conditionHolds: true,
        message: {
          zh: "小时AQI 236；1小时均值；阈值 > 200",
          en: "hourly AQI 236; 1-h mean; threshold > 200",
        },
      }),
    );
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    clock.t = Date.parse("2026-11-28T16:05:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    const mail = smtp.mails[1];
    expect(mail?.subject).toContain(`AQI 小时值 ${latest} 重度污染`);
    expect(mail?.text).toContain(
      `最新 Latest: 小时AQI ${latest}（11月28日 16:00），首要污染物 PM2.5；告警以来最高 小时AQI ${highest}（11月28日 13:00），首要污染物 PM2.5` +
        ` / hourly AQI ${latest} (28 Nov 16:00), primary pollutant PM2.5; highest since the alert began: hourly AQI ${highest} (28 Nov 13:00), primary pollutant PM2.5`,
    );
    expect(mail?.text).toContain("告警时实测 Measured when alerted: 236");
    const stored = await store.queryAlertEvents({ from: T0 - HOUR });
    const reminder = stored.find((e) => e.id === "aqi1:renotified:1");
    expect(reminder?.value).toBe(latest);
    expect(Date.parse(reminder?.dataTime ?? "")).toBe(Date.parse("2026-11-28T16:00:00+08:00"));
  });

  it("a water-class alert's reminder states the latest class and its deciding parameter, and the worst class since it began", async () => {
    const clock = { t: T0 };
    const { store, bus, smtp, notifier } = await setup(clock);
    // TP 0.35 mg/L (Class V) for three hours, then 0.25 (Class IV); the other items Class II.
    const tp = [0.35, 0.35, 0.35, 0.25, 0.25];
    await store.writeReadings([
      ...hourly("ld-w-01", "tp", T0, tp),
      ...hourly("ld-w-01", "nh3n", T0, [0.4, 0.4, 0.4, 0.4, 0.4]),
      ...hourly("ld-w-01", "do", T0, [7, 7, 7, 7, 7]),
      ...hourly("ld-w-01", "codmn", T0, [3, 3, 3, 3, 3]),
    ]);
    await publishAlerts(
      bus,
      raisedAt({
        alertId: "w1",
        ruleId: "water-below-target",
        stationId: "ld-w-01",
        severity: "warning",
        level: "V",
        levelName: { zh: "V类", en: "Class V" },
        metric: "water_class",
        value: 5,
        window: "latest value",
        startedAt: "2026-11-28T11:00:00+08:00",
        conditionHolds: true,
        message: {
          zh: "水质 V类（目标 III类）；决定指标：总磷 0.35 mg/L",
          en: "water quality Class V (target Class III); deciding: Total phosphorus (as P) 0.35 mg/L",
        },
      }),
    );
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    clock.t = Date.parse("2026-11-28T15:10:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    const mail = smtp.mails[1];
    expect(mail?.text).toContain(
      "最新 Latest: 水质 IV类（11月28日 15:00），决定指标 总磷 0.25 mg/L；告警以来最差 V类（11月28日 11:00），决定指标 总磷 0.35 mg/L" +
        " / water quality Class IV (28 Nov 15:00), deciding: Total phosphorus (as P) 0.25 mg/L; worst since the alert began: Class V (28 Nov 11:00), deciding: Total phosphorus (as P) 0.35 mg/L",
    );
    expect(mail?.text).toContain("告警时实测 Measured when alerted: 水质 V类");
    const stored = await store.queryAlertEvents({ from: T0 - HOUR });
    expect(stored.find((e) => e.id === "w1:renotified:1")?.value).toBe(4);
  });

  it("a silent station's reminder says how long it has now been silent, and a stuck sensor's how long its run now is, a long flag's how long it now lasts", async () => {
    const clock = { t: T0 };
    const { store, bus, smtp, notifier } = await setup(clock);
    // PM2.5 35 every hour from 02:00 to 09:00 (8 identical values), last received 09:45 … then nothing.
    // PM10 flagged C (calibration) from 03:00 to 08:00: 6 h by the 09:00 reading's end.
    await store.writeReadings(
      hourly("ld-aq-01", "pm10", Date.parse("2026-11-28T03:00:00+08:00"), Array(6).fill(60)).map((r) => ({
        ...r,
        flag: "C" as const,
      })),
    );
    await store.writeReadings(
      hourly("ld-aq-01", "pm25", Date.parse("2026-11-28T02:00:00+08:00"), Array(8).fill(35)).map(
        (r, i, all) =>
          i === all.length - 1 ? { ...r, receivedAt: Date.parse("2026-11-28T09:45:00+08:00") } : r,
      ),
    );
    await publishAlerts(
      bus,
      raisedAt({
        alertId: "s1",
        ruleId: "dq-station-silent",
        stationId: "ld-aq-01",
        severity: "warning",
        metric: "silence",
        value: 15,
        startedAt: "2026-11-28T10:00:00+08:00",
        message: {
          zh: "15 分钟无数据，最后数据 11月28日 09:45（北京时间）",
          en: "no data for 15 min, last data 28 Nov 09:45 (Beijing time)",
        },
      }),
      raisedAt({
        alertId: "k1",
        ruleId: "dq-stuck-sensor-air",
        stationId: "ld-aq-01",
        severity: "warning",
        metric: "pm25",
        value: 35,
        startedAt: "2026-11-28T09:00:00+08:00",
        details: [
          // The run's start as the rules engine gives it (`since`, taken before the note's text); the
          // flag alert below is an event stored before details carried it, whose note alone says since when.
          {
            metric: "pm25",
            value: 35,
            note: "6 identical consecutive values since 2026-11-28T01:00:00+08:00",
            since: "2026-11-28T02:00:00+08:00",
          },
        ],
        message: { zh: "细颗粒物 连续 6 次读数相同（35）", en: "PM2.5: 6 identical values in a row (35)" },
      }),
      raisedAt({
        alertId: "f1",
        ruleId: "dq-flag-too-long",
        stationId: "ld-aq-01",
        severity: "warning",
        metric: "pm10",
        value: 60,
        startedAt: "2026-11-28T07:00:00+08:00",
        details: [{ metric: "pm10", value: 60, note: "flag C for 4 h since 2026-11-28T03:00:00+08:00" }],
        message: { zh: "可吸入颗粒物 标记 C 已持续 4 小时", en: "PM10 flagged C for 4 h" },
      }),
    );
    await waitFor(() => smtp.mails.length === 3, { what: "the raised e-mails" });
    clock.t = Date.parse("2026-11-28T13:20:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 6, { what: "the reminders" });
    const byId = (id: string) => smtp.mails.find((m) => m.headers.get("x-qingshan-notification") === id);
    expect(byId("s1:renotified:1")?.text).toContain(
      "最新 Latest: 已 3.5 小时无数据，最后数据 11月28日 09:45（北京时间） / no data for 3.5 h now, last data 28 Nov 09:45 (Beijing time)",
    );
    expect(byId("s1:renotified:1")?.text).toContain(
      "告警时实测 Measured when alerted: 无数据 15 分钟 / no data for 15 min",
    );
    expect(byId("k1:renotified:1")?.text).toMatch(
      /最新 Latest: 细颗粒物\S* 自 11月28日 02:00 起连续 8 次读数相同（35 µg\/m³），已持续 8 小时，最新读数 11月28日 09:00 \/ \S.* 8 identical values in a row \(35 µg\/m³\) since 28 Nov 02:00, for 8 h, latest reading 28 Nov 09:00/,
    );
    // The raise's run (6 readings then) beside the Latest row's 8: labelled as the alert's, not as now.
    expect(byId("k1:renotified:1")?.text).toContain(
      "告警时明细 Detail when alerted: 细颗粒物(PM2.5) / Fine particulate matter (PM2.5): 读数卡在 35 µg/m³：自 11月28日 02:00（北京时间）起连续 6 次相同，已持续 6 小时",
    );
    expect(byId("k1:renotified:1")?.text).not.toContain("\n明细 Detail:");
    expect(byId("f1:renotified:1")?.text).toMatch(
      /最新 Latest: 可吸入颗粒物\S* 自 11月28日 03:00 起标记 C 已持续 6 小时（最新读数 11月28日 08:00） \/ \S.* flagged C for 6 h since 28 Nov 03:00 \(latest reading 28 Nov 08:00\)/,
    );
    const stored = await store.queryAlertEvents({ from: T0 - HOUR });
    expect(stored.find((e) => e.id === "s1:renotified:1")?.value).toBe(215);
  });

  it("a severe-level AQI alert's reminder names the level first and the latest AQI as the latest, never 'AQI 220 严重污染'", async () => {
    const clock = { t: T0 };
    const { store, bus, smtp, notifier } = await setup(clock);
    await store.writeReadings(episodeHours());
    const latest = episodeAqi(210);
    // The level (> 300) holds until the AQI has been ≤ 280 for 2 h (config/rules.yaml aqi-hourly-heavy).
    expect(latest).toBeLessThanOrEqual(300);
    await publishAlerts(
      bus,
      raisedAt({
        alertId: "aqi2",
        ruleId: "aqi-hourly-heavy",
        stationId: "ld-aq-01",
        severity: "critical",
        level: "severe",
        levelName: { zh: "严重污染", en: "severely polluted" },
        metric: "aqi",
        value: 350,
        threshold: 300,
        window: "1-h mean",
        startedAt: "2026-11-28T10:00:00+08:00",
        dataTime: "2026-11-28T13:00:00+08:00",
        conditionHolds: true,
        message: {
          zh: "小时AQI 350；1小时均值；阈值 > 300",
          en: "hourly AQI 350; 1-h mean; threshold > 300",
        },
      }),
    );
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    clock.t = Date.parse("2026-11-28T16:10:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    // Before: AQI 小时值 ${latest} 严重污染 — a value of another category labelled severely polluted.
    expect(smtp.mails[1]?.subject).toBe(
      `[青山 Qingshan] 【严重】莲都监测站（万象街道） 严重污染，最新 AQI 小时值 ${latest} · 告警重复提醒 | ` +
        `[Critical] Liandu station: severely polluted, latest AQI hourly ${latest} · Alert reminder`,
    );
  });

  it("a silent station the store has no data of: its reminder counts the silent time on from the alert's own last data, not the alerted 15 min", async () => {
    const clock = { t: T0 };
    const { bus, smtp, notifier } = await setup(clock);
    await publishAlerts(
      bus,
      raisedAt({
        alertId: "s0",
        ruleId: "dq-station-silent",
        stationId: "ld-aq-01",
        severity: "warning",
        metric: "silence",
        value: 15,
        startedAt: "2026-11-28T10:00:00+08:00",
        message: {
          zh: "15 分钟无数据，最后数据 11月28日 09:45（北京时间）",
          en: "no data for 15 min, last data 28 Nov 09:45 (Beijing time)",
        },
      }),
    );
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    clock.t = Date.parse("2026-11-28T13:20:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    // Before: no Latest row and 站点无数据 15 分钟 in the subject, 3.5 h after the alert.
    expect(smtp.mails[1]?.subject).toContain("站点无数据 3.5 小时 · 告警重复提醒");
    expect(smtp.mails[1]?.text).toContain(
      "最新 Latest: 已 3.5 小时无数据，最后数据 11月28日 09:45（北京时间） / no data for 3.5 h now, last data 28 Nov 09:45 (Beijing time)",
    );
  });

  it("a negative-ion grade alert (on a route that reminds it) states the latest hourly mean with its grade", async () => {
    const clock = { t: T0 };
    const { store, bus, smtp, notifier } = await setup(clock);
    // Hourly means 900, 1500 (grade I under candidate A: ≥ 1200), 800 ions/cm³.
    await store.writeReadings(hourly("ld-noi-01", "noi", T0, [900, 1500, 800]));
    const latestGrade = gradeNoi(800).grade;
    const bestGrade = gradeNoi(1500).grade;
    await publishAlerts(
      bus,
      raisedAt({
        alertId: "n1",
        ruleId: "noi-grade",
        stationId: "ld-noi-01",
        severity: "warning",
        level: "III",
        levelName: { zh: "III级", en: "grade III" },
        metric: "noi",
        value: 600,
        window: "1-h mean",
        startedAt: "2026-11-28T10:00:00+08:00",
        conditionHolds: true,
        message: { zh: "负氧离子 600 个/cm³，III级", en: "negative oxygen ions 600 ions/cm³, grade III" },
      }),
    );
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    clock.t = Date.parse("2026-11-28T13:10:00+08:00");
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    expect(smtp.mails[1]?.text).toContain(
      `最新 Latest: 800 ions/cm³ ${latestGrade}级 grade ${latestGrade} 小时值 hourly（11月28日 13:00 / 28 Nov 13:00）；告警以来最高 highest since the alert began: 1500 ions/cm³ ${bestGrade}级 grade ${bestGrade}（11月28日 12:00 / 28 Nov 12:00）`,
    );
  });
});
