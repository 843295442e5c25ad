import { createStationRegistry } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { loadRulesFile, parseRules, RulesError } from "./load.ts";

const FILE = "config/rules.yaml";
const base = `
rules:
  - id: aqi-hourly-heavy
    description: { zh: 重度污染, en: heavily polluted }
    appliesTo: { kind: air }
    subject: { index: aqi }
    window: WINDOW
    comparison: ">"
    threshold: 200
    severity: warning
    standard: HJ 633
`;

function problems(text: string, registry?: Parameters<typeof parseRules>[2]): string[] {
  try {
    parseRules(text, FILE, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError);
    return [...(error as RulesError).problems];
  }
  throw new Error("expected a RulesError");
}

describe("rule file validation", () => {
  it("names the file, the rule and the field", () => {
    expect(problems(base.replace("WINDOW", "2h"))).toEqual([
      'config/rules.yaml: rule "aqi-hourly-heavy": window: expected one of 1h, 8h, 24h, day, month, year-to-date, latest, received "2h"',
    ]);
  });

  it("a missing field says what it needs, and a GB 3095 threshold names the field inside it", () => {
    const withoutTexts = base
      .replace("WINDOW", "1h")
      .replace(/ {4}description: .*\n/, "")
      .replace(/ {4}appliesTo: .*\n/, "")
      .replace(/ {4}standard: .*\n/, "");
    expect(problems(withoutTexts)).toEqual([
      'config/rules.yaml: rule "aqi-hourly-heavy": description: required: { zh: "…", en: "…" }',
      'config/rules.yaml: rule "aqi-hourly-heavy": appliesTo: required: { kind: air | water | noi }',
      'config/rules.yaml: rule "aqi-hourly-heavy": standard: required: the standard and clause it comes from, e.g. "GB 3095-2012 表1"',
    ]);
    const gb3095 = base
      .replace("WINDOW", "24h")
      .replace("subject: { index: aqi }", "subject: { metric: pm25 }")
      .replace("threshold: 200", "threshold: { gb3095: { grade: III, averaging: 24h } }");
    expect(problems(gb3095)).toEqual([
      'config/rules.yaml: rule "aqi-hourly-heavy": threshold.gb3095.grade: expected one of I, II, station, received "III"',
    ]);
    expect(
      problems(base.replace("WINDOW", "1h").replace("threshold: 200", "threshold: { above: 200 }")),
    ).toEqual([
      'config/rules.yaml: rule "aqi-hourly-heavy": threshold: expected a number, or { gb3095: { grade, averaging } }, received {"above":200}',
    ]);
  });

  it("accepts a valid rule and fills the defaults", () => {
    const [rule] = parseRules(base.replace("WINDOW", "1h"), FILE);
    expect(rule).toMatchObject({
      id: "aqi-hourly-heavy",
      for: 0,
      clear: { for: 0 },
      damping: 0,
      enabled: true,
      routing: { routes: ["duty"], tier: 0 },
      maxAge: 86_400_000,
    });
  });

  it.each([
    ["threshold: 200", "threshold: 2 00x", 'rule "aqi-hourly-heavy": threshold: '],
    [
      "threshold: 200",
      "",
      'rule "aqi-hourly-heavy": threshold: required: a number, or { gb3095: { grade, averaging } }',
    ],
    [
      "severity: warning",
      "severity: loud",
      'rule "aqi-hourly-heavy": severity: expected one of info, warning, critical, received "loud"',
    ],
    [
      "threshold: 200",
      "threshold: 200\n    clear: { threshold: 250 }",
      'rule "aqi-hourly-heavy": clear.threshold: must be ≤ threshold 200 (hysteresis)',
    ],
    [
      "threshold: 200",
      "threshold: 200\n    for: 2 hours",
      'rule "aqi-hourly-heavy": for: expected a duration like 45m, 2h, 36h, 7d or 0, received "2 hours"',
    ],
    [
      "threshold: 200",
      "threshold: 200\n    colour: red",
      'rule "aqi-hourly-heavy": unknown field(s) "colour"',
    ],
    [
      "subject: { index: aqi }",
      "subject: { index: aqi, check: silent }",
      'rule "aqi-hourly-heavy": subject: expected exactly one of metric, index or check',
    ],
    [
      "subject: { index: aqi }",
      "subject: { index: aqi8 }",
      'rule "aqi-hourly-heavy": subject.index: expected one of aqi, iaqi:so2',
    ],
  ])("%s → %s", (from, to, expected) => {
    const found = problems(base.replace("WINDOW", "1h").replace(from, to));
    expect(found.some((p) => p.startsWith(`${FILE}: ${expected}`))).toBe(true);
  });

  it("names a rule without a usable id by its position, and duplicate ids", () => {
    const two = base.replace("WINDOW", "1h") + base.replace("WINDOW", "1h").replace("rules:\n", "");
    expect(problems(two)).toEqual([
      'config/rules.yaml: rule "aqi-hourly-heavy": id: duplicate rule id "aqi-hourly-heavy"',
    ]);
    expect(problems(base.replace("WINDOW", "1h").replace("id: aqi-hourly-heavy", "id: Bad Id"))[0]).toMatch(
      /^config\/rules\.yaml: rule "Bad Id": id: lower-case/,
    );
    const noId = base
      .replace("WINDOW", "1h")
      .replace("  - id: aqi-hourly-heavy\n    description", "  - description");
    expect(problems(noId)[0]).toMatch(/^config\/rules\.yaml: rules\[0\]: id: /);
  });

  it("checks the window against the subject", () => {
    expect(problems(base.replace("WINDOW", "month"))).toEqual([
      'config/rules.yaml: rule "aqi-hourly-heavy": window: expected one of 1h, 24h, day for this subject, received "month"',
    ]);
  });

  it("reports YAML syntax errors with line and column", () => {
    expect(problems("rules:\n  - id: [unclosed\n")[0]).toMatch(/^config\/rules\.yaml:\d+:\d+ YAML: /);
  });

  it("checks station ids against the registry", () => {
    const registry = createStationRegistry([
      {
        id: "ld-wq-01",
        name: { zh: "水站", en: "water" },
        kind: "water",
        location: { lat: 28, lon: 119 },
        township: "t",
        water: { waterBody: "river" },
      },
    ]);
    const text = base
      .replace("WINDOW", "1h")
      .replace("{ kind: air }", "{ kind: air, stations: [ld-wq-01, nope] }");
    expect(problems(text, { registry })).toEqual([
      'config/rules.yaml: rule "aqi-hourly-heavy": appliesTo.stations[0]: station "ld-wq-01" is water, the rule applies to air',
      'config/rules.yaml: rule "aqi-hourly-heavy": appliesTo.stations[1]: unknown station "nope"',
    ]);
  });

  it("ships config/rules.yaml with the defaults of issue 4", () => {
    const rules = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname);
    expect(rules.map((r) => r.id)).toEqual([
      "aqi-hourly-heavy",
      "gb3095-24h-pm25",
      "gb3095-24h-pm10",
      "gb3095-24h-so2",
      "gb3095-24h-no2",
      "gb3095-24h-co",
      "gb3095-24h-o3",
      "heavy-pollution-warning",
      "pm25-annual-target",
      "water-below-target",
      "water-drinking-source-below-target",
      "noi-grade",
      "dq-station-silent",
      "dq-stuck-sensor-air",
      "dq-stuck-sensor-water",
      "dq-out-of-range",
      "dq-flag-too-long",
    ]);
    // The 24-h limits follow the station's area class (GB 3095 §4.2: class 1 → Grade I, class 2 → II).
    for (const r of rules.filter((x) => x.id.startsWith("gb3095-24h-")))
      expect(r.threshold).toMatchObject({ gb3095: { grade: "station" } });
    const o3 = rules.find((r) => r.id === "gb3095-24h-o3");
    expect(o3?.threshold).toEqual({ gb3095: { grade: "station", averaging: "dailyMax8h" } });
    expect(rules.find((r) => r.id === "heavy-pollution-warning")?.clear.for).toBe(36 * 3_600_000);
    // Fresh-air grades go to the publication route only (the notifier's default one pages nobody),
    // and a better grade must hold 6 h before the level follows.
    const noi = rules.find((r) => r.id === "noi-grade");
    expect(noi?.routing.routes).toEqual(["publication"]);
    expect(noi?.stepDownFor).toBe(6 * 3_600_000);
    // One hourly AQI rule with the HJ 633 categories as levels (air-aqi.md §4); the former > 300 rule is replaced.
    const aqi = rules.find((r) => r.id === "aqi-hourly-heavy");
    expect(aqi?.levels?.map((l) => [l.id, l.threshold, l.clearThreshold, l.severity])).toEqual([
      ["heavy", 200, 180, "warning"],
      ["severe", 300, 280, "critical"],
    ]);
    expect(aqi?.replaces).toEqual(["aqi-hourly-severe"]);
    // Standards and descriptions reach e-mails, the API and the dashboard: no developer notes there.
    for (const r of rules) {
      expect(`${r.standard} ${r.description.zh} ${r.description.en}`).not.toMatch(
        /as recalled|unverified|from memory|\.md\b/,
      );
    }
  });

  it("checks a threshold rule's levels and the rules it replaces", () => {
    const heavy =
      "{ id: heavy, name: { zh: 重度污染, en: heavily polluted }, threshold: 200, clearThreshold: 180, severity: warning }";
    const leveled = (levels: string, extra = "") =>
      base
        .replace("WINDOW", "1h")
        .replace("threshold: 200", `levels:\n${levels}\n    clear: { for: 2h }${extra}`);
    const severe = (text: string) => `      - ${heavy}\n      - ${text}`;
    const [rule] = parseRules(
      leveled(
        severe(
          "{ id: severe, name: { zh: 严重污染, en: severely polluted }, threshold: 300, clearThreshold: 280, severity: critical }",
        ),
      ),
      FILE,
    );
    expect(rule?.levels?.map((l) => [l.id, l.name?.zh, l.threshold, l.clearThreshold, l.severity])).toEqual([
      ["heavy", "重度污染", 200, 180, "warning"],
      ["severe", "严重污染", 300, 280, "critical"],
    ]);
    const rule_ = 'config/rules.yaml: rule "aqi-hourly-heavy": ';
    expect(problems(leveled(severe("{ id: severe, threshold: 150, severity: critical }")))).toEqual([
      `${rule_}levels[1].threshold: levels go from least to most severe: must be above 200`,
    ]);
    expect(
      problems(leveled(severe("{ id: severe, threshold: 300, clearThreshold: 310, severity: critical }"))),
    ).toEqual([`${rule_}levels[1].clearThreshold: must be ≤ the level's threshold 300`]);
    expect(
      problems(leveled(severe("{ id: severe, threshold: 300, clearThreshold: 190, severity: critical }"))),
    ).toEqual([`${rule_}levels[1].clearThreshold: must be ≥ the previous level's threshold 200`]);
    expect(problems(leveled(severe("{ id: heavy, threshold: 300, severity: critical }")))).toEqual([
      `${rule_}levels[1].id: duplicate level id "heavy"`,
    ]);
    expect(problems(leveled(severe("{ id: Severe, threshold: 300, severity: critical }")))[0]).toMatch(
      /rule "aqi-hourly-heavy": levels\[1\]\.id: lower-case letters/,
    );
    expect(
      problems(
        leveled(severe("{ id: severe, name: { zh: 严重污染 }, threshold: 300, severity: critical }")),
      )[0],
    ).toMatch(/rule "aqi-hourly-heavy": levels\[1\]\.name\.en: /);
    expect(problems(leveled(`      - ${heavy}`, "\n    threshold: 200"))).toEqual([
      `${rule_}threshold: use either threshold or levels`,
    ]);
    expect(
      problems(
        leveled(`      - ${heavy}`).replace("clear: { for: 2h }", "clear: { threshold: 180, for: 2h }"),
      ),
    ).toEqual([`${rule_}clear.threshold: leveled rules use levels[].clearThreshold`]);
    // replaces: rule ids gone from the file, each replaced once.
    const replacing = (ids: string) =>
      base.replace("WINDOW", "1h").replace("    appliesTo", `    replaces: ${ids}\n    appliesTo`);
    expect(parseRules(replacing("[aqi-hourly-severe]"), FILE)[0]?.replaces).toEqual(["aqi-hourly-severe"]);
    expect(problems(replacing("[aqi-hourly-heavy]"))).toEqual([
      `${rule_}replaces[0]: rule "aqi-hourly-heavy" is still in the file: remove it or this entry`,
    ]);
    expect(problems(replacing("[old-rule, old-rule]"))).toEqual([
      `${rule_}replaces[1]: rule "old-rule" is already replaced by "aqi-hourly-heavy"`,
    ]);
    expect(problems(replacing("[Old Rule]"))[0]).toMatch(
      /rule "aqi-hourly-heavy": replaces\[0\]: lower-case/,
    );
  });

  it("a GB 3095 threshold without grade takes the station's area class", () => {
    const rules = parseRules(
      [
        "rules:",
        "  - id: pm25-day",
        "    description: { zh: 测试, en: test }",
        "    appliesTo: { kind: air }",
        "    subject: { metric: pm25 }",
        "    window: day",
        '    comparison: ">"',
        "    threshold: { gb3095: { averaging: 24h } }",
        "    severity: warning",
        "    standard: GB 3095 Table 1",
      ].join("\n"),
      "test.yaml",
    );
    expect(rules[0]?.threshold).toEqual({ gb3095: { grade: "station", averaging: "24h" } });
  });
});
