import {
  type AlertEvent,
  createStationRegistry,
  foldAlertEvents,
  type MetricId,
  type Reading,
} from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { DEC_1, H, shippedRules } from "./testdata/fixtures.ts";

// A red heavy-pollution warning across a short PM2.5 analyser gap, through the evaluator (memory
// bus, writer, DuckDB) and the shipped rules: the 24-h AQI of the windows missing PM2.5 is partial
// (heavy-pollution-warning.md §3.1: it may satisfy a condition, never clear one) and must neither
// end the episode nor step the warning down once PM2.5 is back.
const METRICS: MetricId[] = ["pm25", "pm10", "no2", "so2", "co", "o3"];
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-warning-partial-",
  registry: createStationRegistry([
    {
      id: "aq-1",
      name: { zh: "莲都站", en: "Liandu station" },
      kind: "air",
      metrics: METRICS,
      location: { lat: 28.4, lon: 119.9 },
      township: "万象街道",
    },
  ]),
  rules: shippedRules,
  startClock: DEC_1,
});

/** PM2.5 300 µg/m³ (24-h IAQI 350) and PM10 150 every hour; PM2.5 without a reading in hours 90–94. */
const VALUES = { pm25: 300, pm10: 150, no2: 40, so2: 10, co: 1, o3: 40 } as const;
const GAP = (i: number) => i >= 90 && i <= 94;

/** Publishes hours [from, to] (hour i labelled 1 Dec 00:00 + i h), the wall clock just after each. */
async function publishHours(from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) {
    const hourEnd = DEC_1 + i * H;
    harness.clock = hourEnd + 60_000;
    const readings = METRICS.filter((m) => m !== "pm25" || !GAP(i)).map((metric) => {
      const value: Reading = {
        stationId: "aq-1",
        metric,
        ts: hourEnd - H,
        periodMs: H,
        value: VALUES[metric as keyof typeof VALUES],
        flag: "N",
        source: "mqtt-json",
        receivedAt: hourEnd,
      };
      return { key: "aq-1", value };
    });
    await harness.bus.publish("readings", readings);
  }
}

const warning = (): AlertEvent[] => harness.alerts.filter((e) => e.ruleId === "heavy-pollution-warning");
const ESCALATION = [
  ["raised", "yellow", "2026-12-01T20:00:00+08:00", true],
  ["level_changed", "orange", "2026-12-02T20:00:00+08:00", true],
  ["level_changed", "red", "2026-12-03T20:00:00+08:00", true],
];

describe("evaluator: a red heavy-pollution warning across a PM2.5 analyser gap (shipped rules)", () => {
  it("stays red through the gap and after it: no step down, conditionHolds stays true (reminders continue)", async () => {
    await harness.evaluator().start();
    await publishHours(1, 160);
    await harness.settled();
    expect(warning().map((e) => [e.type, e.level, e.dataTime, e.conditionHolds])).toEqual(ESCALATION);
    expect(warning().every((e) => e.value === 350)).toBe(true);
    // As stored, and as the notifier folds it: open, red, its condition holding.
    const stored = await harness.store.queryAlertEvents({ ruleId: "heavy-pollution-warning" });
    expect(stored.map((e) => e.id)).toEqual(warning().map((e) => e.id));
    const [state] = foldAlertEvents(stored);
    expect(state).toMatchObject({ status: "open", level: "red", conditionHolds: true });
    // The primary pollutant of the episode's AQI24 values, with its concentration (§3.3).
    expect(warning()[2]?.details).toEqual([
      expect.objectContaining({
        metric: "pm25",
        value: 300,
        note: expect.stringContaining("primary in 49 of the 49 complete hourly 24-h rolling AQI values"),
      }),
    ]);
  });

  it("a restart while the AQI24 is partial neither re-raises nor steps the warning down", async () => {
    await harness.evaluator().start();
    await publishHours(1, 100);
    await harness.settled();
    await harness.restart();
    await publishHours(101, 160);
    await harness.settled();
    expect(warning().map((e) => [e.type, e.level, e.dataTime, e.conditionHolds])).toEqual(ESCALATION);
    const [state] = foldAlertEvents(
      await harness.store.queryAlertEvents({ ruleId: "heavy-pollution-warning" }),
    );
    expect(state).toMatchObject({ status: "open", level: "red", conditionHolds: true });
  });
});
