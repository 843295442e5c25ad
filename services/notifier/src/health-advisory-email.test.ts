// A heavy-pollution episode on the health-advisory path (heavy-pollution-warning.md §1, §3.3: an
// O3-driven episode gets a public health advisory, 健康提示, not the suggested-warning path) is
// still mailed to the duty officer, says which path it is on, and says when the path changes.
import type { AlertEvent, WarningPath } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { startTestSmtp } from "@qingshan/testkit/smtp";
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
  startStoreAndBus,
  T0,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

const ALERT = "heavy-pollution-warning:ld-aq-01:2026-11-28T06:00:00+08:00";
const DESCRIPTION = {
  zh: "重污染天气（实测建议级别，非正式发布）",
  en: "Heavy pollution (level suggested from observed data, not an issued warning)",
};
// The rule engine's texts (packages/rules/src/warning-routing.test.ts asserts them).
const O3_REASON = {
  zh: "臭氧主导：最近 1 个满足条件的24小时滑动AQI中臭氧为首要污染物 1 个，按首要污染物分流为健康提示，不走预警程序（分流规则暂定）",
  en: "O3-driven: O3 primary in 1 of the latest 1 complete 24-h rolling AQI values meeting the condition; routed to a public health advisory, not the warning procedure (routing provisional)",
};
const PM25_REASON = {
  zh: "PM2.5主导：最近 24 个满足条件的24小时滑动AQI中PM2.5为首要污染物 13 个（臭氧 11 个），按首要污染物分流为建议预警（分流规则暂定）",
  en: "PM2.5-driven: PM2.5 primary in 13 of the latest 24 complete 24-h rolling AQI values meeting the condition (O3 in 11); routed to the suggested-warning path (routing provisional)",
};

/** A yellow heavy-pollution warning event of the shipped rule as the rule engine emits it. */
function warningEvent(
  type: "raised" | "level_changed",
  path: WarningPath,
  at: number,
  dataTime: string,
  value: number,
): AlertEvent {
  const change =
    type === "raised"
      ? { zh: "黄色预警级别，健康提示", en: "yellow level, health advisory" }
      : { zh: "黄色预警级别；健康提示 → 建议预警", en: "yellow level; health advisory → suggested warning" };
  const reason = path === "healthAdvisory" ? O3_REASON : PM25_REASON;
  return {
    id: type === "raised" ? `${ALERT}:raised` : `${ALERT}:level_changed:yellow:${path}:${dataTime}`,
    alertId: ALERT,
    type,
    at: new Date(at).toISOString(),
    ruleId: "heavy-pollution-warning",
    stationId: "ld-aq-01",
    severity: "warning",
    level: "yellow",
    metric: "aqi",
    value,
    window: "24-h rolling",
    standard:
      "重污染天气预警分级 heavy-pollution warning levels, 24-h rolling AQI; 《关于进一步优化重污染天气应对机制的指导意见》（生态环境部 2024年 预警分级） preset 2024 (provisional)",
    startedAt: "2026-11-28T06:00:00+08:00",
    dataTime,
    message: {
      zh: `【警告】莲都监测站：${DESCRIPTION.zh}（${change.zh}）。24小时滑动AQI ${value}（满足：AQI > 200 持续 ≥ 24 小时）；预警方案 2024（暂定）；${reason.zh}；开始于 11月28日 06:00（北京时间）。`,
      en: `[warning] Liandu station: ${DESCRIPTION.en} (${change.en}). 24-h rolling AQI ${value} (met: AQI > 200 for ≥ 24 h); warning preset 2024 (provisional); ${reason.en}; since 28 Nov 06:00 Beijing time.`,
    },
    ...(type === "raised" ? { routes: ["duty"], tier: 0 } : {}),
    conditionHolds: true,
    path,
  };
}

describe("a heavy-pollution episode on the health-advisory path (O3-driven)", () => {
  it("is mailed to the duty officer as 【健康提示】, reminded as one, and the change to the warning path is its own mail", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startTestSmtp();
    cleanup.add(() => smtp.stop());
    const broker = await startBroker(cleanup);
    let t = T0;
    const config = baseConfig(dir, {
      renotifyMinutes: 15,
      escalateAfterMinutes: 0,
      mqtt: { url: broker.url },
      routes: [{ name: "duty", channels: ["email"], events: [...ROUTE_EVENT_TYPES] }],
      email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
    });
    const notifier = await startNotifier(cleanup, config, { bus, store, now: () => t });

    await publishAlerts(bus, warningEvent("raised", "healthAdvisory", t, "2026-11-28T06:00:00+08:00", 209));
    await waitFor(() => smtp.mails.length === 1, { what: "the health advisory's e-mail" });
    t += 15 * MIN;
    await notifier.tick();
    await waitFor(() => smtp.mails.length === 2, { what: "its reminder" });
    t += MIN;
    await publishAlerts(bus, warningEvent("level_changed", "warning", t, "2026-11-28T21:00:00+08:00", 270));
    await waitFor(() => smtp.mails.length === 3, { what: "the change of path's e-mail" });

    expect(smtp.mails.map((m) => m.subject)).toEqual([
      "[青山 Qingshan] 【健康提示】莲都监测站（万象街道） 重污染天气 黄色级别 AQI 24小时滑动值 209 · 新告警 | [Health advisory] Liandu station: heavy pollution, yellow level, AQI 24-h rolling 209 · New alert",
      "[青山 Qingshan] 【健康提示】莲都监测站（万象街道） 重污染天气 黄色级别 AQI 24小时滑动值 209 · 告警重复提醒 | [Health advisory] Liandu station: heavy pollution, yellow level, AQI 24-h rolling 209 · Alert reminder",
      "[青山 Qingshan] 【建议黄色预警】莲都监测站（万象街道） 重污染天气 AQI 24小时滑动值 270 · 转为建议预警 | [Yellow warning suggested] Liandu station: heavy pollution, AQI 24-h rolling 270 · Now a suggested warning",
    ]);
    // Nothing dropped: every mail reaches the duty officer on the roster.
    for (const m of smtp.mails)
      expect([m.to].flat().flatMap((a) => a?.value.map((v) => v.address) ?? [])).toEqual([
        "duty@test.example",
      ]);
    const advisory = smtp.mails[0]?.text ?? "";
    expect(advisory).toContain(
      "处置路径 Path: 健康提示 / health advisory（公众健康提示，不走预警程序 / public health advisory, not the warning procedure）",
    );
    expect(advisory).toContain(
      `内容 What: ${warningEvent("raised", "healthAdvisory", T0, "", 209).message.zh}`,
    );
    expect(advisory).toContain("事件 Event: 新告警 / New alert（警告 warning，级别 level 黄色 / yellow）");
    expect(advisory).not.toContain("建议黄色预警");
    const changed = smtp.mails[2]?.text ?? "";
    expect(changed).toContain(
      "事件 Event: 转为建议预警 / Now a suggested warning（警告 warning，级别 level 黄色 / yellow）",
    );
    expect(changed).toContain(
      "处置路径 Path: 建议预警 / suggested warning；此前 健康提示 / before: health advisory",
    );
    expect(changed).toContain("（黄色预警级别；健康提示 → 建议预警）");
    // The events on the MQTT topic (and in the store) carry the path, the reminder too.
    await waitFor(() => (broker.messages.length === 3 ? true : undefined), { what: "three MQTT events" });
    expect(broker.messages.map(({ event }) => [event.type, event.level, event.path])).toEqual([
      ["raised", "yellow", "healthAdvisory"],
      ["renotified", "yellow", "healthAdvisory"],
      ["level_changed", "yellow", "warning"],
    ]);
  });
});
