import {
  type AlertEvent,
  createStationRegistry,
  type DataFlag,
  type MetricId,
  type Reading,
} from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { H, riverSection, shippedRules } from "./testdata/fixtures.ts";

// A calibration flag lasting too long (config/rules.yaml dq-flag-too-long: HJ 212-2017 Table 8
// flags C/M, local maximum 4 h) through the evaluator, the writer and DuckDB; a restart is a new
// evaluator on the same store. The flag run is longer than the quality trackers' raw window
// (qualityHours, 48 h by default), as an analyser left in calibration over a weekend is.
const RULE = "dq-flag-too-long";
const STATION = "wq-f";
/** The first hour's end (Beijing 28 Nov 2026 00:00). */
const NOW0 = Date.parse("2026-11-28T00:00:00+08:00");
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-flag-",
  registry: createStationRegistry([riverSection(STATION)]),
  rules: shippedRules,
  startClock: NOW0,
});
const { evaluator, settled, restart } = harness;

type Metric = "do" | "codmn" | "nh3n" | "tp";

/** Hours [from, to) labelled NOW0 + i h, each published just after its end; `tpFlag(i)` is TP's flag. */
async function live(from: number, to: number, tpFlag: (i: number) => DataFlag): Promise<void> {
  for (let i = from; i < to; i++) {
    const hourEnd = NOW0 + i * H;
    harness.clock = hourEnd + 60_000;
    // Every value varies (no stuck sensor); TP's readings during calibration are the analyser's own.
    const v: Record<Metric, number> = {
      do: 7 + (i % 10) / 10,
      codmn: 3 + (i % 7) / 10,
      nh3n: 0.4 + (i % 5) / 100,
      tp: 0.05 + (i % 9) / 100,
    };
    await harness.bus.publish(
      "readings",
      (Object.keys(v) as Metric[]).map((metric) => ({
        key: STATION,
        value: {
          stationId: STATION,
          metric: metric as MetricId,
          ts: hourEnd - H,
          periodMs: H,
          value: v[metric],
          flag: metric === "tp" ? tpFlag(i) : "N",
          source: "mqtt-json",
          receivedAt: harness.clock,
        } satisfies Reading,
      })),
    );
  }
}

const calibrating = (): DataFlag => "C";

const flagged = () => harness.alerts.filter((a) => a.ruleId === RULE);

async function storedReadings(): Promise<number> {
  return (
    await harness.store.queryReadings({ stationId: STATION, from: NOW0 - 10 * H, to: harness.clock + H })
  ).length;
}

// TP flagged C from the reading of 28 Nov 00:00 on (hour 1): lasting 4 h (maxDuration) with the
// reading of 03:00 (hourly reporting), so raised for the hour ending 04:00.
const ID = `${RULE}:${STATION}:2026-11-28T04:00:00+08:00`;

describe("a flag lasting too long across restarts", () => {
  it("an ongoing flag-too-long alert continues under its id after restarts, its text saying since when", async () => {
    await evaluator().start();
    await live(1, 61, calibrating);
    await settled();
    await waitFor(async () => (await storedReadings()) === 4 * 60, { timeoutMs: 10_000 });
    expect(flagged().map((a) => [a.type, a.alertId])).toEqual([["raised", ID]]);

    // Before the fix: the alert resolved at the restart (the trackers rebuilt from 48 h of readings
    // only: the flag run started anew at the window's start) and was raised again 4 h later.
    await restart();
    await restart();
    expect(flagged().map((a) => [a.type, a.alertId])).toEqual([["raised", ID]]);
    await live(61, 63, calibrating);
    await settled();
    // An hour later the quality window (48 h) has moved on: still the same alert.
    await restart();
    await live(63, 66, calibrating);
    await settled();
    expect(flagged().map((a) => [a.type, a.alertId])).toEqual([["raised", ID]]);
    const stored = await harness.store.queryAlertEvents({ ruleId: RULE });
    expect(stored.map((a) => [a.type, a.alertId])).toEqual([["raised", ID]]);

    const raised = flagged()[0] as AlertEvent;
    expect(raised.metric).toBe("tp");
    expect(raised.message.zh).toContain("总磷 自 11月28日 00:00 起标记 C 已持续 4 小时");
    expect(raised.message.en).toContain("flagged C for 4 h since 28 Nov 00:00");
    expect(raised.details?.map((d) => [d.metric, d.since])).toEqual([["tp", "2026-11-28T00:00:00+08:00"]]);
  });

  it("a flag run ending after the restart resolves the original alert, nothing raised anew", async () => {
    await evaluator().start();
    await live(1, 61, calibrating);
    await settled();
    await waitFor(async () => (await storedReadings()) === 4 * 60, { timeoutMs: 10_000 });
    await restart();
    await live(61, 63, calibrating);
    await settled();
    await restart();
    // Calibration over: TP reads N again from the reading of hour 63 on.
    await live(63, 67, (i) => (i < 63 ? "C" : "N"));
    await settled();
    expect(flagged().map((a) => [a.type, a.alertId])).toEqual([
      ["raised", ID],
      ["resolved", ID],
    ]);
  });
});
