// The heavy-pollution warning across an analyser gap (heavy-pollution-warning.md §3.1: a partial
// AQI24 "may still satisfy a '> 200' condition — a lower bound — but must never clear one"; §3.2:
// "a missing hour breaks neither run nor window by itself"), with the shipped rules file.
import {
  type AlertEvent,
  createStationRegistry,
  foldAlertEvents,
  type MetricId,
  toBeijingIso,
} from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { createRuleEngine } from "./engine.ts";
import { parseRules } from "./load.ts";
import { rollingAqi24 } from "./observe.ts";
import { plainView } from "./testdata/plain-view.ts";
import { ruleRig, SHIPPED_RULES } from "./testdata/rule-rig.ts";

const H = 3_600_000;
const DAY = 24 * H;
const METRICS: MetricId[] = ["pm25", "pm10", "no2", "so2", "co", "o3"];
const registry = createStationRegistry([
  {
    id: "aq-1",
    name: { zh: "莲都站", en: "Liandu station" },
    kind: "air",
    metrics: METRICS,
    location: { lat: 28.4, lon: 119.9 },
    township: "万象街道",
  },
]);
const station = registry.get("aq-1") ?? (undefined as never);
const START = Date.parse("2026-12-01T00:00:00+08:00");

/**
 * A six-pollutant station at PM2.5 300 µg/m³ (24-h IAQI 350) and PM10 150 every hour, PM2.5 without
 * values for the hours `gap` (1-based hour numbers after 1 Dec 00:00); hours after `cleanFrom`
 * PM2.5 20. Returns the warning's events with the hour number each came at.
 */
function episode(
  hours: number,
  gap: readonly number[],
  rules = SHIPPED_RULES,
  cleanFrom = Number.POSITIVE_INFINITY,
) {
  const { engine, view, hour } = ruleRig({ rules, registry, station, metrics: METRICS, now: START });
  const warningRule = rules.find((r) => r.warning !== undefined)?.id;
  const events: { i: number; e: AlertEvent }[] = [];
  let t = START;
  for (let i = 1; i <= hours; i++) {
    t += H;
    const pm25 = gap.includes(i) ? {} : { pm25: i >= cleanFrom ? 20 : 300 };
    for (const e of hour(t, { ...pm25, pm10: 150, no2: 40, so2: 10, co: 1, o3: 40 })) {
      if (e.ruleId === warningRule) events.push({ i, e });
    }
  }
  return { engine, view, events };
}

const hoursFrom = (first: number, n: number) => Array.from({ length: n }, (_, k) => first + k);

describe("heavy-pollution warning across a PM2.5 analyser gap (shipped rules, 2024 preset)", () => {
  it("the reviewer's case: PM2.5 missing hours 90–94, AQI24 350 around it: red holds through the gap and after", () => {
    const { engine, view, events } = episode(160, hoursFrom(90, 5));
    // The gap makes 20 AQI24 values partial and far below 200 (computed from PM10 etc. only).
    for (let i = 94; i <= 113; i++) {
      const aqi = rollingAqi24(view, START + i * H);
      expect(aqi?.partial).toBe(true);
      expect(aqi?.value).toBeLessThan(200);
    }
    expect(rollingAqi24(view, START + 114 * H)).toMatchObject({ partial: false, value: 350 });
    // Escalation as without a gap, then no step down, no conditionHolds: false: red throughout.
    expect(events.map(({ i, e }) => [i, e.type, e.level, e.value, e.conditionHolds])).toEqual([
      [20, "raised", "yellow", 350, true],
      [44, "level_changed", "orange", 350, true],
      [68, "level_changed", "red", 350, true],
    ]);
    expect(engine.status("aq-1").find((s) => s.ruleId === "heavy-pollution-warning")).toMatchObject({
      phase: "firing",
      level: "red",
    });
    // What the notifier reads to keep reminding (conditionEnded): the alert's conditionHolds.
    const [state] = foldAlertEvents(events.map(({ e }) => e));
    expect(state).toMatchObject({ status: "open", level: "red", conditionHolds: true });
    // The same episode without a gap, and with a 4-hour gap, announces the same.
    const same = (gap: number[]) => episode(160, gap).events.map(({ i, e }) => [i, e.type, e.level]);
    expect(same([])).toEqual(events.map(({ i, e }) => [i, e.type, e.level]));
    expect(same(hoursFrom(90, 4))).toEqual(same([]));
  });

  it("the gap's partial values do not count towards a duration: red comes 20 hours later, and the details say so", () => {
    // PM2.5 missing hours 30–34: AQI24 partial for hours 34–53. > 200 for 72 h needs 49 counted values.
    const { events } = episode(100, hoursFrom(30, 5));
    expect(events.map(({ i, e }) => [i, e.type, e.level, e.conditionHolds])).toEqual([
      [20, "raised", "yellow", true],
      [64, "level_changed", "orange", true],
      [88, "level_changed", "red", true],
    ]);
    const red = events[2]?.e as AlertEvent;
    expect(red.details).toEqual([
      {
        metric: "pm25",
        value: 300,
        note:
          "24小时均值；24小时滑动AQI 350（12月4日 16:00）的首要污染物；" +
          "自 12月1日 20:00 起 49 个完整的逐时24小时滑动AQI中 49 个以其为首要污染物（20 个不完整值未计入） / " +
          "24-h mean; primary pollutant of the 24-h rolling AQI 350 at 4 Dec 16:00; " +
          "primary in 49 of the 49 complete hourly 24-h rolling AQI values since 1 Dec 20:00 " +
          "(20 partial values not counted)",
        since: "2026-12-01T20:00:00+08:00",
      },
    ]);
    expect(red.dataTime).toBe(toBeijingIso(START + 88 * H));
  });

  it("a real drop still steps down: complete AQI24 values below the condition end the run", () => {
    // Clean air from hour 100 (PM2.5 20, every pollutant measured): the AQI24 falls, red → orange.
    const { events } = episode(160, [], SHIPPED_RULES, 100);
    const warning = events.map(({ e }) => [e.type, e.level, e.conditionHolds]);
    expect(warning.slice(0, 4)).toEqual([
      ["raised", "yellow", true],
      ["level_changed", "orange", true],
      ["level_changed", "red", true],
      ["level_changed", "orange", false],
    ]);
    // Held without its condition, the latest complete AQI24's primary pollutant is PM10.
    expect(events[3]?.e.details?.map((d) => d.metric)).toEqual(["pm10"]);
  });

  it("primary pollutant of every AQI24: an O3-driven episode is named so in the details", () => {
    const engine = createRuleEngine(SHIPPED_RULES, { registry, clock: () => START });
    const view = plainView(station, METRICS);
    let t = START;
    const out: AlertEvent[] = [];
    for (let i = 1; i <= 40; i++) {
      t += H;
      // From hour 25 O3 400 µg/m³: the first valid 8-h mean with 6 of its hours at 400 (hour 30) is
      // 310, IAQI 200 + (310 − 265)/(800 − 265)·100 → 209 > 200; PM2.5 low. (Before hour 20 the AQI24 is partial: no
      // pollutant but O3 has a valid window yet, so nothing would be recorded as primary.)
      for (const [m, v] of Object.entries({
        pm25: 30,
        pm10: 50,
        no2: 40,
        so2: 10,
        co: 1,
        o3: i >= 25 ? 400 : 40,
      }))
        view.set(m as MetricId, t, v);
      out.push(...engine.evaluateHour(view, t, "emit").filter((e) => e.ruleId === "heavy-pollution-warning"));
    }
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      type: "raised",
      level: "yellow",
      value: 209,
      dataTime: toBeijingIso(START + 30 * H),
    });
    expect(out[0]?.details).toEqual([
      {
        metric: "o3",
        value: 310,
        note:
          "窗口内最大8小时滑动平均；24小时滑动AQI 209（12月2日 06:00）的首要污染物；" +
          "自 12月2日 06:00 起 1 个完整的逐时24小时滑动AQI中 1 个以其为首要污染物 / " +
          "8-h mean, largest in the window; primary pollutant of the 24-h rolling AQI 209 at 2 Dec 06:00; " +
          "primary in 1 of the 1 complete hourly 24-h rolling AQI values since 2 Dec 06:00",
        since: "2026-12-02T06:00:00+08:00",
      },
    ]);
  });
});

describe("heavy-pollution warning on natural days across a partial day", () => {
  // The shipped rule on the day window with the 2017 preset: blue > 200, yellow > 200 for 2 days.
  const [dayRule] = parseRules(
    `rules:
  - id: heavy-pollution-warning-day
    description: { zh: 重污染天气（日AQI）, en: Heavy pollution (daily AQI) }
    appliesTo: { kind: air }
    subject: { index: aqi }
    window: day
    warning: { preset: "2017", severities: { blue: warning, yellow: warning, orange: critical, red: critical } }
    stepDownFor: 1d
    clear: { for: 2d }
    severity: warning
    standard: "test"
`,
    "day-warning.yaml",
  );

  it("a day with too few PM2.5 hours (partial daily AQI) neither breaks the run of days nor lowers the level", () => {
    // Days 1 and 3 PM2.5 300 all day; day 2 PM2.5 only 15 hours: daily AQI from the others, partial.
    const gap = hoursFrom(24 + 16, 9);
    const { events } = episode(3 * 24 + 1, gap, dayRule ? [dayRule] : []);
    expect(events.map(({ e }) => [e.type, e.level, e.dataTime, e.conditionHolds])).toEqual([
      ["raised", "blue", toBeijingIso(START + DAY), true],
      ["level_changed", "yellow", toBeijingIso(START + 3 * DAY), true],
    ]);
    expect(events[1]?.e.details?.[0]).toMatchObject({
      metric: "pm25",
      value: 300,
      note: expect.stringContaining(
        "日均值；日AQI 350（12月3日）的首要污染物；自 12月1日 起 2 个完整日AQI中 2 个以其为首要污染物（1 个不完整值未计入） / " +
          "daily mean; primary pollutant of the daily AQI 350 of 3 Dec; primary in 2 of the 2 complete daily AQI values since 1 Dec (1 partial value not counted)",
      ),
    });
  });
});
