import { type AlertEvent, AlertEventSchema, createStationRegistry } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { createRuleEngine } from "./engine.ts";
import { loadRulesFile } from "./load.ts";
import { plainView } from "./testdata/plain-view.ts";

// Duty officers' walkthrough: the silent-station message and the NOI grade events, through the
// real engine and the shipped rules.
const H = 3_600_000;
const MIN = 60_000;
const RULES = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname);
const registry = createStationRegistry([
  {
    id: "ld-noi-01",
    name: { zh: "白云山负氧离子站", en: "Baiyunshan NOI station" },
    kind: "noi",
    metrics: ["noi"],
    reportingIntervalMs: 5 * MIN,
    location: { lat: 28.47, lon: 119.9 },
    township: "白云街道",
  },
]);
const station = registry.get("ld-noi-01") as NonNullable<ReturnType<typeof registry.get>>;
const at = (iso: string) => Date.parse(iso);

function silence(lastSeen: number, now: number): AlertEvent {
  const engine = createRuleEngine(RULES, { registry, clock: () => now });
  const [raised] = engine.evaluateSilence(station, now, lastSeen, "emit");
  if (raised === undefined) throw new Error("no silence event");
  AlertEventSchema.parse(raised);
  return raised;
}

describe("dq-station-silent: the silence in human units, with the last data time", () => {
  const lastSeen = at("2026-11-30T07:45:00+08:00");

  it("15 min after the last data (3 × 5 min): minutes, last data in Beijing time, value in minutes", () => {
    const e = silence(lastSeen, lastSeen + 15 * MIN + 17_000); // 0.2547 h
    // Before: "已 0.2547 小时无数据" with value 15 (minutes) and no last data time.
    expect(e.message.zh).toContain("。15 分钟无数据，最后数据 11月30日 07:45（北京时间）；");
    expect(e.message.en).toContain(". no data for 15 min, last data 30 Nov 07:45 (Beijing time);");
    expect(e).toMatchObject({ type: "raised", metric: "silence", value: 15 });
    expect(`${e.message.zh} ${e.message.en}`).not.toMatch(/0\.25|小时无数据| h \(/);
  });

  it("hours with at most one decimal from 2 h, days above 2 d; the value stays whole minutes", () => {
    const hours = silence(lastSeen, lastSeen + 3 * H + 32 * MIN);
    expect(hours.message.zh).toContain("3.5 小时无数据，最后数据 11月30日 07:45（北京时间）");
    expect(hours.message.en).toContain("no data for 3.5 h, last data 30 Nov 07:45 (Beijing time)");
    expect(hours.value).toBe(212);
    const justUnder = silence(lastSeen, lastSeen + 119 * MIN);
    expect(justUnder.message.en).toContain("no data for 119 min,");
    // Across New Year the last data carries its year.
    const newYear = at("2026-12-31T23:10:00+08:00");
    const days = silence(newYear, newYear + 2 * 24 * H + 13 * H);
    expect(days.message.zh).toContain("2.5 天无数据，最后数据 2026年12月31日 23:10（北京时间）");
    expect(days.message.en).toContain("no data for 2.5 d, last data 31 Dec 2026 23:10 (Beijing time)");
    expect(days.value).toBe((2 * 24 + 13) * 60);
  });
});

describe("noi-grade: the event's value is the message's rounded value (displayValue)", () => {
  it("an hourly mean of 1571.2727… ions/cm³ is 1571.3 in the message and in the event", () => {
    const engine = createRuleEngine(RULES, { registry, clock: () => 0 });
    const view = plainView(station, ["noi"]);
    const hourEnd = at("2026-11-30T08:00:00+08:00");
    view.set("noi", hourEnd, 17284 / 11); // 1571.272727…
    const [raised] = engine.evaluateHour(view, hourEnd, "emit").filter((e) => e.ruleId === "noi-grade");
    // Before: value 1571.27272727 while the message said 1571.
    expect(raised).toMatchObject({ type: "raised", level: "I", metric: "noi", value: 1571.3 });
    expect(raised?.message.zh).toContain("负氧离子 1571.3 个/cm³，I级");
    expect(raised?.message.en).toContain("negative oxygen ions 1571.3 ions/cm³, grade I");
  });
});
