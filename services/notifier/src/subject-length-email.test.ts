import { readFileSync } from "node:fs";
import {
  type AlertEvent,
  type AlertEventType,
  createStationRegistry,
  foldAlertEvents,
  type Station,
  type StationInput,
} from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { renderAlert } from "./render.ts";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  publishAlerts,
  startNotifier,
  startSmtp,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

// The subject rule. A duty officer triages from the inbox list on a phone, which shows a subject's
// beginning only (one or two lines): so the Chinese title comes first, right after the prefix, and
// carries everything to triage in this order — level or severity, station, what with its value
// (an AQI, a concentration, a class, a silent time), event — and the English title follows for
// readers without Chinese, cut first by a narrow screen. The bounds are the longest the shipped
// texts make (a year-to-date mean's escalation with its latest mean back below the target; a health advisory escalated,
// at the station with the longest English name): the Chinese half
// (prefix included) within CHINESE_MAX characters, the whole within SUBJECT_MAX, for every alert
// kind and event at every station of the demo network (seeds/liandu, the longest names included).
// A text that grows past them must be shortened elsewhere or the bound raised here, by decision.
const CHINESE_MAX = 74;
const SUBJECT_MAX = 215;
const PREFIX = "[青山 Qingshan]";

const seeds = createStationRegistry(
  JSON.parse(
    readFileSync(new URL("../../../seeds/liandu/stations.json", import.meta.url), "utf8"),
  ) as StationInput[],
);

/** The subject as the e-mail channel writes it (channels/email.ts). */
const subjectOf = (title: { zh: string; en: string }) => `${PREFIX} ${title.zh} | ${title.en}`;

const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString();

/** An alert's events as the evaluator emits them for `station` (config/rules.yaml rule ids). */
function alert(
  station: Station,
  ruleId: string,
  base: Partial<AlertEvent>,
  changes: ReadonlyArray<Partial<AlertEvent> & { type: AlertEventType }>,
): AlertEvent[] {
  const alertId = `${ruleId}:${station.id}:${at(0)}`;
  const raised: AlertEvent = {
    id: `${alertId}:raised`,
    alertId,
    type: "raised",
    at: at(0),
    ruleId,
    stationId: station.id,
    severity: "warning",
    startedAt: at(0),
    dataTime: at(0),
    message: { zh: "告警", en: "alert" },
    tier: 0,
    routes: ["duty"],
    conditionHolds: true,
    ...base,
  };
  return [
    raised,
    ...changes.map((c, i) => ({ ...raised, id: `${alertId}:${c.type}:${i}`, at: at(i + 1), ...c })),
  ];
}

const stuckOf = (metrics: readonly string[]) =>
  metrics.map((metric) => ({
    metric,
    value: 12.5,
    note: "8 identical consecutive values since 2026-11-28T02:00:00+08:00",
    since: "2026-11-28T02:00:00+08:00",
  }));

/** Every alert kind of the shipped rules that applies to `station`, each with its level changes and all-clear. */
function alertsOf(station: Station): AlertEvent[][] {
  const metrics = station.metrics ?? [];
  const dq = [
    alert(station, "dq-station-silent", { metric: "silence", value: 22_000 }, [{ type: "resolved" }]),
    alert(
      station,
      "dq-out-of-range",
      {
        metric: metrics[0],
        value: 99999,
        details: [{ metric: metrics[0] ?? "", value: 99999, limit: 500, note: "outside [0, 500]" }],
      },
      [{ type: "resolved" }],
    ),
    alert(
      station,
      "dq-flag-too-long",
      {
        details: metrics.map((metric) => ({
          metric,
          value: 1,
          note: "flag M for 12.5 h since 2026-11-28T02:00:00+08:00",
        })),
      },
      [{ type: "resolved" }],
    ),
  ];
  if (station.kind === "air") {
    const aqi = { metric: "aqi", window: "24-h rolling", severity: "critical" as const };
    return [
      ...dq,
      alert(station, "dq-stuck-sensor-air", { details: stuckOf(["pm25", "pm10", "no2", "o3"]) }, [
        { type: "resolved" },
      ]),
      alert(
        station,
        "aqi-hourly-heavy",
        {
          level: "heavy",
          levelName: { zh: "重度污染", en: "heavily polluted" },
          metric: "aqi",
          value: 299,
          threshold: 200,
          window: "1-h mean",
        },
        [
          {
            type: "level_changed",
            level: "severe",
            levelName: { zh: "严重污染", en: "severely polluted" },
            severity: "critical",
            value: 500,
          },
          { type: "resolved", value: 150, metric: "aqi" },
        ],
      ),
      alert(station, "heavy-pollution-warning", { ...aqi, level: "yellow", value: 288, path: "warning" }, [
        { type: "level_changed", level: "orange", value: 299 },
        { type: "level_changed", level: "red", value: 500 },
        { type: "level_changed", level: "orange", value: 176, conditionHolds: false },
        { type: "level_changed", level: "yellow", value: 188 },
        { type: "resolved", value: 182, metric: "aqi" },
      ]),
      alert(
        station,
        "heavy-pollution-warning",
        { ...aqi, alertId: "advisory", level: "orange", value: 299, path: "healthAdvisory" },
        [
          { type: "level_changed", level: "orange", value: 299, path: "warning" },
          { type: "level_changed", level: "red", value: 500, path: "healthAdvisory" },
          { type: "level_changed", level: "yellow", value: 150, conditionHolds: false },
          { type: "resolved", value: 182, metric: "aqi" },
        ],
      ),
      alert(
        station,
        "gb3095-24h-o3",
        { metric: "o3", value: 1234.5, threshold: 160, window: "8-h rolling mean" },
        [{ type: "resolved", value: 100.5, metric: "o3" }],
      ),
      alert(
        station,
        "gb3095-24h-pm25",
        {
          metric: "pm25",
          value: 190.4,
          threshold: 60,
          window: "Beijing calendar day",
          calendarWindow: "day",
        },
        [{ type: "resolved", value: 50.5, metric: "pm25" }],
      ),
      alert(
        station,
        "pm25-annual-target",
        {
          level: "at_risk",
          levelName: { zh: "有超标风险", en: "at risk" },
          metric: "pm25",
          value: 35,
          threshold: 32,
          window: "year to date",
          calendarWindow: "year-to-date",
        },
        [
          {
            type: "level_changed",
            level: "exceeded",
            levelName: { zh: "已无法达标", en: "exceeded" },
            severity: "critical",
            value: 38,
          },
          { type: "resolved", value: 31, metric: "pm25" },
        ],
      ),
    ];
  }
  if (station.kind === "water") {
    const source = station.water?.drinkingWaterSource === true;
    return [
      ...dq,
      alert(station, "dq-stuck-sensor-water", { details: stuckOf(["do", "codmn", "nh3n", "tp"]) }, [
        { type: "resolved" },
      ]),
      alert(
        station,
        source ? "water-drinking-source-below-target" : "water-below-target",
        {
          severity: source ? "critical" : "warning",
          level: "劣V",
          metric: "water_class",
          value: 6,
          window: "latest value",
        },
        [{ type: "level_changed", level: "IV", value: 4 }, { type: "resolved" }],
      ),
    ];
  }
  return [
    ...dq,
    alert(
      station,
      "noi-grade",
      { severity: "warning", level: "VI", metric: "noi", value: 88.5, window: "1-h mean" },
      [
        { type: "level_changed", level: "I", value: 12345 },
        { type: "resolved", value: 12345, metric: "noi" },
      ],
    ),
  ];
}

/** Each event of the alert, and a reminder, an escalation and an acknowledgement after each raise or level change. */
function withFollowUps(events: readonly AlertEvent[]): AlertEvent[] {
  const out: AlertEvent[] = [];
  for (const e of events) {
    out.push(e);
    if (e.type !== "raised" && e.type !== "level_changed") continue;
    for (const type of ["renotified", "escalated", "acknowledged"] as const)
      out.push({ ...e, id: `${e.id}:${type}`, type, tier: type === "escalated" ? 3 : e.tier });
  }
  return out;
}

/** Every subject the notifier can write for `station`'s alerts. */
function subjectsOf(station: Station): string[] {
  const subjects: string[] = [];
  for (const events of alertsOf(station)) {
    const all = withFollowUps(events);
    for (let i = 0; i < all.length; i++) {
      const event = all[i] as AlertEvent;
      const [state] = foldAlertEvents(all.slice(0, i + 1));
      if (state === undefined) throw new Error(`no state for ${event.id}`);
      const context = { registry: seeds, publicUrl: "http://x" };
      subjects.push(subjectOf(renderAlert(event, state, [], context).title));
      // A reminder or escalation states the latest value: above the alerted one, or back below the
      // level's threshold (the level named first, the value as the latest).
      if (event.type === "renotified" || event.type === "escalated")
        for (const value of [(state.value ?? 0) + 100, (state.threshold ?? 1) - 1])
          subjects.push(
            subjectOf(
              renderAlert(event, state, [], context, {
                kind: "current",
                text: { zh: "最新", en: "latest" },
                value,
              }).title,
            ),
          );
    }
  }
  return subjects;
}

describe("e-mail subjects fit what a phone shows", () => {
  it("every subject of every alert kind and event, at every demo station: the Chinese title within 74 characters, the whole within 215", () => {
    const subjects = seeds.stations.flatMap(subjectsOf);
    expect(subjects.length).toBeGreaterThan(500);
    const chineseTooLong = subjects.filter((s) => (s.split(" | ")[0] ?? s).length > CHINESE_MAX);
    expect(chineseTooLong).toEqual([]);
    expect(subjects.filter((s) => s.length > SUBJECT_MAX)).toEqual([]);
  });

  it("a new heavy-pollution warning's subject carries its AQI, through a real SMTP server, at the station with the longest names", async () => {
    const longest = [...seeds.stations]
      .filter((s) => s.kind === "air")
      .sort((a, b) => b.name.zh.length + b.name.en.length - (a.name.zh.length + a.name.en.length))[0];
    if (longest === undefined) throw new Error("no air station in seeds");
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    await startNotifier(
      cleanup,
      baseConfig(dir, { email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 } }),
      {
        bus,
        store,
        registry: seeds,
        now: () => T0,
        metricsRegistry: new Registry(),
      },
    );
    const [raised] = alertsOf(longest).find((a) => a[0]?.path === "warning") ?? [];
    if (raised === undefined) throw new Error("no warning");
    await publishAlerts(bus, { ...raised, level: "orange", value: 235 });
    const [mail] = await waitFor(() => (smtp.mails.length > 0 ? smtp.mails : undefined), {
      what: "the e-mail",
    });
    // Before: 重污染天气 · 新告警 with no AQI; the officer had to open the mail to see how bad it is.
    expect(mail?.subject).toBe(
      `${PREFIX} 【建议橙色预警】市环保局（紫金街道） 重污染天气 AQI 24小时滑动值 235 · 新告警 | ` +
        "[Orange warning suggested] Municipal Environmental Protection Bureau: heavy pollution, AQI 24-h rolling 235 · New alert",
    );
    expect((mail?.subject ?? "").split(" | ")[0]?.length).toBeLessThanOrEqual(CHINESE_MAX);
    expect(mail?.subject?.length).toBeLessThanOrEqual(SUBJECT_MAX);
  });

  it("a water section's subject names its target class: a drinking-water source at III类 is below its target II, not compliant", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    await startNotifier(
      cleanup,
      baseConfig(dir, { email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 } }),
      {
        bus,
        store,
        registry: seeds,
        now: () => T0,
        metricsRegistry: new Registry(),
      },
    );
    // As the evaluator raised it with the shipped rules (NH3-N 0.62 mg/L at the Huangcun intake, target II).
    const raised: AlertEvent = {
      id: "water-drinking-source-below-target:ld-wq-09:2026-11-28T09:00:00+08:00:raised",
      alertId: "water-drinking-source-below-target:ld-wq-09:2026-11-28T09:00:00+08:00",
      type: "raised",
      at: "2026-11-28T09:02:00.000+08:00",
      ruleId: "water-drinking-source-below-target",
      stationId: "ld-wq-09",
      severity: "critical",
      level: "III",
      metric: "water_class",
      value: 3,
      window: "latest value",
      standard:
        "GB 3838-2002 Table 1 and the source's own target class; 环办〔2011〕22号 single-factor method",
      startedAt: "2026-11-28T09:00:00+08:00",
      dataTime: "2026-11-28T09:00:00+08:00",
      details: [
        { metric: "nh3n", value: 0.62, limit: 0.5, note: "III类；目标 II类 / Class III; target Class II" },
      ],
      message: {
        zh: "【严重】黄村水库取水口：饮用水水源地水质未达目标类别（III类）。水质 III类，良好（目标 II类）；决定指标：氨氮 0.62 mg/L；依据 21 项中已评价的 5 项；最新值；目标 II类；开始于 11月28日 09:00（北京时间）。",
        en: "[critical] Huangcun Reservoir intake: Drinking-water source worse than its target class (Class III). water quality Class III, good (target Class II); deciding: Ammonia nitrogen 0.62 mg/L; based on 5 of 21 assessed items; latest value; target Class II; since 28 Nov 09:00 Beijing time.",
      },
      tier: 0,
      routes: ["duty"],
      conditionHolds: true,
    };
    await publishAlerts(bus, raised);
    const [mail] = await waitFor(() => (smtp.mails.length > 0 ? smtp.mails : undefined), {
      what: "the e-mail",
    });
    // Before: 水质 III类 · 新告警 / water quality Class III, the usual target class.
    expect(mail?.subject).toBe(
      `${PREFIX} 【严重】黄村水库取水口（黄村乡） 水质 III类（目标 II类） · 新告警 | ` +
        "[Critical] Huangcun Reservoir intake: water quality Class III (target Class II) · New alert",
    );
  });
});
