import { createStationRegistry, foldAlertEvents, type Reading, toBeijingIso } from "@qingshan/domain";
import { AQI_RULES_BEFORE_LEVELS } from "@qingshan/rules/testing";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, DEC_1, H, shippedRules } from "./testdata/fixtures.ts";

// The hourly AQI rule of config/rules.yaml through the evaluator (memory bus, writer, DuckDB): one
// alert per episode with the HJ 633 categories as levels (air-aqi.md §4: 201–300 重度污染, > 300 严重污染).
const START = DEC_1;
// Hourly PM2.5 (µg/m³) for an hourly AQI, HJ 633-2026 Table 3 (1-h PM on the daily columns).
const PM25: Record<number, number> = { 150: 115, 250: 200, 350: 300 };

const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-aqi-",
  registry: createStationRegistry([airStation()]),
  rules: shippedRules,
  startClock: START,
  partitions: 8,
});
const { evaluator, settled } = harness;

/** Publishes hour `i` (labelled START + i h) with the hourly AQI `aqi`, the wall clock just after it. */
async function publishHour(i: number, aqi: number): Promise<void> {
  const hourEnd = START + i * H;
  harness.clock = hourEnd + 60_000;
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
  await harness.bus.publish("readings", [{ key: "aq-1", value: reading }]);
}

const hourly = () => harness.alerts.filter((e) => e.ruleId.startsWith("aqi-hourly-"));
const hourAt = (i: number) => toBeijingIso(START + i * H);

describe("evaluator: the hourly AQI alert with levels heavy and severe", () => {
  it("150 → 250 → 350 → 250 → 150 is one stored alert: raised heavy, severe, heavy again, resolved", async () => {
    await evaluator().start();
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
    const stored = await harness.store.queryAlertEvents({ stationId: "aq-1" });
    const states = foldAlertEvents(stored.filter((e) => e.ruleId.startsWith("aqi-hourly-")));
    expect(states.map((s) => [s.alertId, s.status, s.level])).toEqual([[alertId, "resolved", "heavy"]]);
  });

  it("after the upgrade from the two rules, a restart resolves the open aqi-hourly-severe alert and continues the heavy one at severe", async () => {
    const before = evaluator({ rules: AQI_RULES_BEFORE_LEVELS });
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

    harness.alerts = [];
    const after = evaluator();
    await after.start();
    await waitFor(() => (hourly().length >= 2 ? true : undefined), { what: "the reconciled events" });
    expect(hourly().map((e) => [e.alertId, e.type, e.level ?? null, e.severity])).toEqual([
      [heavyId, "level_changed", "severe", "critical"],
      [severeId, "resolved", null, "critical"],
    ]);
    expect(hourly()[1]?.message.en).toContain("rule aqi-hourly-severe was replaced by rule aqi-hourly-heavy");
    for (const [i, aqi] of [250, 250, 150, 150, 150, 150, 150, 150].entries()) await publishHour(i + 4, aqi);
    await settled();
    const stored = await harness.store.queryAlertEvents({ stationId: "aq-1" });
    const states = foldAlertEvents(stored.filter((e) => e.ruleId.startsWith("aqi-hourly-")));
    expect(states.map((s) => [s.alertId, s.status])).toEqual([
      [heavyId, "resolved"],
      [severeId, "resolved"],
    ]);
    expect(hourly().map((e) => e.type)).toEqual(["level_changed", "resolved", "level_changed", "resolved"]);
    expect(hourly().some((e) => e.type === "raised")).toBe(false);
  });
});
