import type { AlertEvent } from "@qingshan/domain";
import type { NoiScheme } from "@qingshan/standards";
import { describe, expect, it } from "vitest";
import { createRuleEngine, type RuleEngineOptions } from "./engine.ts";
import { parseRules } from "./load.ts";
import { registry, noiStation as station } from "./testdata/noi-and-air-stations.ts";
import { plainView } from "./testdata/plain-view.ts";
import { SHIPPED_RULES } from "./testdata/rule-rig.ts";

// The NOI grade table in force (negative-oxygen-ions.md §2: keep it in configuration), given to the
// engine as the API gets it, so alerts and /noi/grade grade alike.
const H = 3_600_000;
const t0 = Date.parse("2026-11-28T10:00:00+08:00");

const BUREAU: NoiScheme = {
  id: "bureau-2027",
  source: "丽水市清新空气分级 (bureau table)",
  title: { zh: "丽水清新空气三级", en: "Lishui fresh-air three grades" },
  provisional: false,
  grades: [
    { grade: "fresh", min: 2100, zh: "非常清新", en: "very fresh", color: "#00a651" },
    { grade: "rather-fresh", min: 900, zh: "较清新", en: "rather fresh", color: "#8dc63f" },
    { grade: "ordinary", min: 0, zh: "一般", en: "ordinary", color: "#ffd700" },
  ],
};

function noiEvents(options: Partial<RuleEngineOptions>, values: readonly number[], rules = SHIPPED_RULES) {
  const engine = createRuleEngine(rules, { registry, clock: () => 0, ...options });
  const view = plainView(station, ["noi"]);
  const events: AlertEvent[] = [];
  values.forEach((value, i) => {
    view.set("noi", t0 + i * H, value);
    events.push(...engine.evaluateHour(view, t0 + i * H, "emit").filter((e) => e.metric === "noi"));
  });
  return events;
}

describe("noi_grade rules grade with the engine's noiScheme", () => {
  it("candidate-b: 850 ions/cm³ is grade III (II under candidate A), named provisional", () => {
    expect(noiEvents({}, [850]).map((e) => e.level)).toEqual(["II"]);
    const [raised] = noiEvents({ noiScheme: "candidate-b" }, [850, 300]);
    expect(raised).toMatchObject({ type: "raised", level: "III", value: 850 });
    expect(raised?.message.zh).toContain("分级方案 林业生态监测六级（暂定）");
    expect(raised?.message.en).toContain("grading scheme forestry six-grade scale (provisional)");
    expect(noiEvents({ noiScheme: "candidate-b" }, [850, 300]).map((e) => [e.type, e.level])).toEqual([
      ["raised", "III"],
      ["level_changed", "IV"],
    ]);
  });

  it("a bureau table: its grades and title; not marked provisional when the table is not", () => {
    const events = noiEvents({ noiScheme: BUREAU }, [2500, 1000]);
    expect(events.map((e) => [e.type, e.level])).toEqual([
      ["raised", "fresh"],
      ["level_changed", "rather-fresh"],
    ]);
    expect(events[0]?.message.zh).toContain("分级方案 丽水清新空气三级");
    expect(events[0]?.message.zh).not.toContain("暂定");
    expect(events[0]?.message.en).not.toContain("provisional");
    // Its grade ids are no numbers: the texts name the table's grades, with no 级 after an id.
    expect(events[0]?.message.zh).toContain("负氧离子 2500 个/cm³，非常清新");
    expect(events[0]?.message.en).toContain("negative oxygen ions 2500 ions/cm³, very fresh");
    expect(events[1]?.message.zh).toContain("（非常清新 → 较清新）。负氧离子 1000 个/cm³，较清新");
    expect(events[1]?.message.en).toContain("(very fresh → rather fresh)");
    for (const e of events) expect(e.message.zh).not.toMatch(/fresh级|级别 fresh/);
    // The standard is not marked provisional either (reviewer: the rule text said 暂行 regardless).
    for (const e of events)
      expect(e.standard).toBe("负氧离子分级 NOI grades, grading scheme named in each alert");
  });

  it("the standard says provisional while the table in force is provisional; roman grades keep 级", () => {
    for (const noiScheme of [undefined, "candidate-b"] as const) {
      const [raised] = noiEvents(noiScheme === undefined ? {} : { noiScheme }, [850]);
      expect(raised?.standard).toBe(
        "负氧离子分级 NOI grades, grading scheme named in each alert (provisional 暂行)",
      );
    }
    const [raised] = noiEvents({}, [850]);
    expect(raised?.message.zh).toContain("负氧离子 850 个/cm³，II级（有利于健康）");
    expect(raised?.message.en).toContain(
      "negative oxygen ions 850 ions/cm³, grade II (beneficial to health)",
    );
  });

  it("refuses a rule naming another table, and an invalid table", () => {
    const named = parseRules(
      [
        "rules:",
        "  - id: noi-b",
        "    description: { zh: 负氧离子等级, en: NOI grade }",
        "    appliesTo: { kind: noi }",
        "    subject: { index: noi_grade, scheme: candidate-b }",
        "    window: 1h",
        "    comparison: grade",
        "    severity: info",
        '    standard: "NOI grades (provisional)"',
        "    routing: { routes: [publication], tier: 0 }",
      ].join("\n"),
      "rules.yaml",
    );
    expect(() => createRuleEngine(named, { registry, noiScheme: "candidate-a" })).toThrow(
      'rule "noi-b": subject.scheme is candidate-b but the NOI grade table in force is candidate-a; leave scheme out of the rule',
    );
    // The same table named twice is no disagreement.
    expect(noiEvents({ noiScheme: "candidate-b" }, [850], named).map((e) => e.level)).toEqual(["III"]);
    expect(() =>
      createRuleEngine(SHIPPED_RULES, {
        registry,
        noiScheme: { ...BUREAU, grades: BUREAU.grades.slice(0, 2) },
      }),
    ).toThrow(/last grade's min must be 0/);
  });
});
