import { type AlertEvent, createStationRegistry, type MetricId, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { H, riverSection, shippedRules } from "./testdata/fixtures.ts";

// A water station's stuck sensor (config/rules.yaml dq-stuck-sensor-water: 8 identical values in a
// row, a local Qingshan data-quality check) through the evaluator, the writer and DuckDB; a restart
// is a new evaluator on the same store. The run is longer than the quality trackers' raw window
// (qualityHours, 48 h by default), as a sensor stuck for days is.
const RULE = "dq-stuck-sensor-water";
const STATION = "wq-s";
/** The first hour's end (Beijing 28 Nov 2026 00:00). */
const NOW0 = Date.parse("2026-11-28T00:00:00+08:00");
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-stuck-",
  registry: createStationRegistry([riverSection(STATION)]),
  rules: shippedRules,
  startClock: NOW0,
});
const { evaluator, settled, restart } = harness;

type Values = Record<"do" | "codmn" | "nh3n" | "tp", number>;

/** Hours [from, to) labelled NOW0 + i h, each published just after its end. */
async function live(from: number, to: number, values: (i: number) => Values): Promise<void> {
  for (let i = from; i < to; i++) {
    const hourEnd = NOW0 + i * H;
    harness.clock = hourEnd + 60_000;
    const v = values(i);
    await harness.bus.publish(
      "readings",
      (Object.keys(v) as MetricId[]).map((metric) => ({
        key: STATION,
        value: {
          stationId: STATION,
          metric,
          ts: hourEnd - H,
          periodMs: H,
          value: v[metric as keyof Values],
          flag: "N",
          source: "mqtt-json",
          receivedAt: harness.clock,
        } satisfies Reading,
      })),
    );
  }
}

/** TP stuck at 0.08 mg/L; DO, CODMn and NH3-N vary every hour (DO 3.5 from hour 25 to 29). */
const tpStuck = (i: number): Values => ({
  do: i >= 25 && i < 30 ? 3.5 + i / 100 : 7 + (i % 10) / 10,
  codmn: 3 + (i % 7) / 10,
  nh3n: 0.4 + (i % 5) / 100,
  tp: 0.08,
});

const stuck = () => harness.alerts.filter((a) => a.ruleId === RULE);

async function storedReadings(): Promise<number> {
  return (
    await harness.store.queryReadings({ stationId: STATION, from: NOW0 - 10 * H, to: harness.clock + H })
  ).length;
}

describe("a stuck sensor across restarts", () => {
  it("an ongoing stuck-sensor alert continues under its id after restarts, its text naming the stuck metric and since when", async () => {
    await evaluator().start();
    await live(1, 61, tpStuck);
    await settled();
    await waitFor(async () => (await storedReadings()) === 4 * 60, { timeoutMs: 10_000 });
    const live0 = stuck();
    // TP 0.08 from the reading of 28 Nov 00:00 on (hour 1): 8 identical values at the hour ending 08:00.
    expect(live0.map((a) => [a.type, a.alertId])).toEqual([
      ["raised", `${RULE}:${STATION}:2026-11-28T08:00:00+08:00`],
    ]);
    expect(live0[0]?.metric).toBe("tp");

    // Before the fix: the alert resolved at the restart and was raised again under a new id (the
    // trackers rebuilt from 48 h of readings only), the new text naming another metric.
    await restart();
    await restart();
    expect(stuck().map((a) => [a.type, a.alertId])).toEqual(live0.map((a) => [a.type, a.alertId]));
    await live(61, 63, tpStuck);
    await settled();
    // An hour later the quality window (48 h) has moved on: still the same alert.
    await restart();
    await live(63, 64, tpStuck);
    await settled();
    expect(stuck().map((a) => [a.type, a.alertId])).toEqual(live0.map((a) => [a.type, a.alertId]));
    const stored = await harness.store.queryAlertEvents({ ruleId: RULE });
    expect(stored.map((a) => [a.type, a.alertId])).toEqual(live0.map((a) => [a.type, a.alertId]));

    const raised = live0[0] as AlertEvent;
    expect(raised.message.zh).toContain("总磷");
    expect(raised.message.zh).toContain("0.08");
    expect(raised.message.zh).toContain("11月28日 00:00");
    expect(raised.message.zh).not.toContain("溶解氧");
  });

  it("a run broken after the restart resolves the live alert (the rebuilt tracker is live's)", async () => {
    await evaluator().start();
    await live(1, 61, tpStuck);
    await settled();
    await waitFor(async () => (await storedReadings()) === 4 * 60, { timeoutMs: 10_000 });
    await restart();
    await live(61, 63, (i) => ({ ...tpStuck(i), tp: 0.05 + i / 1000 }));
    await settled();
    expect(stuck().map((a) => [a.type, a.alertId])).toEqual([
      ["raised", `${RULE}:${STATION}:2026-11-28T08:00:00+08:00`],
      ["resolved", `${RULE}:${STATION}:2026-11-28T08:00:00+08:00`],
    ]);
  });

  it("several stuck metrics are one alert of the station, naming each with its value and since when", async () => {
    // TP and NH3-N stuck from the first reading (28 Nov 00:00); DO varies, then reads 7.5 from the
    // reading of 28 Nov 03:00 on.
    const three = (i: number): Values => ({
      do: i < 4 ? 6 + i / 10 : 7.5,
      codmn: 3 + (i % 7) / 10,
      nh3n: 0.5,
      tp: 0.08,
    });
    await evaluator().start();
    await live(1, 13, three);
    await settled();
    const raised = stuck();
    expect(raised.map((a) => [a.type, a.alertId])).toEqual([
      ["raised", `${RULE}:${STATION}:2026-11-28T08:00:00+08:00`],
    ]);
    // Before: metric "nh3n" and its value, the subject naming only it.
    const event = raised[0] as AlertEvent;
    expect(event.metric).toBeUndefined();
    expect(event.value).toBeUndefined();
    expect(event.details?.map((d) => [d.metric, d.value, d.since])).toEqual([
      ["nh3n", 0.5, "2026-11-28T00:00:00+08:00"],
      ["tp", 0.08, "2026-11-28T00:00:00+08:00"],
    ]);
    expect(event.message.zh).toContain("氨氮 自 11月28日 00:00 起连续 8 次读数相同（0.5）");
    expect(event.message.zh).toContain("总磷 自 11月28日 00:00 起连续 8 次读数相同（0.08）");
    await live(13, 16, three);
    await settled();
    // DO joining the finding is no new alert (one per rule and station).
    expect(stuck()).toHaveLength(1);
  });

  it("a run that starts within an hour of 10-minute readings keeps its alert id across a restart", async () => {
    const M = 10 * 60_000;
    /** Readings i ∈ [from, to) at NOW0 + i × 10 min; TP 0.08 from the reading of 00:30 on (i = 3). */
    async function tenMinutes(from: number, to: number): Promise<void> {
      for (let i = from; i < to; i++) {
        const ts = NOW0 + i * M;
        harness.clock = ts + M + 60_000;
        const v: Values = {
          do: 7 + (i % 9) / 10,
          codmn: 3 + (i % 7) / 10,
          nh3n: 0.4 + (i % 5) / 100,
          tp: i < 3 ? 0.05 + i / 100 : 0.08,
        };
        await harness.bus.publish(
          "readings",
          (Object.keys(v) as MetricId[]).map((metric) => ({
            key: STATION,
            value: {
              stationId: STATION,
              metric,
              ts,
              periodMs: M,
              value: v[metric as keyof Values],
              flag: "N",
              source: "mqtt-json",
              receivedAt: harness.clock,
            } satisfies Reading,
          })),
        );
      }
    }
    await evaluator().start();
    await tenMinutes(0, 56 * 6);
    await settled();
    await waitFor(async () => (await storedReadings()) === 4 * 56 * 6, { timeoutMs: 10_000 });
    // 3 identical readings in the hour ending 01:00, the 8th at 01:40: raised for the hour ending 02:00.
    const id = `${RULE}:${STATION}:2026-11-28T02:00:00+08:00`;
    expect(stuck().map((a) => [a.type, a.alertId])).toEqual([["raised", id]]);
    await restart();
    await tenMinutes(56 * 6, 57 * 6);
    await settled();
    // Before the fix: resolved at the restart, raised again 48 h later.
    expect(stuck().map((a) => [a.type, a.alertId])).toEqual([["raised", id]]);
  });
});
