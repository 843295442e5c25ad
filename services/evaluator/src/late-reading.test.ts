import { type AlertEvent, createStationRegistry, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import type { EvaluatorStore } from "./evaluator.ts";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, DEC_1, H, shippedRules } from "./testdata/fixtures.ts";

// Two air stations with hourly PM2.5 (PT1H): "late" gets an hour 1 h late (within the 2-h
// lateness), "ordered" the same values in time order. Hours are labelled by their end.
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-late-",
  registry: createStationRegistry([
    airStation("late"),
    airStation("ordered", { zh: "对照站", en: "Control" }),
  ]),
  rules: shippedRules,
  startClock: DEC_1,
});

const SETTLE_MS = 100;
const at = (hour: number) => DEC_1 + hour * H;

function reading(stationId: string, hourEnd: number, value: number): Reading {
  return {
    stationId,
    metric: "pm25",
    ts: hourEnd - H,
    periodMs: H,
    value,
    flag: "N",
    source: "mqtt-json",
    receivedAt: harness.clock,
  };
}

async function publish(stationId: string, hourEnd: number, value: number): Promise<void> {
  await harness.bus.publish("readings", [{ key: stationId, value: reading(stationId, hourEnd, value) }]);
  await harness.settled();
}

/** What an event says, less its station, wall-clock `at` and texts. */
const essence = (e: AlertEvent) => [e.ruleId, e.type, e.level, e.startedAt, e.dataTime, e.value];
const of = (stationId: string) => harness.alerts.filter((e) => e.stationId === stationId);

describe("a live reading of an hour the rules had passed (late, within the lateness)", {
  timeout: 30_000,
}, () => {
  it("raises what the same data in time order raises — same alert, start and level — once, and the episode goes on as in order", async () => {
    await harness.evaluator({ config: { importSettleMs: SETTLE_MS } }).start();
    // 09:00 PM2.5 30, 10:00 300 (IAQI 350 > 300: severely polluted, HJ 633-2012 Table 1), 11:00 30.
    harness.clock = at(9) + 60_000;
    await publish("ordered", at(9), 30);
    await publish("late", at(9), 30);
    harness.clock = at(10) + 60_000;
    await publish("ordered", at(10), 300);
    harness.clock = at(11) + 60_000;
    await publish("ordered", at(11), 30);
    await publish("late", at(11), 30);
    harness.clock = at(11) + 30 * 60_000;
    await publish("late", at(10), 300);
    const raised = of("ordered").filter((e) => e.type === "raised");
    expect(raised.map((e) => [e.ruleId, e.level, e.startedAt])).toContainEqual([
      "aqi-hourly-heavy",
      "severe",
      "2026-12-01T10:00:00+08:00",
    ]);
    // Before the fix: nothing, ever (the machines had passed 10:00 and ignored the hour).
    await waitFor(() => of("late").length >= raised.length, { timeoutMs: 15_000 });
    await harness.settled();
    expect(of("late").map(essence)).toEqual(of("ordered").map(essence));
    // Clean hours: the clear countdown and damping run alike, each event announced once.
    for (let h = 12; h <= 20; h++) {
      harness.clock = at(h) + 60_000;
      await publish("ordered", at(h), 30);
      await publish("late", at(h), 30);
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 5));
    await harness.settled();
    expect(of("late").map(essence)).toEqual(of("ordered").map(essence));
    expect(of("late").some((e) => e.type === "resolved")).toBe(true);
    const ids = of("late").map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("an episode the late hour starts and the newer hours already ended is raised and resolved, as in order", async () => {
    // Lateness 8 h: the severe hour 02:00 comes after 08:00, by when in order its alert would have
    // cleared (2 h ≤ 180, then 3 h of damping: config/rules.yaml) — the duty officer is still told.
    await harness.evaluator({ config: { importSettleMs: SETTLE_MS, latenessMs: 8 * H } }).start();
    for (let h = 1; h <= 8; h++) {
      harness.clock = at(h) + 60_000;
      await publish("ordered", at(h), h === 2 ? 300 : 30);
      if (h !== 2) await publish("late", at(h), 30);
    }
    harness.clock = at(8) + 30 * 60_000;
    await publish("late", at(2), 300);
    const heavy = (id: string) =>
      of(id)
        .filter((e) => e.ruleId === "aqi-hourly-heavy")
        .map((e) => [e.type, e.level, e.startedAt, e.dataTime]);
    expect(heavy("ordered")).toEqual([
      ["raised", "severe", "2026-12-01T02:00:00+08:00", "2026-12-01T02:00:00+08:00"],
      ["resolved", "severe", "2026-12-01T02:00:00+08:00", "2026-12-01T07:00:00+08:00"],
    ]);
    await waitFor(() => heavy("late").length >= 2, { timeoutMs: 15_000 });
    await harness.settled();
    expect(heavy("late")).toEqual(heavy("ordered"));
    expect(of("late").map(essence)).toEqual(of("ordered").map(essence));
  });

  it("an alert already announced after the late hour goes on under its id: not resolved and raised again from the earlier start", async () => {
    await harness.evaluator({ config: { importSettleMs: SETTLE_MS } }).start();
    harness.clock = at(9) + 60_000;
    await publish("late", at(9), 30);
    harness.clock = at(11) + 60_000;
    await publish("late", at(11), 300);
    const heavy = () =>
      of("late")
        .filter((e) => e.ruleId === "aqi-hourly-heavy")
        .map((e) => [e.type, e.level, e.startedAt]);
    expect(heavy()).toEqual([["raised", "severe", "2026-12-01T11:00:00+08:00"]]);
    harness.clock = at(11) + 30 * 60_000;
    await publish("late", at(10), 300);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 5));
    await harness.settled();
    harness.clock = at(12) + 60_000;
    await publish("late", at(12), 300);
    expect(heavy()).toEqual([["raised", "severe", "2026-12-01T11:00:00+08:00"]]);
  });

  it("in-order readings pay nothing: no rebuild when no hour comes after the rules passed it", async () => {
    const real = harness.store;
    let rebuilds = 0; // each rebuild reads the station's stored alert events once
    const store: EvaluatorStore = {
      queryHourly: (q) => real.queryHourly(q),
      queryReadings: (q) => real.queryReadings(q),
      latest: (id) => real.latest(id),
      writeAlertEvents: (events) => real.writeAlertEvents(events),
      queryAlertEvents: (q) => {
        rebuilds++;
        return real.queryAlertEvents(q);
      },
    };
    const e = harness.evaluator({ config: { importSettleMs: SETTLE_MS }, store });
    await e.start();
    const atStart = rebuilds;
    for (let h = 1; h <= 4; h++) {
      harness.clock = at(h) + 60_000;
      await publish("late", at(h), h === 2 ? 300 : 30);
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 5));
    await harness.settled();
    const heavy = of("late").filter((x) => x.ruleId === "aqi-hourly-heavy");
    expect(heavy.map((x) => [x.type, x.level, x.startedAt])).toEqual([
      ["raised", "severe", "2026-12-01T02:00:00+08:00"],
    ]);
    expect(rebuilds).toBe(atStart);
  });
});
