import type { WarningPresetId } from "./presets.ts";
import { DEFAULT_WARNING_PRESET, WARNING_PRESETS } from "./presets.ts";
import type {
  ConditionEvidence,
  LevelEvaluation,
  WarningAssessment,
  WarningCondition,
  WarningConfig,
  WarningExpr,
  WarningLevelId,
  WarningLevelRule,
  WarningSeriesOptions,
} from "./types.ts";

const LEVEL_IDS: readonly WarningLevelId[] = ["blue", "yellow", "orange", "red"];

type Unit = "day" | "hour";

function isCondition(expr: WarningExpr): expr is WarningCondition {
  return "forHours" in expr;
}

function threshold(c: WarningCondition): number {
  return "aqiAbove" in c ? c.aqiAbove : c.aqiAtLeast;
}

function meets(c: WarningCondition, value: number): boolean {
  return "aqiAbove" in c ? value > c.aqiAbove : value >= c.aqiAtLeast;
}

/**
 * What one value does to a run of a condition (heavy-pollution-warning.md §3.1, §3.2):
 * - `counts`: it meets the condition — a partial value too, as a lower bound of the real AQI;
 * - `skips`: a partial value (computed without a measured pollutant) that fails the condition is
 *   missing for it: the real AQI may meet it, so it neither counts nor breaks the run ("a partial
 *   AQI24 may satisfy a '> 200' condition but must never clear one"; "a missing hour breaks
 *   neither run nor window by itself");
 * - `breaks`: a value that fails it, or no value at all (a window without a valid AQI breaks the run).
 */
type Mark = "counts" | "skips" | "breaks";

/** A series of AQI values, most recent last, with the partial flag of each (undefined: none partial). */
interface Series {
  readonly values: readonly (number | null)[];
  readonly partial: readonly boolean[] | undefined;
}

function markOf(c: WarningCondition, series: Series, i: number): Mark {
  const value = series.values[i] ?? null;
  if (value === null) return "breaks";
  if (meets(c, value)) return "counts";
  return series.partial?.[i] === true ? "skips" : "breaks";
}

function describe(c: WarningCondition): string {
  return "aqiAbove" in c
    ? `AQI > ${c.aqiAbove} for ≥ ${c.forHours} h`
    : `AQI ≥ ${c.aqiAtLeast} for ≥ ${c.forHours} h`;
}

// §3.2: natural days read "for H hours" as ⌈H/24⌉ consecutive days; the rolling 24-h series reads it
// as a run of H − 23 consecutive hourly values (the run-length reading, recommended default).
function required(c: WarningCondition, unit: Unit): number {
  return unit === "day" ? Math.ceil(c.forHours / 24) : Math.max(1, c.forHours - 23);
}

function conditionsOf(expr: WarningExpr): WarningCondition[] {
  if (isCondition(expr)) return [expr];
  return ("anyOf" in expr ? expr.anyOf : expr.allOf).flatMap(conditionsOf);
}

// The least strict condition: lowest threshold, and "≥ X" before "> X".
function anchorOf(conditions: readonly WarningCondition[]): WarningCondition | undefined {
  const rank = (c: WarningCondition) => threshold(c) + ("aqiAbove" in c ? 0.5 : 0);
  return [...conditions].sort((a, b) => rank(a) - rank(b))[0];
}

interface Clause {
  readonly holds: boolean;
  readonly evidence: ConditionEvidence[];
}

/**
 * One clause looks at one episode: the run, ending at the most recent value, of values meeting the
 * clause's least strict condition (partial values failing it lie inside, not breaking it). Each condition holds when a run of consecutive values meeting
 * it, long enough, lies inside that episode (so "> 200 for 72 h and > 300 for 24 h" needs the
 * > 300 day inside the current > 200 stretch, wherever in it).
 */
function evaluateClause(expr: WarningExpr, series: Series, unit: Unit): Clause {
  const anchor = anchorOf(conditionsOf(expr));
  let start = series.values.length;
  while (anchor !== undefined && start > 0 && markOf(anchor, series, start - 1) !== "breaks") start -= 1;
  const evidence: ConditionEvidence[] = [];
  const walk = (e: WarningExpr): boolean => {
    if (isCondition(e)) {
      const item = evidenceFor(e, series, start, unit);
      evidence.push(item);
      return item.holds;
    }
    const results = ("anyOf" in e ? e.anyOf : e.allOf).map(walk);
    return "anyOf" in e ? results.some(Boolean) : results.every(Boolean);
  };
  return { holds: walk(expr), evidence };
}

/**
 * The longest run of the condition from index `from` on: values that count, with partial values
 * failing it skipped (not counted, not breaking); `run` is the number of values that count and
 * `runStart`/`runEnd` the first and last of them.
 */
function evidenceFor(c: WarningCondition, series: Series, from: number, unit: Unit): ConditionEvidence {
  let best = 0;
  let bestStart = -1;
  let bestEnd = -1;
  let current = 0;
  let currentStart = -1;
  for (let i = from; i < series.values.length; i += 1) {
    const mark = markOf(c, series, i);
    if (mark === "breaks") current = 0;
    else if (mark === "counts") {
      if (current === 0) currentStart = i;
      current += 1;
      if (current > best) {
        best = current;
        bestStart = currentStart;
        bestEnd = i;
      }
    }
  }
  const need = required(c, unit);
  return {
    condition: c,
    text: describe(c),
    holds: best >= need,
    required: need,
    run: best,
    runStart: best > 0 ? bestStart : null,
    runEnd: best > 0 ? bestEnd : null,
    unit,
  };
}

// A level's anyOf branches are separate clauses (each with its own episode); an allOf is one clause.
function evaluateLevel(rule: WarningLevelRule, series: Series, unit: Unit): LevelEvaluation {
  const clauses = "anyOf" in rule ? rule.anyOf.flatMap((e) => topClauses(e)) : [{ allOf: rule.allOf }];
  const results = clauses.map((clause) => evaluateClause(clause, series, unit));
  return {
    id: rule.id,
    satisfied: results.some((r) => r.holds),
    conditions: results.flatMap((r) => r.evidence),
  };
}

function topClauses(expr: WarningExpr): WarningExpr[] {
  return !isCondition(expr) && "anyOf" in expr ? expr.anyOf.flatMap(topClauses) : [expr];
}

/**
 * Checks a configuration: known, unique level ids; every condition with a finite threshold ≥ 0 and
 * a whole number of hours ≥ 1; no empty anyOf/allOf.
 *
 * @throws RangeError naming the offending level
 * @example
 * validateWarningConfig(WARNING_PRESET_2024) // ok
 */
export function validateWarningConfig(config: WarningConfig): void {
  if (config.levels.length === 0) throw new RangeError(`warning config ${config.id}: no levels`);
  const seen = new Set<string>();
  for (const rule of config.levels) {
    if (!LEVEL_IDS.includes(rule.id))
      throw new RangeError(`warning config ${config.id}: unknown level ${String(rule.id)}`);
    if (seen.has(rule.id)) throw new RangeError(`warning config ${config.id}: duplicate level ${rule.id}`);
    seen.add(rule.id);
    const check = (e: WarningExpr): void => {
      if (isCondition(e)) {
        const t = threshold(e);
        if (!Number.isFinite(t) || t < 0)
          throw new RangeError(`warning config ${config.id}: ${rule.id}: bad AQI threshold ${t}`);
        if (!Number.isInteger(e.forHours) || e.forHours < 1) {
          throw new RangeError(
            `warning config ${config.id}: ${rule.id}: forHours must be a whole number ≥ 1, got ${e.forHours}`,
          );
        }
        return;
      }
      const list = "anyOf" in e ? e.anyOf : e.allOf;
      if (list === undefined || list.length === 0)
        throw new RangeError(`warning config ${config.id}: ${rule.id}: empty anyOf/allOf`);
      list.forEach(check);
    };
    check("anyOf" in rule ? { anyOf: rule.anyOf } : { allOf: rule.allOf });
  }
}

function resolveConfig(config: WarningPresetId | WarningConfig): WarningConfig {
  if (typeof config === "string") {
    const preset = WARNING_PRESETS[config];
    if (preset === undefined) throw new RangeError(`unknown warning preset ${config}`);
    return preset;
  }
  validateWarningConfig(config);
  return config;
}

function checkSeries(
  series: readonly (number | null)[],
  name: string,
  options: WarningSeriesOptions | undefined,
): Series {
  series.forEach((v, i) => {
    if (v !== null && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
      throw new RangeError(`${name}[${i}]: AQI must be null or a finite number ≥ 0, got ${String(v)}`);
    }
  });
  const partial = options?.partial;
  if (partial !== undefined) {
    if (partial.length !== series.length)
      throw new RangeError(
        `partial: expected one flag per ${name} value (${series.length}), got ${partial.length}`,
      );
    partial.forEach((p, i) => {
      if (typeof p !== "boolean") throw new RangeError(`partial[${i}]: expected a boolean, got ${String(p)}`);
    });
  }
  return { values: series, partial };
}

function assess(series: Series, config: WarningConfig, unit: Unit): Omit<WarningAssessment, "basis"> {
  const levels = config.levels.map((rule) => evaluateLevel(rule, series, unit));
  const top = [...levels]
    .filter((l) => l.satisfied)
    .sort((a, b) => LEVEL_IDS.indexOf(b.id) - LEVEL_IDS.indexOf(a.id))[0];
  return {
    level: top?.id ?? null,
    satisfied: top === undefined ? [] : top.conditions.filter((c) => c.holds),
    levels,
    preset: config.id,
    provisional: config.provisional,
  };
}

/**
 * The highest warning level met by a series of natural-day AQI values (consecutive days, most
 * recent last; null = no valid daily AQI, which breaks every run). "AQI > X for H hours" needs
 * ⌈H/24⌉ consecutive days > X inside the current episode (heavy-pollution-warning.md §3.1
 * alternative mode, §3.2 consecutive windows). `options.partial` flags the values computed without
 * a measured pollutant (one flag per value): such a value counts where it meets a condition (a
 * lower bound) and is missing where it fails one — it neither counts nor breaks that run (§3.1:
 * a partial AQI may satisfy a "> 200" condition but never clear one). An observed suggestion for
 * duty officers, never an issued warning; escalation, de-escalation and release (§3.3) are for the
 * rule engine.
 *
 * @throws RangeError for an unknown preset, an invalid custom config, an invalid AQI value or
 *   partial flags not one per value
 * @example
 * warningLevelFromDailyAqi([250, 320, 250], "2017").level // "orange"
 * warningLevelFromDailyAqi([160, 170]).level              // "yellow" (2024: > 150 for 48 h)
 * warningLevelFromDailyAqi([250, null, 250], "2017").level // "blue" (the gap breaks the run)
 * warningLevelFromDailyAqi([250, 120, 250], "2017", { partial: [false, true, false] }).level // "yellow"
 */
export function warningLevelFromDailyAqi(
  dailyAqi: readonly (number | null)[],
  config: WarningPresetId | WarningConfig = DEFAULT_WARNING_PRESET,
  options?: WarningSeriesOptions,
): WarningAssessment {
  const series = checkSeries(dailyAqi, "dailyAqi", options);
  return { ...assess(series, resolveConfig(config), "day"), basis: "natural-day" };
}

/**
 * The highest warning level met by hourly rolling 24-h AQI values (AQI24(t) over hours t−23…t,
 * consecutive hours, most recent last; null = no valid AQI24 for that window, which breaks every
 * run). Run-length reading (heavy-pollution-warning.md §3.2): "AQI > X for H hours" holds once the
 * run of values > X reaches H − 23 (48 h → 25 values; 24 h → 1 value). `options.partial` flags the
 * partial AQI24 values (§3.1: an indicator invalid, computed from the others): one that meets a
 * condition counts (a lower bound), one that fails it is missing for it — it neither counts nor
 * breaks the run, so a short analyser gap never ends an episode.
 *
 * @throws RangeError for an unknown preset, an invalid custom config, an invalid AQI value or
 *   partial flags not one per value
 * @example
 * warningLevelFromRollingAqi(Array(25).fill(160), "2024").level // "yellow"
 * warningLevelFromRollingAqi(Array(24).fill(160), "2024").level // null
 */
export function warningLevelFromRollingAqi(
  hourlyAqi24: readonly (number | null)[],
  config: WarningPresetId | WarningConfig = DEFAULT_WARNING_PRESET,
  options?: WarningSeriesOptions,
): WarningAssessment {
  const series = checkSeries(hourlyAqi24, "hourlyAqi24", options);
  return { ...assess(series, resolveConfig(config), "hour"), basis: "rolling-24h" };
}
