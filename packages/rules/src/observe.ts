import {
  type AlertDetail,
  beijingDate,
  beijingHumanDay,
  beijingHumanTime,
  beijingMidnight,
  DAY_MS,
  displayValue,
  HOUR_MS,
  METRICS,
  type MetricId,
  MONTHS_EN,
  type Severity,
  type Station,
  shortNumber,
  toBeijingIsoSeconds,
} from "@qingshan/domain";
import {
  type AqiIndicator,
  type AqiResult,
  type AqiSettings,
  ASSESSED_ITEM_COUNT,
  annualMeanShortfall,
  annualTargetVerdict,
  aqiStandardFor,
  assessAnnualTarget,
  assessSection,
  computeAqi,
  DEFAULT_NOI_SCHEME,
  type ExactNumber,
  exactOf,
  exceedsLimit,
  gb3095Limit,
  gb3838Item,
  gradeNoiWith,
  multiplyExact,
  type NoiGrade,
  type NoiScheme,
  noiSchemeOf,
  o3DailyMax1hValidity,
  type Pollutant,
  pmRealtimeBasisOn,
  subtractExact,
  WATER_CLASS_ORDER,
  type WarningCondition,
  type WarningConfig,
  type WaterClass,
  warningLevelFromDailyAqi,
  warningLevelFromRollingAqi,
  waterClassNumber,
} from "@qingshan/standards";
import type { Observation } from "./machine.ts";
import type { Rule } from "./schema.ts";
import type { StationView, StatLike } from "./view.ts";
import { judgePath, type PathJudgement, pollutantRoutingOf } from "./warning-path.ts";

/** A level of a rule at a station, least severe first. Non-leveled rules have one level without id. */
export interface LevelDef {
  readonly id: string | undefined;
  readonly severity: Severity;
  readonly zh?: string;
  readonly en?: string;
}

/** An observation with what the alert message needs. */
export interface RuleObservation extends Observation {
  readonly metric?: string;
  readonly value?: number;
  readonly threshold?: number;
  /** e.g. { zh: "小时AQI 235", en: "hourly AQI 235" } */
  readonly valueText?: { readonly zh: string; readonly en: string };
  /** e.g. { zh: "阈值 200", en: "threshold 200" } */
  readonly thresholdText?: { readonly zh: string; readonly en: string };
  /** Edition or limit source that produced the value (e.g. "HJ 633-2026"). */
  readonly source?: string;
  readonly details?: readonly AlertDetail[];
  /**
   * A warning rule's path as the values of the level met show it (`judgePath`); undefined when no
   * level is met or none of its values is complete.
   */
  readonly path?: PathJudgement;
}

const UNKNOWN = (t: number, stepMs: number): RuleObservation => ({
  t,
  stepMs,
  raise: -1,
  hold: -1,
  unknown: true,
  canLower: true,
});

export const WINDOW_TEXT: Record<Rule["window"] & string, { zh: string; en: string }> = {
  "1h": { zh: "1小时均值", en: "1-h mean" },
  "8h": { zh: "8小时滑动均值", en: "8-h rolling mean" },
  "24h": { zh: "24小时滑动", en: "24-h rolling" },
  day: { zh: "自然日（北京时间）", en: "Beijing calendar day" },
  month: { zh: "自然月", en: "calendar month" },
  "year-to-date": { zh: "年初至今", en: "year to date" },
  latest: { zh: "最新值", en: "latest value" },
};

/** The Beijing date an hour labelled `hourEnd` belongs to (the 00:00 hour closes the previous day; air-aqi.md §8). */
export function hourDate(hourEnd: number): string {
  return beijingDate(hourEnd - 1);
}

/** Whether `t` is 00:00 Beijing time (the end of a Beijing day). */
export function isBeijingMidnight(t: number): boolean {
  return (t + 8 * HOUR_MS) % DAY_MS === 0;
}

export function stepOf(rule: Rule): number {
  if (rule.subject.check === "silent") return 0;
  return rule.window === "day" || rule.window === "month" || rule.window === "year-to-date"
    ? DAY_MS
    : HOUR_MS;
}

export const DEFAULT_WARNING_SEVERITIES: Record<string, Severity> = {
  blue: "warning",
  yellow: "warning",
  orange: "critical",
  red: "critical",
};

const WARNING_ZH: Record<string, string> = { blue: "蓝色", yellow: "黄色", orange: "橙色", red: "红色" };

/** A warning level's colour: { zh: "橙色", en: "orange" }. */
export function warningColour(levelId: string): { zh: string; en: string } {
  return { zh: WARNING_ZH[levelId] ?? levelId, en: levelId };
}

/**
 * The levels of a rule at a station, least severe first.
 *
 * @example
 * levelsOf(waterRule, sectionWithTargetIII, preset).map((l) => l.id) // ["IV", "V", "劣V"]
 */
export function levelsOf(
  rule: Rule,
  station: Station,
  warning: WarningConfig,
  /** The NOI grade table in force (RuleEngineOptions.noiScheme); default the rule's own. */
  noiScheme?: NoiScheme,
): readonly LevelDef[] {
  if (rule.levels !== undefined)
    return rule.levels.map((l) => ({
      id: l.id,
      severity: l.severity,
      ...(l.name !== undefined ? { zh: l.name.zh, en: l.name.en } : {}),
    }));
  if (rule.warning !== undefined) {
    return warning.levels.map((l) => ({
      id: l.id,
      severity: rule.warning?.severities[l.id] ?? DEFAULT_WARNING_SEVERITIES[l.id] ?? rule.severity,
      zh: `${WARNING_ZH[l.id] ?? l.id}预警级别`,
      en: `${l.id} level`,
    }));
  }
  if (rule.annualTarget !== undefined) {
    return [
      { id: "at_risk", severity: rule.annualTarget.severities.at_risk, zh: "有超标风险", en: "at risk" },
      { id: "exceeded", severity: rule.annualTarget.severities.exceeded, zh: "已无法达标", en: "exceeded" },
    ];
  }
  if (rule.subject.index === "water_class") {
    const target = waterClassNumber(station.water?.targetClass ?? "III");
    return WATER_CLASS_ORDER.filter((c) => waterClassNumber(c) > target).map((c) => ({
      id: c,
      severity: rule.severity,
      zh: `${c}类`,
      en: `Class ${c}`,
    }));
  }
  if (rule.subject.index === "noi_grade") {
    return noiTableOf(rule, noiScheme).grades.map((g) => ({
      id: g.grade,
      severity: rule.severity,
      ...noiGradeName(g),
    }));
  }
  return [{ id: undefined, severity: rule.severity }];
}

/** History the engine keeps for the heavy-pollution warning (AQI per hour or per day, oldest first). */
export interface AqiHistory {
  readonly values: readonly (number | null)[];
  /**
   * Per value, its tag (`aqiTag`): whether it is partial — it then counts where it meets a
   * condition and is missing where it fails one (heavy-pollution-warning.md §3.1) — and its primary
   * pollutants. Default: no value partial, no primary pollutant recorded.
   */
  readonly tags?: readonly number[];
  /** Whether the latest value is partial: the observation may then raise but not lower or clear. */
  readonly partialLast: boolean;
  /** The latest complete AQI's primary pollutants (§3.3), for the alert's details. */
  readonly primary?: PrimaryRecord;
  /** Data time of the last value (default: the observation's). */
  readonly lastT?: number;
}

function compare(value: number, comparison: string, threshold: number): boolean {
  switch (comparison) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    default:
      return value <= threshold;
  }
}

/**
 * The year of the Beijing day that ends at `t` and how far into it that day is: its completed days
 * (that day included, as the API counts them at clock time t) and all its days.
 */
export function yearDaysThrough(t: number): {
  readonly day: string;
  readonly year: number;
  readonly elapsedDays: number;
  readonly daysInYear: number;
} {
  const day = hourDate(t);
  const year = Number(day.slice(0, 4));
  const yearStart = Date.UTC(year, 0, 1);
  const elapsedDays = Math.round((Date.parse(`${day}T00:00:00Z`) - yearStart) / DAY_MS) + 1;
  const daysInYear = Math.round((Date.UTC(year + 1, 0, 1) - yearStart) / DAY_MS);
  return { day, year, elapsedDays, daysInYear };
}

/** GB 3095 Table 4: 324 valid daily means of 365, pro rata after `elapsedDays`; short of them, not assessed. */
export function tooFewValidDaysText(elapsedDays: number): { readonly zh: string; readonly en: string } {
  const needed = Math.ceil((elapsedDays * 324) / 365);
  return {
    zh: `；有效日不足（${elapsedDays} 天中需 ≥ ${needed} 个，GB 3095 表4），暂不评价`,
    en: `; too few valid days (≥ ${needed} of ${elapsedDays} needed, GB 3095 Table 4): not assessed`,
  };
}

// Shared with the notifier's subject and body (@qingshan/domain).
export { beijingHumanDay, displayValue };

function validMean(stat: StatLike | undefined): number | null {
  return stat?.valid === true && stat.mean !== null ? stat.mean : null;
}

const AQI_METRICS: readonly Pollutant[] = ["so2", "no2", "co", "o3", "pm10", "pm25"];

/** AQI computed for a window, with whether a measured pollutant was missing (value is then a lower bound). */
export interface WindowAqi {
  readonly result: AqiResult;
  readonly value: number | null;
  readonly partial: boolean;
  /** The concentrations indexed, by indicator (null: no valid value). */
  readonly concentrations: Partial<Record<AqiIndicator, number | null>>;
}

/** Tag bit of a warning history value (AqiSeries tag): computed without a measured pollutant. */
export const PARTIAL_TAG = 0x80;
/** Tag bits of a warning history value: its primary pollutants (HJ 633, AQI > 50). */
const PRIMARY_TAG: Readonly<Record<Pollutant, number>> = { so2: 1, no2: 2, co: 4, o3: 8, pm10: 16, pm25: 32 };

/**
 * The warning history's tag of a window AQI (heavy-pollution-warning.md §3.1, §3.3): `PARTIAL_TAG`
 * when a measured pollutant was missing, and a bit per primary pollutant. 0 without a value.
 *
 * @example
 * aqiTag(rollingAqi24(view, t)) // 0x20: complete, primary PM2.5
 */
export function aqiTag(aqi: WindowAqi | undefined): number {
  if (aqi === undefined || aqi.value === null) return 0;
  let tag = aqi.partial ? PARTIAL_TAG : 0;
  for (const p of aqi.result.primary) tag |= PRIMARY_TAG[p];
  return tag;
}

/** The primary pollutants of a tag, in AQI_METRICS order. */
function primaryOfTag(tag: number): Pollutant[] {
  return AQI_METRICS.filter((p) => (tag & PRIMARY_TAG[p]) !== 0);
}

/** The primary pollutants of one complete AQI, each with the indicator and concentration that made it primary. */
export interface PrimaryRecord {
  /** Data time of the AQI (hour label, or the end of the day). */
  readonly t: number;
  readonly aqi: number;
  readonly items: readonly {
    readonly pollutant: Pollutant;
    readonly indicator: AqiIndicator;
    readonly concentration: number;
  }[];
}

/**
 * The primary pollutants of a complete window AQI (undefined when partial, without a value or
 * without a primary pollutant: AQI ≤ 50).
 */
export function primaryRecord(aqi: WindowAqi | undefined, t: number): PrimaryRecord | undefined {
  if (aqi === undefined || aqi.partial || aqi.value === null || aqi.result.aqi === null) return undefined;
  const top = aqi.result.aqi;
  const items: { pollutant: Pollutant; indicator: AqiIndicator; concentration: number }[] = [];
  for (const pollutant of aqi.result.primary) {
    for (const [indicator, iaqi] of Object.entries(aqi.result.iaqi) as [AqiIndicator, number | null][]) {
      const concentration = aqi.concentrations[indicator];
      if (!indicator.startsWith(`${pollutant}_`) || iaqi !== top || concentration == null) continue;
      items.push({ pollutant, indicator, concentration });
      break;
    }
  }
  return items.length === 0 ? undefined : { t, aqi: top, items };
}

function measured(view: StationView): Set<MetricId> {
  return new Set(view.metrics());
}

/**
 * The AQI pollutants the station does not measure at all (not in its registry `metrics`), as the
 * API's /aqi: not in the monitoring programme, so not missing (HJ 633-2026 §5.3, air-aqi.md §5).
 */
function outsideProgramme(have: ReadonlySet<MetricId>): Pollutant[] {
  return AQI_METRICS.filter((m) => !have.has(m));
}

function finishAqi(
  view: StationView,
  result: AqiResult,
  inputs: Partial<Record<AqiIndicator, number | null>>,
): WindowAqi {
  const have = measured(view);
  const partial = (result.missing ?? []).some((indicator) => {
    const metric = indicator.slice(0, indicator.indexOf("_")) as MetricId;
    return have.has(metric) && inputs[indicator] === null;
  });
  return { result, value: result.aqi ?? result.withheld?.aqi ?? null, partial, concentrations: inputs };
}

/**
 * Real-time (hourly) AQI for the hour labelled `hourEnd`, edition by the hour's Beijing date
 * (HJ 633-2026 §3.2: six 1-h means; HJ 633-2012 §5.2: 1-h gases, O3 8-h rolling, PM per the
 * setting `pmRealtimeBasis2012` — by default the published practice, 1-h means from 2014-01-01,
 * as the API's /aqi — and the SO2 24-h rolling mean for SO2 > 800).
 */
export function hourlyAqi(
  view: StationView,
  hourEnd: number,
  settings: AqiSettings = {},
): WindowAqi | undefined {
  const date = hourDate(hourEnd);
  const standard = aqiStandardFor(date);
  const have = measured(view);
  if (!AQI_METRICS.some((m) => have.has(m))) return undefined;
  const h = (m: MetricId) => (have.has(m) ? validMean(view.hour(m, hourEnd)) : undefined);
  let pmBasis: "hourly" | "rolling24h" | undefined;
  const c: Partial<Record<AqiIndicator, number | null>> = {
    so2_1h: h("so2"),
    no2_1h: h("no2"),
    co_1h: h("co"),
    o3_1h: h("o3"),
    pm10_1h: h("pm10"),
    pm25_1h: h("pm25"),
  };
  if (standard === "HJ633-2012") {
    c.o3_8h = have.has("o3") ? validMean(view.rolling("o3", 8, hourEnd)) : undefined;
    c.so2_24h = have.has("so2") ? validMean(view.rolling("so2", 24, hourEnd)) : undefined;
    // air-aqi.md §3.1: the 2012 real-time PM basis is a setting, the same as the API's.
    pmBasis = pmRealtimeBasisOn(settings.pmRealtimeBasis2012, date);
    if (pmBasis === "rolling24h") {
      c.pm10_24h = have.has("pm10") ? validMean(view.rolling("pm10", 24, hourEnd)) : undefined;
      c.pm25_24h = have.has("pm25") ? validMean(view.rolling("pm25", 24, hourEnd)) : undefined;
      c.pm10_1h = undefined;
      c.pm25_1h = undefined;
    }
  }
  const concentrations = defined(c);
  const result = computeAqi({
    standard,
    date,
    period: "hour",
    concentrations,
    notInProgramme: outsideProgramme(have),
    options: aqiOptions(settings, pmBasis),
  });
  return finishAqi(view, result, concentrations);
}

/**
 * The rolling 24-h AQI at `hourEnd` (heavy-pollution-warning.md §3.1): daily breakpoints over hours
 * t−23…t — 24-h means (≥ 20 valid hours), O3 as the largest valid 8-h mean lying inside the window,
 * plus (2012 only) the window's largest O3 1-h mean; edition by the hour's Beijing date.
 */
export function rollingAqi24(
  view: StationView,
  hourEnd: number,
  settings: AqiSettings = {},
): WindowAqi | undefined {
  const date = hourDate(hourEnd);
  const standard = aqiStandardFor(date);
  const have = measured(view);
  if (!AQI_METRICS.some((m) => have.has(m))) return undefined;
  const r = (m: MetricId) => (have.has(m) ? validMean(view.rolling(m, 24, hourEnd)) : undefined);
  const c: Partial<Record<AqiIndicator, number | null>> = {
    so2_24h: r("so2"),
    no2_24h: r("no2"),
    co_24h: r("co"),
    pm10_24h: r("pm10"),
    pm25_24h: r("pm25"),
  };
  if (have.has("o3")) {
    let best: number | null = null;
    for (let end = hourEnd - 16 * HOUR_MS; end <= hourEnd; end += HOUR_MS) {
      const v = validMean(view.rolling("o3", 8, end));
      if (v !== null && (best === null || v > best)) best = v;
    }
    c.o3_8h = best;
    if (standard === "HJ633-2012") {
      let max1h: number | null = null;
      for (let end = hourEnd - 23 * HOUR_MS; end <= hourEnd; end += HOUR_MS) {
        const v = validMean(view.hour("o3", end));
        if (v !== null && (max1h === null || v > max1h)) max1h = v;
      }
      c.o3_1h = max1h;
    }
  }
  const concentrations = defined(c);
  const result = computeAqi({
    standard,
    date,
    period: "day",
    concentrations,
    notInProgramme: outsideProgramme(have),
    options: aqiOptions(settings),
  });
  return finishAqi(view, result, concentrations);
}

/** Daily AQI of the Beijing day `dayKey` (HJ 633 daily report; O3 daily maximum 8-h per HJ 663). */
export function dailyAqi(
  view: StationView,
  dayKey: string,
  settings: AqiSettings = {},
): WindowAqi | undefined {
  const standard = aqiStandardFor(dayKey);
  const have = measured(view);
  if (!AQI_METRICS.some((m) => have.has(m))) return undefined;
  const d = (m: MetricId) => (have.has(m) ? validMean(view.day(m, dayKey)) : undefined);
  const c: Partial<Record<AqiIndicator, number | null>> = {
    so2_24h: d("so2"),
    no2_24h: d("no2"),
    co_24h: d("co"),
    pm10_24h: d("pm10"),
    pm25_24h: d("pm25"),
    o3_8h: have.has("o3") ? validMean(view.dailyMax8h("o3", dayKey)) : undefined,
  };
  if (standard === "HJ633-2012" && have.has("o3")) {
    // HJ 633-2012 §3.1 daily O3 1-h maximum, valid by the rule the API's /aqi applies (o3DailyMax1hValidity).
    const day = view.day("o3", dayKey);
    const max = day?.max ?? null;
    const grade = view.station.airArea === "class1" ? "I" : "II";
    const limit = gb3095Limit(dayKey, grade, "o3", "1h")?.value;
    const valid =
      limit !== undefined && o3DailyMax1hValidity(Math.min(day?.count ?? 0, 24), max, limit).valid;
    c.o3_1h = valid ? max : null;
  }
  const concentrations = defined(c);
  const result = computeAqi({
    standard,
    date: dayKey,
    period: "day",
    concentrations,
    notInProgramme: outsideProgramme(have),
    options: aqiOptions(settings),
  });
  return finishAqi(view, result, concentrations);
}

/**
 * computeAqi's options from the settings shared with the API: the 2012 real-time PM basis of the
 * hour (hourly AQI only) and the HJ 633-2026 concentration rounding (provisional; standards README,
 * Review notes).
 */
function aqiOptions(settings: AqiSettings, pmBasis?: "hourly" | "rolling24h") {
  return {
    ...(pmBasis ? { pmRealtimeBasis2012: pmBasis } : {}),
    ...(settings.concentrationRounding2026
      ? { concentrationRounding2026: settings.concentrationRounding2026 }
      : {}),
  };
}

function defined<T>(record: Partial<Record<string, T | undefined>>): Partial<Record<AqiIndicator, T>> {
  const out: Partial<Record<string, T>> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
  return out as Partial<Record<AqiIndicator, T>>;
}

/**
 * Window AQIs already computed while the view does not change (one evaluation of a station's hour:
 * several rules may read the same window's AQI, e.g. hourly AQI and IAQI rules — and computeAqi is the
 * costliest step). Keyed by window and data time.
 */
export class AqiMemo {
  private readonly computed = new Map<string, WindowAqi | undefined>();

  get(window: "1h" | "24h" | "day", t: number, compute: () => WindowAqi | undefined): WindowAqi | undefined {
    const key = `${window}@${t}`;
    if (this.computed.has(key)) return this.computed.get(key);
    const aqi = compute();
    this.computed.set(key, aqi);
    return aqi;
  }
}

function aqiOf(
  rule: Rule,
  view: StationView,
  t: number,
  memo: AqiMemo | undefined,
  settings: AqiSettings,
): WindowAqi | undefined {
  if (memo !== undefined) {
    const window = rule.window === "1h" || rule.window === "24h" ? rule.window : "day";
    return memo.get(window, t, () => aqiOf(rule, view, t, undefined, settings));
  }
  if (rule.window === "1h") return hourlyAqi(view, t, settings);
  if (rule.window === "24h") return rollingAqi24(view, t, settings);
  return dailyAqi(view, hourDate(t), settings);
}

/** A day window's value named with its date: "细颗粒物(PM2.5) 11月25日日均值" / "PM2.5 daily mean of 25 Nov". */
function dayValueName(def: { zh: string; en: string }, dayEnd: number, dailyMax8h: boolean) {
  const day = beijingHumanDay(dayEnd, dayEnd);
  return dailyMax8h
    ? { zh: `${def.zh} ${day.zh}最大8小时均值`, en: `${def.en} daily maximum 8-h mean of ${day.en}` }
    : { zh: `${def.zh} ${day.zh}日均值`, en: `${def.en} daily mean of ${day.en}` };
}

function dayAqiName(dayEnd: number): { zh: string; en: string } {
  const day = beijingHumanDay(dayEnd, dayEnd);
  return { zh: `${day.zh}日AQI`, en: `daily AQI of ${day.en}` };
}

const AQI_NAME: Record<string, { zh: string; en: string }> = {
  "1h": { zh: "小时AQI", en: "hourly AQI" },
  "24h": { zh: "24小时滑动AQI", en: "24-h rolling AQI" },
  day: { zh: "日AQI", en: "daily AQI" },
};

function editionText(result: AqiResult): string {
  return result.standard.replace("HJ633", "HJ 633");
}

function metricStat(rule: Rule, view: StationView, metric: MetricId, t: number): StatLike | undefined {
  const day = hourDate(t);
  switch (rule.window) {
    case "1h":
      return view.hour(metric, t);
    case "8h":
      return view.rolling(metric, 8, t);
    case "24h":
      return view.rolling(metric, 24, t);
    case "day":
      return typeof rule.threshold === "object" && rule.threshold.gb3095.averaging === "dailyMax8h"
        ? view.dailyMax8h(metric, day)
        : view.day(metric, day);
    case "month":
      return view.month(metric, day.slice(0, 7));
    case "year-to-date":
      return view.yearToDate(metric, Number(day.slice(0, 4)));
    default: {
      const latest = view.latest(metric, t);
      if (latest === undefined || t - latest.hourEnd >= rule.maxAge) return undefined;
      return { mean: latest.value, count: 1, valid: true };
    }
  }
}

/** Observes a threshold / levels / annual-target rule on a metric, AQI or IAQI subject at data time t. */
function observeValue(
  rule: Rule,
  station: Station,
  view: StationView,
  t: number,
  memo: AqiMemo | undefined,
  settings: AqiSettings,
): RuleObservation {
  const step = stepOf(rule);
  const s = rule.subject;
  const windowText = WINDOW_TEXT[rule.window ?? "1h"];
  let value: number | null = null;
  let partial = false;
  let source: string | undefined;
  let name: { zh: string; en: string };
  let unit = "";
  let metric: string;
  if (s.metric !== undefined) {
    const def = METRICS[s.metric];
    metric = s.metric;
    unit = def.unit;
    name =
      rule.window === "day"
        ? dayValueName(
            def,
            t,
            typeof rule.threshold === "object" && rule.threshold.gb3095.averaging === "dailyMax8h",
          )
        : { zh: `${def.zh}${windowText.zh}`, en: `${def.en} ${windowText.en}` };
    const stat = metricStat(rule, view, s.metric, t);
    if (stat === undefined) return UNKNOWN(t, step);
    if (rule.annualTarget !== undefined) return observeAnnualTarget(rule, view, s.metric, stat, t);
    value = validMean(stat);
  } else {
    const aqi = aqiOf(rule, view, t, memo, settings);
    if (aqi === undefined) return UNKNOWN(t, step);
    partial = aqi.partial;
    source = editionText(aqi.result);
    const base =
      rule.window === "day"
        ? dayAqiName(t)
        : (AQI_NAME[rule.window ?? "1h"] ?? (AQI_NAME["1h"] as { zh: string; en: string }));
    if (s.index === "aqi") {
      metric = "aqi";
      value = aqi.value;
      name = base;
    } else {
      const pollutant = (s.index ?? "").slice(5);
      metric = `iaqi:${pollutant}`;
      const values = Object.entries(aqi.result.iaqi)
        .filter(([k, v]) => k.startsWith(`${pollutant}_`) && typeof v === "number")
        .map(([, v]) => v as number);
      value = values.length > 0 ? Math.max(...values) : null;
      name = {
        zh: `${METRICS[pollutant as MetricId].zh}分指数(IAQI)`,
        en: `${pollutant.toUpperCase()} IAQI`,
      };
    }
  }
  if (value === null) return UNKNOWN(t, step);
  const shown = displayValue(value);
  const valueText = {
    zh: `${name.zh} ${shortNumber(shown)}${unit ? ` ${unit}` : ""}`,
    en: `${name.en} ${shortNumber(shown)}${unit ? ` ${unit}` : ""}`,
  };
  const comparison = rule.comparison ?? ">";
  if (rule.levels !== undefined) {
    let raise = -1;
    let hold = -1;
    rule.levels.forEach((level, i) => {
      if (compare(value, comparison, level.threshold)) raise = i;
      if (compare(value, comparison, level.clearThreshold ?? level.threshold)) hold = i;
    });
    const next = rule.levels[Math.max(0, raise)] as { threshold: number };
    return {
      t,
      stepMs: step,
      raise,
      hold: Math.max(hold, raise),
      unknown: partial && raise < 0,
      canLower: !partial,
      metric,
      value: shown,
      threshold: next.threshold,
      valueText,
      thresholdText: thresholdTextOf(comparison, next.threshold, unit),
      ...(source ? { source } : {}),
    };
  }
  let threshold: number;
  let above: boolean;
  if (typeof rule.threshold === "object") {
    const g = rule.threshold.gb3095;
    const grade = g.grade === "station" ? (station.airArea === "class1" ? "I" : "II") : g.grade;
    const limit = gb3095Limit(hourDate(t), grade, metric as Pollutant, g.averaging);
    if (limit === null) return UNKNOWN(t, step);
    threshold = limit.value;
    source = limit.source;
    above = comparison === ">" ? exceedsLimit(value, threshold) : compare(value, comparison, threshold);
  } else {
    threshold = rule.threshold ?? 0;
    above = compare(value, comparison, threshold);
  }
  const clearThreshold = rule.clear.threshold ?? threshold;
  const hold = above || compare(value, comparison, clearThreshold) ? 0 : -1;
  return {
    t,
    stepMs: step,
    raise: above ? 0 : -1,
    hold,
    unknown: partial && !above,
    canLower: !partial,
    metric,
    value: shown,
    threshold,
    valueText,
    thresholdText: thresholdTextOf(comparison, threshold, unit),
    ...(source ? { source } : {}),
  };
}

function thresholdTextOf(comparison: string, threshold: number, unit: string): { zh: string; en: string } {
  const u = unit ? ` ${unit}` : "";
  return {
    zh: `阈值 ${comparison} ${shortNumber(threshold)}${u}`,
    en: `threshold ${comparison} ${shortNumber(threshold)}${u}`,
  };
}

type YearToDateLike = StatLike & {
  readonly sumOfDailyMeans?: number;
  readonly monthCounts?: readonly number[];
};

/**
 * The year to date through the Beijing day `day` from the view's year-to-date statistic, which
 * counts every valid day the windows hold — in a batch of readings (an import, a replay) also days
 * after `day`. Their daily means are taken out again, so the rule counts the days completed at its
 * data time, as /compliance/pm25 does at that clock time (services/api yearSpan). The sum is exact
 * (the windows' 12-digit sum and daily means as their decimals): a float subtraction would leave
 * noise that moves a half-even tie (air-aqi.md §2).
 */
function yearToDateThrough(view: StationView, metric: MetricId, stat: YearToDateLike, day: string) {
  let sum: ExactNumber =
    stat.sumOfDailyMeans !== undefined
      ? windowsDecimal(stat.sumOfDailyMeans)
      : multiplyExact(windowsDecimal(stat.mean ?? 0), stat.count);
  let count = stat.count;
  const monthCounts = stat.monthCounts === undefined ? undefined : [...stat.monthCounts];
  const newest = view.latest(metric, Number.MAX_SAFE_INTEGER);
  const lastDay = newest === undefined ? day : hourDate(newest.hourEnd);
  const yearEnd = `${day.slice(0, 4)}-12-31`;
  for (let t = beijingMidnight(day) + DAY_MS; ; t += DAY_MS) {
    const key = beijingDate(t);
    if (key > lastDay || key > yearEnd) break;
    const later = view.day(metric, key);
    if (later?.valid !== true || later.mean === null) continue;
    sum = subtractExact(sum, windowsDecimal(later.mean));
    count -= 1;
    const month = Number(key.slice(5, 7)) - 1;
    if (monthCounts !== undefined) monthCounts[month] = (monthCounts[month] ?? 1) - 1;
  }
  return { sum: count === 0 ? exactOf(0) : sum, count, monthCounts };
}

/**
 * A window statistic as the decimal it stands for: @qingshan/windows keeps means and sums to 12
 * significant digits (its `clean`), so a double summed or divided elsewhere is read at that
 * precision too, without its binary noise (24.299999999999997 is 24.3).
 */
function windowsDecimal(value: number): ExactNumber {
  return exactOf(Number(value.toPrecision(12)));
}

function observeAnnualTarget(
  rule: Rule,
  view: StationView,
  metric: MetricId,
  stat: YearToDateLike,
  t: number,
): RuleObservation {
  const target = rule.annualTarget as NonNullable<Rule["annualTarget"]>;
  // t is the end of the Beijing day observed: that day has ended and counts, as at clock time t the
  // API counts the completed days; the remaining days start the day after it.
  const { day, elapsedDays, daysInYear } = yearDaysThrough(t);
  const counted = yearToDateThrough(view, metric, stat, day);
  const a = assessAnnualTarget({
    sumOfDailyMeans: counted.sum,
    validDays: counted.count,
    elapsedDays,
    daysInYear,
    target: target.target,
    atRiskMargin: target.atRiskMargin,
    ...(counted.monthCounts !== undefined ? { monthCounts: counted.monthCounts } : {}),
  });
  if (a.status === "no_data" || a.ytdMean === null) return UNKNOWN(t, DAY_MS);
  // GB 3095 Table 4: an annual mean needs ≥ 324 valid daily means (the pro-rata share so far is
  // sufficientDataProRata). With fewer, "at risk" is a guess about a mean that cannot be computed: no
  // warning. "Exceeded" is different when it is certain (the target is out of reach even at zero
  // for every remaining day) and the year can still reach Table 4's counts: whatever valid days
  // follow, the annual mean, once computable, is above the target. Then it raises; otherwise not.
  // A closed year's not_met is the same certainty. Short data lower like on_track (not `unknown`,
  // which would hold an open alert for as long as data stay short — all year for a new station):
  // an open alert resolves after clear.for.
  const closed = a.status === "met" || a.status === "not_met";
  const certainExceedance = (a.status === "exceeded" || a.status === "not_met") && a.validityAttainable;
  // A year that can no longer reach Table 4's counts (in total, or a month short of 27 / 25 days) has
  // no annual mean to assess, whatever the pro-rata share: the API's insufficient_data too.
  const unattainable = annualTargetVerdict(a) === "insufficient_data";
  const insufficient = unattainable || (!a.sufficientDataProRata && !certainExceedance);
  const level = insufficient ? -1 : certainExceedance ? 1 : a.status === "at_risk" ? 0 : -1;
  const def = METRICS[metric];
  const statusText = {
    on_track: { zh: "可达标", en: "on track" },
    at_risk: { zh: "有超标风险", en: "at risk" },
    exceeded: { zh: "已无法达标", en: "exceeded" },
    met: { zh: "全年达标", en: "target met for the year" },
    not_met: { zh: "全年未达标", en: "target not met for the year" },
  }[a.status];
  const remaining = daysInYear - elapsedDays;
  // Within the rounding threshold (32.5 rounds to 32 and meets 32; 33.5 rounds to 34): ≤ or <.
  const bound = a.roundingThreshold.inclusive ? "≤" : "<";
  const rest =
    a.requiredMeanForRest === null
      ? { zh: "", en: "" }
      : {
          zh: `；余下 ${remaining} 天均值需 ${bound} ${shortNumber(Math.max(0, a.requiredMeanForRest))}`,
          en: `; the remaining ${remaining} days must average ${bound} ${shortNumber(Math.max(0, a.requiredMeanForRest))}`,
        };
  const shortfall = annualMeanShortfall({
    validDays: a.validDays,
    elapsedDays,
    daysInYear,
    ...(counted.monthCounts !== undefined ? { monthCounts: counted.monthCounts } : {}),
  });
  const shortMonths = unattainable && shortfall.attainableDays >= 324 ? shortfall.shortMonths : [];
  const shortage = !insufficient
    ? { zh: "", en: "" }
    : unattainable && shortMonths.length === 0
      ? {
          zh: `；全年有效日已不可能达到 324 个（GB 3095 表4），本年无有效年均值，不评价`,
          en: `; the year can no longer reach 324 valid days (GB 3095 Table 4): no valid annual mean, not assessed`,
        }
      : unattainable
        ? {
            zh: `；${shortMonths.map((m) => `${m}月`).join("、")}有效日已不足（每月需 ≥ 27 个，2月 ≥ 25 个，GB 3095 表4），本年无有效年均值，不评价`,
            en: `; ${shortMonths.map((m) => MONTHS_EN[m - 1]).join(", ")} can no longer reach 27 valid days (25 in February, GB 3095 Table 4): no valid annual mean this year, not assessed`,
          }
        : tooFewValidDaysText(elapsedDays);
  return {
    t,
    stepMs: DAY_MS,
    raise: level,
    hold: level,
    unknown: false,
    canLower: true,
    // The year has ended: its verdict is final, so an open at-risk alert of a met year (or of a
    // year without a valid annual mean) clears now rather than after clear.for into the next year.
    ...(closed ? { final: true } : {}),
    metric,
    value: a.ytdMean,
    threshold: target.target,
    valueText: closed
      ? {
          zh: `${def.zh}年均值 ${a.ytdMean} ${def.unit}（${a.validDays} 个有效日）：${statusText.zh}${shortage.zh}`,
          en: `${def.en} annual mean ${a.ytdMean} ${def.unit} (${a.validDays} valid days): ${statusText.en}${shortage.en}`,
        }
      : {
          zh: `${def.zh}年初至今均值 ${a.ytdMean} ${def.unit}（${a.validDays} 个有效日）：${statusText.zh}${rest.zh}${shortage.zh}`,
          en: `${def.en} year-to-date mean ${a.ytdMean} ${def.unit} (${a.validDays} valid days): ${statusText.en}${rest.en}${shortage.en}`,
        },
    thresholdText: {
      zh: `年均目标 ${target.target} ${def.unit}`,
      en: `annual target ${target.target} ${def.unit}`,
    },
  };
}

/**
 * What alerts cite for a warning preset: the document's title and its `source` (number or issuer,
 * and part), and the preset id marked provisional while it is.
 *
 * @example
 * warningCitation(WARNING_PRESET_2024) // "《关于进一步优化重污染天气应对机制的指导意见》（生态环境部 2024年 预警分级） preset 2024 (provisional)"
 */
export function warningCitation(warning: WarningConfig): string {
  const cited = `《${warning.title}》（${warning.source}）`;
  return warning.provisional ? `${cited} preset ${warning.id} (provisional)` : cited;
}

/** A warning condition in Chinese: "AQI > 200 持续 ≥ 24 小时" (the standards' text is English). */
function conditionZh(c: WarningCondition): string {
  return "aqiAbove" in c
    ? `AQI > ${c.aqiAbove} 持续 ≥ ${c.forHours} 小时`
    : `AQI ≥ ${c.aqiAtLeast} 持续 ≥ ${c.forHours} 小时`;
}

/**
 * Observes the heavy-pollution warning level from the AQI history (hourly rolling 24-h AQI or
 * natural-day AQI, oldest first), using the preset's duration conditions (run-length reading).
 */
export function observeWarning(
  rule: Rule,
  history: AqiHistory,
  warning: WarningConfig,
  t: number,
): RuleObservation {
  const step = stepOf(rule);
  const options =
    history.tags === undefined
      ? undefined
      : { partial: history.tags.map((tag) => (tag & PARTIAL_TAG) !== 0) };
  const assessment =
    rule.window === "day"
      ? warningLevelFromDailyAqi(history.values, warning, options)
      : warningLevelFromRollingAqi(history.values, warning, options);
  const last = history.values[history.values.length - 1];
  if (last === undefined) return UNKNOWN(t, step);
  const index = assessment.level === null ? -1 : warning.levels.findIndex((l) => l.id === assessment.level);
  const basis =
    rule.window === "day"
      ? { zh: "日AQI", en: "daily AQI" }
      : { zh: "24小时滑动AQI", en: "24-h rolling AQI" };
  const evidence = {
    zh: assessment.satisfied.map((c) => conditionZh(c.condition)).join("；"),
    en: assessment.satisfied.map((c) => c.text).join("; "),
  };
  const details = primaryDetails(rule, history, assessment.satisfied, t);
  const tags = history.tags;
  const path =
    tags === undefined
      ? undefined
      : judgePath(
          {
            values: history.values,
            partial: (i) => ((tags[i] ?? 0) & PARTIAL_TAG) !== 0,
            primary: (i) => primaryOfTag(tags[i] ?? 0),
            satisfied: assessment.satisfied,
            // One day's worth of values: 24 hourly AQI24, or the latest day.
            limit: rule.window === "day" ? 1 : 24,
          },
          pollutantRoutingOf(rule.warning?.pollutantRouting),
        );
  return {
    t,
    stepMs: step,
    raise: index,
    hold: index,
    unknown: last === null && index < 0,
    canLower: !history.partialLast,
    metric: "aqi",
    ...(last !== null ? { value: last } : {}),
    valueText: {
      zh: `${basis.zh} ${last ?? "NA"}${evidence.zh ? `（满足：${evidence.zh}）` : ""}`,
      en: `${basis.en} ${last ?? "NA"}${evidence.en ? ` (met: ${evidence.en})` : ""}`,
    },
    thresholdText: {
      zh: `预警方案 ${warning.id}${warning.provisional ? "（暂定）" : ""}`,
      en: `warning preset ${warning.id}${warning.provisional ? " (provisional)" : ""}`,
    },
    source: warningCitation(warning),
    ...(details.length > 0 ? { details } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}

/** What a primary pollutant's concentration is, by indicator and window (24-h rolling or day). */
function indicatorText(indicator: AqiIndicator, byDay: boolean): { zh: string; en: string } {
  if (indicator === "o3_8h")
    return byDay
      ? { zh: "日最大8小时滑动平均", en: "daily maximum 8-h mean" }
      : { zh: "窗口内最大8小时滑动平均", en: "8-h mean, largest in the window" };
  if (indicator === "o3_1h")
    return byDay
      ? { zh: "日最大1小时平均", en: "daily maximum 1-h mean" }
      : { zh: "窗口内最大1小时平均", en: "1-h mean, largest in the window" };
  return byDay ? { zh: "日均值", en: "daily mean" } : { zh: "24小时均值", en: "24-h mean" };
}

/**
 * The warning's details (heavy-pollution-warning.md §3.3, "record the primary pollutant of every
 * AQI24"): one per primary pollutant of the latest complete AQI in the history, its concentration
 * as `value`, and in the note how many of the episode's complete AQI values it was primary in
 * (the episode: from the first value of the runs that hold the level met; partial values, whose
 * primary pollutant may be the one missing, are not counted), so a message can say whether the
 * episode is PM2.5- or O3-driven. `since`: the first value of the episode it was primary in.
 */
function primaryDetails(
  rule: Rule,
  history: AqiHistory,
  satisfied: readonly { readonly runStart: number | null }[],
  t: number,
): AlertDetail[] {
  const latest = history.primary;
  const tags = history.tags;
  if (latest === undefined || tags === undefined) return [];
  const byDay = rule.window === "day";
  const step = byDay ? DAY_MS : HOUR_MS;
  const n = history.values.length;
  const lastT = history.lastT ?? t;
  // A value's time: its hour label; a day's, its start (the day itself, not its end).
  const timeOf = (i: number) => lastT - (n - 1 - i) * step - (byDay ? DAY_MS : 0);
  const starts = satisfied.map((c) => c.runStart).filter((x): x is number => x !== null);
  const from = starts.length > 0 ? Math.min(...starts) : undefined;
  const counts = new Map<Pollutant, { count: number; first: number }>();
  let complete = 0;
  let partial = 0;
  if (from !== undefined) {
    for (let i = from; i < n; i++) {
      const tag = tags[i] ?? 0;
      if (history.values[i] === null || history.values[i] === undefined) continue;
      if ((tag & PARTIAL_TAG) !== 0) {
        partial++;
        continue;
      }
      complete++;
      for (const p of primaryOfTag(tag)) {
        const c = counts.get(p);
        if (c === undefined) counts.set(p, { count: 1, first: i });
        else c.count++;
      }
    }
  }
  // The note is read by the duty officer in the e-mail's 明细 Detail row: Chinese first, then
  // English, times as people read them in Beijing time (an hour label, or the day), not ISO text.
  const basis = byDay ? { zh: "日AQI", en: "daily AQI" } : { zh: "24小时滑动AQI", en: "24-h rolling AQI" };
  const what = byDay
    ? { zh: "个完整日AQI", en: "daily AQI values" }
    : { zh: "个完整的逐时24小时滑动AQI", en: "hourly 24-h rolling AQI values" };
  // An hour by its label; a day (`dayEnd`: the end of the day) by its date.
  const human = (hourEnd: number) =>
    byDay ? beijingHumanDay(hourEnd, lastT) : beijingHumanTime(hourEnd, lastT);
  const at = (hourEnd: number) => {
    const h = human(hourEnd);
    return { zh: `（${h.zh}）`, en: byDay ? ` of ${h.en}` : ` at ${h.en}` };
  };
  // The latest value, complete and ≤ 50, has no primary pollutant (HJ 633 §5: only above 50):
  // it says so, and the record kept is named as an earlier value's, not the present one's.
  const last = history.values[n - 1];
  const none =
    last !== null &&
    last !== undefined &&
    last <= 50 &&
    ((tags[n - 1] ?? 0) & PARTIAL_TAG) === 0 &&
    latest.t !== lastT
      ? {
          metric: "aqi",
          value: last,
          note: `${basis.zh} ${last} ≤ 50，无首要污染物（${human(lastT).zh}，HJ 633） / no primary pollutant (${basis.en} ≤ 50, HJ 633)${at(lastT).en}`,
        }
      : undefined;
  const earlier =
    none === undefined
      ? { zh: "", en: "" }
      : byDay
        ? { zh: "最近有首要污染物的一日：", en: "last day with a primary pollutant: " }
        : { zh: "最近有首要污染物的一小时：", en: "last hour with a primary pollutant: " };
  const items = latest.items.map(({ pollutant, indicator, concentration }) => {
    const c = counts.get(pollutant);
    const others = [...counts].filter(([p]) => p !== pollutant);
    const extra = {
      zh: [
        ...others.map(([p, o]) => `${METRICS[p].zh} ${o.count} 个`),
        ...(partial > 0 ? [`${partial} 个不完整值未计入`] : []),
      ],
      en: [
        ...others.map(([p, o]) => `${METRICS[p].en} in ${o.count}`),
        ...(partial > 0 ? [`${partial} partial ${partial === 1 ? "value" : "values"} not counted`] : []),
      ],
    };
    const mean = indicatorText(indicator, byDay);
    const since = from === undefined ? undefined : human(timeOf(from) + (byDay ? DAY_MS : 0));
    const episode =
      c === undefined || since === undefined
        ? { zh: "", en: "" }
        : {
            zh: `；自 ${since.zh} 起 ${complete} ${what.zh}中 ${c.count} 个以其为首要污染物${
              extra.zh.length > 0 ? `（${extra.zh.join("；")}）` : ""
            }`,
            en: `; primary in ${c.count} of the ${complete} complete ${what.en} since ${since.en}${
              extra.en.length > 0 ? ` (${extra.en.join("; ")})` : ""
            }`,
          };
    const when = at(latest.t);
    return {
      metric: pollutant,
      value: displayValue(concentration),
      note:
        `${earlier.zh}${mean.zh}；${basis.zh} ${latest.aqi}${when.zh}的首要污染物${episode.zh} / ` +
        `${earlier.en}${mean.en}; primary pollutant of the ${basis.en} ${latest.aqi}${when.en}${episode.en}`,
      since: toBeijingIsoSeconds(c === undefined ? latest.t - (byDay ? DAY_MS : 0) : timeOf(c.first)),
    };
  });
  return none === undefined ? items : [none, ...items];
}

function observeWater(rule: Rule, station: Station, view: StationView, t: number): RuleObservation {
  const step = stepOf(rule);
  const water = station.water;
  if (water === undefined) return UNKNOWN(t, step);
  const values: Record<string, number> = {};
  // Class-deciding items the station measures that have no valid value in the rule's window (for
  // `latest`: none within maxAge), e.g. NH3-N while its analyser is silent.
  const missing: MetricId[] = [];
  for (const metric of view.metrics()) {
    const item = gb3838Item(metric);
    if (item === undefined) continue;
    const v = validMean(metricStat(rule, view, metric, t));
    if (v !== null) values[metric] = v;
    else if (item.role === "assessed") missing.push(metric);
  }
  const a = assessSection({ waterBody: water.waterBody, targetClass: water.targetClass, values });
  if (a.class === null) return UNKNOWN(t, step);
  // 环办〔2011〕22号 single-factor method: the class is the worst assessed item's, so without one of
  // them the class of the items with a value is a lower bound: it may raise, never lower or clear
  // (as the API's /water/class leaves such a period without a class).
  const partial = missing.length > 0;
  const levels = levelsOf(rule, station, { id: "", title: "", source: "", provisional: false, levels: [] });
  const raise = levels.findIndex((l) => l.id === a.class);
  const targetIndex = waterClassNumber(water.targetClass) - 1;
  const details: AlertDetail[] = a.deciding.map((metric) => {
    const item = gb3838Item(metric);
    const limits = water.waterBody === "lake" ? item?.lake : item?.river;
    const limitText = limits?.[targetIndex];
    const value = values[metric] as number;
    const cls = a.parameterClasses[metric] as WaterClass;
    const multiple = a.exceedance[metric];
    return {
      metric,
      value,
      ...(limitText !== undefined && item?.direction !== "range" ? { limit: Number(limitText) } : {}),
      // Chinese first, as the e-mail's 明细 Detail row is read (超标倍数 against Class III, 环办〔2011〕22号).
      note:
        `${cls}类${multiple !== undefined ? `（超III类标准 ${shortNumber(multiple)} 倍）` : ""}；目标 ${water.targetClass}类 / ` +
        `Class ${cls}${multiple !== undefined ? ` (exceeds Class III by ${shortNumber(multiple)}×)` : ""}; target Class ${water.targetClass}`,
    };
  });
  const decidingText = a.deciding.map((m) => {
    const item = gb3838Item(m);
    return {
      zh: `${item?.zh ?? m} ${shortNumber(values[m] as number)} ${item?.unit ?? ""}`.trim(),
      en: `${item?.en ?? m} ${shortNumber(values[m] as number)} ${item?.unit ?? ""}`.trim(),
    };
  });
  // The items the class rests on (GB 3838 Table 1 basic items given a class; reference and
  // unclassed items excluded), as assessSection counts them in `basis`.
  const assessedCount = Object.keys(a.parameterClasses).filter(
    (m) => !a.referenceOnly.includes(m) && !a.notAssessed.includes(m),
  ).length;
  const status = a.status === null ? { zh: "", en: "" } : { zh: `，${a.status.zh}`, en: `, ${a.status.en}` };
  const missingText = partial
    ? {
        zh: `；无有效值：${missing.map((m) => gb3838Item(m)?.zh ?? m).join("、")}（类别至少为 ${a.class}类）`,
        en: `; no valid value: ${missing.map((m) => gb3838Item(m)?.en ?? m).join(", ")} (so at least Class ${a.class})`,
      }
    : { zh: "", en: "" };
  return {
    t,
    stepMs: step,
    raise,
    hold: raise,
    // A class within target from partial data says nothing: the state is left as it is.
    unknown: partial && raise < 0,
    canLower: !partial,
    // The value is the class (1 = I … 6 = 劣V), as the metric says; the deciding parameters'
    // concentrations are in `details`.
    metric: "water_class",
    value: waterClassNumber(a.class),
    valueText: {
      zh: `水质 ${a.class}类${status.zh}（目标 ${water.targetClass}类）；决定指标：${decidingText.map((d) => d.zh).join("、")}；依据 ${ASSESSED_ITEM_COUNT} 项中已评价的 ${assessedCount} 项${missingText.zh}`,
      en: `water quality Class ${a.class}${status.en} (target Class ${water.targetClass}); deciding: ${decidingText.map((d) => d.en).join(", ")}; based on ${a.basis}${missingText.en}`,
    },
    thresholdText: { zh: `目标 ${water.targetClass}类`, en: `target Class ${water.targetClass}` },
    source: a.standard,
    details,
  };
}

const ROMAN_GRADE = /^[IVX]+$/;

/**
 * A NOI grade as alert texts name it: a roman-numeral grade by its number ("II级" / "grade II"),
 * any other grade id (a bureau table's "fresh") by the table's name for it ("非常清新" / "very fresh").
 *
 * @example
 * noiGradeName({ grade: "II", min: 500, zh: "有利于健康", en: "beneficial to health", color: "#8dc63f" }) // { zh: "II级", en: "grade II" }
 * noiGradeName({ grade: "fresh", min: 2100, zh: "非常清新", en: "very fresh", color: "#00a651" }) // { zh: "非常清新", en: "very fresh" }
 */
export function noiGradeName(g: Pick<NoiGrade, "grade" | "zh" | "en">): { zh: string; en: string } {
  return ROMAN_GRADE.test(g.grade) ? { zh: `${g.grade}级`, en: `grade ${g.grade}` } : { zh: g.zh, en: g.en };
}

/**
 * The `standard` of a rule as its alerts and GET /rules give it: a noi_grade rule's text says
 * "(provisional 暂行)" when the grade table in force is provisional, not when it is a confirmed
 * (bureau) table.
 *
 * @example
 * ruleStandardText(noiGradeRule, NOI_CANDIDATE_A) // "负氧离子分级 NOI grades, grading scheme named in each alert (provisional 暂行)"
 */
export function ruleStandardText(rule: Rule, noiScheme?: NoiScheme): string {
  if (rule.subject.index !== "noi_grade" || !noiTableOf(rule, noiScheme).provisional) return rule.standard;
  return rule.standard.includes("provisional") ? rule.standard : `${rule.standard} (provisional 暂行)`;
}

/**
 * The grade table of a noi_grade rule: the one in force (the configuration's, shared with the API)
 * when given, else the rule's own `scheme` (candidate A when absent).
 */
function noiTableOf(rule: Rule, configured: NoiScheme | undefined): NoiScheme {
  return configured ?? noiSchemeOf(rule.subject.scheme ?? DEFAULT_NOI_SCHEME);
}

function observeNoi(rule: Rule, view: StationView, t: number, noiScheme?: NoiScheme): RuleObservation {
  const step = stepOf(rule);
  const stat = metricStat(rule, view, "noi", t);
  const value = validMean(stat);
  if (value === null) return UNKNOWN(t, step);
  const table = noiTableOf(rule, noiScheme);
  const g = gradeNoiWith(table, value);
  const title = table.title;
  const index = table.grades.findIndex((x) => x.grade === g.grade);
  // Graded on the unrounded mean; the message and the event's value show it rounded once.
  const shown = displayValue(value);
  return {
    t,
    stepMs: step,
    raise: index,
    hold: index,
    unknown: false,
    canLower: true,
    metric: "noi",
    value: shown,
    // A roman-numeral grade with the table's name for it ("II级（有利于健康）"), else the name alone.
    valueText: ROMAN_GRADE.test(g.grade)
      ? {
          zh: `负氧离子 ${shown} 个/cm³，${g.grade}级（${g.zh}）`,
          en: `negative oxygen ions ${shown} ions/cm³, grade ${g.grade} (${g.en})`,
        }
      : {
          zh: `负氧离子 ${shown} 个/cm³，${g.zh}`,
          en: `negative oxygen ions ${shown} ions/cm³, ${g.en}`,
        },
    // The scheme's provenance (its `source`: negative-oxygen-ions.md §2, not verified against a
    // standard text) stays in @qingshan/standards; the event's `standard` says "provisional" while
    // the table is (ruleStandardText).
    thresholdText: {
      zh: `分级方案 ${title?.zh ?? g.scheme}${g.provisional ? "（暂定）" : ""}`,
      en: `grading scheme ${title?.en ?? g.scheme}${g.provisional ? " (provisional)" : ""}`,
    },
  };
}

function observeQuality(rule: Rule, station: Station, view: StationView, t: number): RuleObservation {
  const s = rule.subject;
  const metrics = s.metrics ?? view.metrics();
  const details: AlertDetail[] = [];
  const zh: string[] = [];
  const en: string[] = [];
  let known = false;
  for (const metric of metrics) {
    const q = view.quality(metric);
    if (q === undefined || q.lastTs === undefined || q.lastValue === undefined) continue;
    known = true;
    const def = METRICS[metric];
    if (s.check === "stuck" && q.repeats >= (s.repeats ?? 2)) {
      // Each metric names its own run: since its first identical reading, not the alert's start.
      const since = beijingHumanTime(q.runSince ?? q.lastTs, t);
      details.push({
        metric,
        value: q.lastValue,
        note: `${q.repeats} identical consecutive values since ${toBeijingIsoSeconds(q.runSince ?? q.lastTs)}`,
        since: toBeijingIsoSeconds(q.runSince ?? q.lastTs),
      });
      zh.push(`${def.zh} 自 ${since.zh} 起连续 ${q.repeats} 次读数相同（${shortNumber(q.lastValue)}）`);
      en.push(
        `${def.en}: ${q.repeats} identical values in a row (${shortNumber(q.lastValue)}) since ${since.en}`,
      );
    }
    if (s.check === "out_of_range") {
      const range = s.ranges?.[metric];
      const outside = range !== undefined && (q.lastValue < range[0] || q.lastValue > range[1]);
      if (q.lastFlag === "T" || outside) {
        const limit = range ?? def.instrumentRange;
        details.push({
          metric,
          value: q.lastValue,
          limit: q.lastValue < limit[0] ? limit[0] : limit[1],
          note:
            q.lastFlag === "T"
              ? "flag T: above the measuring upper limit"
              : `outside [${limit[0]}, ${limit[1]}]`,
        });
        zh.push(`${def.zh} ${shortNumber(q.lastValue)} ${def.unit} 超出仪器量程`);
        en.push(`${def.en} ${shortNumber(q.lastValue)} ${def.unit} outside the instrument's range`);
      }
    }
    if (s.check === "flag_duration" && q.lastFlag !== undefined && q.flagRunSince !== undefined) {
      const lasting = q.lastTs + station.reportingIntervalMs - q.flagRunSince;
      if ((s.flags ?? []).includes(q.lastFlag) && lasting >= (s.maxDuration ?? 0)) {
        const hours = shortNumber(lasting / HOUR_MS);
        // Since the run's first reading, as a stuck sensor's text: the duty officer sees when it began.
        const since = beijingHumanTime(q.flagRunSince, t);
        details.push({
          metric,
          value: q.lastValue,
          note: `flag ${q.lastFlag} for ${hours} h since ${toBeijingIsoSeconds(q.flagRunSince)}`,
          since: toBeijingIsoSeconds(q.flagRunSince),
        });
        zh.push(`${def.zh} 自 ${since.zh} 起标记 ${q.lastFlag} 已持续 ${hours} 小时`);
        en.push(`${def.en} flagged ${q.lastFlag} for ${hours} h since ${since.en}`);
      }
    }
  }
  if (!known) return UNKNOWN(t, HOUR_MS);
  const raise = details.length > 0 ? 0 : -1;
  return {
    t,
    stepMs: HOUR_MS,
    raise,
    hold: raise,
    unknown: false,
    canLower: true,
    // One alert per rule and station (the alert id names no metric): a finding of several metrics
    // has no one metric and value; `details` name each, as the texts do.
    ...(details.length === 1 && details[0] !== undefined
      ? { metric: details[0].metric, value: details[0].value }
      : {}),
    valueText: { zh: zh.join("；") || "数据正常", en: en.join("; ") || "data normal" },
    details,
  };
}

/**
 * Observes a data rule (not silence) at data time t (an hour's end; for day/month/year-to-date
 * windows the end of the Beijing day). Warning rules go through observeWarning.
 */
export function observe(
  rule: Rule,
  station: Station,
  view: StationView,
  t: number,
  /** AQIs computed for other rules on the same, unchanged view (see AqiMemo). */
  memo?: AqiMemo,
  /** The AQI settings shared with the API (RuleEngineOptions.aqi). */
  aqiSettings: AqiSettings = {},
  /** The NOI grade table shared with the API (RuleEngineOptions.noiScheme); default the rule's own. */
  noiScheme?: NoiScheme,
): RuleObservation {
  const s = rule.subject;
  if (s.check !== undefined) return observeQuality(rule, station, view, t);
  if (s.index === "water_class") return observeWater(rule, station, view, t);
  if (s.index === "noi_grade") return observeNoi(rule, view, t, noiScheme);
  return observeValue(rule, station, view, t, memo, aqiSettings);
}

/**
 * How long a station has been silent, as people read it: whole minutes below 2 h ("15 分钟" /
 * "15 min"), hours with at most one decimal up to 2 days ("3.5 小时" / "3.5 h"), days above
 * ("2.5 天" / "2.5 d"); rounded down, so it never says longer than it was.
 *
 * @example
 * silenceText(15.3 * 60_000) // { zh: "15 分钟", en: "15 min" }
 */
export function silenceText(ms: number): { zh: string; en: string } {
  const down1 = (x: number) => Math.floor(x * 10) / 10;
  if (ms < 2 * HOUR_MS) {
    const minutes = Math.floor(ms / 60_000);
    return { zh: `${minutes} 分钟`, en: `${minutes} min` };
  }
  if (ms <= 2 * DAY_MS) {
    const hours = down1(ms / HOUR_MS);
    return { zh: `${hours} 小时`, en: `${hours} h` };
  }
  const days = down1(ms / DAY_MS);
  return { zh: `${days} 天`, en: `${days} d` };
}

/**
 * How long a silence rule waits after the last data before the station is silent: `intervals` ×
 * the station's reporting interval.
 */
function silentAfterMs(rule: Rule, station: Station): number {
  return (rule.subject.intervals ?? 1) * station.reportingIntervalMs;
}

/**
 * When the station was last heard from, as a silence alert that started at `startedAt` implies
 * (observeSilence starts it at lastSeen + intervals × the reporting interval): for a restart with
 * no stored data of the station (it never reported, or retention removed its readings), so the
 * open alert goes on instead of being resolved as "reporting again".
 *
 * @example
 * silenceLastSeen(rule, { ...station, reportingIntervalMs: 300_000 }, t) // t − 3 × 300 000 for intervals: 3
 */
export function silenceLastSeen(rule: Rule, station: Station, startedAt: number): number {
  return startedAt - silentAfterMs(rule, station);
}

/**
 * Silence: raised at lastSeen + intervals × the station's reporting interval (deterministic). The
 * value is the silent time in whole minutes (metric "silence"), the text's minutes below 2 h.
 */
export function observeSilence(rule: Rule, station: Station, now: number, lastSeen: number): RuleObservation {
  const intervals = rule.subject.intervals ?? 1;
  const silentAfter = lastSeen + silentAfterMs(rule, station);
  const silent = now >= silentAfter;
  const silence = silenceText(now - lastSeen);
  const last = beijingHumanTime(lastSeen, now);
  return {
    t: silent ? silentAfter : now,
    stepMs: 0,
    raise: silent ? 0 : -1,
    hold: silent ? 0 : -1,
    unknown: false,
    canLower: true,
    metric: "silence",
    value: Math.floor((now - lastSeen) / 60_000),
    valueText: {
      zh: silent ? `${silence.zh}无数据，最后数据 ${last.zh}（北京时间）` : "已恢复上报",
      en: silent ? `no data for ${silence.en}, last data ${last.en} (Beijing time)` : "reporting again",
    },
    thresholdText: {
      zh: `${intervals} × ${shortNumber(station.reportingIntervalMs / 60_000)} 分钟`,
      en: `${intervals} × ${shortNumber(station.reportingIntervalMs / 60_000)} min`,
    },
  };
}
