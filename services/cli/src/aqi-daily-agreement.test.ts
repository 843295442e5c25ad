import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "@qingshan/api";
import { createMemoryBus } from "@qingshan/bus";
import {
  type AlertEvent,
  createStationRegistry,
  HOUR_MS,
  type MetricId,
  type Reading,
} from "@qingshan/domain";
import { createEvaluator } from "@qingshan/evaluator";
import { parseRules } from "@qingshan/rules";
import { createDuckDbStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { createWriter } from "@qingshan/writer";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";

// The API's /aqi and the evaluator's day-window AQI alerts compute the same 2012 daily AQI: both
// take the O3 daily maximum 1-h mean by @qingshan/standards o3DailyMax1hValidity (≥ 20 valid hours,
// or above the GB 3095 1-h limit).
const cleanups = cleanupsAfterEach();
const logger = pino({ level: "silent" });

const registry = createStationRegistry([
  {
    id: "aq-1",
    name: { zh: "莲都站", en: "Liandu station" },
    kind: "air",
    metrics: ["so2", "no2", "co", "o3", "pm10", "pm25"],
    location: { lat: 28.4, lon: 119.9 },
    township: "万象街道",
  },
]);

const RULES = parseRules(
  `
rules:
  - id: aqi-daily-light
    description: { zh: 日AQI轻度及以上污染, en: Daily AQI lightly polluted or worse }
    appliesTo: { kind: air }
    subject: { index: aqi }
    window: day
    comparison: ">"
    threshold: 100
    severity: warning
    standard: HJ 633
`,
  "test-rules.yaml",
);

const DAY = "2025-06-01"; // HJ 633-2012
const START = Date.parse(`${DAY}T00:00:00+08:00`);

function hourly(metric: MetricId, from: number, values: readonly number[]): Reading[] {
  return values.map((value, i) => ({
    stationId: "aq-1",
    metric,
    ts: from + i * HOUR_MS,
    periodMs: HOUR_MS,
    value,
    flag: "N",
    source: "mqtt-json",
    receivedAt: from + (i + 1) * HOUR_MS,
  }));
}

describe("2012 daily AQI: /aqi and the evaluator's day-window alert agree", () => {
  it("a day with 15 valid O3 hours and an O3 1-h maximum above the 200 µg/m³ limit: AQI 150 in both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qingshan-aqi-agreement-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = createDuckDbStore({ path: join(dir, "q.duckdb"), threads: 1 });
    await store.start();
    cleanups.push(() => store.stop());
    const bus = createMemoryBus();
    await bus.start();
    cleanups.push(() => bus.stop());
    const writer = createWriter({ bus, store, logger });
    await writer.start();
    cleanups.push(() => writer.stop());
    const alerts: AlertEvent[] = [];
    await bus.subscribe<AlertEvent>("alerts", { group: "test" }, async (batch) => {
      alerts.push(...batch.map((d) => d.value));
    });
    const now = START + 25 * HOUR_MS;
    const evaluator = createEvaluator(
      { latenessMs: 2 * HOUR_MS, sweepSchedule: "0 0 1 1 *" },
      { bus, store, registry, rules: RULES, logger, now: () => now, metricsRegistry: new Registry() },
    );
    await evaluator.start();
    let stopped = false;
    cleanups.push(() => (stopped ? undefined : evaluator.stop()));

    const full = (v: number) => Array(24).fill(v) as number[];
    // O3 in the 15 hours labelled 01:00…15:00 only, one of them 300 µg/m³ (IAQI 150; 1-h limit 200).
    const o3 = [...Array(7).fill(100), 300, ...Array(7).fill(100)] as number[];
    const readings = [
      ...hourly("so2", START, full(10)),
      ...hourly("no2", START, full(30)),
      ...hourly("co", START, full(0.8)),
      ...hourly("pm10", START, full(80)),
      ...hourly("pm25", START, full(50)),
      ...hourly("o3", START, o3),
    ].sort((a, b) => a.ts - b.ts);
    await bus.publish(
      "readings",
      readings.map((r) => ({ key: r.stationId, value: r })),
    );
    const partition = bus.partitionFor("readings", "aq-1");
    await waitFor(
      async () =>
        (await bus.committedOffsets("evaluator", "readings")).get(partition) === String(readings.length) &&
        (await bus.committedOffsets("writer", "readings")).get(partition) === String(readings.length),
      { what: "the readings evaluated and stored" },
    );
    await evaluator.stop();
    stopped = true;
    await waitFor(async () => bus.depth().alerts === 0, { what: "the alerts delivered" });

    const app = createApp({ store, registry, now: () => now, metricsRegistry: new Registry() });
    cleanups.push(() => app.close());
    const response = await app.inject({
      url: `/api/v1/aqi?station=aq-1&period=day&from=${encodeURIComponent(`${DAY}T00:00:00+08:00`)}&to=${encodeURIComponent("2025-06-02T00:00:00+08:00")}`,
    });
    expect(response.statusCode).toBe(200);
    const [result] = response.json().results;
    expect(result).toMatchObject({ standard: "HJ633-2012", aqi: 150, primary: ["o3"], iaqi: { o3_1h: 150 } });
    expect(result.indicators.o3_1h).toMatchObject({ value: 300, validCount: 15 });

    const daily = alerts.filter((e) => e.ruleId === "aqi-daily-light");
    expect(daily.map((e) => [e.type, e.value])).toEqual([["raised", 150]]);
    expect(daily[0]?.value).toBe(result.aqi);
  });
});
