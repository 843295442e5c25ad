import { createStationRegistry, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import type { EvaluatorStore } from "./evaluator.ts";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, DEC_1, H, hourPm25, shippedRules } from "./testdata/fixtures.ts";

const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-correction-",
  registry: createStationRegistry([airStation("aq-1")]),
  rules: shippedRules,
  startClock: DEC_1,
});

const SETTLE_MS = 100;

const heavy = () =>
  harness.alerts
    .filter((a) => a.ruleId === "aqi-hourly-heavy" && a.stationId === "aq-1")
    .map((a) => [a.type, a.dataTime]);

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

/** Well past the settle time: a settle rebuild, if one was scheduled, has run. */
const pastSettle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS * 5));

describe("a live copy of a counted time with a corrected value", { timeout: 30_000 }, () => {
  it("a corrected hour pushing the AQI over 200 raises the heavy-pollution alert once settled", async () => {
    await harness.evaluator({ config: { importSettleMs: SETTLE_MS } }).start();
    const h1 = DEC_1 + H;
    harness.clock = h1 + 60_000;
    await publish(hourPm25(h1, 20));
    expect(heavy()).toEqual([]);
    // The station re-sends the hour corrected: PM2.5 200 µg/m³, IAQI 250 (HJ 633-2012 Table 1) > 200.
    await publish(hourPm25(h1, 200));
    await waitFor(() => heavy().length > 0, { timeoutMs: 15_000 });
    expect(heavy()).toEqual([["raised", "2026-12-01T01:00:00+08:00"]]);
    expect(
      (await harness.store.queryReadings({ stationId: "aq-1", from: DEC_1, to: h1 })).map((r) => r.value),
    ).toEqual([200]);
  });

  it("a corrected hour taking the AQI back under 180 starts the clear countdown at that hour", async () => {
    await harness.evaluator({ config: { importSettleMs: SETTLE_MS } }).start();
    const h1 = DEC_1 + H;
    harness.clock = h1 + 60_000;
    await publish(hourPm25(h1, 200));
    expect(heavy()).toEqual([["raised", "2026-12-01T01:00:00+08:00"]]);
    // The 200 was a fault: the station re-sends the hour as 20 (IAQI 29).
    await publish(hourPm25(h1, 20));
    await pastSettle();
    await harness.settled();
    // Clean hours: with the corrected 01:00 the clear countdown (2 h ≤ 180, then 3 h of damping:
    // config/rules.yaml clear.for, damping) runs from 01:00; with the stale 200 it would from 02:00.
    for (let h = h1 + H; h <= h1 + 8 * H; h += H) {
      harness.clock = h + 60_000;
      await publish(hourPm25(h, 20));
    }
    expect(heavy()).toEqual([
      ["raised", "2026-12-01T01:00:00+08:00"],
      ["resolved", "2026-12-01T05:00:00+08:00"],
    ]);
  });

  it("an identical redelivery rebuilds nothing; a changed flag does", async () => {
    const counting = countingStore();
    await harness.evaluator({ config: { importSettleMs: SETTLE_MS }, store: counting.store }).start();
    const h1 = DEC_1 + H;
    const h2 = h1 + H;
    harness.clock = h2 + 60_000;
    await publish(hourPm25(h1, 20), hourPm25(h2, 30));
    const atStart = counting.rebuilds();
    // A QoS 1 redelivery of both hours (the newest and an older one), same values and flags.
    await publish(hourPm25(h1, 20), hourPm25(h2, 30));
    await pastSettle();
    expect(counting.rebuilds()).toBe(atStart);
    // The older hour re-sent flagged as under calibration (C): the windows must drop its value.
    await publish(hourPm25(h1, 20, { flag: "C" }));
    await waitFor(() => counting.rebuilds() > atStart, { timeoutMs: 15_000 });
    expect(counting.rebuilds()).toBe(atStart + 1);
  });

  it("minute data: resent older minutes are checked against the stored hour; only a changed one rebuilds", async () => {
    const counting = countingStore();
    await harness.evaluator({ config: { importSettleMs: SETTLE_MS }, store: counting.store }).start();
    const h1 = DEC_1 + H;
    harness.clock = h1 + 60_000;
    const minute = (k: number, value: number): Reading => ({
      ...hourPm25(h1, value),
      ts: h1 - H + k * 60_000,
      periodMs: 60_000,
      receivedAt: h1 - H + (k + 1) * 60_000,
    });
    await publish(...Array.from({ length: 50 }, (_, k) => minute(k, 20)));
    const atStart = counting.rebuilds();
    // The station re-sends five unacknowledged minutes after a reconnect, unchanged: the windows keep
    // the hour's sum, not these values, so the store's aggregate of the hour decides.
    await publish(...[10, 11, 12, 13, 14].map((k) => minute(k, 20)));
    await pastSettle();
    expect(counting.rebuilds()).toBe(atStart);
    expect(heavy()).toEqual([]);
    // Minute 10 corrected to 7020: the hour's mean becomes 160 µg/m³, IAQI 210 (HJ 633-2012 Table 1).
    await publish(minute(10, 7020));
    await waitFor(() => heavy().length > 0, { timeoutMs: 15_000 });
    expect(counting.rebuilds()).toBe(atStart + 1);
    expect(heavy()).toEqual([["raised", "2026-12-01T01:00:00+08:00"]]);
  });
});
