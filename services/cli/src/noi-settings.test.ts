import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOUR_MS, type Reading } from "@qingshan/domain";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { startTestApi } from "./testing/api-service.ts";
import { repoRoot } from "./testing/cli-process.ts";
import { alertsForReading } from "./testing/evaluate-reading.ts";
import { readShippedConfig, writeShippedConfig } from "./testing/shipped-config.ts";

// noi.scheme of the qingshan configuration: one NOI grade table for the API and the evaluator's
// noi-grade rule alike (negative-oxygen-ions.md §2, §5.2: no verified table, keep it in configuration).
const cleanups = cleanupsAfterEach();

const BUREAU = {
  id: "lishui-fresh-air",
  source: "丽水市清新空气分级（局定）",
  provisional: false,
  grades: [
    { grade: "I", min: 2100, zh: "非常清新", en: "very fresh", color: "#00a651" },
    { grade: "II", min: 900, zh: "较清新", en: "rather fresh" },
    { grade: "III", min: 0, zh: "一般", en: "ordinary" },
  ],
};

/** The shipped configuration with `noi` replaced (or left out), its data in a new temp directory. */
function configWith(noi: Record<string, unknown> | undefined) {
  const { noi: _shipped, ...rest } = readShippedConfig();
  return writeShippedConfig(cleanups, noi === undefined ? rest : { noi });
}

describe("noi.scheme reaches the API", () => {
  it("candidate-a as shipped and when left out; candidate-b or a bureau table when set", async () => {
    expect(readShippedConfig().noi).toEqual({ scheme: "candidate-a" });
    const tableOf = async (noi: Record<string, unknown> | undefined) => {
      const { file, dataDir } = configWith(noi);
      const api = await startTestApi(cleanups, { dataDir, file });
      const grade = await fetch(`${api.url}/api/v1/noi/grade?station=ld-noi-01&period=1d`);
      expect(grade.status).toBe(200);
      const standards = await fetch(`${api.url}/dashboard/standards.json`);
      return {
        scheme: ((await grade.json()) as { scheme: unknown }).scheme,
        dashboard: ((await standards.json()) as { noi: { id: string; grades: unknown[] } }).noi,
      };
    };
    expect((await tableOf(undefined)).scheme).toMatchObject({ id: "candidate-a", provisional: true });
    const b = await tableOf({ scheme: "candidate-b" });
    expect(b.scheme).toMatchObject({ id: "candidate-b", provisional: true, inForce: true });
    expect(b.dashboard).toMatchObject({ id: "candidate-b" });
    const bureau = await tableOf({ scheme: BUREAU });
    expect(bureau.scheme).toEqual({
      id: "lishui-fresh-air",
      source: BUREAU.source,
      provisional: false,
      inForce: true,
    });
    // A grade without a colour gets one of the green-to-red ramp.
    expect(bureau.dashboard.grades).toEqual([
      BUREAU.grades[0],
      { ...BUREAU.grades[1], color: "#ffd700" },
      { ...BUREAU.grades[2], color: "#ed1c24" },
    ]);
  });
});

describe("noi.scheme reaches the evaluator", () => {
  /** The noi-grade events of one hourly NOI mean of 1000 ions/cm³ at ld-noi-01 (II under A, III under B). */
  async function noiAlerts(noi: Record<string, unknown>, env: Record<string, string> = {}) {
    const { file, dataDir } = configWith(noi);
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
    const reading: Reading = {
      stationId: "ld-noi-01",
      metric: "noi",
      ts: hour,
      periodMs: HOUR_MS,
      value: 1000,
      flag: "N",
      source: "mqtt-json",
      receivedAt: hour + HOUR_MS,
    };
    const alerts = await alertsForReading(cleanups, { file, dataDir, env, reading });
    return alerts.filter((e) => e.ruleId === "noi-grade");
  }

  it("the noi-grade rule grades by the configured table: II under candidate-a, III under candidate-b, the bureau's II", async () => {
    expect((await noiAlerts({ scheme: "candidate-a" })).map((e) => [e.type, e.level])).toEqual([
      ["raised", "II"],
    ]);
    const b = await noiAlerts({ scheme: "candidate-b" });
    expect(b.map((e) => [e.type, e.level])).toEqual([["raised", "III"]]);
    expect(b[0]?.message.en).toContain("grading scheme forestry six-grade scale (provisional)");
    const bureau = await noiAlerts({ scheme: BUREAU });
    expect(bureau.map((e) => [e.type, e.level])).toEqual([["raised", "II"]]);
    expect(bureau[0]?.message.zh).toContain("较清新");
    expect(bureau[0]?.message.zh).toContain("分级方案 lishui-fresh-air；");
  });

  it("a rules file naming another table stops the evaluator at start, saying what to change", async () => {
    const dir = tempDir(cleanups, "qingshan-noi-rules-");
    const rulesFile = join(dir, "rules.yaml");
    writeFileSync(
      rulesFile,
      [
        "rules:",
        "  - id: noi-grade",
        "    description: { zh: 负氧离子等级, en: NOI grade }",
        "    appliesTo: { kind: noi }",
        "    subject: { index: noi_grade, scheme: candidate-b }",
        "    window: 1h",
        "    comparison: grade",
        "    severity: info",
        '    standard: "NOI grades (provisional)"',
        "    routing: { routes: [publication], tier: 0 }",
      ].join("\n"),
    );
    const failure = noiAlerts({ scheme: "candidate-a" }, { QINGSHAN_RULES: rulesFile });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(
      `${rulesFile}: rule "noi-grade": subject.scheme is candidate-b, but the configuration's noi.scheme is candidate-a; the NOI grade table is set once, in noi.scheme, for the alerts and the API alike: leave scheme out of the rule, or set noi.scheme: candidate-b`,
    );
  });
});

describe("noi.scheme is validated at start, naming the field", () => {
  const refused = (scheme: unknown) => {
    const { file } = configWith({ scheme });
    return () => loadConfig({ root: repoRoot, file, env: {} });
  };

  it.each([
    ["candidate-c", /noi\.scheme: expected candidate-a, candidate-b or a table \{ id, source, title\?/],
    [3000, /noi\.scheme: expected candidate-a, candidate-b or a table/],
    [{ ...BUREAU, id: "candidate-a" }, /noi\.scheme\.id: candidate-a is a shipped table's id/],
    [{ ...BUREAU, source: undefined }, /noi\.scheme\.source: /],
    [
      { ...BUREAU, grades: [BUREAU.grades[0], { ...BUREAU.grades[1], min: "900" }, BUREAU.grades[2]] },
      /noi\.scheme\.grades\.1\.min: .*expected number/,
    ],
    [
      { ...BUREAU, grades: [BUREAU.grades[1], BUREAU.grades[0], BUREAU.grades[2]] },
      /noi\.scheme\.grades: NOI scheme lishui-fresh-air: grades\[1\]\.min must be below grades\[0\]\.min \(best grade first\)/,
    ],
    [
      { ...BUREAU, grades: [BUREAU.grades[0], BUREAU.grades[1]] },
      /noi\.scheme\.grades: NOI scheme lishui-fresh-air: the last grade's min must be 0/,
    ],
    [
      { ...BUREAU, grades: [{ ...BUREAU.grades[0], colour: "#00a651" }, BUREAU.grades[2]] },
      /noi\.scheme\.grades\.0\.colour: unknown setting; noi\.scheme\.grades\.0 accepts grade, min, zh, en, color/,
    ],
    [
      { ...BUREAU, table: [] },
      /noi\.scheme\.table: unknown setting; noi\.scheme accepts id, source, title, provisional, grades/,
    ],
  ])("%j", (scheme, message) => {
    expect(refused(scheme)).toThrow(ConfigError);
    expect(refused(scheme)).toThrow(message);
  });
});
