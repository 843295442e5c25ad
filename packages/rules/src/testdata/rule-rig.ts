import {
  type AlertEvent,
  AlertEventSchema,
  type MetricId,
  type Station,
  type StationRegistry,
} from "@qingshan/domain";
import { createRuleEngine, type EvaluationMode, type RuleEngine, type RuleEngineOptions } from "../engine.ts";
import { loadRulesFile } from "../load.ts";
import type { Rule } from "../schema.ts";
import { type PlainView, plainView } from "./plain-view.ts";

/** config/rules.yaml as shipped (test fixture). */
export const SHIPPED_RULES: readonly Rule[] = loadRulesFile(
  new URL("../../../../config/rules.yaml", import.meta.url).pathname,
);

export interface RuleRig {
  readonly engine: RuleEngine;
  readonly view: PlainView;
  /** Every event `hour` returned so far, in order. */
  readonly events: AlertEvent[];
  /**
   * Sets `values` at hour end `t`, evaluates that hour and returns its events, each checked
   * against AlertEventSchema (throws on one that is not).
   */
  hour(t: number, values: Partial<Record<MetricId, number>>, mode?: EvaluationMode): AlertEvent[];
}

/**
 * A rule engine on `rules` (clock fixed at `now`, other engine options from `engine`) over a plain
 * view of `station`'s `metrics`, fed an hour at a time (test fixture).
 *
 * @example
 * const { hour, events } = ruleRig({ rules: SHIPPED_RULES, registry, station, metrics: ["pm25"], now });
 * hour(now + HOUR_MS, { pm25: 160 }); // aqi-hourly-heavy raised
 */
export function ruleRig(options: {
  rules: readonly Rule[];
  registry: StationRegistry;
  station: Station;
  metrics: readonly MetricId[];
  now: number;
  engine?: Omit<RuleEngineOptions, "registry" | "clock">;
}): RuleRig {
  const { rules, registry, station, metrics, now } = options;
  const engine = createRuleEngine(rules, { ...options.engine, registry, clock: () => now });
  const view = plainView(station, metrics);
  const events: AlertEvent[] = [];
  const hour = (t: number, values: Partial<Record<MetricId, number>>, mode: EvaluationMode = "emit") => {
    for (const [m, v] of Object.entries(values)) view.set(m as MetricId, t, v as number);
    const out = engine.evaluateHour(view, t, mode);
    for (const e of out) AlertEventSchema.parse(e);
    events.push(...out);
    return out;
  };
  return { engine, view, events, hour };
}
