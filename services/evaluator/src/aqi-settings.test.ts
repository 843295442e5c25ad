import { createStationRegistry, type Reading } from "@qingshan/domain";
import type { AqiSettings } from "@qingshan/standards";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, H, shippedRules } from "./testdata/fixtures.ts";

// The AQI settings the CLI passes to the evaluator and the API alike (qingshan config `air`),
// through the evaluator (memory bus, writer, DuckDB) and the shipped hourly AQI rule.
const START = Date.parse("2025-06-01T00:00:00+08:00"); // HJ 633-2012

const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-aqi-settings-",
  registry: createStationRegistry([airStation()]),
  rules: shippedRules,
  startClock: START,
});

/** Publishes hour `i` (labelled START + i h) of PM2.5, the wall clock just after it. */
async function publishHour(i: number, pm25: number): Promise<void> {
  const hourEnd = START + i * H;
  harness.clock = hourEnd + 60_000;
  const reading: Reading = {
    stationId: "aq-1",
    metric: "pm25",
    ts: hourEnd - H,
    periodMs: H,
    value: pm25,
    flag: "N",
    source: "mqtt-json",
    receivedAt: hourEnd,
  };
  await harness.bus.publish("readings", [{ key: "aq-1", value: reading }]);
}

/** The hourly AQI alerts of 23 hours of PM2.5 40 µg/m³ and one of 300, under `aqi`. */
async function hourlyAlerts(aqi?: AqiSettings) {
  await harness.evaluator(aqi ? { aqi } : {}).start();
  for (let i = 1; i <= 23; i++) await publishHour(i, 40);
  await publishHour(24, 300);
  await harness.settled();
  return harness.alerts.filter((e) => e.ruleId.startsWith("aqi-hourly-")).map((e) => [e.type, e.value]);
}

describe("evaluator: the 2012 hourly AQI follows air.pmRealtimeBasis2012 (air-aqi.md §3.1)", () => {
  it("auto (2025: the 1-h PM2.5 mean) raises the heavy alert at AQI 350", async () => {
    expect(await hourlyAlerts()).toEqual([["raised", 350]]);
  });

  it("rolling24h indexes the 24-h rolling mean (50.8 µg/m³, AQI 70): no alert", async () => {
    expect(await hourlyAlerts({ pmRealtimeBasis2012: "rolling24h" })).toEqual([]);
  });
});

describe("evaluator: the 2026 hourly AQI follows air.concentrationRounding2026 (provisional)", () => {
  const NOV_28 = Date.parse("2026-11-28T00:00:00+08:00");

  /** The hourly AQI alerts of one hour of PM2.5 150.6 µg/m³ (2026-11-28 01:00), under `aqi`. */
  async function alertsOf(aqi?: AqiSettings) {
    harness.clock = NOV_28 + H + 60_000;
    await harness.evaluator(aqi ? { aqi } : {}).start();
    const reading: Reading = {
      stationId: "aq-1",
      metric: "pm25",
      ts: NOV_28,
      periodMs: H,
      value: 150.6,
      flag: "N",
      source: "mqtt-json",
      receivedAt: NOV_28 + H,
    };
    await harness.bus.publish("readings", [{ key: "aq-1", value: reading }]);
    await harness.settled();
    return harness.alerts.filter((e) => e.ruleId.startsWith("aqi-hourly-")).map((e) => [e.type, e.value]);
  }

  it("half-even (default): 150.6 → 151, AQI 201 raises the heavy alert", async () => {
    expect(await alertsOf()).toEqual([["raised", 201]]);
  });

  it("truncate: 150.6 → 150, AQI 200: no alert", async () => {
    expect(await alertsOf({ concentrationRounding2026: "truncate" })).toEqual([]);
  });
});
