import { fileURLToPath } from "node:url";
import { DAY_MS, type MetricId, type Station } from "@qingshan/domain";
import { createSeriesQuality, loadRulesFile, type Rule, trackQuality } from "@qingshan/rules";
import { describe, expect, it } from "vitest";
import type { DataGaps } from "./generate.ts";
import { generateHistory } from "./history.ts";
import { loadStationRegistry } from "./seeds.ts";

// Clean demo data must not raise the stuck-sensor rules (config/rules.yaml dq-stuck-sensor-*:
// N identical consecutive readings): they are for analysers that really repeat one value, and a
// demo start mailed the duty officer for ld-wq-09's TP (0.014 eight times, noise under one step).
const registry = loadStationRegistry();
const RULES = loadRulesFile(fileURLToPath(new URL("../../../config/rules.yaml", import.meta.url)), {
  registry,
});
const STUCK = RULES.filter((r) => r.subject.check === "stuck");

function watches(rule: Rule, station: Station): boolean {
  const a = rule.appliesTo;
  if (![a.kind].flat().includes(station.kind)) return false;
  if (a.stations !== undefined && !a.stations.includes(station.id)) return false;
  if (a.drinkingWaterSource !== undefined && station.water?.drinkingWaterSource !== a.drinkingWaterSource)
    return false;
  return true;
}

/**
 * Runs of at least the rule's `repeats` in a clean run of `station`, counted by the rules'
 * own tracker (flagged readings break a run, a missing value does not), as "rule metric ts value×n".
 */
function stuckRuns(station: Station, from: number, days: number, seed: number, dataGaps: DataGaps): string[] {
  const rules = STUCK.filter((r) => watches(r, station));
  if (rules.length === 0) return [];
  const observations = [
    ...generateHistory({
      stations: [station],
      scenario: "clean-week",
      seed,
      from,
      to: from + days * DAY_MS,
      dataGaps,
    }),
  ].flatMap((b) => b.observations);
  const found: string[] = [];
  for (const rule of rules) {
    const metrics = rule.subject.metrics ?? (Object.keys(observations[0]?.values ?? {}) as MetricId[]);
    const repeats = rule.subject.repeats ?? 2;
    for (const metric of metrics) {
      const q = createSeriesQuality();
      for (const o of observations) {
        const value = o.values[metric];
        if (value === undefined) continue;
        trackQuality(q, { ts: Date.parse(o.ts), value, flag: o.flags?.[metric] ?? "N" });
        if (q.repeats === repeats)
          found.push(`${rule.id} ${station.id} ${metric} ${o.ts} ${value}×${repeats}`);
      }
    }
  }
  return found;
}

describe("clean demo data never looks like a stuck sensor", () => {
  it("the shipped rules watch air and water analysers for 8 identical values", () => {
    expect(STUCK.map((r) => [r.id, r.subject.repeats, r.subject.metrics])).toEqual([
      ["dq-stuck-sensor-air", 8, ["pm25", "pm10", "no2", "o3"]],
      ["dq-stuck-sensor-water", 8, ["do", "codmn", "nh3n", "tp"]],
    ]);
  });

  it("a demo week (the reported 2026-11-25 TP run at ld-wq-09 included), every station, with and without gaps", () => {
    expect(
      stuckRuns(registry.get("ld-wq-09") as Station, Date.parse("2026-11-22T00:00:00+08:00"), 9, 1, "none"),
    ).toEqual([]);
    const from = Date.parse("2026-11-23T00:00:00+08:00");
    for (const dataGaps of ["none", "realistic"] as const) {
      expect(registry.stations.flatMap((s) => stuckRuns(s, from, 8, 1, dataGaps))).toEqual([]);
    }
  });

  it("a year of every watched station, three seeds", () => {
    const from = Date.parse("2026-01-01T00:00:00+08:00");
    for (const seed of [1, 2, 3]) {
      expect(
        registry.stations.flatMap((s) => stuckRuns(s, from, 365, seed, "none")),
        `seed ${seed}`,
      ).toEqual([]);
    }
  });
});
