import { createStationRegistry, type DataFlag, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import type { Evaluator, EvaluatorStore } from "./evaluator.ts";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, DEC_1, H, hourPm25, shippedRules } from "./testdata/fixtures.ts";

// Live copies of counted times whose change the hour's aggregates do not show (live-correction.test.ts
// has the ones they do): corrections cancelling out within an hour, a change between two invalid
// flags, a change of the sampling period only. Real DuckDB store, writer and in-process bus.
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-correction-runs-",
  registry: createStationRegistry([airStation("aq-1")]),
  rules: shippedRules,
  startClock: DEC_1,
});

const SETTLE_MS = 100;
const h1 = DEC_1 + H;

/** The harness's DuckDB store, counting the station rebuilds (each reads the stored alert events once). */
function countingStore(): { readonly store: EvaluatorStore; rebuilds: () => number } {
  const real = harness.store;
  let rebuilds = 0;
  return {
    store: {
      queryHourly: (q) => real.queryHourly(q),
      queryReadings: (q) => real.queryReadings(q),
      latest: (id) => real.latest(id),
      writeAlertEvents: (events) => real.writeAlertEvents(events),
      queryAlertEvents: (q) => {
        rebuilds++;
        return real.queryAlertEvents(q);
      },
    },
    rebuilds: () => rebuilds,
  };
}

async function publish(...readings: Reading[]): Promise<void> {
  await harness.bus.publish(
    "readings",
    readings.map((value) => ({ key: value.stationId, value })),
  );
  await harness.settled();
}

/** Well past the settle time: a settle rebuild or check, if one was scheduled, has run. */
async function pastSettle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 5));
  await harness.settled();
}

/** PM2.5 of minute `k` of the hour ending h1 (a 1-min average unless `periodMs` says otherwise). */
const minute = (k: number, value: number, { periodMs = 60_000, flag = "N" as DataFlag } = {}): Reading => ({
  ...hourPm25(h1, value, { flag }),
  ts: h1 - H + k * 60_000,
  periodMs,
  receivedAt: h1 - H + (k + 1) * 60_000,
});

/** What the rules read of aq-1's PM2.5 at the hours `hours`: the hours, the 24-h window, the tracker. */
function figures(e: Evaluator, hours: readonly number[]) {
  const view = e.view("aq-1");
  const q = view?.quality("pm25");
  const last = hours[hours.length - 1] as number;
  return {
    hours: hours.map((h) => view?.hour("pm25", h)),
    rolling24: view?.rolling("pm25", 24, last),
    quality: q && {
      lastValue: q.lastValue,
      lastFlag: q.lastFlag,
      lastTs: q.lastTs,
      repeats: q.repeats,
      runSince: q.runSince,
      flagRunSince: q.flagRunSince,
    },
  };
}

/** The live evaluator's figures equal those of a new evaluator rebuilt from the store (a restart). */
async function expectSameAsFreshRebuild(live: Evaluator, hours: readonly number[]): Promise<void> {
  const before = figures(live, hours);
  expect(before.quality).toBeDefined();
  await harness.restart();
  const fresh = harness.evaluators[harness.evaluators.length - 1] as Evaluator;
  expect(figures(fresh, hours)).toEqual(before);
}

const events = (ruleId: string) =>
  harness.alerts.filter((a) => a.ruleId === ruleId && a.stationId === "aq-1").map((a) => a.type);

/**
 * Minutes 0–49 of the hour ending h1: 30, 31, 32 in turn, minute 10 at 20, and minutes 42–49 at
 * 20 — eight identical values in a row: a stuck sensor (config/rules.yaml dq-stuck-sensor-air).
 */
const stuckMinute = (k: number): Reading => minute(k, k >= 42 || k === 10 ? 20 : 30 + (k % 3));

describe("corrections cancelling out within an hour", { timeout: 30_000 }, () => {
  it("two minutes swapping values inside the stuck-sensor run: rebuilt, the alert resolved", async () => {
    const live = harness.evaluator({ config: { importSettleMs: SETTLE_MS } });
    await live.start();
    harness.clock = h1 + 60_000;
    await publish(...Array.from({ length: 50 }, (_, k) => stuckMinute(k)));
    expect(events("dq-stuck-sensor-air")).toEqual(["raised"]);
    // Minutes 41 (32) and 42 (20) re-sent swapped: the hour's count, sum and sampled time stay, but
    // the run of 20s is now minutes 43–49, seven values: no stuck sensor.
    await publish(minute(41, 20), minute(42, 32));
    await waitFor(() => events("dq-stuck-sensor-air").length > 1, { timeoutMs: 15_000 });
    expect(events("dq-stuck-sensor-air")).toEqual(["raised", "resolved"]);
    await expectSameAsFreshRebuild(live, [h1]);
  });

  it("a swap making the reading before the stuck-sensor run continue it: rebuilt, the run starts there", async () => {
    const live = harness.evaluator({ config: { importSettleMs: SETTLE_MS } });
    await live.start();
    harness.clock = h1 + 60_000;
    await publish(...Array.from({ length: 50 }, (_, k) => stuckMinute(k)));
    // Minutes 10 (20) and 41 (32) re-sent swapped: the run of 20s now starts at minute 41, nine values.
    await publish(minute(10, 32), minute(41, 20));
    await waitFor(() => live.view("aq-1")?.quality("pm25")?.repeats === 9, { timeoutMs: 15_000 });
    expect(live.view("aq-1")?.quality("pm25")?.runSince).toBe(h1 - H + 41 * 60_000);
    await expectSameAsFreshRebuild(live, [h1]);
  });

  it("a swap away from the tracker's run changes nothing the evaluator holds: no rebuild", async () => {
    const counting = countingStore();
    const live = harness.evaluator({ config: { importSettleMs: SETTLE_MS }, store: counting.store });
    await live.start();
    harness.clock = h1 + 60_000;
    await publish(...Array.from({ length: 50 }, (_, k) => stuckMinute(k)));
    const atStart = counting.rebuilds();
    // Minutes 5 (32) and 6 (30) re-sent swapped: the windows keep the hour's count, sum and sampled
    // time, the tracker the run of 20s from minute 42 and the reading before it (minute 41).
    await publish(minute(5, 30), minute(6, 32));
    await pastSettle();
    expect(counting.rebuilds()).toBe(atStart);
    await expectSameAsFreshRebuild(live, [h1]);
  });
});

describe("an older reading's flag changed between two invalid flags", { timeout: 30_000 }, () => {
  const hours = [1, 2, 3, 4, 5, 6, 7].map((i) => DEC_1 + i * H);
  /** Hourly PM2.5 of hours 1–7 (varying: no stuck sensor), flagged by `flagOf(i)`. */
  const hourly = (flagOf: (i: number) => DataFlag): Reading[] =>
    hours.map((h, i) => hourPm25(h, 20 + i, { flag: flagOf(i + 1) }));
  // Lateness 4 h: hour 4's copy is 3 h behind hour 7 (the harness's 2 h would ignore it as too late).
  const config = { importSettleMs: SETTLE_MS, latenessMs: 4 * H };

  it("D → M just before a run of M: the run now lasts 4 h, the flag-too-long alert is raised", async () => {
    const live = harness.evaluator({ config });
    await live.start();
    harness.clock = DEC_1 + 7 * H + 60_000;
    // Hours 1–3 N, hour 4 D (instrument fault), hours 5–7 M (maintenance): M for 3 h, under the
    // 4 h of config/rules.yaml dq-flag-too-long (HJ 212-2017 Table 8 flags C, M).
    await publish(...hourly((i) => (i <= 3 ? "N" : i === 4 ? "D" : "M")));
    expect(events("dq-flag-too-long")).toEqual([]);
    // Hour 4 re-sent as M: both invalid, the hour's aggregate the same, but M now runs from hour 4.
    await publish(hourPm25(hours[3] as number, 23, { flag: "M" }));
    await waitFor(() => events("dq-flag-too-long").length > 0, { timeoutMs: 15_000 });
    expect(events("dq-flag-too-long")).toEqual(["raised"]);
    await expectSameAsFreshRebuild(live, hours);
  });

  it("M → D inside a run of M lasting 4 h: rebuilt, the flag-too-long alert resolved", async () => {
    const live = harness.evaluator({ config });
    await live.start();
    harness.clock = DEC_1 + 7 * H + 60_000;
    // Hours 1–3 N, hours 4–7 M: M for 4 h, raised.
    await publish(...hourly((i) => (i <= 3 ? "N" : "M")));
    expect(events("dq-flag-too-long")).toEqual(["raised"]);
    // Hour 4 re-sent as D: M now runs from hour 5, 3 h.
    await publish(hourPm25(hours[3] as number, 23, { flag: "D" }));
    await waitFor(() => events("dq-flag-too-long").length > 1, { timeoutMs: 15_000 });
    expect(events("dq-flag-too-long")).toEqual(["raised", "resolved"]);
    await expectSameAsFreshRebuild(live, hours);
  });

  it("D → M away from the tracker's run changes nothing the evaluator holds: no rebuild", async () => {
    const counting = countingStore();
    const live = harness.evaluator({ config, store: counting.store });
    await live.start();
    harness.clock = DEC_1 + 7 * H + 60_000;
    await publish(...hourly((i) => (i === 2 ? "D" : "N")));
    const atStart = counting.rebuilds();
    // Hour 2 re-sent as M: invalid either way (the windows count it in the hour's total only), and
    // the trackers hold the run from hour 7 and the reading before it.
    await publish(hourPm25(hours[1] as number, 21, { flag: "M" }));
    await pastSettle();
    expect(counting.rebuilds()).toBe(atStart);
    await expectSameAsFreshRebuild(live, hours);
  });
});

describe("a copy changing the sampling period only", { timeout: 30_000 }, () => {
  // GB 3095-2012 Table 4: a 1-h mean needs ≥ 45 min of sampling in the hour.
  const validity = (e: Evaluator, h: number) => e.view("aq-1")?.hour("pm25", h)?.valid;

  it("the newest hour re-sent as a 30-min average: rebuilt, the hour invalid", async () => {
    const live = harness.evaluator({ config: { importSettleMs: SETTLE_MS } });
    await live.start();
    harness.clock = h1 + 60_000;
    await publish(hourPm25(h1, 20));
    expect(validity(live, h1)).toBe(true);
    await publish({ ...hourPm25(h1, 20), periodMs: 30 * 60_000 });
    await waitFor(() => validity(live, h1) === false, { timeoutMs: 15_000 });
    await expectSameAsFreshRebuild(live, [h1]);
  });

  it("an older hour re-sent as a 30-min average: rebuilt, the hour invalid", async () => {
    const live = harness.evaluator({ config: { importSettleMs: SETTLE_MS } });
    await live.start();
    harness.clock = h1 + H + 60_000;
    await publish(hourPm25(h1, 20), hourPm25(h1 + H, 21));
    expect(validity(live, h1)).toBe(true);
    await publish({ ...hourPm25(h1, 20), periodMs: 30 * 60_000 });
    await waitFor(() => validity(live, h1) === false, { timeoutMs: 15_000 });
    await expectSameAsFreshRebuild(live, [h1, h1 + H]);
  });

  it("minutes re-sent as 15-s averages: the store's sampled time differs, rebuilt, the hour invalid", async () => {
    const live = harness.evaluator({ config: { importSettleMs: SETTLE_MS } });
    await live.start();
    harness.clock = h1 + 60_000;
    // One value throughout, so the store's duration-weighted mean stays the windows' arithmetic one
    // (store README): the hour's sampled time alone tells the copies apart.
    await publish(...Array.from({ length: 50 }, (_, k) => minute(k, 20)));
    expect(validity(live, h1)).toBe(true);
    // 30 min + 20 × 15 s = 35 min of sampling.
    await publish(...Array.from({ length: 20 }, (_, k) => minute(k, 20, { periodMs: 15_000 })));
    await waitFor(() => validity(live, h1) === false, { timeoutMs: 15_000 });
    expect(live.view("aq-1")?.hour("pm25", h1)).toMatchObject({ count: 50, sampledMs: 35 * 60_000 });
    await expectSameAsFreshRebuild(live, [h1]);
  });
});
