import type { AlertEvent } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import {
  baseConfig,
  cleanupAfterEach,
  localSmtp,
  MIN,
  publishAlerts,
  startBroker,
  startNotifier,
  startReceiver,
  startSmtp,
  startStoreAndBus,
} from "./testdata/harness.ts";

const cleanup = cleanupAfterEach();

// air-aqi.md §8: an hour is labelled by its end ("19:00" = 18:00–19:00). The rules engine raises
// early on an hour not yet ended (one sample credits an hourly-reporting station's hour): the
// event's dataTime is after its `at`, its message says so (packages/rules in-progress texts).
const HOUR_END = "2026-12-01T19:00:00+08:00";
const AT = Date.parse("2026-12-01T18:24:00+08:00");
const DESCRIPTION = {
  zh: "小时AQI重度及以上污染（AQI > 200）",
  en: "Hourly AQI heavily or severely polluted (above 200)",
};

function severe(alertId: string, at: number): AlertEvent {
  const early = Date.parse(HOUR_END) > at;
  return {
    id: `${alertId}:raised`,
    alertId,
    type: "raised",
    at: new Date(at).toISOString(),
    ruleId: "aqi-hourly-heavy",
    stationId: "ld-aq-01",
    severity: "critical",
    level: "severe",
    levelName: { zh: "严重污染", en: "severely polluted" },
    metric: "aqi",
    value: 370,
    threshold: 300,
    window: "1-h mean",
    standard: "AQI categories 201–300 重度污染, > 300 严重污染; HJ 633-2026",
    startedAt: HOUR_END,
    dataTime: HOUR_END,
    message: early
      ? {
          zh: `【严重】莲都监测站：${DESCRIPTION.zh}（严重污染）。小时AQI 370；1小时均值；阈值 > 300；开始于 12月1日 18:00–19:00（北京时间）。数据时段 12月1日 18:00–19:00（北京时间，进行中 / in progress）尚未结束，数值为暂定值，可能变化。`,
          en: `[critical] Liandu station: ${DESCRIPTION.en} (severely polluted). hourly AQI 370; 1-h mean; threshold > 300; since 1 Dec 18:00–19:00 Beijing time. The hour 1 Dec 18:00–19:00 Beijing time (进行中 / in progress) has not ended: the value is provisional and may change.`,
        }
      : {
          zh: `【严重】莲都监测站：${DESCRIPTION.zh}（严重污染）。小时AQI 370；1小时均值；阈值 > 300；开始于 12月1日 19:00（北京时间）。`,
          en: `[critical] Liandu station: ${DESCRIPTION.en} (severely polluted). hourly AQI 370; 1-h mean; threshold > 300; since 1 Dec 19:00 Beijing time.`,
        },
    routes: ["duty"],
    tier: 0,
    conditionHolds: true,
  };
}

describe("an alert raised on an hour still in progress", () => {
  it("e-mails the hour as its span, in progress and provisional, and flags inProgress on the JSON webhook and MQTT; an ended hour's does not", async () => {
    const { dir, store, bus } = await startStoreAndBus(cleanup);
    const smtp = await startSmtp(cleanup);
    const http = await startReceiver(cleanup);
    const broker = await startBroker(cleanup);
    let t = AT;
    const config = baseConfig(dir, {
      mqtt: { url: broker.url },
      email: { smtp: localSmtp(smtp.port), timeoutMs: 5_000 },
      webhooks: [{ name: "ops-json", format: "json", url: `${http.url}/json` }],
      routes: [{ name: "duty", channels: ["email", "ops-json"] }],
    });
    await startNotifier(cleanup, config, { bus, store, now: () => t });

    await publishAlerts(bus, severe("early", AT));
    const [mail] = await waitFor(() => (smtp.mails.length === 1 ? smtp.mails : undefined), {
      what: "the e-mail",
    });
    expect(mail?.subject).toBe(
      "[青山 Qingshan] 【严重】莲都监测站（万象街道） AQI 小时值 370 严重污染 · 新告警（暂定值） | " +
        "[Critical] Liandu station: AQI hourly 370 severely polluted · New alert (provisional value)",
    );
    const lines = (mail?.text ?? "").split("\n");
    expect(lines).toContain(
      "数据时间 Data time: 12月1日 18:00–19:00 / 1 Dec 18:00–19:00 北京时间 (Beijing time)" +
        "（进行中 / in progress：该小时尚未结束，数值为暂定值，可能变化 / the hour has not ended, the value is provisional and may change）",
    );
    expect(lines).toContain(
      "开始时间 Started: 12月1日 18:00–19:00 / 1 Dec 18:00–19:00 北京时间 (Beijing time, UTC+8)（进行中 / in progress）",
    );
    expect(lines.join("\n")).not.toContain("12月1日 19:00");
    await waitFor(() => http.received.length === 1, { what: "the JSON webhook" });
    expect(http.received[0]?.body).toMatchObject({ inProgress: true, event: { id: "early:raised" } });
    await waitFor(() => broker.messages.length === 1, { what: "the MQTT event" });
    expect(broker.messages[0]?.event).toMatchObject({ id: "early:raised", inProgress: true });

    // The same hour's alert raised after its end (19:05) reads as before: no in-progress mark.
    t = Date.parse(HOUR_END) + 5 * MIN;
    await publishAlerts(bus, severe("ended", t));
    const ended = await waitFor(() => smtp.mails[1], { what: "the second e-mail" });
    expect(ended.subject).toBe(
      "[青山 Qingshan] 【严重】莲都监测站（万象街道） AQI 小时值 370 严重污染 · 新告警 | " +
        "[Critical] Liandu station: AQI hourly 370 severely polluted · New alert",
    );
    expect(ended.text).not.toContain("进行中");
    expect(ended.text).not.toContain("数据时间 Data time");
    await waitFor(() => http.received.length === 2, { what: "the second JSON webhook" });
    expect(http.received[1]?.body).not.toHaveProperty("inProgress");
    await waitFor(() => broker.messages.length === 2, { what: "the second MQTT event" });
    expect(broker.messages[1]?.event).not.toHaveProperty("inProgress");
  });
});
