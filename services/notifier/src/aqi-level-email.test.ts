import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import type { ParsedMail } from "mailparser";
import { describe, expect, it } from "vitest";
import { ROUTE_EVENT_TYPES } from "./config.ts";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  MIN,
  publishAlerts,
  startBroker,
  startNotifier,
  startSmtp,
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

// One hourly AQI episode as the rules engine announces it (config/rules.yaml aqi-hourly-heavy, levels
// heavy 201–300 重度污染 and severe > 300 严重污染 of HJ 633; the texts are the engine's, as
// packages/rules/src/aqi-levels.test.ts asserts them).
const ALERT = "aqi-hourly-heavy:ld-aq-01:2026-11-28T10:00:00+08:00";
const HEAVY = { zh: "重度污染", en: "heavily polluted" };
const SEVERE = { zh: "严重污染", en: "severely polluted" };
const DESCRIPTION = {
  zh: "小时AQI重度及以上污染（AQI > 200）",
  en: "Hourly AQI heavily or severely polluted (above 200)",
};

function aqiEvent(
  type: "raised" | "level_changed" | "resolved",
  level: "heavy" | "severe",
  value: number,
  hour: string,
  at: number,
  from?: "heavy" | "severe",
): AlertEvent {
  const name = level === "heavy" ? HEAVY : SEVERE;
  const severity = level === "heavy" ? "warning" : "critical";
  const threshold = value > 300 ? 300 : 200;
  const change =
    from === undefined
      ? name
      : {
          zh: `${(from === "heavy" ? HEAVY : SEVERE).zh} → ${name.zh}`,
          en: `${(from === "heavy" ? HEAVY : SEVERE).en} → ${name.en}`,
        };
  const tag = { zh: severity === "warning" ? "警告" : "严重", en: severity };
  return {
    id: type === "level_changed" ? `${ALERT}:level_changed:${level}:${hour}` : `${ALERT}:${type}`,
    alertId: ALERT,
    type,
    at: new Date(at).toISOString(),
    ruleId: "aqi-hourly-heavy",
    stationId: "ld-aq-01",
    severity,
    level,
    levelName: name,
    metric: "aqi",
    value,
    threshold,
    window: "1-h mean",
    standard: "AQI categories 201–300 重度污染, > 300 严重污染; HJ 633-2026",
    startedAt: "2026-11-28T10:00:00+08:00",
    dataTime: hour,
    message:
      type === "resolved"
        ? {
            zh: `【已解除】莲都监测站：${DESCRIPTION.zh}。小时AQI ${value}；1小时均值；阈值 > ${threshold}；开始于 11月28日 10:00，解除于 11月28日 22:00（北京时间）。`,
            en: `[resolved] Liandu station: ${DESCRIPTION.en}. hourly AQI ${value}; 1-h mean; threshold > ${threshold}; started 28 Nov 10:00, resolved at 28 Nov 22:00 Beijing time.`,
          }
        : {
            zh: `【${tag.zh}】莲都监测站：${DESCRIPTION.zh}（${change.zh}）。小时AQI ${value}；1小时均值；阈值 > ${threshold}；开始于 11月28日 10:00（北京时间）。`,
            en: `[${tag.en}] Liandu station: ${DESCRIPTION.en} (${change.en}). hourly AQI ${value}; 1-h mean; threshold > ${threshold}; since 28 Nov 10:00 Beijing time.`,
          },
    ...(type === "raised" ? { routes: ["duty"], tier: 0 } : {}),
    ...(type === "resolved" ? {} : { conditionHolds: true }),
  };
}

const references = (m: ParsedMail | undefined): string[] =>
  m?.references === undefined ? [] : Array.isArray(m.references) ? m.references : [m.references];

describe("the hourly AQI alert changing level heavy → severe → heavy", () => {
  it("is one e-mail thread whose subjects, bodies, reminders and MQTT events follow the current level and severity", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    const broker = await startBroker(cleanup);
    let t = T0;
    const config = baseConfig(dir, {
      renotifyMinutes: 15,
      escalateAfterMinutes: 0,
      mqtt: { url: broker.url },
      routes: [{ name: "duty", channels: ["email"], events: [...ROUTE_EVENT_TYPES] }],
      email: {
        smtp: { ...localSmtp(smtp.port), from: "Qingshan <q@hb.example.gov.cn>" },
        timeoutMs: 5_000,
      },
    });
    const notifier = await startNotifier(cleanup, config, { bus, store, now: () => t });
    const publish = async (event: AlertEvent, mails: number) => {
      await publishAlerts(bus, event);
      await waitFor(() => smtp.mails.length === mails, { what: `e-mail ${mails}` });
    };
    const remind = async (mails: number) => {
      t += 15 * MIN;
      await notifier.tick();
      await waitFor(() => smtp.mails.length === mails, { what: `reminder e-mail ${mails}` });
    };

    await publish(aqiEvent("raised", "heavy", 250, "2026-11-28T10:00:00+08:00", t), 1);
    await remind(2);
    t += MIN;
    await publish(aqiEvent("level_changed", "severe", 350, "2026-11-28T12:00:00+08:00", t, "heavy"), 3);
    await remind(4);
    t += MIN;
    await publish(aqiEvent("level_changed", "heavy", 250, "2026-11-28T16:00:00+08:00", t, "severe"), 5);
    await remind(6);
    t += MIN;
    await publish(aqiEvent("resolved", "heavy", 150, "2026-11-28T22:00:00+08:00", t), 7);

    // The subject's value is the one that set the current level (AlertState.value); the all-clear's
    // is the resolving value, with the level it leaves.
    const subjects = smtp.mails.map((m) => m.subject);
    expect(subjects).toEqual([
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） AQI 小时值 250 重度污染 · 新告警 | [Warning] Liandu station: AQI hourly 250 heavily polluted · New alert",
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） AQI 小时值 250 重度污染 · 告警重复提醒 | [Warning] Liandu station: AQI hourly 250 heavily polluted · Alert reminder",
      "[青山 Qingshan] 【严重】莲都监测站（万象街道） AQI 小时值 350 严重污染 · 告警级别变化 | [Critical] Liandu station: AQI hourly 350 severely polluted · Alert level changed",
      "[青山 Qingshan] 【严重】莲都监测站（万象街道） AQI 小时值 350 严重污染 · 告警重复提醒 | [Critical] Liandu station: AQI hourly 350 severely polluted · Alert reminder",
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） AQI 小时值 250 重度污染 · 告警级别变化 | [Warning] Liandu station: AQI hourly 250 heavily polluted · Alert level changed",
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） AQI 小时值 250 重度污染 · 告警重复提醒 | [Warning] Liandu station: AQI hourly 250 heavily polluted · Alert reminder",
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） AQI 小时值 150 · 告警已解除（此前重度污染） | [Warning] Liandu station: AQI hourly 150 · Alert resolved (was heavily polluted)",
    ]);
    // The data time that ended it (the Resolution line's 解除于) apart from when it was processed.
    const allClear = smtp.mails[6]?.text?.split("\n") ?? [];
    expect(allClear).toContain(
      "解除时间 Resolved: 11月28日 22:00 / 28 Nov 22:00 北京时间 (Beijing time, 数据时间 data time)",
    );
    expect(allClear).toContain("处理时间 Processed: 11月28日 10:48 / 28 Nov 10:48 北京时间 (Beijing time)");
    const severe = smtp.mails[2]?.text ?? "";
    expect(severe).toContain(
      "事件 Event: 告警级别变化 / Alert level changed（严重 critical，级别 level 严重污染 / severely polluted）",
    );
    expect(severe).toContain("（重度污染 → 严重污染）。小时AQI 350");
    expect(severe).toContain("(heavily polluted → severely polluted). hourly AQI 350");
    expect(severe).toContain("阈值 threshold 300");
    expect(smtp.mails[3]?.text).toContain("（严重 critical，级别 level 严重污染 / severely polluted）");
    expect(smtp.mails[4]?.text).toContain("（警告 warning，级别 level 重度污染 / heavily polluted）");
    expect(smtp.mails[4]?.text).toContain("（严重污染 → 重度污染）");
    // One thread: every later e-mail refers to the raised one.
    const root = smtp.mails[0]?.messageId;
    for (const m of smtp.mails.slice(1)) {
      expect(m.inReplyTo).toBe(root);
      expect(references(m)).toEqual([root]);
    }
    // MQTT alerts topic: the reminders carry the current level, its name and severity.
    await waitFor(() => (broker.messages.length === 7 ? true : undefined), { what: "seven MQTT events" });
    expect(
      broker.messages.map(({ topic, event }) => [
        topic,
        event.type,
        event.level,
        event.levelName?.zh,
        event.severity,
      ]),
    ).toEqual([
      ["alerts/ld-aq-01", "raised", "heavy", "重度污染", "warning"],
      ["alerts/ld-aq-01", "renotified", "heavy", "重度污染", "warning"],
      ["alerts/ld-aq-01", "level_changed", "severe", "严重污染", "critical"],
      ["alerts/ld-aq-01", "renotified", "severe", "严重污染", "critical"],
      ["alerts/ld-aq-01", "level_changed", "heavy", "重度污染", "warning"],
      ["alerts/ld-aq-01", "renotified", "heavy", "重度污染", "warning"],
      ["alerts/ld-aq-01", "resolved", "heavy", "重度污染", "warning"],
    ]);
  });
});

describe("an aqi-hourly-severe alert left open by the rules before the upgrade", () => {
  it("its resolution (the rule replaced) reaches its own e-mail thread saying which rule goes on", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    const config = baseConfig(dir, {
      renotifyMinutes: 0,
      escalateAfterMinutes: 0,
      routes: [{ name: "duty", channels: ["email"], events: [...ROUTE_EVENT_TYPES] }],
      email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
    });
    await startNotifier(cleanup, config, { bus, store, now: () => T0 });
    const old = "aqi-hourly-severe:ld-aq-01:2026-11-28T11:00:00+08:00";
    const base = {
      alertId: old,
      ruleId: "aqi-hourly-severe",
      stationId: "ld-aq-01",
      severity: "critical" as const,
      window: "1-h mean",
      standard: "AQI category > 300 严重污染; HJ 633-2026",
      startedAt: "2026-11-28T11:00:00+08:00",
    };
    // Raised by the former rule; resolved by the engine on start (packages/rules aqi-levels.test.ts).
    await publishAlerts(
      bus,
      {
        ...base,
        id: `${old}:raised`,
        type: "raised",
        at: new Date(T0).toISOString(),
        metric: "aqi",
        value: 350,
        threshold: 300,
        routes: ["duty"],
        message: {
          zh: "【严重】莲都监测站：小时AQI超过300（严重污染）。小时AQI 350；1小时均值；阈值 > 300；开始于 11月28日 11:00（北京时间）。",
          en: "[critical] Liandu station: Hourly AQI above 300 (severely polluted). hourly AQI 350; 1-h mean; threshold > 300; since 28 Nov 11:00 Beijing time.",
        },
      },
      {
        ...base,
        id: `${old}:resolved`,
        type: "resolved",
        at: new Date(T0 + 60 * MIN).toISOString(),
        dataTime: "2026-11-28T12:00:00+08:00",
        message: {
          zh: "【已解除】莲都监测站：规则 aqi-hourly-severe 已由规则 aqi-hourly-heavy（小时AQI重度及以上污染（AQI > 200））取代，本告警关闭；污染若仍在持续，见规则 aqi-hourly-heavy 的告警。开始于 11月28日 11:00，解除于 11月28日 12:00（北京时间）。",
          en: "[resolved] Liandu station: rule aqi-hourly-severe was replaced by rule aqi-hourly-heavy (Hourly AQI heavily or severely polluted (above 200)); this alert is closed, and an ongoing episode is an alert of rule aqi-hourly-heavy. Started 28 Nov 11:00, resolved at 28 Nov 12:00 Beijing time.",
        },
      },
    );
    await waitFor(() => smtp.mails.length === 2, { what: "raised and resolved e-mails" });
    const [raisedMail, resolvedMail] = smtp.mails;
    expect(resolvedMail?.subject).toBe(
      "[青山 Qingshan] 【严重】莲都监测站（万象街道） AQI 小时值 · 告警已解除 | [Critical] Liandu station: AQI hourly · Alert resolved",
    );
    // No resolving value (the rule was replaced): the subject names none, not the raise's 350.
    // "What" keeps the alert's message; the resolution says why it ended.
    expect(resolvedMail?.text).toContain("内容 What: 【严重】莲都监测站：小时AQI超过300（严重污染）。");
    expect(resolvedMail?.text).toContain(
      "解除说明 Resolution: 【已解除】莲都监测站：规则 aqi-hourly-severe 已由规则 aqi-hourly-heavy（小时AQI重度及以上污染（AQI > 200））取代",
    );
    expect(resolvedMail?.text).toContain("an ongoing episode is an alert of rule aqi-hourly-heavy");
    expect(resolvedMail?.inReplyTo).toBe(raisedMail?.messageId);
  });
});

describe("a raise and a level change processed days after their data (a replay, late data)", () => {
  it("say the data time of the value reported and, apart, when it was processed", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    // Processed on 1 Dec 03:34, three days after the episode's hours (as `qingshan start` replays).
    const late = Date.parse("2026-12-01T03:34:00+08:00");
    const config = baseConfig(dir, {
      renotifyMinutes: 0,
      escalateAfterMinutes: 0,
      routes: [{ name: "duty", channels: ["email"], events: [...ROUTE_EVENT_TYPES] }],
      email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
    });
    await startNotifier(cleanup, config, { bus, store, now: () => late });
    await publishAlerts(bus, aqiEvent("raised", "heavy", 250, "2026-11-28T10:00:00+08:00", late));
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    await publishAlerts(
      bus,
      aqiEvent("level_changed", "severe", 350, "2026-11-28T12:00:00+08:00", late + MIN, "heavy"),
    );
    await waitFor(() => smtp.mails.length === 2, { what: "the level change e-mail" });

    const [raisedMail, changedMail] = smtp.mails.map((m) => m.text?.split("\n") ?? []);
    expect(raisedMail).toContain(
      "数据时间 Data time: 11月28日 10:00 / 28 Nov 10:00 北京时间 (Beijing time，实测值所属时间 time of the measured value)",
    );
    expect(raisedMail).toContain("处理时间 Processed: 12月1日 03:34 / 1 Dec 03:34 北京时间 (Beijing time)");
    // The hour the AQI 350 was measured, not only the alert's start (10:00).
    expect(changedMail).toContain(
      "数据时间 Data time: 11月28日 12:00 / 28 Nov 12:00 北京时间 (Beijing time，实测值所属时间 time of the measured value)",
    );
    expect(changedMail).toContain("处理时间 Processed: 12月1日 03:35 / 1 Dec 03:35 北京时间 (Beijing time)");
  });
});

describe("reminders and escalations of an alert nobody acknowledged", () => {
  it("say for how long nobody has acknowledged it, since the level change that reopened it, and where to acknowledge", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    let t = T0;
    const config = baseConfig(dir, {
      renotifyMinutes: 15,
      escalateAfterMinutes: 30,
      routes: [{ name: "duty", channels: ["email"], events: [...ROUTE_EVENT_TYPES] }],
      email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
    });
    const notifier = await startNotifier(cleanup, config, { bus, store, now: () => t });
    await publishAlerts(bus, aqiEvent("raised", "heavy", 250, "2026-11-28T10:00:00+08:00", t));
    await waitFor(() => smtp.mails.length === 1, { what: "the raised e-mail" });
    const row = (i: number) => smtp.mails[i]?.text?.split("\n").find((l) => l.startsWith("待确认"));
    expect(row(0)).toBeUndefined();
    t += 15 * MIN;
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "the reminder" });
    expect(row(1)).toBe(
      "待确认 Not acknowledged: 自 11月28日 10:00 起 15 分钟无人确认，请在值班台（查看 Dashboard）确认 / " +
        "nobody has acknowledged for 15 min since 28 Nov 10:00: acknowledge it in the duty console (Dashboard link)",
    );
    t += 15 * MIN;
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 3, { what: "the escalation" });
    expect(smtp.mails[2]?.subject).toContain("告警升级 → 第1级");
    expect(row(2)).toContain("自 11月28日 10:00 起 30 分钟无人确认");
    // Acknowledged, then reopened by a level change at 10:40: counted from the level change.
    const ack: AlertEvent = {
      ...aqiEvent("raised", "heavy", 250, "2026-11-28T10:00:00+08:00", t + MIN),
      id: `${ALERT}:acknowledged`,
      type: "acknowledged",
      actor: "duty-night",
    };
    await publishAlerts(bus, ack);
    await waitFor(() => smtp.mails.length === 4, { what: "the acknowledgement" });
    expect(row(3)).toBeUndefined();
    t += 10 * MIN;
    await publishAlerts(
      bus,
      aqiEvent("level_changed", "severe", 350, "2026-11-28T11:00:00+08:00", t, "heavy"),
    );
    await waitFor(() => smtp.mails.length === 5, { what: "the level change" });
    t += 15 * MIN;
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 6, { what: "the reminder after the level change" });
    expect(smtp.mails[5]?.subject).toContain("告警重复提醒");
    expect(row(5)).toContain("自 11月28日 10:40 起 15 分钟无人确认");
  });
});
