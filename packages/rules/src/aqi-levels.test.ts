import { type AlertEvent, AlertEventSchema, foldAlertEvents, toBeijingIso } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { createRuleEngine, type EvaluationMode } from "./engine.ts";
import { loadRulesFile } from "./load.ts";
import type { Rule } from "./schema.ts";
import { registry, station } from "./testdata/one-air-station.ts";
import { plainView } from "./testdata/plain-view.ts";
import { AQI_RULES_BEFORE_LEVELS } from "./testing/aqi-rules-before-levels.ts";

// The shipped hourly AQI rule: one alert per episode, levels heavy (201–300 重度污染) and severe
// (> 300 严重污染) of HJ 633 (air-aqi.md §4), through the real engine on real AQI computations.
const H = 3_600_000;
const RULES = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname);
const RULE = "aqi-hourly-heavy";
const t0 = Date.parse("2026-11-28T10:00:00+08:00");
const hourAt = (i: number) => toBeijingIso(t0 + i * H);

// Hourly PM2.5 (µg/m³) for a wanted hourly AQI, HJ 633-2026 Table 3 (1-h PM on the daily columns):
// 115 → 150; 143 → 190; 200 → 250; 240 → 290; 300 → 350.
const PM25: Record<number, number> = { 150: 115, 190: 143, 250: 200, 290: 240, 350: 300 };

function run(rules: readonly Rule[]) {
  const engine = createRuleEngine(rules, { registry, clock: () => t0 });
  const view = plainView(station, ["pm25"]);
  const events: AlertEvent[] = [];
  const hour = (i: number, aqi: number, mode: EvaluationMode = "emit") => {
    view.set("pm25", t0 + i * H, PM25[aqi] as number);
    const out = engine.evaluateHour(view, t0 + i * H, mode);
    for (const e of out) AlertEventSchema.parse(e);
    events.push(...out);
    return out;
  };
  return { engine, events, hour };
}

const aqiEvents = (events: readonly AlertEvent[]) => events.filter((e) => e.ruleId.startsWith("aqi-hourly-"));

describe("aqi-hourly-heavy: one alert per episode, level heavy → severe → heavy", () => {
  it("an episode 150 → 250 → 350 → 250 → 150 is one alert: raised heavy, severe, back to heavy, resolved", () => {
    const { hour, events } = run(RULES);
    // hour: 0    1    2    3    4    5    6    7    8    9   10   11   12   13   14
    const aqi = [150, 250, 250, 350, 350, 290, 250, 250, 190, 150, 150, 150, 150, 150, 150];
    feed(hour, aqi);
    const alerts = aqiEvents(events);
    expect(new Set(alerts.map((e) => e.alertId))).toEqual(new Set([`${RULE}:aq-1:${hourAt(1)}`]));
    expect(alerts.map((e) => [e.type, e.level, e.severity, e.value, e.dataTime])).toEqual([
      // > 200 for 1 h (one hourly value): raised at heavy.
      ["raised", "heavy", "warning", 250, hourAt(1)],
      // The first hourly AQI > 300: severe at once.
      ["level_changed", "severe", "critical", 350, hourAt(3)],
      // 290 is ≤ 300 but above 280: still severe; ≤ 280 held 2 h (hours 6 and 7): back to heavy.
      ["level_changed", "heavy", "warning", 250, hourAt(7)],
      // 190 holds heavy (> 180); ≤ 180 held 2 h (hours 9, 10), then damping 3 h: resolved at 13.
      ["resolved", "heavy", "warning", 150, hourAt(13)],
    ]);
    const [raised, severe, heavy, resolved] = alerts as [AlertEvent, AlertEvent, AlertEvent, AlertEvent];
    expect(raised).toMatchObject({
      levelName: { zh: "重度污染", en: "heavily polluted" },
      threshold: 200,
      startedAt: hourAt(1),
      routes: ["duty"],
      conditionHolds: true,
      standard: "AQI categories 201–300 重度污染, > 300 严重污染; HJ 633-2026",
    });
    expect(raised.message.zh).toBe(
      "【警告】莲都站：小时AQI重度及以上污染（AQI > 200）（重度污染）。小时AQI 250；1小时均值；阈值 > 200；开始于 11月28日 11:00（北京时间）。",
    );
    expect(raised.message.en).toBe(
      "[warning] Liandu station: Hourly AQI heavily or severely polluted (above 200) (heavily polluted). hourly AQI 250; 1-h mean; threshold > 200; since 28 Nov 11:00 Beijing time.",
    );
    expect(severe).toMatchObject({ levelName: { zh: "严重污染", en: "severely polluted" }, threshold: 300 });
    expect(severe.message.zh).toContain("（重度污染 → 严重污染）。小时AQI 350；1小时均值；阈值 > 300；");
    expect(severe.message.zh.startsWith("【严重】")).toBe(true);
    expect(severe.message.en).toContain("(heavily polluted → severely polluted). hourly AQI 350;");
    expect(heavy.message.zh).toContain("（严重污染 → 重度污染）");
    expect(heavy.message.en).toContain("(severely polluted → heavily polluted)");
    expect(resolved.message.zh).toMatch(/^【已解除】莲都站：/);
    // The folded alert follows the level: severity and name of the current level.
    const states = foldAlertEvents(alerts);
    expect(states).toHaveLength(1);
    expect(foldAlertEvents([raised, severe])[0]).toMatchObject({
      status: "open",
      level: "severe",
      severity: "critical",
      levelName: { zh: "严重污染", en: "severely polluted" },
    });
    expect(foldAlertEvents([raised, severe, heavy])[0]).toMatchObject({
      level: "heavy",
      severity: "warning",
    });
  });

  it("an episode that stays at 201–300 is one alert at heavy, without a level change", () => {
    const { hour, events } = run(RULES);
    feed(hour, [250, 290, 250, 150, 150, 150, 150, 150]);
    expect(aqiEvents(events).map((e) => [e.type, e.level, e.severity])).toEqual([
      ["raised", "heavy", "warning"],
      ["resolved", "heavy", "warning"],
    ]);
  });

  it("an hour straight from 150 to 350 raises at severe; falling straight to 150 holds severe until it resolves", () => {
    const { hour, events } = run(RULES);
    feed(hour, [150, 350, 150, 150, 150, 150, 150, 150, 150]);
    // AQI 150 meets no level (≤ 180): no step to heavy, which it does not meet either; ≤ 180 since
    // hour 2, held 2 h by hour 3 (quiet), resolved 3 h later.
    expect(aqiEvents(events).map((e) => [e.type, e.level, e.severity, e.dataTime])).toEqual([
      ["raised", "severe", "critical", hourAt(1)],
      ["resolved", "severe", "critical", hourAt(6)],
    ]);
  });
});

describe("an installation upgraded from the two hourly AQI rules", () => {
  it("resolves an open aqi-hourly-severe alert naming the rule that replaced it; the heavy alert continues at severe", () => {
    const aqi = [250, 350, 350];
    const before = run(AQI_RULES_BEFORE_LEVELS);
    feed(before.hour, aqi);
    const stored = aqiEvents(before.events);
    expect(stored.map((e) => [e.ruleId, e.type])).toEqual([
      ["aqi-hourly-heavy", "raised"],
      ["aqi-hourly-severe", "raised"],
    ]);
    const heavyId = `${RULE}:aq-1:${hourAt(0)}`;
    const severeId = `aqi-hourly-severe:aq-1:${hourAt(1)}`;

    // Restart with the shipped rules: restore, silent replay of the stored hours, reconcile.
    const after = run(RULES);
    after.engine.restore("aq-1", foldAlertEvents(stored));
    feed(after.hour, aqi, 0, "silent");
    const reconciled = after.engine.reconcile("aq-1", t0 + 2 * H, "emit");
    for (const e of reconciled) AlertEventSchema.parse(e);
    expect(reconciled.map((e) => [e.alertId, e.type, e.level ?? null, e.severity])).toEqual([
      // The stored heavy alert (no level) continues at its first level and steps up: no new raise.
      [heavyId, "level_changed", "severe", "critical"],
      [severeId, "resolved", null, "critical"],
    ]);
    const resolved = reconciled[1] as AlertEvent;
    expect(resolved).toMatchObject({
      id: `${severeId}:resolved`,
      ruleId: "aqi-hourly-severe",
      startedAt: hourAt(1),
    });
    expect(resolved.message.zh).toBe(
      "【已解除】莲都站：规则 aqi-hourly-severe 已由规则 aqi-hourly-heavy（小时AQI重度及以上污染（AQI > 200））取代，本告警关闭；污染若仍在持续，见规则 aqi-hourly-heavy 的告警。开始于 11月28日 11:00，解除于 11月28日 12:00（北京时间）。",
    );
    expect(resolved.message.en).toContain(
      "rule aqi-hourly-severe was replaced by rule aqi-hourly-heavy (Hourly AQI heavily or severely polluted (above 200)); this alert is closed",
    );

    // The episode goes on: one alert, severe → heavy → resolved; the old severe alert stays resolved.
    feed(after.hour, [250, 250, 150, 150, 150, 150, 150], 3);
    const all = foldAlertEvents([...stored, ...reconciled, ...aqiEvents(after.events)]);
    expect(all.map((s) => [s.alertId, s.status])).toEqual([
      [heavyId, "resolved"],
      [severeId, "resolved"],
    ]);
    expect(aqiEvents(after.events).map((e) => [e.alertId, e.type, e.level])).toEqual([
      [heavyId, "level_changed", "heavy"],
      [heavyId, "resolved", "heavy"],
    ]);

    // A later restart from the store announces nothing more.
    const again = run(RULES);
    again.engine.restore("aq-1", foldAlertEvents([...stored, ...reconciled]));
    feed(again.hour, aqi, 0, "silent");
    expect(again.engine.reconcile("aq-1", t0 + 2 * H, "emit").map((e) => e.alertId)).not.toContain(severeId);
  });

  it("a stored heavy alert without a level, restored while the AQI is 201–300, continues without an event", () => {
    const before = run(AQI_RULES_BEFORE_LEVELS);
    feed(before.hour, [250, 250]);
    const stored = aqiEvents(before.events);
    const after = run(RULES);
    after.engine.restore("aq-1", foldAlertEvents(stored));
    feed(after.hour, [250, 250], 0, "silent");
    expect(after.engine.reconcile("aq-1", t0 + H, "emit")).toEqual([]);
  });

  it("an open alert of a rule removed without a successor resolves at the next evaluation in emit mode", () => {
    const before = run(AQI_RULES_BEFORE_LEVELS);
    feed(before.hour, [350, 350]);
    const stored = aqiEvents(before.events).filter((e) => e.ruleId === "aqi-hourly-severe");
    const withoutSuccessor = RULES.map((r) => (r.id === RULE ? { ...r, replaces: undefined } : r));
    const after = run(withoutSuccessor);
    after.engine.restore("aq-1", foldAlertEvents(stored));
    // Silent (replay, old data): nothing is announced yet.
    expect(after.hour(1, 350, "silent")).toEqual([]);
    const out = after.hour(2, 150).filter((e) => e.ruleId === "aqi-hourly-severe");
    expect(out.map((e) => e.type)).toEqual(["resolved"]);
    expect(out[0]?.message.zh).toContain(
      "规则 aqi-hourly-severe 已不适用于本站（已从规则文件删除、停用或不再适用）",
    );
    expect(out[0]?.message.en).toContain("rule aqi-hourly-severe no longer applies to this station");
  });
});

/** Hourly AQI values for the hours from, from + 1, … */
function feed(
  hour: (i: number, aqi: number, mode?: EvaluationMode) => unknown,
  values: readonly number[],
  from = 0,
  mode: EvaluationMode = "emit",
): void {
  for (const [i, v] of values.entries()) hour(from + i, v, mode);
}
