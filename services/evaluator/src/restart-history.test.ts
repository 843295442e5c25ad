import { type AlertEvent, createStationRegistry, type MetricId, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { H, shippedRules } from "./testdata/fixtures.ts";

// A drinking-water source (lake, target Class II) through the evaluator, the writer and DuckDB; a
// restart is a new evaluator on the same store. Classes by GB 3838-2002 Table 1 (lake TP: II ≤ 0.025,
// III ≤ 0.05, IV ≤ 0.1 mg/L; CODMn II ≤ 4), single-factor method of 环办〔2011〕22号.
const DAY = 24 * H;
const RULE = "water-drinking-source-below-target";
const registry = createStationRegistry([
  {
    id: "wq-d",
    name: { zh: "黄村水库取水口", en: "Huangcun Reservoir intake" },
    kind: "water",
    metrics: ["codmn", "tp"],
    water: { waterBody: "lake", targetClass: "II", drinkingWaterSource: true },
    location: { lat: 28.49, lon: 119.74 },
    township: "黄村乡",
  },
]);
/** The first live hour's end. */
const NOW0 = Date.parse("2026-12-08T08:00:00+08:00");

const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-restart-",
  registry,
  rules: shippedRules,
  startClock: NOW0,
});
const { evaluator, settled } = harness;

/** One hour of the source (labelled hourEnd): CODMn 2.2 mg/L and the given TP, received at `receivedAt`. */
function hour(hourEnd: number, tp: number, receivedAt: number): { key: string; value: Reading }[] {
  const values: [MetricId, number][] = [
    ["codmn", 2.2],
    ["tp", tp],
  ];
  return values.map(([metric, value]) => ({
    key: "wq-d",
    value: {
      stationId: "wq-d",
      metric,
      ts: hourEnd - H,
      periodMs: H,
      value,
      flag: "N",
      source: "mqtt-json",
      receivedAt,
    },
  }));
}

/** Live hours [from, to) after NOW0 − 1 h, each published just after its end. */
async function live(from: number, to: number, tp: (i: number) => number): Promise<void> {
  for (let i = from; i < to; i++) {
    const hourEnd = NOW0 + i * H;
    harness.clock = hourEnd + 60_000;
    await harness.bus.publish("readings", hour(hourEnd, tp(i), harness.clock));
  }
}

const source = () => harness.alerts.filter((a) => a.ruleId === RULE);

async function storedReadings(): Promise<number> {
  return (
    await harness.store.queryReadings({ stationId: "wq-d", from: NOW0 - 10 * DAY, to: harness.clock + H })
  ).length;
}

describe("a restart replays stored history the live pipeline never evaluated", () => {
  /**
   * `qingshan simulate --acceleration` against a running pipeline: readings of a week ago arrive
   * now, older than the lateness — dead-lettered by the evaluator, stored by the writer. TP 0.030
   * for 4 h (Class III, worse than the target II), then 0.024 (Class II).
   */
  async function lateWeekAgo(): Promise<void> {
    const start = NOW0 - 7 * DAY;
    const received = harness.clock;
    for (let i = 0; i < 8; i++)
      await harness.bus.publish("readings", hour(start + i * H, i < 4 ? 0.03 : 0.024, received));
  }

  it("late readings of a week ago raise nothing live, nor at the restart, while the source meets its target", async () => {
    const first = evaluator();
    await first.start();
    await live(0, 12, () => 0.024);
    await lateWeekAgo();
    await settled();
    await waitFor(async () => (await storedReadings()) === 2 * (12 + 8), { timeoutMs: 5_000 });
    expect(source()).toEqual([]);
    await first.stop();

    await evaluator().start();
    await settled();
    // Before the fix: raised at level III (value 2 = Class II, "worse than its target") at the
    // restart, for a start a week earlier.
    expect(source()).toEqual([]);
    await live(12, 20, () => 0.024);
    await settled();
    expect(source()).toEqual([]);
    expect(await harness.store.queryAlertEvents({ ruleId: RULE })).toEqual([]);
  });

  it("a level reached only in the late history is not announced at the restart: the live alert stays at the class its values hold", async () => {
    const first = evaluator();
    await first.start();
    // Live: TP 0.03 (Class III) from the first hour: raised at III by the live pipeline.
    await live(0, 3, () => 0.03);
    // Late: Class IV (TP 0.08) a week ago, stored only.
    const start = NOW0 - 7 * DAY;
    const received = harness.clock;
    for (let i = 0; i < 4; i++) await harness.bus.publish("readings", hour(start + i * H, 0.08, received));
    await settled();
    await waitFor(async () => (await storedReadings()) === 2 * (3 + 4), { timeoutMs: 5_000 });
    expect(source().map((a) => [a.type, a.level, a.value])).toEqual([["raised", "III", 3]]);
    await first.stop();

    await evaluator().start();
    await live(3, 5, () => 0.03);
    await settled();
    // Before the fix: level_changed III → IV at the restart, with value 3 (Class III).
    expect(source().map((a) => [a.type, a.level, a.value])).toEqual([["raised", "III", 3]]);
  });

  it("a source that still exceeds its target after the restart is raised, its level, value and message agreeing", async () => {
    const first = evaluator();
    await first.start();
    await live(0, 12, () => 0.024);
    await lateWeekAgo();
    await settled();
    await waitFor(async () => (await storedReadings()) === 2 * (12 + 8), { timeoutMs: 5_000 });
    await first.stop();

    await evaluator().start();
    await live(12, 14, () => 0.03);
    await settled();
    const raised = source().filter((a) => a.type === "raised");
    expect(raised.map((a) => [a.level, a.value, a.conditionHolds])).toEqual([["III", 3, true]]);
    expect(raised[0]?.message.en).toContain("water quality Class III");
    expect(raised[0]?.message.en).toContain("Total phosphorus (as P) 0.03 mg/L");
    // Started when the live pipeline saw it start, not a continuation of the unannounced late
    // episode of a week ago (before the fix: started 1 Dec 08:00).
    expect(raised[0]?.startedAt).toBe("2026-12-08T20:00:00+08:00");
  });
});

describe("an alert's level, value and message agree", () => {
  it("a class change goes straight to the class measured, and the alert clears clear.for after the source meets its target", async () => {
    await evaluator().start();
    // Class III (TP 0.03) for 2 h, one hour of 劣V (TP 0.25 > Class V's 0.2, lake), then Class II
    // (TP 0.024): III → 劣V is one change (Class IV and V were never measured); back at target it
    // clears after clear.for (6 h: quiet at hour 8) and resolves after the 48 h damping (hour 56),
    // without stepping 劣V → V → IV → III through classes never measured.
    await live(0, 2, () => 0.03);
    await live(2, 3, () => 0.25);
    await live(3, 57, () => 0.024);
    await settled();
    await waitFor(() => source().some((a) => a.type === "resolved"), { timeoutMs: 5_000 });
    const events = source();
    // Before the fix: III → IV → V → 劣V at hour 2, then 劣V → V → IV → III while the value was Class II.
    expect(events.map((a) => [a.type, a.level, a.value, a.dataTime])).toEqual([
      ["raised", "III", 3, "2026-12-08T08:00:00+08:00"],
      ["level_changed", "劣V", 6, "2026-12-08T10:00:00+08:00"],
      ["resolved", "劣V", 2, "2026-12-10T16:00:00+08:00"],
    ]);
    const up = events[1] as AlertEvent;
    expect(up.conditionHolds).toBe(true);
    expect(up.message.zh).toContain("（III类 → 劣V类）");
    expect(up.message.en).toContain("water quality Class 劣V");
  });
});
