import { type AlertEvent, foldAlertEvents, HOUR_MS, toBeijingIso } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { airStation, registry } from "./testdata/noi-and-air-stations.ts";
import { ruleRig, SHIPPED_RULES } from "./testdata/rule-rig.ts";

// Reviewer finding 1: an hourly AQI falling from severe to 优 (PM2.5 400 → 20) stepped down to
// 重度污染 "当前已不满足" at AQI 29, then resolved anyway. A value below every level holds the level
// into the clear countdown (clear.for 2 h, then damping 3 h) without naming a level not met.
const t0 = Date.parse("2026-11-28T10:00:00+08:00");
const hourAt = (i: number) => toBeijingIso(t0 + i * HOUR_MS);
const summary = (events: readonly AlertEvent[]) =>
  events.filter((e) => e.ruleId === "aqi-hourly-heavy").map((e) => [e.type, e.level, e.value, e.dataTime]);

describe("a leveled rule whose value falls below every level", () => {
  for (const [pm25, aqi] of [
    [400, 434],
    [260, 310],
  ] as const) {
    it(`PM2.5 ${pm25} → 20: no step down, resolved clear.for + damping after the drop`, () => {
      const { hour, events } = ruleRig({
        rules: SHIPPED_RULES.filter((r) => r.id === "aqi-hourly-heavy"),
        registry,
        station: airStation,
        metrics: ["pm25"],
        now: t0,
      });
      hour(t0, { pm25 });
      for (let i = 1; i <= 8; i++) hour(t0 + i * HOUR_MS, { pm25: 20 });
      const raisedLevel = aqi > 300 ? "severe" : "heavy";
      expect(summary(events)).toEqual([
        ["raised", raisedLevel, aqi, hourAt(0)],
        // ≤ 180 from hour 1: clear held 2 h at hour 2 (quiet), resolved after 3 h of damping.
        ["resolved", raisedLevel, 29, hourAt(5)],
      ]);
      for (const e of events) expect(e.message.zh).not.toContain("当前已不满足");
    });
  }

  it("a lower level that still holds is stepped down to after stepDownFor", () => {
    const { hour, events } = ruleRig({
      rules: SHIPPED_RULES.filter((r) => r.id === "aqi-hourly-heavy"),
      registry,
      station: airStation,
      metrics: ["pm25"],
      now: t0,
    });
    hour(t0, { pm25: 400 });
    for (let i = 1; i <= 2; i++) hour(t0 + i * HOUR_MS, { pm25: 160 }); // AQI 210: heavy
    expect(summary(events).map(([type, level]) => [type, level])).toEqual([
      ["raised", "severe"],
      ["level_changed", "heavy"],
    ]);
    expect(events.at(-1)?.conditionHolds).toBe(true);
  });

  it("the resolution (the resolved event, and the folded alert the API and the notifier's What read) is no ongoing text", () => {
    // Reviewer finding 2: /api/v1/alerts/{id} showed status resolved with "仍在持续，自 11月28日 13:00
    // 起；连续2小时不满足…方解除", the message of the step-down the fold keeps as the alert's.
    const { hour, events } = ruleRig({
      rules: SHIPPED_RULES.filter((r) => r.id === "aqi-hourly-heavy"),
      registry,
      station: airStation,
      metrics: ["pm25"],
      now: t0,
    });
    hour(t0, { pm25: 400 });
    for (let i = 1; i <= 8; i++) hour(t0 + i * HOUR_MS, { pm25: 20 });
    const resolved = events.find((e) => e.type === "resolved");
    expect(resolved?.message.zh).toBe(
      "【已解除】莲都站：小时AQI重度及以上污染（AQI > 200）。小时AQI 29；1小时均值；阈值 > 200；开始于 11月28日 10:00，解除于 11月28日 15:00（北京时间）。",
    );
    const [state] = foldAlertEvents(events);
    expect(state?.status).toBe("resolved");
    expect(state?.resolvedValue).toBe(29);
    for (const text of [state?.message.zh, state?.message.en])
      expect(text).not.toMatch(/仍在持续|ongoing|当前已不满足/);
  });
});
