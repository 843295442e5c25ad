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
    expect(mail?.subject).toBe(
      "[青山 Qingshan] 【警告】莲都监测站（万象街道） 数据质量 PM2.5、PM10、二氧化氮 · 新告警 | [Warning] Liandu station: data quality PM2.5, PM10, Nitrogen dioxide · New alert",
    );
  });
});
