import {
  type AlertEvent,
  createStationRegistry,
  foldAlertEvents,
  type MetricId,
  toBeijingIso,
} from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { createRuleEngine, type EvaluationMode } from "./engine.ts";
import { plainView } from "./testdata/plain-view.ts";
import { ruleRig, SHIPPED_RULES } from "./testdata/rule-rig.ts";

const H = 3_600_000;
const site = { location: { lat: 28.4, lon: 119.9 }, township: "万象街道" };
const registry = createStationRegistry([
  { id: "aq-1", name: { zh: "莲都站", en: "Liandu station" }, kind: "air", metrics: ["pm25"], ...site },
  {
    id: "aq-c1",
    name: { zh: "白云山站", en: "Baiyunshan station" },
    kind: "air",
    metrics: ["pm25"],
    airArea: "class1",
    ...site,
  },
  {
    id: "aq-c2",
    name: { zh: "城北站", en: "Chengbei station" },
    kind: "air",
    metrics: ["pm25"],
    airArea: "class2",
    ...site,
  },
  {
    id: "wq-1",
    name: { zh: "碧湖断面", en: "Bihu section" },
    kind: "water",
    metrics: ["ph", "do", "codmn", "nh3n", "tp"],
    water: { waterBody: "river" },
    ...site,
  },
  {
    id: "wq-src",
    name: { zh: "水源地", en: "Source" },
    kind: "water",
    metrics: ["ph", "do", "codmn", "nh3n", "tp"],
    water: { waterBody: "lake", targetClass: "II", drinkingWaterSource: true },
    ...site,
  },
  { id: "noi-1", name: { zh: "白云山", en: "Baiyun" }, kind: "noi", metrics: ["noi"], ...site },
]);
const station = (id: string) =>
  registry.get(id) ??
  (() => {
    throw new Error(id);
  })();
const at = (iso: string) => Date.parse(iso);

const setup = (stationId: string, metrics: MetricId[], now = at("2026-12-01T00:00:00+08:00")) =>
  ruleRig({ rules: SHIPPED_RULES, registry, station: station(stationId), metrics, now });

const summary = (events: readonly AlertEvent[], rule?: string) =>
  events
    .filter((e) => rule === undefined || e.ruleId === rule)
    .map((e) => [e.type, e.level ?? null, e.value ?? null]);

describe("shipped rules on hand-computed inputs", () => {
  it("aqi-hourly-heavy: PM2.5 160 µg/m³ (2026, daily columns) → AQI 210 > 200; hysteresis at 180; damping", () => {
    const { hour, events } = setup("aq-1", ["pm25"]);
    const t0 = at("2026-11-28T10:00:00+08:00");
    hour(t0, { pm25: 160 }); // IAQI 200 + (300−200)/(250−150)·10 = 210
    hour(t0 + H, { pm25: 140 }); // 150 + 50/35·25 = 185.7 → 186: inside the band, holds
    hour(t0 + 2 * H, { pm25: 120 }); // 157.1 → 158 ≤ 180
    hour(t0 + 3 * H, { pm25: 120 }); // clear held 2 h → quiet (damping 3 h)
    hour(t0 + 4 * H, { pm25: 160 }); // back above 200 within damping: same alert
    for (let i = 5; i <= 12; i++) hour(t0 + i * H, { pm25: 50 });
    const heavy = events.filter((e) => e.ruleId === "aqi-hourly-heavy");
    expect(heavy.map((e) => e.type)).toEqual(["raised", "resolved"]);
    const raised = heavy[0] as AlertEvent;
    expect(raised).toMatchObject({
      id: "aqi-hourly-heavy:aq-1:2026-11-28T10:00:00+08:00:raised",
      alertId: "aqi-hourly-heavy:aq-1:2026-11-28T10:00:00+08:00",
      severity: "warning",
      level: "heavy",
      value: 210,
      threshold: 200,
      metric: "aqi",
      window: "1-h mean",
      startedAt: "2026-11-28T10:00:00+08:00",
      dataTime: "2026-11-28T10:00:00+08:00",
      tier: 0,
      routes: ["duty"],
    });
    expect(heavy[1]?.routes).toBeUndefined();
    // The applied edition once; the standard is its own field, not repeated in the message.
    expect(raised.standard).toBe("AQI categories 201–300 重度污染, > 300 严重污染; HJ 633-2026");
    expect(raised.message.zh).not.toContain("HJ 633");
    expect(raised.message.en).not.toContain("HJ 633");
    expect(raised.message.zh).toContain("莲都站");
    expect(raised.message.zh).toContain("小时AQI 210");
    expect(raised.message.en).toContain("Liandu station");
    expect(raised.message.en).toContain("hourly AQI 210");
    expect(raised.message.en).toContain("threshold > 200");
    // Human Beijing time in the text; the machine field stays ISO.
    expect(raised.message.zh).toMatch(/；开始于 11月28日 10:00（北京时间）。$/);
    expect(raised.message.en).toMatch(/; since 28 Nov 10:00 Beijing time\.$/);
    expect(raised.startedAt).toBe("2026-11-28T10:00:00+08:00");
    expect(`${raised.message.zh} ${raised.message.en}`).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(heavy[1]?.id).toBe("aqi-hourly-heavy:aq-1:2026-11-28T10:00:00+08:00:resolved");
    // One rule for both HJ 633 categories: the > 300 level is aqi-hourly-heavy's "severe" (aqi-levels.test.ts).
    expect(events.filter((e) => e.ruleId.startsWith("aqi-hourly-")).map((e) => e.ruleId)).toEqual([
      "aqi-hourly-heavy",
      "aqi-hourly-heavy",
    ]);
  });

  it("gb3095-24h-pm25: the day's limit by its date — 70 exceeds 60 (2026 transition) but not 75 (2012)", () => {
    for (const [day, expected] of [
      ["2026-11-28", 60],
      ["2025-11-28", null],
    ] as const) {
      const { hour, events } = setup("aq-1", ["pm25"]);
      const start = at(`${day}T00:00:00+08:00`);
      for (let i = 1; i <= 24; i++) hour(start + i * H, { pm25: 70 });
      const gb = events.filter((e) => e.ruleId === "gb3095-24h-pm25");
      if (expected === null) expect(gb).toEqual([]);
      else {
        expect(gb).toHaveLength(1);
        expect(gb[0]).toMatchObject({
          type: "raised",
          value: 70,
          threshold: 60,
          dataTime: `${day.slice(0, 8)}29T00:00:00+08:00`,
        });
        expect(gb[0]?.standard).toContain(
          "GB 3095-2026 Table 1 (transition 2026-03-01…2030-12-31), Grade II",
        );
        // The value is named with the day it is the mean of; the window said once.
        expect(gb[0]?.message.zh).toContain(`细颗粒物(PM2.5) 11月28日日均值 70 µg/m³；自然日（北京时间）；`);
        expect(gb[0]?.message.en).toContain(
          "Fine particulate matter (PM2.5) daily mean of 28 Nov 70 µg/m³; Beijing calendar day; ",
        );
        expect(gb[0]?.message.zh.match(/自然日/g)).toHaveLength(1);
        expect(gb[0]?.message.en.match(/Beijing calendar day/g)).toHaveLength(1);
      }
    }
  });

  it("heavy-pollution-warning (2024 preset): escalates, steps down one level at a time, releases after 36 h", () => {
    const { hour, events, engine } = setup("aq-1", ["pm25"]);
    const start = at("2026-12-01T00:00:00+08:00");
    let t = start;
    // PM2.5 160 → AQI24 210: > 200 at the 20th hour (yellow); 25 values > 200 → orange (2024 §2.4).
    for (let i = 1; i <= 48; i++) {
      t += H;
      hour(t, { pm25: 160 });
    }
    let warning = summary(events, "heavy-pollution-warning");
    expect(warning.slice(0, 2)).toEqual([
      ["raised", "yellow", 210],
      ["level_changed", "orange", 210],
    ]);
    // Clean air: AQI24 falls below 150 and then nothing holds; orange → yellow after 12 h, release 36 h later.
    for (let i = 1; i <= 80; i++) {
      t += H;
      hour(t, { pm25: 20 });
    }
    warning = summary(events, "heavy-pollution-warning");
    expect(warning.map(([type, level]) => [type, level])).toEqual([
      ["raised", "yellow"],
      ["level_changed", "orange"],
      ["level_changed", "yellow"],
      ["resolved", "yellow"],
    ]);
    expect(engine.status("aq-1").find((s) => s.ruleId === "heavy-pollution-warning")?.phase).toBe("idle");
    // What duty officers and analysts read: the document and preset, no developer notes.
    const raised = events.find((e) => e.ruleId === "heavy-pollution-warning") as AlertEvent;
    expect(raised.standard).toBe(
      "重污染天气预警分级 heavy-pollution warning levels, 24-h rolling AQI; " +
        "《关于进一步优化重污染天气应对机制的指导意见》（生态环境部 2024年 预警分级） preset 2024 (provisional)",
    );
    for (const e of events.filter((x) => x.ruleId === "heavy-pollution-warning")) {
      for (const text of [e.standard ?? "", e.message.zh, e.message.en])
        expect(text).not.toMatch(/recalled|unverified|from memory|disputed|\.md\b|§/);
    }
  });

  it("heavy-pollution-warning: an event showing a level the value no longer meets says since when it is on and what releases it", () => {
    const { hour, events } = setup("aq-1", ["pm25"]);
    const start = at("2026-12-01T00:00:00+08:00");
    let t = start;
    for (let i = 1; i <= 48; i++) {
      t += H;
      hour(t, { pm25: 160 });
    }
    for (let i = 1; i <= 20; i++) {
      t += H;
      hour(t, { pm25: 20 });
    }
    const warning = events.filter((e) => e.ruleId === "heavy-pollution-warning");
    const [raised, orange, yellow] = warning;
    // Shown at a level the AQI24 meets: the start only.
    expect(raised?.message.en).toMatch(/; since 1 Dec 20:00 Beijing time\.$/);
    expect(orange?.message.en).toMatch(/; since 1 Dec 20:00 Beijing time\.$/);
    expect(orange?.message.zh).toMatch(/；开始于 12月1日 20:00（北京时间）。$/);
    // Orange → yellow after 12 h below orange (stepDownFor); AQI24 122 meets no level: still yellow
    // until 36 h without the yellow condition (clear.for; heavy-pollution-warning.md §3.3).
    expect(yellow).toMatchObject({ type: "level_changed", level: "yellow" });
    expect(yellow?.value).toBeLessThanOrEqual(150);
    expect(yellow?.message.zh).toContain(
      "；仍在持续，自 12月1日 20:00（北京时间）起；连续36小时不满足黄色条件方解除。",
    );
    expect(yellow?.message.en).toContain(
      "; ongoing since 1 Dec 20:00 Beijing time; released only after 36 h without the yellow condition.",
    );
    // The same, structured for the notifier: the held level's condition no longer holds.
    expect(raised?.conditionHolds).toBe(true);
    expect(orange?.conditionHolds).toBe(true);
    expect(yellow?.conditionHolds).toBe(false);
    // Hourly windows are not calendar windows: their startedAt is a clock time.
    expect(raised?.calendarWindow).toBeUndefined();
  });

  it("heavy-pollution-warning: a level above the lowest, shown below it, names its step down as well as the release", () => {
    // Red needs > 300 for 24 h inside > 200 for 72 h (2024 §2.4); then clean air: red → orange after 12 h.
    const { hour, events } = setup("aq-1", ["pm25"]);
    let t = at("2026-12-01T00:00:00+08:00");
    for (let i = 1; i <= 96; i++) {
      t += H;
      hour(t, { pm25: 300 });
    }
    for (let i = 1; i <= 30; i++) {
      t += H;
      hour(t, { pm25: 20 });
    }
    const warning = events.filter((e) => e.ruleId === "heavy-pollution-warning");
    expect(warning.map((e) => e.level)).toEqual(["yellow", "orange", "red", "orange"]);
    const steppedDown = warning[3];
    expect(steppedDown?.value).toBeLessThanOrEqual(150);
    expect(steppedDown?.message.zh).toContain(
      "仍在持续，自 12月1日 20:00（北京时间）起；低于橙色条件满12小时降为黄色，连续36小时不满足黄色条件方解除。",
    );
    expect(steppedDown?.message.en).toContain(
      "ongoing since 1 Dec 20:00 Beijing time; drops to yellow after 12 h below the orange condition, released only after 36 h without the yellow condition.",
    );
    expect(warning.map((e) => e.conditionHolds)).toEqual([true, true, true, false]);
  });

  it("heavy-pollution-warning history: a 40-value history wrapped several times announces as 240 do", () => {
    // A custom level that needs 37 consecutive AQI24 values > 200 (60 h): values older than 24 h count.
    const warningPreset = {
      id: "test",
      title: "test",
      source: "test",
      provisional: true,
      levels: [{ id: "blue", allOf: [{ aqiAbove: 200, forHours: 60 }] }],
    } as const;
    const run = (warningHistory: number) => {
      const now = at("2026-12-01T00:00:00+08:00");
      const engine = createRuleEngine(SHIPPED_RULES, {
        registry,
        clock: () => now,
        warningHistory,
        warningPreset,
      });
      const view = plainView(station("aq-1"), ["pm25"]);
      const out: AlertEvent[] = [];
      let t = now;
      for (let i = 1; i <= 160; i++) {
        t += H;
        view.set("pm25", t, i <= 90 ? 160 : 20);
        if (i === 50) continue; // an hour evaluated only with the next one (a skipped hour)
        out.push(...engine.evaluateHour(view, t, "emit"));
        if (i === 70) {
          view.set("pm25", t - 2 * H, 20); // late data for an hour already evaluated breaks the run
          out.push(...engine.evaluateHour(view, t - 2 * H, "emit"));
        }
      }
      return summary(out, "heavy-pollution-warning");
    };
    const full = run(240);
    expect(full.map(([type, level]) => [type, level])).toEqual([
      ["raised", "blue"],
      ["resolved", "blue"],
    ]);
    expect(run(40)).toEqual(full);
  });

  it("heavy-pollution-warning: each hour evaluated three times as its data arrives announces as once", () => {
    const run = (times: number) => {
      const now = at("2026-12-01T00:00:00+08:00");
      const engine = createRuleEngine(SHIPPED_RULES, { registry, clock: () => now });
      const view = plainView(station("aq-1"), ["pm25"]);
      const out: AlertEvent[] = [];
      let t = now;
      for (let i = 1; i <= 140; i++) {
        t += H;
        const value = i <= 48 ? 160 : 20;
        // Earlier evaluations of the hour see a value still moving towards the final one.
        for (let k = times; k >= 1; k--) {
          view.set("pm25", t, k === 1 ? value : value + (k - 1) * (i % 2 === 0 ? 1 : -1));
          out.push(...engine.evaluateHour(view, t, "emit"));
        }
      }
      return summary(out, "heavy-pollution-warning");
    };
    const once = run(1);
    expect(once.map(([type, level]) => [type, level])).toEqual([
      ["raised", "yellow"],
      ["level_changed", "orange"],
      ["level_changed", "yellow"],
      ["resolved", "yellow"],
    ]);
    expect(run(3)).toEqual(once);
  });

  it("water-below-target: NH3-N 1.2 mg/L is Class IV at a Class III section, named with value and limit", () => {
    const { hour, events } = setup("wq-1", ["ph", "do", "codmn", "nh3n", "tp"]);
    const t0 = at("2026-11-28T10:00:00+08:00");
    const clean = { ph: 7.2, do: 7.1, codmn: 3.1, nh3n: 0.35, tp: 0.06 };
    hour(t0, clean);
    hour(t0 + H, { ...clean, nh3n: 1.2 });
    hour(t0 + 2 * H, { ...clean, nh3n: 1.2 }); // held 2 h
    const water = events.filter((e) => e.ruleId === "water-below-target");
    expect(water).toHaveLength(1);
    // The value is the class the metric names (IV = 4); the concentration is in details.
    expect(water[0]).toMatchObject({
      type: "raised",
      level: "IV",
      severity: "warning",
      metric: "water_class",
      value: 4,
    });
    expect(water[0]?.details).toEqual([
      {
        metric: "nh3n",
        value: 1.2,
        limit: 1,
        note: "IV类（超III类标准 0.2 倍）；目标 III类 / Class IV (exceeds Class III by 0.2×); target Class III",
      },
    ]);
    expect(water[0]?.message.zh).toContain("氨氮 1.2 mg/L");
    // The status is the measured class's (IV 轻度污染), not the target's; all of it in Chinese.
    expect(water[0]?.message.zh).toContain(
      "水质 IV类，轻度污染（目标 III类）；决定指标：氨氮 1.2 mg/L；依据 21 项中已评价的 5 项",
    );
    expect(water[0]?.message.en).toContain(
      "water quality Class IV, lightly polluted (target Class III); deciding: Ammonia nitrogen 1.2 mg/L; based on 5 of 21 assessed items",
    );
    hour(t0 + 3 * H, { ...clean, nh3n: 1.2, do: 2.5 }); // DO 2.5 → Class V: one step up
    expect(summary(events, "water-below-target").at(-1)).toEqual(["level_changed", "V", 5]);
    const up = events.at(-1);
    expect(up?.message.zh).toContain("（IV类 → V类）");
    expect(up?.message.en).toContain("(Class IV → Class V)");
  });

  it("water-below-target: IV → 劣V is one level change, and water back at target clears clear.for (6 h) later", () => {
    // The walkthrough (ld-wq-03, target III): NH3-N 1.3 mg/L (Class IV) for 10 h, 2.5 mg/L for 4 h
    // (劣V: above Class V's 2.0, GB 3838 Table 1), then Class II. Class V was never measured.
    const { hour, events } = setup("wq-1", ["ph", "do", "codmn", "nh3n", "tp"]);
    const t0 = at("2026-11-28T20:00:00+08:00");
    const clean = { ph: 7.2, do: 7.1, codmn: 3.1, nh3n: 0.35, tp: 0.06 }; // Class II
    for (let i = 0; i < 10; i++) hour(t0 + i * H, { ...clean, nh3n: 1.3 });
    for (let i = 10; i < 14; i++) hour(t0 + i * H, { ...clean, nh3n: 2.5 });
    for (let i = 14; i < 30; i++) hour(t0 + i * H, clean); // from 29 Nov 10:00 on
    const water = events.filter((e) => e.ruleId === "water-below-target");
    expect(water.map((e) => [e.type, e.level, e.value, e.dataTime])).toEqual([
      ["raised", "IV", 4, toBeijingIso(t0 + H)],
      ["level_changed", "劣V", 6, toBeijingIso(t0 + 10 * H)],
      // 6 values of Class II (clear.for 6h): resolved at the 6th, not after walking 劣V → V → IV.
      ["resolved", "劣V", 2, toBeijingIso(t0 + 19 * H)],
    ]);
    const up = water[1] as AlertEvent;
    expect(up.message.zh).toContain("（IV类 → 劣V类）");
    expect(up.message.en).toContain("(Class IV → Class 劣V)");
    expect(up.conditionHolds).toBe(true);
    for (const e of water) expect(`${e.message.zh} ${e.message.en}`).not.toMatch(/ V类|Class V\b/);
  });

  it("water-below-target: a step down goes to the class measured, after stepDownFor (6 h) below the level", () => {
    const { hour, events } = setup("wq-1", ["ph", "do", "codmn", "nh3n", "tp"]);
    const t0 = at("2026-11-28T20:00:00+08:00");
    const clean = { ph: 7.2, do: 7.1, codmn: 3.1, nh3n: 0.35, tp: 0.06 };
    for (let i = 0; i < 2; i++) hour(t0 + i * H, { ...clean, nh3n: 2.5 }); // 劣V
    for (let i = 2; i < 10; i++) hour(t0 + i * H, { ...clean, nh3n: 1.3 }); // IV
    for (let i = 10; i < 16; i++) hour(t0 + i * H, clean);
    const water = events.filter((e) => e.ruleId === "water-below-target");
    expect(water.map((e) => [e.type, e.level, e.value, e.dataTime])).toEqual([
      ["raised", "劣V", 6, toBeijingIso(t0 + H)],
      // The 6th hour of Class IV: straight to IV (measured), not to V (never measured).
      ["level_changed", "IV", 4, toBeijingIso(t0 + 7 * H)],
      ["resolved", "IV", 2, toBeijingIso(t0 + 15 * H)],
    ]);
    const down = water[1] as AlertEvent;
    expect(down.conditionHolds).toBe(true);
    expect(down.message.zh).toContain("（劣V类 → IV类）");
    expect(down.message.zh).toContain("水质 IV类，轻度污染（目标 III类）");
    expect(down.message.en).not.toContain("no longer");
  });

  it("water-below-target: an open NH3-N alert stays open while NH3-N stops arriving, and clears once it is back within target", () => {
    // 环办〔2011〕22号: the class is the worst assessed item's, so DO, pH, CODMn and TP alone
    // (Class II) do not show the section back at target while NH3-N, which decided Class IV, is silent.
    const { hour, events } = setup("wq-1", ["ph", "do", "codmn", "nh3n", "tp"]);
    const t0 = at("2026-11-28T10:00:00+08:00");
    const others = { ph: 7.2, do: 7.1, codmn: 3.1, tp: 0.06 }; // Class II
    for (let i = 0; i < 3; i++) hour(t0 + i * H, { ...others, nh3n: 1.2 }); // Class IV, raised at t0 + 1 h
    // 40 h without NH3-N: its last value leaves the rule's maxAge (24 h) at t0 + 26 h, and the
    // class of the others (II) would have cleared the alert 6 h later.
    for (let i = 3; i < 43; i++) hour(t0 + i * H, others);
    expect(summary(events, "water-below-target")).toEqual([["raised", "IV", 4]]);
    // NH3-N back within target: clear.for (6 h) from its return.
    for (let i = 43; i < 49; i++) hour(t0 + i * H, { ...others, nh3n: 0.35 });
    const water = events.filter((e) => e.ruleId === "water-below-target");
    expect(water.map((e) => [e.type, e.level, e.value, e.dataTime])).toEqual([
      ["raised", "IV", 4, toBeijingIso(t0 + H)],
      ["resolved", "IV", 2, toBeijingIso(t0 + 48 * H)],
    ]);
  });

  it("water-below-target: a parameter worse than target raises even while another one has no value, which the message names", () => {
    const { hour, events } = setup("wq-1", ["ph", "do", "codmn", "nh3n", "tp"]);
    const t0 = at("2026-11-28T10:00:00+08:00");
    // NH3-N never reported; DO 2.5 mg/L is Class V (GB 3838 Table 1: V ≥ 2, IV ≥ 3), so the class is at least V.
    const values = { ph: 7.2, do: 2.5, codmn: 3.1, tp: 0.06 };
    for (let i = 0; i < 2; i++) hour(t0 + i * H, values);
    const water = events.filter((e) => e.ruleId === "water-below-target");
    expect(water.map((e) => [e.type, e.level, e.value])).toEqual([["raised", "V", 5]]);
    expect(water[0]?.message.zh).toContain("无有效值：氨氮（类别至少为 V类）");
    expect(water[0]?.message.en).toContain("no valid value: Ammonia nitrogen (so at least Class V)");
    // DO back to Class II with NH3-N still silent: not a class within target, so the alert stays.
    for (let i = 2; i < 14; i++) hour(t0 + i * H, { ...values, do: 7.1 });
    expect(summary(events, "water-below-target")).toEqual([["raised", "V", 5]]);
  });

  it("drinking-water source with its own target (II): CODMn 4.5 (Class III) is critical", () => {
    const { hour, events } = setup("wq-src", ["ph", "do", "codmn", "nh3n", "tp"]);
    hour(at("2026-11-28T10:00:00+08:00"), { ph: 7.4, do: 7.0, codmn: 4.5, nh3n: 0.3, tp: 0.02 });
    const src = events.filter((e) => e.ruleId === "water-drinking-source-below-target");
    expect(src.map((e) => [e.type, e.level, e.severity])).toEqual([["raised", "III", "critical"]]);
    // The assessment's standards are already named by the rule's text: not repeated.
    expect(src[0]?.standard).toBe(
      "GB 3838-2002 Table 1 and the source's own target class; 环办〔2011〕22号 single-factor method",
    );
    expect(events.some((e) => e.ruleId === "water-below-target")).toBe(false);
  });

  it("messages write Beijing times as people read them, with the year of a start before New Year", () => {
    const { hour, events } = setup("aq-1", ["pm25"], at("2027-01-01T12:00:00+08:00"));
    const t0 = at("2026-12-31T22:00:00+08:00");
    hour(t0, { pm25: 160 }); // AQI 210 > 200
    hour(t0 + H, { pm25: 160 }); // the hour ending 2027-01-01 00:00
    for (let i = 2; i <= 10; i++) hour(t0 + i * H, { pm25: 50 });
    const [raised, resolved] = events.filter((e) => e.ruleId === "aqi-hourly-heavy");
    expect(raised?.message.zh).toMatch(/；开始于 12月31日 22:00（北京时间）。$/);
    expect(raised?.message.en).toMatch(/; since 31 Dec 22:00 Beijing time\.$/);
    expect(resolved).toMatchObject({ type: "resolved", startedAt: "2026-12-31T22:00:00+08:00" });
    const end = /^2027-01-01T(\d\d:\d\d):00\+08:00$/.exec(resolved?.dataTime ?? "")?.[1];
    expect(end).toBeDefined();
    expect(resolved?.message.zh).toMatch(
      new RegExp(`；开始于 2026年12月31日 22:00，解除于 1月1日 ${end}（北京时间）。$`),
    );
    expect(resolved?.message.en).toMatch(
      new RegExp(`; started 31 Dec 2026 22:00, resolved at 1 Jan ${end} Beijing time\\.$`),
    );
  });

  it("noi-grade: 850 ions/cm³ is grade II (candidate A), informational; a worse grade follows at once", () => {
    const { hour, events } = setup("noi-1", ["noi"]);
    const t0 = at("2026-11-28T10:00:00+08:00");
    hour(t0, { noi: 850 });
    hour(t0 + H, { noi: 300 });
    expect(summary(events, "noi-grade")).toEqual([
      ["raised", "II", 850],
      ["level_changed", "III", 300],
    ]);
    expect(events[0]?.severity).toBe("info");
    // The rule's routing.routes travel on the raised event to the notifier.
    expect(events[0]?.routes).toEqual(["publication"]);
  });

  it("noi-grade: a better grade must hold 6 h (stepDownFor), so values wavering at 1200 do not flap I↔II", () => {
    const { hour, events } = setup("noi-1", ["noi"]);
    const t0 = at("2026-11-28T10:00:00+08:00");
    hour(t0, { noi: 1300 }); // I (≥ 1200, candidate A)
    // Wavering hourly between II and I for 10 h: II at once, never 6 h of I in a row.
    for (let i = 1; i <= 10; i++) hour(t0 + i * H, { noi: i % 3 === 0 ? 1100 : 1300 });
    expect(summary(events, "noi-grade")).toEqual([
      ["raised", "I", 1300],
      ["level_changed", "II", 1100],
    ]);
    for (let i = 11; i <= 16; i++) hour(t0 + i * H, { noi: 1300 });
    expect(summary(events, "noi-grade").at(-1)).toEqual(["level_changed", "I", 1300]);
    expect(events.filter((e) => e.ruleId === "noi-grade")).toHaveLength(3);
    expect(events[0]?.standard).toBe(
      "负氧离子分级 NOI grades, grading scheme named in each alert (provisional 暂行)",
    );
    for (const e of events)
      expect(`${e.standard} ${e.message.zh} ${e.message.en}`).not.toMatch(/as recalled|unverified|\.md\b/);
    // The scheme is named by its document in the message, not by its configuration id.
    expect(events[0]?.message.zh).toContain("分级方案 QX/T 380-2017 四级（暂定）");
    expect(events[0]?.message.en).toContain("grading scheme QX/T 380-2017, four grades (provisional)");
    for (const e of events) expect(`${e.message.zh} ${e.message.en}`).not.toContain("candidate-a");
  });

  it("pm25-annual-target: a year-to-date mean of 30 µg/m³ is at risk (above 32 × 0.9), 20 is on track", () => {
    for (const [level, expected] of [
      [30, ["raised", "at_risk", 30]],
      [20, undefined],
    ] as const) {
      const { hour, events } = setup("aq-1", ["pm25"]);
      const start = at("2026-01-01T00:00:00+08:00");
      for (let i = 1; i <= 48; i++) hour(start + i * H, { pm25: level }, "silent");
      hour(start + 49 * H, { pm25: level });
      for (let i = 50; i <= 72; i++) hour(start + i * H, { pm25: level });
      expect(summary(events, "pm25-annual-target")[0]).toEqual(expected);
    }
  });

  it("data quality: silent station, stuck sensor, out-of-range (flag T), calibration flag too long", () => {
    const { engine, view, events } = setup("aq-1", ["pm25"]);
    const s = station("aq-1");
    const lastSeen = at("2026-11-28T10:00:00+08:00");
    expect(engine.evaluateSilence(s, lastSeen + 2 * H, lastSeen, "emit")).toEqual([]);
    const silent = engine.evaluateSilence(s, lastSeen + 3.5 * H, lastSeen, "emit");
    expect(silent.map((e) => [e.id, e.startedAt])).toEqual([
      ["dq-station-silent:aq-1:2026-11-28T13:00:00+08:00:raised", "2026-11-28T13:00:00+08:00"],
    ]);
    expect(engine.evaluateSilence(s, lastSeen + 4 * H, lastSeen, "emit")).toEqual([]);
    expect(engine.evaluateSilence(s, lastSeen + 5 * H, lastSeen + 5 * H, "emit").map((e) => e.type)).toEqual([
      "resolved",
    ]);

    const t0 = at("2026-11-29T00:00:00+08:00");
    const read = (i: number, value: number, flag: "N" | "C" | "T" = "N") => {
      view.reading("pm25", t0 + i * H, value, flag);
      events.push(...engine.evaluateHour(view, t0 + (i + 1) * H, "emit"));
    };
    for (let i = 0; i < 8; i++) read(i, 42);
    expect(summary(events, "dq-stuck-sensor-air")).toEqual([["raised", null, 42]]);
    read(8, 43);
    expect(summary(events, "dq-stuck-sensor-air").at(-1)).toEqual(["resolved", null, null]);
    read(9, 3000, "T");
    expect(summary(events, "dq-out-of-range")).toEqual([["raised", null, 3000]]);
    for (let i = 10; i < 14; i++) read(i, 40, "C");
    expect(summary(events, "dq-flag-too-long")).toEqual([["raised", null, 40]]);
  });
});

describe("determinism and restart", () => {
  function episode(mode: (i: number) => EvaluationMode, engineSetup = setup("aq-1", ["pm25"])) {
    const t0 = at("2026-12-01T00:00:00+08:00");
    const values = [...Array(40).fill(160), ...Array(70).fill(20)] as number[];
    values.forEach((v, i) => {
      engineSetup.hour(t0 + (i + 1) * H, { pm25: v }, mode(i));
    });
    return engineSetup;
  }

  it("the same data gives the same event ids", () => {
    const a = episode(() => "emit").events.map((e) => e.id);
    const b = episode(() => "emit").events.map((e) => e.id);
    expect(a.length).toBeGreaterThan(4);
    expect(b).toEqual(a);
  });

  it("a rebuilt engine (restore + silent replay + reconcile) continues the episode without re-raising", () => {
    const first = setup("aq-1", ["pm25"]);
    const t0 = at("2026-12-01T00:00:00+08:00");
    const values = [...Array(40).fill(160), ...Array(70).fill(20)] as number[];
    values.slice(0, 30).forEach((v, i) => {
      first.hour(t0 + (i + 1) * H, { pm25: v });
    });
    const stored = [...first.events];
    // A new engine: replays the same stored hours silently, then reconciles with the stored events.
    const second = setup("aq-1", ["pm25"]);
    second.engine.restore("aq-1", foldAlertEvents(stored));
    values.slice(0, 30).forEach((v, i) => {
      second.hour(t0 + (i + 1) * H, { pm25: v }, "silent");
    });
    expect(second.engine.reconcile("aq-1", t0 + 30 * H, "emit")).toEqual([]);
    values.slice(30).forEach((v, i) => {
      second.hour(t0 + (i + 31) * H, { pm25: v });
    });
    const all = [...stored, ...second.events];
    const reference = episode(() => "emit").events;
    expect(all.map((e) => e.id)).toEqual(reference.map((e) => e.id));
  });
});

describe("heavy-pollution episode walkthrough (duty officers' findings)", () => {
  const day = (iso: string, value: number | ((i: number) => number), run: ReturnType<typeof setup>) => {
    const start = at(`${iso}T00:00:00+08:00`);
    for (let i = 1; i <= 24; i++)
      run.hour(start + i * H, { pm25: typeof value === "number" ? value : value(i) });
  };

  it("a daily-exceedance alert names the Beijing day assessed, not the day's end instant", () => {
    const run = setup("aq-1", ["pm25"], at("2026-11-27T08:00:00+08:00"));
    day("2026-11-25", 119.8, run);
    day("2026-11-26", 40, run);
    const [raised, resolved] = run.events.filter((e) => e.ruleId === "gb3095-24h-pm25");
    expect(raised).toMatchObject({ type: "raised", value: 119.8, dataTime: "2026-11-26T00:00:00+08:00" });
    expect(raised?.message.zh).toContain("细颗粒物(PM2.5) 11月25日日均值 119.8 µg/m³");
    expect(raised?.message.zh).toMatch(/；开始于 11月25日（北京时间）。$/);
    expect(raised?.message.zh).not.toContain("11月26日");
    expect(raised?.message.en).toContain("Fine particulate matter (PM2.5) daily mean of 25 Nov 119.8 µg/m³");
    expect(raised?.message.en).toMatch(/; since 25 Nov Beijing time\.$/);
    expect(raised?.message.en).not.toContain("26 Nov");
    // The event says its window is a calendar day: startedAt is that day's end (26 Nov 00:00).
    expect(raised).toMatchObject({
      calendarWindow: "day",
      startedAt: "2026-11-26T00:00:00+08:00",
      conditionHolds: true,
    });
    expect(resolved).toMatchObject({ type: "resolved", value: 40, dataTime: "2026-11-27T00:00:00+08:00" });
    expect(resolved?.conditionHolds).toBeUndefined();
    expect(resolved?.message.zh).toContain("11月26日日均值 40 µg/m³");
    expect(resolved?.message.zh).toMatch(/；开始于 11月25日，解除于 11月26日（北京时间）。$/);
    expect(resolved?.message.en).toMatch(/; started 25 Nov, resolved at 26 Nov Beijing time\.$/);
  });

  it("a measured value is shown with one rounding: the event's value is the message's (61.417 → 61.4)", () => {
    const run = setup("aq-1", ["pm25"]);
    day("2026-11-27", (i) => (i === 24 ? 71 : 61), run); // (23·61 + 71) / 24 = 61.4166…
    const [raised] = run.events.filter((e) => e.ruleId === "gb3095-24h-pm25");
    expect(raised?.value).toBe(61.4);
    expect(raised?.message.zh).toContain("27日日均值 61.4 µg/m³；");
    expect(raised?.message.en).toContain("27 Nov 61.4 µg/m³;");
  });

  it("the 24-h limit follows the station's area class: 44.8 µg/m³ exceeds Grade I (35) at a class 1 station only", () => {
    const alerts = (stationId: string) => {
      const run = setup(stationId, ["pm25"]);
      day("2026-11-25", 44.8, run);
      return run.events.filter((e) => e.ruleId === "gb3095-24h-pm25");
    };
    const class1 = alerts("aq-c1");
    expect(class1.map((e) => [e.type, e.value, e.threshold])).toEqual([["raised", 44.8, 35]]);
    expect(class1[0]?.standard).toContain("GB 3095-2026 Table 1 (transition 2026-03-01…2030-12-31), Grade I");
    expect(alerts("aq-c2")).toEqual([]);
    expect(alerts("aq-1")).toEqual([]); // no airArea: class 2
  });

  it("a resolved alert keeps the value that raised it; the value at resolution is apart", () => {
    const run = setup("aq-1", ["pm25"]);
    const t0 = at("2026-11-28T10:00:00+08:00");
    run.hour(t0, { pm25: 275 }); // 2026 daily columns: 300 + 100·(275 − 250)/100 = 325
    for (let i = 1; i <= 8; i++) run.hour(t0 + i * H, { pm25: 62 });
    const alert = run.events.filter((e) => e.ruleId === "aqi-hourly-heavy");
    expect(alert.map((e) => [e.type, e.level])).toEqual([
      ["raised", "severe"],
      ["resolved", "severe"], // AQI ≤ 180 meets no level: no step down to heavy
    ]);
    expect(alert[0]?.value).toBe(325);
    const atResolution = alert[1]?.value as number;
    expect(atResolution).toBeLessThanOrEqual(180); // the clear threshold
    const [state] = foldAlertEvents(alert.filter((e) => e.type !== "level_changed"));
    expect(state).toMatchObject({
      status: "resolved",
      metric: "aqi",
      value: 325,
      resolvedValue: atResolution,
    });
    expect(state?.message.zh).toContain("小时AQI 325");
  });

  it("warning texts: conditions in Chinese in the Chinese text, a level change names each level once", () => {
    const run = setup("aq-1", ["pm25"]);
    let t = at("2026-12-01T00:00:00+08:00");
    for (let i = 1; i <= 48; i++) {
      t += H;
      run.hour(t, { pm25: 160 });
    }
    const warning = run.events.filter((e) => e.ruleId === "heavy-pollution-warning");
    const [raised, orange] = warning;
    expect(raised?.message.zh).toMatch(/（满足：AQI > 200 持续 ≥ \d+ 小时/);
    expect(raised?.message.en).toMatch(/ \(met: AQI > 200 for ≥ \d+ h/);
    for (const e of warning) expect(e.message.zh).not.toMatch(/ for |met:/);
    expect(orange?.message.zh).toContain("（黄色预警级别 → 橙色预警级别）");
    expect(orange?.message.en).toContain("(yellow level → orange level)");
    expect(orange?.message.en).not.toMatch(/level \w+ level/);
  });

  it("water-drinking-source-below-target: a source wavering at its TP limit is one alert, not one per hour above it", () => {
    // The walkthrough: lake source, target Class II (TP ≤ 0.025 mg/L, GB 3838 Table 1), single hourly
    // TP values of 0.026–0.027 about every 21 h for a week, each cleared 6 h later.
    const clean = { ph: 7.4, do: 7.0, codmn: 3.5, nh3n: 0.3, tp: 0.02 };
    const start = at("2026-11-20T00:00:00+08:00");
    const week = (rules: typeof SHIPPED_RULES) => {
      const engine = createRuleEngine(rules, { registry, clock: () => start });
      const view = plainView(station("wq-src"), ["ph", "do", "codmn", "nh3n", "tp"]);
      const out: AlertEvent[] = [];
      const hours = 168 + 60;
      for (let i = 1; i <= hours; i++) {
        const spike = i <= 168 && i % 21 === 0;
        const values = spike ? { ...clean, tp: (i / 21) % 2 === 0 ? 0.027 : 0.026 } : clean;
        for (const [m, v] of Object.entries(values)) view.set(m as MetricId, start + i * H, v);
        out.push(...engine.evaluateHour(view, start + i * H, "emit"));
      }
      return out.filter((e) => e.ruleId === "water-drinking-source-below-target");
    };
    const shipped = week(SHIPPED_RULES);
    expect(shipped.map((e) => [e.type, e.level, e.value])).toEqual([
      ["raised", "III", 3],
      ["resolved", "III", 2],
    ]);
    expect(shipped[0]?.message.zh).toContain("总磷 0.026 mg/L");
    // Resolved 6 h below target and 48 h without a recurrence after the last spike (hour 168).
    expect(shipped[1]?.dataTime).toBe(toBeijingIso(start + (168 + 6 + 48) * H));
    // The same series under the rule as shipped before (no damping): eight alerts.
    const undamped = week(
      SHIPPED_RULES.map((r) => (r.id === "water-drinking-source-below-target" ? { ...r, damping: 0 } : r)),
    );
    expect(undamped.filter((e) => e.type === "raised")).toHaveLength(8);
  });
});
