import { type AlertEvent, createStationRegistry, type MetricId, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createEvaluator } from "./evaluator.ts";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import {
  airStation,
  DEC_1,
  H,
  HEAVY_EPISODE_PM25,
  HEAVY_EPISODE_WARNINGS,
  shippedRules,
} from "./testdata/fixtures.ts";

const START = DEC_1;
const stations = createStationRegistry([
  airStation("aq-1"),
  airStation("aq-2", { zh: "碧湖站", en: "Bihu station" }),
  {
    id: "wq-1",
    name: { zh: "碧湖断面", en: "Bihu section" },
    kind: "water",
    metrics: ["ph", "do", "codmn", "nh3n", "tp"],
    water: { waterBody: "river" },
    location: { lat: 28.4, lon: 119.9 },
    township: "万象街道",
  },
]);
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-",
  registry: stations,
  rules: shippedRules,
  startClock: START,
  partitions: 8,
});
const { evaluator, settled } = harness;

function reading(stationId: string, metric: MetricId, hourEnd: number, value: number): Reading {
  return {
    stationId,
    metric,
    ts: hourEnd - H,
    periodMs: H,
    value,
    flag: "N",
    source: "mqtt-json",
    receivedAt: hourEnd,
  };
}

/** A 30-minute PM2.5 reading of 200 µg/m³ at `ts` in the hour labelled hourEnd: two make a valid hour (AQI 250). */
function halfHour(stationId: string, hourEnd: number, ts: number): { key: string; value: Reading } {
  return {
    key: stationId,
    value: { ...reading(stationId, "pm25", hourEnd, 200), ts, periodMs: 30 * 60_000 },
  };
}

/** The event types of the station's aqi-hourly-heavy alerts so far. */
function heavyAlertEvents(stationId: string): string[] {
  return harness.alerts
    .filter((x) => x.ruleId === "aqi-hourly-heavy" && x.stationId === stationId)
    .map((x) => x.type);
}

/** Publishes one hour of data (labelled hourEnd) with the wall harness.clock just after it. */
async function publishHour(hourEnd: number, items: [string, MetricId, number][]): Promise<void> {
  harness.clock = hourEnd + 60_000;
  await harness.bus.publish(
    "readings",
    items.map(([s, m, v]) => ({ key: s, value: reading(s, m, hourEnd, v) })),
  );
}

const warning = () => harness.alerts.filter((e) => e.ruleId === "heavy-pollution-warning");

describe("evaluator with the memory bus and DuckDB", () => {
  it("counts the readings it evaluated and the newest data time in its metrics, over batches of several partitions", async () => {
    const metricsRegistry = new Registry();
    const e = createEvaluator(
      { latenessMs: 2 * H, sweepSchedule: "0 0 1 1 *" },
      {
        bus: harness.bus,
        store: harness.store,
        registry: stations,
        rules: shippedRules,
        logger: pino({ level: "silent" }),
        metricsRegistry,
        now: () => harness.clock,
      },
    );
    harness.evaluators.push(e);
    await e.start();
    await publishHour(START + H, [
      ["aq-1", "pm25", 30],
      ["aq-2", "pm25", 40],
      ["aq-1", "pm10", 50],
      ["wq-1", "ph", 7.2],
    ]);
    await settled();
    await publishHour(START + 2 * H, [
      ["aq-2", "pm25", 45],
      ["aq-1", "pm25", 35],
    ]);
    await settled();
    const metric = async (name: string) =>
      (await metricsRegistry.getSingleMetric(name)?.get())?.values.map((v) => v.value);
    // A wrong next offset after the first batch would read the second as a gap and rebuild
    // those stations from the store, which then holds the second hour: evaluated fewer than 6.
    expect(await metric("qingshan_evaluator_readings_evaluated_total")).toEqual([6]);
    expect(await metric("qingshan_evaluator_last_evaluated_data_time_seconds")).toEqual([(START + H) / 1000]);
  });

  it("raises the warning level once the 24-h AQI has held, steps down level by level and resolves", async () => {
    const e = evaluator();
    await e.start();
    for (let i = 0; i < HEAVY_EPISODE_PM25.length; i++)
      await publishHour(START + (i + 1) * H, [["aq-1", "pm25", HEAVY_EPISODE_PM25[i] as number]]);
    await settled();
    expect(warning().map((x) => [x.type, x.level])).toEqual(HEAVY_EPISODE_WARNINGS);
    const raised = warning()[0] as AlertEvent;
    // 20 valid hours of 160 µg/m³: AQI24 210 > 200 (2024 preset yellow: > 200 for 24 h).
    expect(raised).toMatchObject({ value: 210, startedAt: "2026-12-01T20:00:00+08:00", severity: "warning" });
    expect(raised.message.en).toContain("Liandu station");
    const stored = await harness.store.queryAlertEvents({ ruleId: "heavy-pollution-warning" });
    expect(stored.map((x) => x.id)).toEqual(warning().map((x) => x.id));
    expect(e.memoryPerSeriesBytes()).toBeGreaterThan(0);
    expect(e.memoryPerSeriesBytes()).toBeLessThanOrEqual(2048);
  });

  it("a restart mid-episode neither re-raises nor forgets: level changes and resolve still happen once", async () => {
    const first = evaluator();
    await first.start();
    for (let i = 0; i < 60; i++)
      await publishHour(START + (i + 1) * H, [["aq-1", "pm25", HEAVY_EPISODE_PM25[i] as number]]);
    await settled();
    expect(warning().map((x) => x.type)).toEqual(["raised", "level_changed"]);
    await first.stop();
    const second = evaluator();
    await second.start();
    for (let i = 60; i < HEAVY_EPISODE_PM25.length; i++)
      await publishHour(START + (i + 1) * H, [["aq-1", "pm25", HEAVY_EPISODE_PM25[i] as number]]);
    await settled();
    expect(warning().map((x) => [x.type, x.level])).toEqual(HEAVY_EPISODE_WARNINGS);
    expect(new Set(warning().map((x) => x.alertId)).size).toBe(1);
    const ids = harness.alerts.map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("two evaluators in one group share the partitions and raise each alert once", async () => {
    await evaluator().start();
    await evaluator().start();
    for (let i = 0; i < HEAVY_EPISODE_PM25.length; i++) {
      await publishHour(START + (i + 1) * H, [
        ["aq-1", "pm25", HEAVY_EPISODE_PM25[i] as number],
        ["aq-2", "pm25", HEAVY_EPISODE_PM25[i] as number],
      ]);
    }
    await settled();
    for (const station of ["aq-1", "aq-2"]) {
      const w = warning().filter((x) => x.stationId === station);
      expect(w.map((x) => [x.type, x.level])).toEqual(HEAVY_EPISODE_WARNINGS);
    }
    const raised = harness.alerts.filter((x) => x.type === "raised").map((x) => x.alertId);
    expect(new Set(raised).size).toBe(raised.length);
    expect(harness.evaluators.map((e) => e.stations().length).sort()).not.toContain(0);
  });

  it("a reading delivered twice is counted once (30-min readings: one per hour stays invalid)", async () => {
    await evaluator().start();
    for (let i = 0; i < 30; i++) {
      const hourEnd = START + (i + 1) * H;
      harness.clock = hourEnd + 60_000;
      const half = (stationId: string, ts: number) => ({
        key: stationId,
        value: { ...reading(stationId, "pm25", hourEnd, 160), ts, periodMs: 30 * 60_000 },
      });
      // aq-1: the same half-hour reading published twice (45-min rule not met); aq-2: two distinct halves.
      await harness.bus.publish("readings", [half("aq-1", hourEnd - H), half("aq-2", hourEnd - H)]);
      await harness.bus.publish("readings", [half("aq-1", hourEnd - H), half("aq-2", hourEnd - H / 2)]);
    }
    await settled();
    expect(
      warning()
        .filter((x) => x.stationId === "aq-2")
        .map((x) => x.type),
    ).toEqual(["raised"]);
    expect(warning().filter((x) => x.stationId === "aq-1")).toEqual([]);
  });

  it("a duplicate publish after a rebuild is not counted again (one 30-min reading leaves the hour invalid)", async () => {
    const h1 = START + H;
    const first = evaluator();
    await first.start();
    harness.clock = h1 + 60_000;
    await harness.bus.publish("readings", [halfHour("aq-1", h1, h1 - H), halfHour("aq-2", h1, h1 - H)]);
    await settled();
    await waitFor(
      async () =>
        (await harness.store.queryReadings({ stationId: "aq-1", from: START, to: h1 })).length === 1 &&
        (await harness.store.queryReadings({ stationId: "aq-2", from: START, to: h1 })).length === 1,
      { timeoutMs: 5000 },
    );
    await first.stop();
    await evaluator().start();
    // A newer reading first, so the duplicate is not the series' newest; then aq-1's first half again
    // (a duplicate) and aq-2's second half (new data: its hour becomes valid, AQI 250 > 200).
    harness.clock = h1 + H + 60_000;
    await harness.bus.publish("readings", [halfHour("aq-1", h1 + H, h1), halfHour("aq-2", h1 + H, h1)]);
    await harness.bus.publish("readings", [halfHour("aq-1", h1, h1 - H), halfHour("aq-2", h1, h1 - H / 2)]);
    await settled();
    expect(heavyAlertEvents("aq-2")).toEqual(["raised"]);
    expect(heavyAlertEvents("aq-1")).toEqual([]);
  });

  it("a copy of an older reading, resent after newer ones, is not counted again (one 30-min reading leaves the hour invalid)", async () => {
    const h1 = START + H;
    await evaluator().start();
    harness.clock = h1 + H + 60_000;
    // As a station resends its unacknowledged messages after a reconnect, or the broker redelivers
    // them: aq-1's first half-hour, the next hour's, then the first half-hour again (older than
    // the newest reading by then). aq-2 sends the second half-hour instead: its hour becomes valid.
    await harness.bus.publish("readings", [halfHour("aq-1", h1, h1 - H), halfHour("aq-2", h1, h1 - H)]);
    await harness.bus.publish("readings", [halfHour("aq-1", h1 + H, h1), halfHour("aq-2", h1 + H, h1)]);
    await harness.bus.publish("readings", [halfHour("aq-1", h1, h1 - H), halfHour("aq-2", h1, h1 - H / 2)]);
    await settled();
    expect(heavyAlertEvents("aq-2")).toEqual(["raised"]);
    expect(heavyAlertEvents("aq-1")).toEqual([]);
  });

  it("memory per series stays bounded with minute data (dedupe state does not grow with the rate)", async () => {
    const e = evaluator();
    await e.start();
    harness.clock = START + 3 * H;
    const minutes = Array.from({ length: 180 }, (_, i) => ({
      key: "aq-1",
      value: { ...reading("aq-1", "pm25", START + H, 30), ts: START + i * 60_000, periodMs: 60_000 },
    }));
    await harness.bus.publish("readings", minutes);
    await settled();
    expect(e.memoryPerSeriesBytes()).toBeGreaterThan(0);
    expect(e.memoryPerSeriesBytes()).toBeLessThanOrEqual(2048);
  });

  it("a water section slipping to Class IV raises an alert naming the deciding parameter", async () => {
    await evaluator().start();
    const clean: [string, MetricId, number][] = [
      ["wq-1", "ph", 7.2],
      ["wq-1", "do", 7.1],
      ["wq-1", "codmn", 3.1],
      ["wq-1", "tp", 0.06],
    ];
    await publishHour(START + H, [...clean, ["wq-1", "nh3n", 0.35]]);
    await publishHour(START + 2 * H, [...clean, ["wq-1", "nh3n", 1.2]]);
    await publishHour(START + 3 * H, [...clean, ["wq-1", "nh3n", 1.25]]);
    await settled();
    const water = harness.alerts.filter((x) => x.ruleId === "water-below-target");
    expect(water.map((x) => [x.type, x.level])).toEqual([["raised", "IV"]]);
    expect(water[0]?.details?.[0]).toMatchObject({ metric: "nh3n", value: 1.25, limit: 1 });
    expect(water[0]?.message.zh).toContain("氨氮 1.25 mg/L");
  });

  it("an open NH3-N alert stays open while the NH3-N analyser is silent and clears once NH3-N is back within target", async () => {
    await evaluator().start();
    const others: [string, MetricId, number][] = [
      ["wq-1", "ph", 7.2],
      ["wq-1", "do", 7.1],
      ["wq-1", "codmn", 3.1],
      ["wq-1", "tp", 0.06],
    ];
    for (let i = 1; i <= 3; i++) await publishHour(START + i * H, [...others, ["wq-1", "nh3n", 1.2]]);
    // 40 h of DO, pH, CODMn and TP (Class II) only: NH3-N leaves the rule's maxAge (24 h) and the
    // others alone would have cleared the alert after clear.for (6 h).
    for (let i = 4; i <= 43; i++) await publishHour(START + i * H, others);
    await settled();
    const water = () => harness.alerts.filter((x) => x.ruleId === "water-below-target");
    expect(water().map((x) => [x.type, x.level])).toEqual([["raised", "IV"]]);
    for (let i = 44; i <= 49; i++) await publishHour(START + i * H, [...others, ["wq-1", "nh3n", 0.35]]);
    await settled();
    expect(water().map((x) => [x.type, x.dataTime])).toEqual([
      ["raised", "2026-12-01T02:00:00+08:00"],
      ["resolved", "2026-12-03T01:00:00+08:00"],
    ]);
  });

  it("a silent station raises a data-quality alert from the sweep, resolved by its next reading", async () => {
    const e = evaluator();
    await e.start();
    await publishHour(START + H, [["aq-2", "pm25", 30]]);
    await settled();
    harness.clock = START + H + 3.5 * H;
    await e.sweep();
    await settled();
    const silent = () =>
      harness.alerts.filter((x) => x.ruleId === "dq-station-silent" && x.stationId === "aq-2");
    expect(silent().map((x) => [x.type, x.startedAt])).toEqual([["raised", "2026-12-01T04:00:00+08:00"]]);
    await e.sweep();
    await publishHour(START + 5 * H, [["aq-2", "pm25", 31]]);
    await settled();
    expect(silent().map((x) => x.type)).toEqual(["raised", "resolved"]);
  });

  // The wall-clock gate: the simulator's accelerated replay of the past week is announced; data
  // older than alertMaxAgeMs and imports (backfill) are evaluated silently.
  it.each([
    ["3 days behind now (default alertMaxAgeMs 8 d)", {}, "mqtt-json", ["raised"]],
    ["3 days behind now with alertMaxAgeMs 1 d", { alertMaxAgeMs: 24 * H }, "mqtt-json", []],
    ["an import 3 days behind now", {}, "import", []],
  ] as const)("data %s: alerts %j", async (_name, extra, source, expected) => {
    await evaluator({ config: extra }).start();
    const clean: [string, MetricId, number][] = [
      ["wq-1", "ph", 7.2],
      ["wq-1", "do", 7.1],
      ["wq-1", "codmn", 3.1],
      ["wq-1", "tp", 0.06],
    ];
    for (const [i, nh3n] of [0.35, 1.2, 1.25].entries()) {
      const hourEnd = START + (i + 1) * H;
      harness.clock = hourEnd + 3 * 24 * H;
      const items: [string, MetricId, number][] = [...clean, ["wq-1", "nh3n", nh3n]];
      await harness.bus.publish(
        "readings",
        items.map(([st, m, v]) => ({ key: st, value: { ...reading(st, m, hourEnd, v), source } })),
      );
    }
    await settled();
    expect(harness.alerts.filter((x) => x.ruleId === "water-below-target").map((x) => x.type)).toEqual(
      expected,
    );
  });

  it("readings older than the lateness go to the dead letters, stored but not evaluated", async () => {
    await evaluator().start();
    await publishHour(START + 10 * H, [["aq-1", "pm25", 30]]);
    harness.clock = START + 10 * H;
    await harness.bus.publish("readings", [
      { key: "aq-1", value: reading("aq-1", "pm25", START + 5 * H, 40) },
    ]);
    await settled();
    await waitFor(async () => (await harness.store.queryDeadLetters({ stationId: "aq-1" })).length === 1, {
      timeoutMs: 5000,
    });
    const [letter] = await harness.store.queryDeadLetters({ stationId: "aq-1" });
    expect(letter).toMatchObject({ code: "window.too_late", source: "evaluator" });
    expect(letter?.message).toContain("not evaluated");
    expect(
      await harness.store.queryReadings({ stationId: "aq-1", from: START, to: START + 11 * H }),
    ).toHaveLength(2);
  });

  it("evaluates the next batch and publishes its alert while the previous alert is still being stored", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stored: string[] = [];
    // The real store, with its alert-event writes held until released (a slow store).
    const store = harness.store;
    const slowStore = {
      queryHourly: store.queryHourly.bind(store),
      queryReadings: store.queryReadings.bind(store),
      latest: store.latest.bind(store),
      queryAlertEvents: store.queryAlertEvents.bind(store),
      async writeAlertEvents(events: readonly AlertEvent[]) {
        await gate;
        await store.writeAlertEvents(events);
        stored.push(...events.map((e) => e.id));
      },
    };
    const e = evaluator({ store: slowStore });
    await e.start();
    const heavy = (station: string) =>
      harness.alerts.find(
        (a) => a.ruleId === "aqi-hourly-heavy" && a.type === "raised" && a.stationId === station,
      );
    // PM2.5 200 µg/m³ over an hour: IAQI 250 > 200 (HJ 633 Table 1), raised at once.
    await publishHour(START + H, [["aq-1", "pm25", 200]]);
    await waitFor(() => heavy("aq-1") !== undefined, { timeoutMs: 5_000 });
    await publishHour(START + 2 * H, [["aq-2", "pm25", 200]]);
    await waitFor(() => heavy("aq-2") !== undefined, { timeoutMs: 5_000 });
    expect(stored).toEqual([]);
    release();
    await waitFor(() => stored.length >= 2, { timeoutMs: 5_000 });
    const kept = await harness.store.queryAlertEvents({ ruleId: "aqi-hourly-heavy" });
    expect(kept.map((a) => a.stationId).sort()).toEqual(["aq-1", "aq-2"]);
  });
});
