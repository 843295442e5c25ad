import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
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

/** A silent station's raise as the rules engine emits it (packages/rules observeSilence, 5fc3e5d). */
const silent: AlertEvent = {
  id: "s1:raised",
  alertId: "s1",
  type: "raised",
  at: "2026-11-28T10:00:00+08:00",
  ruleId: "dq-station-silent",
  stationId: "ld-aq-01",
  severity: "warning",
  metric: "silence",
  value: 15,
  standard:
    "GB 3095-2012 §6.2 (instruments run every day; gaps must be explained); station reportingIntervalMs",
  startedAt: "2026-11-28T10:00:00+08:00",
  message: {
    zh: "15 分钟无数据，最后数据 11月28日 09:45（北京时间）",
    en: "no data for 15 min, last data 28 Nov 09:45 (Beijing time)",
  },
  tier: 0,
  routes: ["duty"],
};

/** A stuck-sensor raise of three metrics: no one metric or value, details name each (e4a56fc). */
const stuck: AlertEvent = {
  id: "k1:raised",
  alertId: "k1",
  type: "raised",
  at: "2026-11-28T10:00:00+08:00",
  ruleId: "dq-stuck-sensor-air",
  stationId: "ld-aq-01",
  severity: "warning",
  standard: "Qingshan data-quality check (local rule)",
  startedAt: "2026-11-28T09:00:00+08:00",
  details: [
    { metric: "pm25", value: 35, note: "8 identical consecutive values since 2026-11-28T02:00:00+08:00" },
    { metric: "pm10", value: 60, note: "8 identical consecutive values since 2026-11-28T02:00:00+08:00" },
    { metric: "no2", value: 21, note: "8 identical consecutive values since 2026-11-28T01:00:00+08:00" },
  ],
  message: {
    zh: "细颗粒物(PM2.5) 自 02:00 起连续 8 次读数相同（35）；可吸入颗粒物(PM10) 自 02:00 起连续 8 次读数相同（60）；二氧化氮 自 01:00 起连续 8 次读数相同（21）",
    en: "Fine particulate matter (PM2.5): 8 identical values in a row (35) since 02:00; Inhalable particulate matter (PM10): 8 identical values in a row (60) since 02:00; Nitrogen dioxide: 8 identical values in a row (21) since 01:00",
  },
  tier: 0,
  routes: ["duty"],
};

// The raises the evaluator emitted with config/rules.yaml as shipped (services/evaluator, its
// harness, DuckDB and the writer), moved to the harness's station ld-aq-01 (hourly readings).
/** dq-stuck-sensor-air: PM10 read 61 µg/m³ from the reading of 03:00 on, raised at the 8th (11:00). */
const stuckPm10: AlertEvent = {
  id: "dq-stuck-sensor-air:ld-aq-01:2026-11-28T11:00:00+08:00:raised",
  alertId: "dq-stuck-sensor-air:ld-aq-01:2026-11-28T11:00:00+08:00",
  type: "raised",
  at: "2026-11-28T11:02:00.002+08:00",
  ruleId: "dq-stuck-sensor-air",
  stationId: "ld-aq-01",
  severity: "warning",
  metric: "pm10",
  value: 61,
  standard: "HJ 212-2017 data flags; Qingshan data-quality check (local rule)",
  startedAt: "2026-11-28T11:00:00+08:00",
  dataTime: "2026-11-28T11:00:00+08:00",
  details: [
    {
      metric: "pm10",
      value: 61,
      note: "8 identical consecutive values since 2026-11-28T03:00:00+08:00",
      since: "2026-11-28T03:00:00+08:00",
    },
  ],
  message: {
    zh: "【警告】莲都监测站：传感器读数卡滞（连续8次相同）。可吸入颗粒物(PM10) 自 11月28日 03:00 起连续 8 次读数相同（61）；开始于 11月28日 11:00（北京时间）。",
    en: "[warning] Liandu station: Stuck sensor (8 identical values in a row). Inhalable particulate matter (PM10): 8 identical values in a row (61) since 28 Nov 03:00; since 28 Nov 11:00 Beijing time.",
  },
  tier: 0,
  routes: ["duty"],
  conditionHolds: true,
};

/** dq-flag-too-long: NO2 flagged C (calibration) from 05:00, raised after 4 h. */
const flagC: AlertEvent = {
  id: "dq-flag-too-long:ld-aq-01:2026-11-28T09:00:00+08:00:raised",
  alertId: "dq-flag-too-long:ld-aq-01:2026-11-28T09:00:00+08:00",
  type: "raised",
  at: "2026-11-28T09:02:00.001+08:00",
  ruleId: "dq-flag-too-long",
  stationId: "ld-aq-01",
  severity: "warning",
  metric: "no2",
  value: 33,
  standard: "HJ 212-2017 Table 8 flags C (校准) and M (维护); local maximum duration",
  startedAt: "2026-11-28T09:00:00+08:00",
  dataTime: "2026-11-28T09:00:00+08:00",
  details: [
    {
      metric: "no2",
      value: 33,
      note: "flag C for 4 h since 2026-11-28T05:00:00+08:00",
      since: "2026-11-28T05:00:00+08:00",
    },
  ],
  message: {
    zh: "【警告】莲都监测站：校准/维护标记持续过久。二氧化氮 自 11月28日 05:00 起标记 C 已持续 4 小时；开始于 11月28日 09:00（北京时间）。",
    en: "[warning] Liandu station: Calibration/maintenance flag lasting too long. Nitrogen dioxide flagged C for 4 h since 28 Nov 05:00; since 28 Nov 09:00 Beijing time.",
  },
  tier: 0,
  routes: ["duty"],
  conditionHolds: true,
};

/** dq-out-of-range: PM2.5 1200 µg/m³ flagged T by the instrument (its range is below the catalogue's 3000). */
const flagT: AlertEvent = {
  id: "dq-out-of-range:ld-aq-01:2026-11-28T07:00:00+08:00:raised",
  alertId: "dq-out-of-range:ld-aq-01:2026-11-28T07:00:00+08:00",
  type: "raised",
  at: "2026-11-28T07:02:00.000+08:00",
  ruleId: "dq-out-of-range",
  stationId: "ld-aq-01",
  severity: "warning",
  metric: "pm25",
  value: 1200,
  standard: "HJ 212-2017 Table 8 flag T (超测上限); metric catalogue instrument ranges",
  startedAt: "2026-11-28T07:00:00+08:00",
  dataTime: "2026-11-28T07:00:00+08:00",
  details: [{ metric: "pm25", value: 1200, limit: 3000, note: "flag T: above the measuring upper limit" }],
  message: {
    zh: "【警告】莲都监测站：读数超出仪器量程。细颗粒物(PM2.5) 1200 µg/m³ 超出仪器量程；开始于 11月28日 07:00（北京时间）。",
    en: "[warning] Liandu station: Value outside the instrument's range. Fine particulate matter (PM2.5) 1200 µg/m³ outside the instrument's range; since 28 Nov 07:00 Beijing time.",
  },
  tier: 0,
  routes: ["duty"],
  conditionHolds: true,
};

/** The lines of a mail's text, but the API link (its alert id holds an ISO time). */
const readLines = (text: string | undefined): string[] =>
  (text ?? "").split("\n").filter((l) => !l.startsWith("接口 API"));

/** The e-mails the notifier sends for `events` through a real SMTP server. */
async function mailsFor(...events: AlertEvent[]) {
  const { dir, store, bus } = await startStoreAndBus(cleanup);
  const smtp = await startSmtp(cleanup);
  await startNotifier(
    cleanup,
    baseConfig(dir, {
      email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
    }),
    { bus, store, now: () => T0, metricsRegistry: new Registry() },
  );
  await publishAlerts(bus, ...events);
  await waitFor(() => smtp.mails.length === events.length, { what: "the e-mails" });
  return smtp.mails;
}

describe("data-quality e-mails name what duty officers read, not metric ids", () => {
  it("a silent station's Measured row says how long without data", async () => {
    const [mail] = await mailsFor(silent);
    expect((mail?.text ?? "").split("\n")).toContain(
      "实测 Measured: 无数据 15 分钟 / no data for 15 min；标准 standard GB 3095-2012 §6.2 (instruments run every day; gaps must be explained); station reportingIntervalMs",
    );
    expect(mail?.text).not.toContain("silence");
  });

  it("a stuck-sensor alert of several metrics names every one in the subject", async () => {
    const [mail] = await mailsFor(stuck);
    // Was 数据质量 / data quality: the subject now names the check (next test).
    expect(mail?.subject).toBe(
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） 读数卡滞 PM2.5、PM10、二氧化氮 · 新告警 | [Warning] Liandu station: stuck sensor PM2.5, PM10, Nitrogen dioxide · New alert",
    );
  });

  it("each data-quality subject says which check, so the inbox list tells a silent station from a stuck sensor, a range left or a flag held", async () => {
    const mails = await mailsFor(silent, stuckPm10, flagC, flagT);
    const subject = (e: AlertEvent) =>
      mails.find((m) => m.headers.get("x-qingshan-notification") === e.id)?.subject;
    // Before, all four read 【警告】莲都监测站（万象街道） 数据质量 … · 新告警 (the silent one with no metric at all).
    expect([silent, stuckPm10, flagC, flagT].map(subject)).toEqual([
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） 站点无数据 15 分钟 · 新告警 | [Warning] Liandu station: station silent 15 min · New alert",
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） 读数卡滞 PM10 · 新告警 | [Warning] Liandu station: stuck sensor PM10 · New alert",
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） 标记持续过久 二氧化氮 · 新告警 | [Warning] Liandu station: flag lasting too long Nitrogen dioxide · New alert",
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） 超出量程 PM2.5 · 新告警 | [Warning] Liandu station: out of range PM2.5 · New alert",
    ]);
  });

  it("a stuck sensor's Detail says, in Chinese and English with Beijing times, at what value since when and for how long", async () => {
    const [mail] = await mailsFor(stuckPm10);
    const lines = readLines(mail?.text);
    expect(lines).toContain(
      "明细 Detail: 可吸入颗粒物(PM10) / Inhalable particulate matter (PM10): " +
        "读数卡在 61 µg/m³：自 11月28日 03:00（北京时间）起连续 8 次相同，已持续 8 小时 / " +
        "stuck at 61 µg/m³: 8 identical readings in a row since 28 Nov 03:00 (Beijing time), for 8 h",
    );
    // Before: "61 µg/m³ 8 identical consecutive values since 2026-11-28T03:00:00+08:00".
    expect(lines.join("\n")).not.toMatch(/\d{4}-\d\d-\d\dT\d\d|identical consecutive/);
  });

  it("each metric of a stuck-sensor alert of several gets its own Detail with its own run", async () => {
    const [mail] = await mailsFor(stuck);
    const details = readLines(mail?.text).filter((l) => l.startsWith("明细 Detail"));
    expect(details).toEqual([
      "明细 Detail: 细颗粒物(PM2.5) / Fine particulate matter (PM2.5): 读数卡在 35 µg/m³：自 11月28日 02:00（北京时间）起连续 8 次相同，已持续 8 小时 / stuck at 35 µg/m³: 8 identical readings in a row since 28 Nov 02:00 (Beijing time), for 8 h",
      "明细 Detail: 可吸入颗粒物(PM10) / Inhalable particulate matter (PM10): 读数卡在 60 µg/m³：自 11月28日 02:00（北京时间）起连续 8 次相同，已持续 8 小时 / stuck at 60 µg/m³: 8 identical readings in a row since 28 Nov 02:00 (Beijing time), for 8 h",
      "明细 Detail: 二氧化氮 / Nitrogen dioxide: 读数卡在 21 µg/m³：自 11月28日 01:00（北京时间）起连续 8 次相同，已持续 8 小时 / stuck at 21 µg/m³: 8 identical readings in a row since 28 Nov 01:00 (Beijing time), for 8 h",
    ]);
  });

  it("a flag held too long and an instrument's flag T are said in both languages, with Beijing times", async () => {
    const mails = await mailsFor(flagC, flagT);
    const flag = readLines(mails.find((m) => m.headers.get("x-qingshan-notification") === flagC.id)?.text);
    expect(flag).toContain(
      "明细 Detail: 二氧化氮 / Nitrogen dioxide: 标记 C（校准） 自 11月28日 05:00（北京时间）起已持续 4 小时，最新读数 33 µg/m³ / " +
        "flag C (calibration) for 4 h since 28 Nov 05:00 (Beijing time), latest reading 33 µg/m³",
    );
    expect(flag.join("\n")).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/);
    const t = readLines(mails.find((m) => m.headers.get("x-qingshan-notification") === flagT.id)?.text);
    // Not "1200 µg/m³ (限值 limit 3000 µg/m³)": the catalogue's range, which 1200 is within, is not what was left.
    expect(t).toContain(
      "明细 Detail: 细颗粒物(PM2.5) / Fine particulate matter (PM2.5): 1200 µg/m³，仪器标记 T（超测上限） / " +
        "1200 µg/m³, flagged T by the instrument (above the measuring upper limit)",
    );
  });

  it("a silent station's all-clear says the station is back, without the alerted silent time", async () => {
    const back: AlertEvent = {
      ...silent,
      id: "s1:resolved",
      type: "resolved",
      at: "2026-11-28T13:05:00+08:00",
      dataTime: "2026-11-28T13:05:00+08:00",
      message: {
        zh: "【已解除】莲都监测站：站点失联。数据已恢复；开始于 11月28日 10:00，解除于 11月28日 13:05（北京时间）。",
        en: "[resolved] Liandu station: Station silent. data back; started 28 Nov 10:00, resolved at 28 Nov 13:05 Beijing time.",
      },
    };
    const mails = await mailsFor(silent, back);
    // Before: 数据质量 · 告警已解除; the raise's 15 分钟 would read as how long it was silent (3 h).
    expect(mails.find((m) => m.headers.get("x-qingshan-notification") === back.id)?.subject).toBe(
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） 站点无数据 · 告警已解除 | [Warning] Liandu station: station silent · Alert resolved",
    );
  });
});
