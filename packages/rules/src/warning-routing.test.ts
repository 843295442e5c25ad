// Heavy-pollution warning paths (heavy-pollution-warning.md §1, §3.3 last bullet, §3.4
// `pollutantRouting`): an O3-driven episode is a public health advisory (健康提示), a PM2.5-driven one
// a suggested warning, per pollutant as the rule configures it.
import {
  type AlertEvent,
  AlertEventSchema,
  createStationRegistry,
  foldAlertEvents,
  type MetricId,
  toBeijingIso,
} from "@qingshan/domain";
import type { Pollutant } from "@qingshan/standards";
import { describe, expect, it } from "vitest";
import { createRuleEngine } from "./engine.ts";
import { loadRulesFile, parseRules, RulesError } from "./load.ts";
import type { Rule } from "./schema.ts";
import { plainView } from "./testdata/plain-view.ts";
import { DEFAULT_POLLUTANT_ROUTING, judgePath, pollutantRoutingOf } from "./warning-path.ts";

const H = 3_600_000;
const SHIPPED = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname).filter(
  (r) => r.id === "heavy-pollution-warning",
);
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
const ALERT = "heavy-pollution-warning:aq-1:2026-12-02T06:00:00+08:00";

/** The shipped warning rule with a `pollutantRouting` line (YAML flow mapping). */
function withRouting(routing: string): readonly Rule[] {
  return parseRules(
    `rules:
  - id: heavy-pollution-warning
    description: { zh: 重污染天气（实测建议级别，非正式发布）, en: "Heavy pollution (level suggested from observed data, not an issued warning)" }
    appliesTo: { kind: air }
    subject: { index: aqi }
    window: 24h
    warning: { preset: default, severities: { yellow: warning, orange: critical, red: critical }, pollutantRouting: ${routing} }
    stepDownFor: 12h
    clear: { for: 36h }
    severity: warning
    standard: "test"
`,
    "routing.yaml",
  );
}

type Hourly = (i: number) => Partial<Record<MetricId, number>>;

/**
 * Feeds hours 1…`hours` after 1 Dec 00:00 (Beijing), every pollutant measured: PM10 50, NO2 40,
 * SO2 10, CO 1, O3 40 and PM2.5 30 unless `values(i)` says otherwise. Returns the warning's events
 * with the hour number each came at.
 */
function run(hours: number, values: Hourly, rules: readonly Rule[] = SHIPPED) {
  let t = START;
  const engine = createRuleEngine(rules, { registry, clock: () => t + 60_000 });
  const view = plainView(station, METRICS);
  const events: { i: number; e: AlertEvent }[] = [];
  for (let i = 1; i <= hours; i++) {
    t += H;
    const v = { pm25: 30, pm10: 50, no2: 40, so2: 10, co: 1, o3: 40, ...values(i) };
    for (const [m, x] of Object.entries(v)) view.set(m as MetricId, t, x);
    for (const e of engine.evaluateHour(view, t, "emit")) {
      AlertEventSchema.parse(e);
      events.push({ i, e });
    }
  }
  return { engine, view, events };
}

// O3 400 µg/m³ from hour 25: the rolling AQI24 passes 200 at hour 30 with O3 its primary pollutant
// (its 8-h mean 310, IAQI 209; warning-partial.test.ts); PM2.5 stays 30.
const o3Episode: Hourly = (i) => ({ o3: i >= 25 ? 400 : 40 });
// PM2.5 300 µg/m³ from hour 1 (24-h IAQI 350), O3 low: a PM2.5 episode.
const pm25Episode: Hourly = () => ({ pm25: 300 });
// The O3 episode, and PM2.5 220 µg/m³ in hours 40–89 on top of it: PM2.5 becomes the AQI24's
// primary pollutant as its 24-h mean passes O3's IAQI, then O3 again once PM2.5 is gone.
const mixedEpisode: Hourly = (i) => ({ o3: i >= 25 ? 400 : 40, pm25: i >= 40 && i < 90 ? 220 : 30 });

const summary = (events: { i: number; e: AlertEvent }[]) =>
  events.map(({ i, e }) => [i, e.type, e.level, e.path]);

describe("heavy-pollution warning paths through the rule engine (shipped rule, default routing)", () => {
  it("an O3-driven episode is a health advisory: the event carries the path and the message says why", () => {
    const { events } = run(40, o3Episode);
    expect(summary(events)).toEqual([[30, "raised", "yellow", "healthAdvisory"]]);
    const raised = events[0]?.e as AlertEvent;
    expect(raised).toMatchObject({
      id: `${ALERT}:raised`,
      value: 209,
      dataTime: toBeijingIso(START + 30 * H),
    });
    expect(raised.message).toEqual({
      zh:
        "【警告】莲都站：重污染天气（实测建议级别，非正式发布）（黄色级别（健康提示））。24小时滑动AQI 209（满足：AQI > 200 持续 ≥ 24 小时）；" +
        "预警方案 2024（暂定）；臭氧主导：最近 1 个满足条件的24小时滑动AQI中臭氧为首要污染物 1 个，按首要污染物分流为健康提示，不走预警程序（分流规则暂定）；" +
        "开始于 12月2日 06:00（北京时间）。",
      en:
        "[warning] Liandu station: Heavy pollution (level suggested from observed data, not an issued warning) (yellow level (health advisory)). " +
        "24-h rolling AQI 209 (met: AQI > 200 for ≥ 24 h); warning preset 2024 (provisional); O3-driven: O3 primary in 1 of the latest 1 " +
        "complete 24-h rolling AQI values meeting the condition; routed to a public health advisory, not the warning procedure (routing provisional); " +
        "since 2 Dec 06:00 Beijing time.",
    });
    expect(foldAlertEvents([raised])[0]).toMatchObject({
      status: "open",
      level: "yellow",
      path: "healthAdvisory",
    });
  });

  it("a health advisory's level change names its levels without 预警 (reviewer finding 4)", () => {
    const { events } = run(80, o3Episode);
    const change = events.find(({ e }) => e.type === "level_changed")?.e;
    expect(change).toMatchObject({ level: "orange", path: "healthAdvisory" });
    expect(change?.message.zh).toContain("（黄色级别 → 橙色级别（健康提示））");
    expect(change?.message.en).toContain("(yellow level → orange level (health advisory))");
    for (const { e } of events) expect(e.message.zh).not.toContain("预警级别");
  });

  it("a PM2.5-driven episode is on the warning path, its texts as before", () => {
    const { events } = run(70, pm25Episode);
    expect(summary(events)).toEqual([
      [20, "raised", "yellow", "warning"],
      [44, "level_changed", "orange", "warning"],
      [68, "level_changed", "red", "warning"],
    ]);
    for (const { e } of events) {
      expect(e.message.zh).not.toMatch(/健康提示|主导/);
      expect(e.message.en).not.toMatch(/health advisory|driven/);
    }
    expect(events[0]?.e.message.zh).toContain("（黄色预警级别）。24小时滑动AQI 350");
  });

  it("mixed: O3 → PM2.5 → O3 moves the episode between the paths, each change a level_changed event at the same level", () => {
    const { events } = run(120, mixedEpisode);
    expect(summary(events)).toEqual([
      [30, "raised", "yellow", "healthAdvisory"],
      [54, "level_changed", "orange", "healthAdvisory"],
      // PM2.5 primary in 12 of the latest 24 qualifying AQI24, O3 in 12: a tie is a warning.
      [69, "level_changed", "orange", "warning"],
      // O3 primary in 13 of the latest 24 again.
      [107, "level_changed", "orange", "healthAdvisory"],
    ]);
    const toWarning = events[2]?.e as AlertEvent;
    expect(toWarning.id).toBe(`${ALERT}:level_changed:orange:warning:2026-12-03T21:00:00+08:00`);
    expect(toWarning.message.zh).toContain("（橙色预警级别；健康提示 → 建议预警）");
    expect(toWarning.message.zh).toContain(
      "PM2.5主导：最近 24 个满足条件的24小时滑动AQI中PM2.5为首要污染物 12 个（臭氧 12 个），按首要污染物分流为建议预警（分流规则暂定）",
    );
    expect(toWarning.message.en).toContain("(orange level; health advisory → suggested warning)");
    expect(toWarning.conditionHolds).toBe(true);
    const back = events[3]?.e as AlertEvent;
    expect(back.id).toBe(`${ALERT}:level_changed:orange:healthAdvisory:2026-12-05T11:00:00+08:00`);
    expect(back.message.zh).toContain("（橙色级别；建议预警 → 健康提示）");
    expect(back.message.zh).toContain(
      "臭氧主导：最近 24 个满足条件的24小时滑动AQI中臭氧为首要污染物 13 个（PM2.5 11 个）",
    );
    // The folded state follows the latest path; the change reopens an acknowledged alert (fold rule).
    const ack: AlertEvent = {
      ...toWarning,
      id: `${ALERT}:acknowledged`,
      type: "acknowledged",
      at: toBeijingIso(START + 60 * H),
      actor: "值班员",
    };
    const stored = [events[0]?.e, events[1]?.e, ack, toWarning].filter((e) => e !== undefined);
    expect(foldAlertEvents(stored)[0]).toMatchObject({ status: "open", level: "orange", path: "warning" });
  });

  it("a level change and a change of path at the same hour are one event that says both", () => {
    // PM2.5 from hour 31 on a young O3 episode: yellow → orange comes with PM2.5 as the primary pollutant.
    const { events } = run(60, (i) => ({ o3: i >= 25 ? 400 : 40, pm25: i >= 31 ? 300 : 30 }));
    const changes = events.filter(({ e }) => e.type === "level_changed");
    const both = changes.find(({ e }) => e.message.zh.includes("→ 橙色预警级别；健康提示 → 建议预警"));
    expect(events[0]?.e.path).toBe("healthAdvisory");
    expect(both?.e).toMatchObject({ level: "orange", path: "warning" });
    expect(both?.e.id).toMatch(/:level_changed:orange:2026-/);
    expect(changes.filter(({ e }) => e.level === "orange")).toHaveLength(1);
  });

  it("the resolution of a health advisory names it and carries the path", () => {
    // O3 400 in hours 25–60, then clean: released 36 h after the last value > 150.
    const { events } = run(150, (i) => ({ o3: i >= 25 && i <= 60 ? 400 : 40 }));
    const resolved = events.find(({ e }) => e.type === "resolved")?.e;
    expect(resolved).toMatchObject({ path: "healthAdvisory" });
    expect(resolved?.message.zh).toMatch(
      /^【已解除】莲都站：重污染天气（实测建议级别，非正式发布）（健康提示）。/,
    );
    expect(resolved?.message.en).toContain("not an issued warning) (health advisory). ");
  });

  it("restart: a restored health advisory stays one (no event); one stored without a path is told it is a health advisory", () => {
    const first = run(40, o3Episode);
    const stored = first.events.map(({ e }) => e);
    const replay = (events: readonly AlertEvent[]) => {
      const engine = createRuleEngine(SHIPPED, { registry, clock: () => START });
      engine.restore("aq-1", foldAlertEvents(events));
      const view = plainView(station, METRICS);
      let t = START;
      for (let i = 1; i <= 40; i++) {
        t += H;
        for (const [m, x] of Object.entries({ pm25: 30, pm10: 50, no2: 40, so2: 10, co: 1, ...o3Episode(i) }))
          view.set(m as MetricId, t, x as number);
        engine.evaluateHour(view, t, "silent");
      }
      return engine.reconcile("aq-1", t, "emit");
    };
    expect(replay(stored)).toEqual([]);
    // An event stored before events carried a path reads as the warning path.
    const { path: _, ...old } = stored[0] as AlertEvent;
    const told = replay([old]);
    expect(told.map((e) => [e.type, e.level, e.path, e.id])).toEqual([
      [
        "level_changed",
        "yellow",
        "healthAdvisory",
        `${ALERT}:level_changed:yellow:healthAdvisory:2026-12-02T16:00:00+08:00`,
      ],
    ]);
    expect(told[0]?.message.zh).toContain("（黄色级别；建议预警 → 健康提示）");
  });
});

describe("pollutantRouting is configurable per pollutant", () => {
  it("O3 routed to the warning path: the O3 episode is a suggested warning", () => {
    const { events } = run(40, o3Episode, withRouting("{ o3: warning }"));
    expect(summary(events)).toEqual([[30, "raised", "yellow", "warning"]]);
    expect(events[0]?.e.message.zh).not.toContain("健康提示");
  });

  it("a routing the bureau set is not labelled provisional; a pollutant left out is on the warning path", () => {
    const advisory = run(25, pm25Episode, withRouting("{ pm25: healthAdvisory }")).events;
    expect(summary(advisory)).toEqual([[20, "raised", "yellow", "healthAdvisory"]]);
    expect(advisory[0]?.e.message.zh).toContain(
      "PM2.5主导：最近 1 个满足条件的24小时滑动AQI中PM2.5为首要污染物 1 个，按首要污染物分流为健康提示，不走预警程序；",
    );
    expect(advisory[0]?.e.message.zh).not.toContain("分流规则暂定");
    expect(advisory[0]?.e.message.en).not.toContain("routing provisional");
    expect(summary(run(40, o3Episode, withRouting("{ pm25: warning }")).events)).toEqual([
      [30, "raised", "yellow", "warning"],
    ]);
  });

  it("the rule file is checked: pollutant ids and paths", () => {
    const problems = (routing: string): string[] => {
      try {
        withRouting(routing);
      } catch (error) {
        expect(error).toBeInstanceOf(RulesError);
        return [...(error as RulesError).problems];
      }
      return [];
    };
    expect(problems("{ o3: advisory }")).toEqual([
      'routing.yaml: rule "heavy-pollution-warning": warning.pollutantRouting.o3: expected one of warning, healthAdvisory, received "advisory"',
    ]);
    expect(problems("{ PM2_5: warning }")).toEqual([
      expect.stringMatching(
        /^routing\.yaml: rule "heavy-pollution-warning": warning\.pollutantRouting: .*PM2_5/,
      ),
    ]);
    expect(problems("{ o3: healthAdvisory, pm25: warning, pm10: warning }")).toEqual([]);
  });
});

describe("judgePath: what makes an episode O3-driven", () => {
  const P: Record<string, Pollutant[]> = { o: ["o3"], p: ["pm25"], b: ["o3", "pm25"], d: ["pm10"], n: [] };
  /** Values from a pattern: o O3, p PM2.5, b both primary, d PM10, n none; upper case = partial. */
  const judge = (pattern: string, routing = pollutantRoutingOf(undefined), limit = 24) => {
    const chars = [...pattern];
    return judgePath(
      {
        values: chars.map(() => 250),
        partial: (i) => chars[i] !== chars[i]?.toLowerCase(),
        primary: (i) => P[chars[i]?.toLowerCase() ?? "n"] ?? [],
        satisfied: [
          {
            condition: { aqiAbove: 200, forHours: 24 },
            text: "AQI > 200 for ≥ 24 h",
            holds: true,
            required: 1,
            run: chars.length,
            runStart: 0,
            runEnd: chars.length - 1,
            unit: "hour",
          },
        ],
        limit,
      },
      routing,
    );
  };

  it.each([
    ["oooo", "healthAdvisory", 4],
    ["pppp", "warning", 4],
    ["ppoo", "warning", 4], // a tie is a warning
    ["pooo", "healthAdvisory", 4],
    ["bbbo", "warning", 4], // O3 and PM2.5 both primary: a PM2.5 value too
    ["dddo", "warning", 4],
    ["ppppOOOOOOO", "warning", 4], // partial values are not judged
    [`${"p".repeat(30)}${"o".repeat(13)}`, "healthAdvisory", 24], // the latest 24 only
    [`${"o".repeat(30)}${"p".repeat(12)}`, "warning", 24],
  ] as const)("%s → %s (%i judged)", (pattern, path, judged) => {
    expect(judge(pattern)).toMatchObject({ path, judged });
  });

  it("nothing to judge without a complete value meeting the level", () => {
    expect(judge("OOOO")).toBeUndefined();
    expect(judge("nnnn")).toBeUndefined();
  });

  it("the latest day only on natural days (limit 1); the routing decides which pollutant is which path", () => {
    expect(judge("pppo", undefined, 1)).toMatchObject({ path: "healthAdvisory", judged: 1, driver: "o3" });
    const dust = pollutantRoutingOf({ pm10: "healthAdvisory", o3: "healthAdvisory" });
    expect(judge("dddp", dust)).toMatchObject({ path: "healthAdvisory", driver: "pm10" });
    expect(judge("oooo", pollutantRoutingOf({}))).toMatchObject({ path: "warning", driver: "o3" });
    expect(DEFAULT_POLLUTANT_ROUTING).toEqual({
      so2: "warning",
      no2: "warning",
      co: "warning",
      o3: "healthAdvisory",
      pm10: "warning",
      pm25: "warning",
    });
    expect(pollutantRoutingOf(undefined).provisional).toBe(true);
    expect(pollutantRoutingOf({ o3: "healthAdvisory" }).provisional).toBe(false);
  });
});
