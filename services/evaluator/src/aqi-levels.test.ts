import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus, type MemoryBus } from "@qingshan/bus";
import {
  type AlertEvent,
  createStationRegistry,
  foldAlertEvents,
  type Reading,
  toBeijingIso,
} from "@qingshan/domain";
import { loadRulesFile, parseRules, type Rule } from "@qingshan/rules";
import { createDuckDbStore, type DuckDbStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import { createWriter, type Writer } from "@qingshan/writer";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEvaluator, type Evaluator } from "./evaluator.ts";

// The hourly AQI rule of config/rules.yaml through the evaluator (memory bus, writer, DuckDB): one
// alert per episode with the HJ 633 categories as levels (air-aqi.md §4: 201–300 重度污染, > 300 严重污染).
const H = 3_600_000;
const RULES = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname);
// The two rules as shipped before (aqi-hourly-heavy > 200, aqi-hourly-severe > 300).
const OLD_RULES = parseRules(
  `rules:
  - id: aqi-hourly-heavy
    description: { zh: 小时AQI超过200（重度污染）, en: Hourly AQI above 200 (heavily polluted) }
    appliesTo: { kind: air }
    subject: { index: aqi }
    window: 1h
    comparison: ">"
    threshold: 200
    for: 1h
    clear: { threshold: 180, for: 2h }
    damping: 3h
    severity: warning
    standard: "AQI category 201–300 重度污染"
  - id: aqi-hourly-severe
    description: { zh: 小时AQI超过300（严重污染）, en: Hourly AQI above 300 (severely polluted) }
    appliesTo: { kind: air }
    subject: { index: aqi }
    window: 1h
    comparison: ">"
    threshold: 300
    for: 1h
    clear: { threshold: 280, for: 2h }
    damping: 3h
    severity: critical
    standard: "AQI category > 300 严重污染"
`,
  "old-rules.yaml",
);
const registry = createStationRegistry([
  {
    id: "aq-1",
    name: { zh: "莲都站", en: "Liandu station" },
    kind: "air",
    metrics: ["pm25"],
    location: { lat: 28.4, lon: 119.9 },
    township: "万象街道",
  },
]);
const START = Date.parse("2026-12-01T00:00:00+08:00");
const logger = pino({ level: "silent" });
// Hourly PM2.5 (µg/m³) for an hourly AQI, HJ 633-2026 Table 3 (1-h PM on the daily columns).
const PM25: Record<number, number> = { 150: 115, 250: 200, 350: 300 };

let dir: string;
let bus: MemoryBus;
let store: DuckDbStore;
let writer: Writer;
let clock = START;
let alerts: AlertEvent[];
const evaluators: Evaluator[] = [];

function evaluator(rules: readonly Rule[]): Evaluator {
  const e = createEvaluator(
    { latenessMs: 2 * H, sweepSchedule: "0 0 1 1 *" },
    { bus, store, registry, rules, logger, now: () => clock },
  );
  evaluators.push(e);
  return e;
}

/** Publishes hour `i` (labelled START + i h) with the hourly AQI `aqi`, the wall clock just after it. */
async function publishHour(i: number, aqi: number): Promise<void> {
  const hourEnd = START + i * H;
  clock = hourEnd + 60_000;
  const reading: Reading = {
    stationId: "aq-1",
    metric: "pm25",
    ts: hourEnd - H,
    periodMs: H,
    value: PM25[aqi] as number,
    flag: "N",
    source: "mqtt-json",
    receivedAt: hourEnd,
  };
  await bus.publish("readings", [{ key: "aq-1", value: reading }]);
}

const settled = () =>
  waitFor(() => bus.depth().readings === 0 && bus.depth().alerts === 0, { timeoutMs: 10_000 });
const hourly = () => alerts.filter((e) => e.ruleId.startsWith("aqi-hourly-"));
const hourAt = (i: number) => toBeijingIso(START + i * H);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "qingshan-evaluator-aqi-"));
  bus = createMemoryBus({ partitions: 8 });
  await bus.start();
  store = createDuckDbStore({ path: join(dir, "q.duckdb") });
  await store.start();
  writer = createWriter({ bus, store, logger });
  await writer.start();
  alerts = [];
  await bus.subscribe<AlertEvent>("alerts", { group: "test" }, async (batch) => {
    alerts.push(...batch.map((d) => d.value));
  });
  clock = START;
});

afterEach(async () => {
  for (const e of evaluators.splice(0)) await e.stop();
  await writer.stop();
  await bus.stop();
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("evaluator: the hourly AQI alert with levels heavy and severe", () => {
  it("150 → 250 → 350 → 250 → 150 is one stored alert: raised heavy, severe, heavy again, resolved", async () => {
    await evaluator(RULES).start();
    const episode = [150, 250, 250, 350, 350, 250, 250, 250, 150, 150, 150, 150, 150, 150];
    for (const [i, aqi] of episode.entries()) await publishHour(i + 1, aqi);
    await settled();
    const alertId = `aqi-hourly-heavy:aq-1:${hourAt(2)}`;
    expect(hourly().map((e) => [e.alertId, e.type, e.level, e.severity, e.dataTime])).toEqual([
      [alertId, "raised", "heavy", "warning", hourAt(2)],
      [alertId, "level_changed", "severe", "critical", hourAt(4)],
      // ≤ 280 from hour 6: held 2 h at hour 7.
      [alertId, "level_changed", "heavy", "warning", hourAt(7)],
      // ≤ 180 from hour 9: held 2 h at hour 10, then 3 h of damping.
      [alertId, "resolved", "heavy", "warning", hourAt(13)],
    ]);
    const stored = await store.queryAlertEvents({ stationId: "aq-1" });
    const states = foldAlertEvents(stored.filter((e) => e.ruleId.startsWith("aqi-hourly-")));
    expect(states.map((s) => [s.alertId, s.status, s.level])).toEqual([[alertId, "resolved", "heavy"]]);
  });

  it("after the upgrade from the two rules, a restart resolves the open aqi-hourly-severe alert and continues the heavy one at severe", async () => {
    const before = evaluator(OLD_RULES);
    await before.start();
    for (const [i, aqi] of [250, 350, 350].entries()) await publishHour(i + 1, aqi);
    await settled();
    const heavyId = `aqi-hourly-heavy:aq-1:${hourAt(1)}`;
    const severeId = `aqi-hourly-severe:aq-1:${hourAt(2)}`;
    expect(hourly().map((e) => [e.alertId, e.type])).toEqual([
      [heavyId, "raised"],
      [severeId, "raised"],
    ]);
    await before.stop();

    alerts = [];
    const after = evaluator(RULES);
    await after.start();
    await waitFor(() => (hourly().length >= 2 ? true : undefined), { what: "the reconciled events" });
    expect(hourly().map((e) => [e.alertId, e.type, e.level ?? null, e.severity])).toEqual([
      [heavyId, "level_changed", "severe", "critical"],
      [severeId, "resolved", null, "critical"],
    ]);
    expect(hourly()[1]?.message.en).toContain("rule aqi-hourly-severe was replaced by rule aqi-hourly-heavy");
    for (const [i, aqi] of [250, 250, 150, 150, 150, 150, 150, 150].entries()) await publishHour(i + 4, aqi);
    await settled();
    const stored = await store.queryAlertEvents({ stationId: "aq-1" });
    const states = foldAlertEvents(stored.filter((e) => e.ruleId.startsWith("aqi-hourly-")));
    expect(states.map((s) => [s.alertId, s.status])).toEqual([
      [heavyId, "resolved"],
      [severeId, "resolved"],
    ]);
    expect(hourly().map((e) => e.type)).toEqual(["level_changed", "resolved", "level_changed", "resolved"]);
    expect(hourly().some((e) => e.type === "raised")).toBe(false);
  });
});
