import {
  type AlertEvent,
  type AlertEventType,
  type AlertState,
  alertStartText,
  awaitingSince,
  beijingHumanDay,
  beijingHumanTime,
  type CalendarWindow,
  calendarWindowOf,
  displayValue,
  HOUR_MS,
  isMetricId,
  METRICS,
  type Severity,
  type StationRegistry,
  WARNING_LEVEL_IDS,
  WARNING_PATH_NAMES,
  type WarningPath,
} from "@qingshan/domain";
import { eventInProgress, noiGradeName, periodSpanText, WINDOW_TEXT } from "@qingshan/rules";
import { DEFAULT_NOI_SCHEME, gradeNoiWith, NOI_SCHEMES, type NoiScheme } from "@qingshan/standards";
import type { Person } from "./config.ts";
import type { CurrentObservation } from "./current.ts";
import type { LatestObservation } from "./latest.ts";
import type { Notification } from "./notification.ts";
import { QUALITY_CHECK_NAMES, qualityCheckOf, qualityDetailText } from "./quality-check.ts";

type Bilingual = { readonly zh: string; readonly en: string };

const EVENT_LABEL: Record<AlertEventType, Bilingual> = {
  raised: { zh: "新告警", en: "New alert" },
  level_changed: { zh: "告警级别变化", en: "Alert level changed" },
  renotified: { zh: "告警重复提醒", en: "Alert reminder" },
  escalated: { zh: "告警升级", en: "Alert escalated" },
  acknowledged: { zh: "告警已确认", en: "Alert acknowledged" },
  resolved: { zh: "告警已解除", en: "Alert resolved" },
};
const SEVERITY_LABEL: Record<Severity, Bilingual> = {
  info: { zh: "提示", en: "info" },
  warning: { zh: "警告", en: "warning" },
  critical: { zh: "严重", en: "critical" },
};
// Heavy-pollution warning colours (blue IV … red I of the warning-level documents).
const LEVEL_LABEL: Record<string, Bilingual> = {
  blue: { zh: "蓝色", en: "blue" },
  yellow: { zh: "黄色", en: "yellow" },
  orange: { zh: "橙色", en: "orange" },
  red: { zh: "红色", en: "red" },
};

/** "2026-11-28 10:00" in Beijing time for an ISO 8601 instant or UTC ms. */
export function formatBeijing(at: string | number): string {
  const ms = typeof at === "number" ? at : Date.parse(at);
  return new Date(ms + 8 * HOUR_MS).toISOString().slice(0, 16).replace("T", " ");
}

/**
 * "11月28日 10:00 / 28 Nov 10:00" in Beijing time for an ISO 8601 instant or UTC ms, with the
 * year when it is not the Beijing year of `reference` (the event's time): "2026年12月31日 22:00 /
 * 31 Dec 2026 22:00" — the rule engine's wording (@qingshan/domain beijingHumanTime).
 */
export function formatBeijingHuman(at: string | number, reference: string | number): string {
  const ms = (x: string | number) => (typeof x === "number" ? x : Date.parse(x));
  const { zh, en } = beijingHumanTime(ms(at), ms(reference));
  return `${zh} / ${en}`;
}

/**
 * The Data time of an event evaluated before its period ended: "12月1日 18:00–19:00 / 1 Dec
 * 18:00–19:00 北京时间 (Beijing time)（进行中 / in progress：…）", the day for a calendar window.
 */
function inProgressPeriodText(
  periodEnd: number,
  window: CalendarWindow | undefined,
  reference: number,
): string {
  const span = spanOf(periodEnd, window, reference);
  const what = window !== undefined ? { zh: "该日", en: "the day" } : { zh: "该小时", en: "the hour" };
  return (
    `${span.zh} / ${span.en} 北京时间 (Beijing time)（进行中 / in progress：${what.zh}尚未结束，数值为暂定值，可能变化 / ` +
    `${what.en} has not ended, the value is provisional and may change）`
  );
}

/** The period ending at `periodEnd`: an hour's span "18:00–19:00", or a calendar window's day or month. */
function spanOf(periodEnd: number, window: CalendarWindow | undefined, reference: number): Bilingual {
  return window === undefined
    ? periodSpanText(periodEnd, false, reference)
    : alertStartText(periodEnd, window, reference);
}

/**
 * When the alert started, "11月26日 10:00 / 26 Nov 10:00"; for a calendar window (the rule assessed
 * a Beijing day, month or the year to date, stamped at the day's end) the day or month assessed,
 * "11月25日 / 25 Nov", as the rules engine's message names it.
 */
export function formatAlertStart(state: AlertState, reference: string | number): string {
  const ref = typeof reference === "number" ? reference : Date.parse(reference);
  const { zh, en } = alertStartText(
    Date.parse(state.startedAt ?? state.raisedAt),
    state.startedAt === undefined ? undefined : calendarWindowOf(state),
    ref,
  );
  return `${zh} / ${en}`;
}

/**
 * A measured value as the rules engine's message shows it (displayValue: 61.417 → 61.4,
 * 0.02634 → 0.0263), for the subject and the Measured row alike.
 */
export function formatMeasured(value: number): string {
  return String(displayValue(value));
}

/** A number as people read it: at most 3 decimals, no trailing zeros. */
export function formatNumber(value: number): string {
  return String(Number(value.toFixed(3)));
}

function unitOf(metric: string | undefined): string {
  if (metric === undefined || !isMetricId(metric)) return "";
  const unit = METRICS[metric].unit;
  return unit === "dimensionless" ? "" : ` ${unit}`;
}

function metricName(metric: string): Bilingual {
  if (isMetricId(metric)) return { zh: METRICS[metric].zh, en: METRICS[metric].en };
  if (metric.toLowerCase().startsWith("aqi")) return { zh: "空气质量指数", en: "Air Quality Index" };
  return { zh: metric, en: metric };
}

/** Where an alert is: station name and township, or district-wide. */
export function placeOf(stationId: string, registry: StationRegistry): Bilingual {
  if (stationId === "district") return { zh: "全区", en: "district-wide" };
  const station = registry.get(stationId);
  if (station === undefined) return { zh: stationId, en: stationId };
  // A station named after its township (峰源乡 in 峰源乡) is not written twice, as in the subject.
  return {
    zh: station.name.zh.includes(station.township)
      ? station.name.zh
      : `${station.name.zh}（${station.township}）`,
    en: `${station.name.en} (${station.township}), station ${station.id}`,
  };
}

export interface RenderContext {
  readonly registry: StationRegistry;
  readonly publicUrl: string;
  /**
   * The NOI grade table in force (qingshan config `noi.scheme`, checked with noiSchemeOf), by which
   * a reminder grades the latest NOI values; default the shipped default, candidate A.
   */
  readonly noiScheme?: NoiScheme;
}

/** The alert as JSON from the API (events included). */
export function alertLink(publicUrl: string, alertId: string): string {
  return `${publicUrl}/api/v1/alerts/${encodeURIComponent(alertId)}`;
}

/**
 * The dashboard's duty console (告警值班), where the alert is listed and acknowledged. The
 * dashboard has no address of a single alert (its details open from the console's row).
 */
export function dashboardLink(publicUrl: string): string {
  return `${publicUrl}/dashboard/#alerts`;
}

const capitalized = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/**
 * Only for events stored before `conditionHolds` existed: the rules engine's text for a heavy-pollution warning announced at a level its latest AQI no
 * longer meets (packages/rules, ongoingText: "仍在持续，自 … 起；…方解除" / "ongoing since … Beijing
 * time; … released only after …"): the level is only held while the warning steps down.
 */
const HELD_LEVEL_TEXT = { zh: "仍在持续，自", en: "; ongoing since " } as const;

/**
 * Whether the alert's last raise or level change says its condition no longer holds: its
 * `conditionHolds`, set by the rules engine. Events stored before that field existed have none;
 * for them the message text is read (HELD_LEVEL_TEXT).
 */
export function conditionEnded(s: Pick<AlertState, "message" | "conditionHolds">): boolean {
  if (s.conditionHolds !== undefined) return !s.conditionHolds;
  return s.message.zh.includes(HELD_LEVEL_TEXT.zh) || s.message.en.includes(HELD_LEVEL_TEXT.en);
}

/**
 * 【建议橙色预警】 / [Orange warning suggested] for a heavy-pollution warning colour — a level
 * suggested from observed data, not a warning issued (the bureau issues warnings; the message says
 * "实测建议级别，非正式发布 / level suggested from observed data, not an issued warning") — or
 * 【健康提示】 / [Health advisory] for one on the health-advisory path (an O3-driven episode under the
 * default routing, heavy-pollution-warning.md §3.3) — else the severity (【警告】).
 */
function headTag(state: AlertState): Bilingual {
  const colour = state.level === undefined ? undefined : LEVEL_LABEL[state.level];
  if (colour !== undefined && state.path === "healthAdvisory") {
    const name = WARNING_PATH_NAMES.healthAdvisory;
    return { zh: name.zh, en: capitalized(name.en) };
  }
  if (colour !== undefined)
    return { zh: `建议${colour.zh}预警`, en: `${capitalized(colour.en)} warning suggested` };
  const severity = SEVERITY_LABEL[state.severity];
  return { zh: severity.zh, en: capitalized(severity.en) };
}

// The windows' English texts the rule engine puts on events (@qingshan/rules WINDOW_TEXT), shortened
// for a subject; a window not listed is left out of it.
const WINDOW_SHORT: Record<string, Bilingual> = {
  "1-h mean": { zh: "小时值", en: "hourly" },
  "8-h rolling mean": { zh: "8小时滑动均值", en: "8-h rolling mean" },
  "24-h rolling": { zh: "24小时滑动值", en: "24-h rolling" },
  "Beijing calendar day": { zh: "日值", en: "daily" },
  "calendar month": { zh: "月均值", en: "monthly mean" },
  "year to date": { zh: "年初至今均值", en: "year-to-date mean" },
  "latest value": { zh: "最新值", en: "latest" },
};

/** At most this many metrics are named in a data-quality subject; more are two and a count. */
const MAX_SUBJECT_METRICS = 3;

/** A metric's short name for a subject: the code in its name ("PM2.5", "AQI"), else the name. */
function shortName(metric: string): Bilingual {
  if (metric.toLowerCase().startsWith("aqi")) return { zh: "AQI", en: "AQI" };
  const name = metricName(metric);
  const code = /\(([^)]+)\)$/.exec(name.zh)?.[1];
  return code === undefined ? name : { zh: code, en: code };
}

/** A NOI grade id as the rules engine names it (noiGradeName), by the table in force. */
function noiGradeText(grade: string, scheme: NoiScheme): Bilingual {
  return noiGradeName(scheme.grades.find((g) => g.grade === grade) ?? { grade, zh: grade, en: grade });
}

/**
 * What the alert is about, in a few words, for the subject: "重污染天气", "PM2.5 日值 180.4 µg/m³";
 * `value` (a reminder's latest value) instead of the alert's.
 */
function whatOf(
  state: AlertState,
  noiScheme: NoiScheme,
  value = state.value,
  /** The section's target class (the registry's), for a water class. */
  waterTarget?: string,
): Bilingual {
  const colour = state.level === undefined ? undefined : LEVEL_LABEL[state.level];
  // A health advisory's tag names no colour: the subject says the level.
  // The AQI that set the level (a reminder's: the latest), named with its window as every AQI
  // subject is (an hourly AQI alert of the same station reads AQI 小时值): triage from the inbox.
  const aqi = colour === undefined || value === undefined ? undefined : valueWhat(state, value);
  if (colour !== undefined && state.path === "healthAdvisory")
    return {
      zh: `重污染天气 ${colour.zh}级别${aqi ? ` ${aqi.zh}` : ""}`,
      en: `heavy pollution, ${colour.en} level${aqi ? `, ${aqi.en}` : ""}`,
    };
  if (colour !== undefined)
    return { zh: `重污染天气${aqi ? ` ${aqi.zh}` : ""}`, en: `heavy pollution${aqi ? `, ${aqi.en}` : ""}` };
  const metric = state.metric;
  if (state.ruleId.startsWith("dq-") || metric === "silence") {
    // What is wrong before which metrics: a silent station, a stuck sensor, a range left or a flag
    // held too long need different hands, and the inbox list must tell them apart.
    const check = qualityCheckOf(state);
    // A silent station: for how long (a reminder's: now).
    if (check === "silent") {
      const silent = value === undefined ? undefined : silentText(value);
      return {
        zh: `${QUALITY_CHECK_NAMES.silent.zh}${silent ? ` ${silent.zh}` : ""}`,
        en: `${QUALITY_CHECK_NAMES.silent.en}${silent ? ` ${silent.en}` : ""}`,
      };
    }
    // A finding of several metrics (a stuck-sensor alert of three) carries no one metric: its
    // details name each (packages/rules observeQuality), and so does the subject.
    const metrics = [
      ...new Set([
        ...(state.details ?? []).map((d) => d.metric),
        ...(metric === undefined || metric === "silence" ? [] : [metric]),
      ]),
    ];
    const names = metrics.map(shortName);
    const head = check === undefined ? { zh: "数据质量", en: "data quality" } : QUALITY_CHECK_NAMES[check];
    // A station in maintenance flags all its nine water parameters: the subject names two and the
    // count (the Detail rows name each), so it still fits a phone's mail list.
    const shown = names.length > MAX_SUBJECT_METRICS ? names.slice(0, 2) : names;
    const more =
      shown.length < names.length
        ? { zh: `等 ${names.length} 项`, en: ` and ${names.length - shown.length} more` }
        : { zh: "", en: "" };
    return {
      zh: `${head.zh}${shown.length > 0 ? ` ${shown.map((n) => n.zh).join("、")}${more.zh}` : ""}`,
      en: `${head.en}${shown.length > 0 ? ` ${shown.map((n) => n.en).join(", ")}${more.en}` : ""}`,
    };
  }
  if (metric === "noi" && state.level !== undefined) {
    const grade = noiGradeText(state.level, noiScheme);
    return { zh: `负氧离子 ${grade.zh}`, en: `negative oxygen ions ${grade.en}` };
  }
  if (metric === "noi") return { zh: "负氧离子 级", en: "negative oxygen ions grade" };
  // With the target: a drinking-water source's 水质 III类 reads as compliant to whoever knows
  // Class III as the usual target; its target is II.
  if (metric === "water_class") {
    const target =
      waterTarget === undefined
        ? { zh: "", en: "" }
        : { zh: `（目标 ${waterTarget}类）`, en: ` (target Class ${waterTarget})` };
    return {
      zh: `水质 ${state.level ?? ""}类${target.zh}`,
      en: `water quality Class ${state.level ?? ""}${target.en}`,
    };
  }
  if (metric === undefined) return { zh: state.ruleId, en: state.ruleId };
  // A level the rule file names ("AQI 小时值 350 严重污染"): the subject says which. A value below
  // that level's threshold — a reminder's latest (a severe alert held until its AQI has been ≤ 280
  // for 2 h, now 220), or a level change's (severe → heavy at 198, heavy held above its clear 180):
  // the level first, then the value as the latest, never "AQI 小时值 198 重度污染" (HJ 633: 中度污染).
  const meetsLevel =
    value === undefined ||
    state.threshold === undefined ||
    compare(value, comparisonOf(state), state.threshold);
  if (state.levelName !== undefined && value !== undefined && !meetsLevel) {
    const v = valueWhat(state, value);
    return {
      zh: `${state.levelName.zh}，最新 ${v.zh}`,
      en: `${state.levelName.en}, latest ${v.en}`,
    };
  }
  return valueWhat(state, value, state.levelName);
}

/** "AQI 小时值 350 严重污染": the metric, its window, `value` if any and `level` if given. */
function valueWhat(state: AlertState, value: number | undefined, level?: Bilingual): Bilingual {
  const metric = state.metric;
  if (metric === undefined) return { zh: state.ruleId, en: state.ruleId };
  const name = shortName(metric);
  const window = state.window === undefined ? undefined : WINDOW_SHORT[state.window];
  const shown = value === undefined ? "" : ` ${formatMeasured(value)}${unitOf(metric)}`;
  return {
    zh: `${name.zh}${window ? ` ${window.zh}` : ""}${shown}${level ? ` ${level.zh}` : ""}`,
    en: `${name.en}${window ? ` ${window.en}` : ""}${shown}${level ? ` ${level.en}` : ""}`,
  };
}

/**
 * An all-clear's subject: the resolving value (the `resolved` event's, same metric; none when the
 * alert closed without one, e.g. its rule was replaced) and the level it leaves, so the subject
 * agrees with the Resolution line: tag, what, and "（此前重度污染）" / " (was heavily polluted)".
 */
function resolvedSubject(
  state: AlertState,
  value: number | undefined,
  noiScheme: NoiScheme,
): { readonly tag: Bilingual; readonly what: Bilingual; readonly was: Bilingual | undefined } {
  const colour = state.level === undefined ? undefined : LEVEL_LABEL[state.level];
  const metric = state.metric;
  if (colour !== undefined && state.path === "healthAdvisory") {
    const name = WARNING_PATH_NAMES.healthAdvisory;
    const v = valueWhat(state, value);
    return {
      tag: { zh: name.zh, en: capitalized(name.en) },
      what: { zh: `重污染天气 ${v.zh}`, en: `heavy pollution, ${v.en}` },
      was: { zh: `${colour.zh}级别`, en: `${colour.en} level` },
    };
  }
  if (colour !== undefined)
    return {
      tag: { zh: "重污染天气", en: "Heavy pollution" },
      what: valueWhat(state, value),
      was: { zh: `建议${colour.zh}预警`, en: `${colour.en} warning suggested` },
    };
  const tag = headTag(state);
  if (metric === "noi" && state.level !== undefined) {
    const grade = noiGradeText(state.level, noiScheme);
    const shown = value === undefined ? "" : ` ${formatMeasured(value)}${unitOf(metric)}`;
    return {
      tag,
      what: { zh: `负氧离子${shown}`, en: `negative oxygen ions${shown}` },
      was: grade,
    };
  }
  if (metric === "water_class" && state.level !== undefined)
    return {
      tag,
      what: { zh: "水质", en: "water quality" },
      was: { zh: `${state.level}类`, en: `Class ${state.level}` },
    };
  // A station back on line: no silent time in the subject (the alerted one is long past).
  if (metric === "silence") return { tag, what: QUALITY_CHECK_NAMES.silent, was: undefined };
  if (metric === undefined || state.ruleId.startsWith("dq-"))
    return { tag, what: whatOf(state, noiScheme), was: undefined };
  return { tag, what: valueWhat(state, value), was: state.levelName };
}

/**
 * A silent time in whole minutes as the rules engine's message says it (packages/rules
 * silenceText): minutes below 2 h, hours with at most one decimal up to 2 days, days above,
 * rounded down.
 *
 * @example
 * silentText(15); // { zh: "15 分钟", en: "15 min" }
 * silentText(210); // { zh: "3.5 小时", en: "3.5 h" }
 */
export function silentText(minutes: number): Bilingual {
  const down1 = (x: number) => Math.floor(x * 10) / 10;
  if (minutes < 120) return { zh: `${Math.floor(minutes)} 分钟`, en: `${Math.floor(minutes)} min` };
  if (minutes <= 2 * 24 * 60) {
    const hours = down1(minutes / 60);
    return { zh: `${hours} 小时`, en: `${hours} h` };
  }
  const days = down1(minutes / (24 * 60));
  return { zh: `${days} 天`, en: `${days} d` };
}

type Comparison = ">" | ">=" | "<" | "<=";

/**
 * The comparison of the alert's rule: as its raise's or level changes' message states it (the
 * rules engine's threshold text, "threshold > 200"), else read from the raise's value and
 * threshold (a value raised below its threshold: lower is worse, e.g. dissolved oxygen). Not from
 * the latest level's value: a level held above its clear threshold may be below its threshold
 * (heavy at AQI 198), which is no "lower is worse" rule.
 */
function comparisonOf(state: AlertState): Comparison {
  const stated = [state, ...state.events.filter((e) => e.type === "raised" || e.type === "level_changed")];
  for (const e of stated) {
    const m = /\bthreshold (>=|<=|>|<) /.exec(e.message.en);
    if (m !== null) return m[1] as Comparison;
  }
  const raised = state.events.find((e) => e.type === "raised");
  const value = raised?.value ?? state.value;
  const threshold = raised?.threshold ?? state.threshold;
  return threshold !== undefined && value !== undefined && value < threshold ? "<" : ">";
}

function compare(value: number, comparison: Comparison, threshold: number): boolean {
  if (comparison === ">") return value > threshold;
  if (comparison === ">=") return value >= threshold;
  if (comparison === "<") return value < threshold;
  return value <= threshold;
}

/** An alert on a value below its threshold (e.g. dissolved oxygen): lower is worse. */
function lowerWorse(state: AlertState): boolean {
  return comparisonOf(state).startsWith("<");
}

/** Station and township, the township left out when the station is named after it. */
function shortPlace(stationId: string, registry: StationRegistry): Bilingual {
  const station = registry.get(stationId);
  if (station === undefined) return placeOf(stationId, registry);
  const zh = station.name.zh.includes(station.township)
    ? station.name.zh
    : `${station.name.zh}（${station.township}）`;
  return { zh, en: station.name.en };
}

/**
 * How a heavy-pollution warning's level change changed its path: the path before (an event without
 * one is on the warning path) and whether only the path changed (same level: the primary pollutant
 * changed, O3 → PM2.5). Undefined when the event is no such change.
 */
function pathChange(
  event: AlertEvent,
  state: AlertState,
): { readonly before: WarningPath; readonly only: boolean } | undefined {
  if (event.type !== "level_changed" || event.path === undefined) return undefined;
  const previous = previousLevelEvent(event, state);
  if (previous === undefined || (previous.path ?? "warning") === event.path) return undefined;
  return { before: previous.path ?? "warning", only: previous.level === event.level };
}

/** The raise or level change before `event` among the alert's events. */
function previousLevelEvent(event: AlertEvent, state: AlertState): AlertEvent | undefined {
  const index = state.events.findIndex((e) => e.id === event.id);
  return state.events
    .slice(0, index < 0 ? state.events.length : index)
    .filter((e) => e.type === "raised" || e.type === "level_changed")
    .at(-1);
}

/**
 * A heavy-pollution warning's level change to a lower colour (red → orange): the colours, and
 * whether the lower level is only held while the episode steps down (`conditionHolds` false; the
 * message says "仍在持续，自 … 方解除"). Undefined for a raise, an escalation or another rule.
 */
function stepDown(
  event: AlertEvent,
  state: AlertState,
): { readonly from: Bilingual; readonly to: Bilingual; readonly held: boolean } | undefined {
  if (event.type !== "level_changed" || event.level === undefined) return undefined;
  const before = previousLevelEvent(event, state)?.level;
  const from = before === undefined ? undefined : LEVEL_LABEL[before];
  const to = LEVEL_LABEL[event.level];
  if (before === undefined || from === undefined || to === undefined) return undefined;
  if (colourRank(event.level) >= colourRank(before)) return undefined;
  return { from, to, held: event.conditionHolds === false };
}

/** Whom it is sent to: tier 0 is the duty officer; an escalated alert also reaches tiers 1…tier. */
function notifiedText(recipients: readonly Person[], tier: number): string {
  const names = recipients.map((p) => p.name).join("、");
  if (tier === 0) return `${names}（值班人员 duty officer）`;
  const tiers = tier === 1 ? { zh: "第1级", en: "tier 1" } : { zh: `第1–${tier}级`, en: `tiers 1–${tier}` };
  return `${names}（值班人员及${tiers.zh}上级 duty officer and escalation ${tiers.en}）`;
}

/**
 * Renders the notification of one alert event given the alert's state after that event.
 * Title: 【level or severity】 place, what, event — short enough for a mail subject; a warning's
 * step-down names both colours (resolvedSubject and stepDown for an all-clear's). Body lines
 * are "中文标签 English label: 中文 / English"; the measured value, the threshold and the
 * standard share one line; links go to the dashboard's duty console and the API. A reminder or
 * escalation given `observed` (the alert's window recomputed from the store, latest.ts) states the
 * latest value with its data time, in the subject and a 最新 Latest row, and the worst since the
 * alert began; the message and Measured row stay those of the raise or latest level change.
 *
 * @example
 * renderAlert(event, state, [dutyOfficer], { registry, publicUrl: "http://localhost:8080" }).title
 * // { zh: "【建议橙色预警】莲都区政府（岩泉街道） 重污染天气 · 新告警", en: "[Orange warning suggested] Liandu District Government: heavy pollution · New alert" }
 */
export function renderAlert(
  event: AlertEvent,
  state: AlertState,
  recipients: readonly Person[],
  context: RenderContext,
  observed?: LatestObservation | CurrentObservation,
): Notification {
  const changed = pathChange(event, state);
  // A change of path only (same level): the event says which path the alert is on now.
  const label =
    changed?.only === true
      ? {
          zh: `转为${WARNING_PATH_NAMES[event.path ?? "warning"].zh}`,
          en: `Now a ${WARNING_PATH_NAMES[event.path ?? "warning"].en}`,
        }
      : EVENT_LABEL[event.type];
  const reminding = event.type === "renotified" || event.type === "escalated";
  const latest = reminding && observed !== undefined && !("kind" in observed) ? observed : undefined;
  const current = reminding && observed !== undefined && "kind" in observed ? observed : undefined;
  const place = placeOf(state.stationId, context.registry);
  const short = shortPlace(state.stationId, context.registry);
  const link = dashboardLink(context.publicUrl);
  const apiLink = alertLink(context.publicUrl, state.alertId);
  const severity = SEVERITY_LABEL[state.severity];
  const noiScheme = context.noiScheme ?? NOI_SCHEMES[DEFAULT_NOI_SCHEME];
  // A water class or NOI grade by its name (IV类 / Class IV, II级 / grade II), not "IV / IV".
  const level =
    state.level === undefined
      ? undefined
      : (state.levelName ??
        LEVEL_LABEL[state.level] ??
        (state.metric === "water_class"
          ? { zh: `${state.level}类`, en: `Class ${state.level}` }
          : state.metric === "noi"
            ? noiGradeText(state.level, noiScheme)
            : { zh: state.level, en: state.level }));
  const escalatedTo = event.type === "escalated" ? (event.tier ?? state.tier) : undefined;
  // air-aqi.md §8: an hour is labelled by its end. An event the rules engine produced before the
  // end of the period its value belongs to (dataTime after at: an hour credited from its first
  // samples, an early warning) carries a provisional value: the subject says so.
  const inProgress =
    (event.type === "raised" || event.type === "level_changed" || event.type === "resolved") &&
    eventInProgress(event);
  const eventText = {
    zh: `${label.zh}${escalatedTo !== undefined ? ` → 第${escalatedTo}级` : ""}${inProgress ? "（暂定值）" : ""}`,
    en: `${label.en}${escalatedTo !== undefined ? ` → tier ${escalatedTo}` : ""}${inProgress ? " (provisional value)" : ""}`,
  };
  const title = (() => {
    const subject = (tag: Bilingual, what: Bilingual, was?: Bilingual) => ({
      zh: `【${tag.zh}】${short.zh} ${what.zh} · ${eventText.zh}${was ? `（此前${was.zh}）` : ""}`,
      en: `[${tag.en}] ${short.en}: ${what.en} · ${eventText.en}${was ? ` (was ${was.en})` : ""}`,
    });
    if (event.type === "resolved") {
      const value =
        event.value !== undefined && (event.metric === undefined || event.metric === state.metric)
          ? event.value
          : undefined;
      const r = resolvedSubject(state, value, noiScheme);
      return subject(r.tag, r.what, r.was);
    }
    // A step-down names both colours and the value, never "建议X色预警": it is no new suggestion.
    const down = stepDown(event, state);
    if (down !== undefined) {
      const path = state.path === "healthAdvisory" ? WARNING_PATH_NAMES.healthAdvisory : undefined;
      const head = path ?? { zh: "重污染天气", en: "heavy pollution" };
      const how = down.held ? { zh: "逐级解除中", en: "stepping down" } : { zh: "降级", en: "lowered" };
      return subject(
        {
          zh: `${head.zh} ${down.from.zh}→${down.to.zh} ${how.zh}`,
          en: `${capitalized(head.en)} ${down.from.en}→${down.to.en}, ${how.en}`,
        },
        valueWhat(state, state.value),
      );
    }
    // A reminder or escalation of a warning only held at its level while it steps down: no
    // suggestion to issue that colour either (heavy-pollution-warning.md §3).
    const colour = state.level === undefined ? undefined : LEVEL_LABEL[state.level];
    if (reminding && colour !== undefined && conditionEnded(state)) {
      const advisory = state.path === "healthAdvisory";
      const head = advisory ? WARNING_PATH_NAMES.healthAdvisory : { zh: "重污染天气", en: "heavy pollution" };
      const at = advisory ? { zh: `${colour.zh}级别`, en: `${colour.en} level` } : colour;
      return subject(
        {
          zh: `${head.zh} ${at.zh} 逐级解除中`,
          en: `${capitalized(head.en)} ${at.en}, stepping down`,
        },
        valueWhat(state, latest?.latest.value ?? current?.value ?? state.value),
      );
    }
    return subject(
      headTag(state),
      whatOf(
        state,
        noiScheme,
        latest?.latest.value ?? current?.value ?? state.value,
        context.registry.get(state.stationId)?.water?.targetClass,
      ),
    );
  })();

  const unit = unitOf(state.metric);
  const rows: Array<[string, string]> = [];
  rows.push([
    "事件 Event",
    `${eventText.zh} / ${eventText.en}（${severity.zh} ${severity.en}${level ? `，级别 level ${level.zh} / ${level.en}` : ""}）`,
  ]);
  rows.push(["内容 What", `${state.message.zh} / ${state.message.en}`]);
  rows.push(["地点 Where", `${place.zh} / ${place.en}`]);
  // heavy-pollution-warning.md §3.3: an episode routed to a health advisory is not on the warning
  // path; say so, and say when the path changed (the warning path alone is the mail as before).
  if (state.path === "healthAdvisory" || changed !== undefined) {
    const now = state.path ?? "warning";
    const text =
      now === "healthAdvisory"
        ? `${WARNING_PATH_NAMES.healthAdvisory.zh} / ${WARNING_PATH_NAMES.healthAdvisory.en}（公众健康提示，不走预警程序 / public health advisory, not the warning procedure）`
        : `${WARNING_PATH_NAMES.warning.zh} / ${WARNING_PATH_NAMES.warning.en}`;
    const before =
      changed === undefined
        ? ""
        : `；此前 ${WARNING_PATH_NAMES[changed.before].zh} / before: ${WARNING_PATH_NAMES[changed.before].en}`;
    rows.push(["处置路径 Path", `${text}${before}`]);
  }
  // One line: what was measured, against what, by which standard.
  const measured: string[] = [];
  if (state.metric === "water_class") {
    // The value is the first deciding parameter's; the Detail lines name each with its limit.
    if (state.level !== undefined) measured.push(`水质 ${state.level}类 water quality Class ${state.level}`);
  } else if (state.metric === "silence") {
    // The value is the silent time in whole minutes (packages/rules observeSilence), said as the
    // message says it, not as a metric id.
    if (state.value !== undefined) {
      const silent = silentText(state.value);
      measured.push(`无数据 ${silent.zh} / no data for ${silent.en}`);
    }
  } else if (state.value !== undefined) {
    const name = state.metric === undefined ? undefined : metricName(state.metric);
    // The event carries the window in English (the rules engine's WINDOW_TEXT.en): named in both
    // languages, as the metric is ("1小时均值 1-h mean"); a window not in that table stays as it is.
    const window =
      state.window === undefined
        ? ""
        : `，${((w) => (w === undefined ? "" : `${w.zh} `))(Object.values(WINDOW_TEXT).find((w) => w.en === state.window))}${state.window}`;
    measured.push(`${formatMeasured(state.value)}${unit}${name ? `（${name.zh} ${name.en}${window}）` : ""}`);
  }
  if (state.threshold !== undefined) measured.push(`阈值 threshold ${formatNumber(state.threshold)}${unit}`);
  if (state.standard !== undefined) measured.push(`标准 standard ${state.standard}`);
  if (latest !== undefined) {
    const ref = Date.parse(event.at);
    const when = (t: number) => {
      const { zh, en } = alertStartText(t, calendarWindowOf(state), ref);
      return `${zh} / ${en}`;
    };
    const w = state.window === undefined ? undefined : WINDOW_SHORT[state.window];
    const worst = lowerWorse(state) ? { zh: "最低", en: "lowest" } : { zh: "最高", en: "highest" };
    // The worst is looked for within a lookback (latest.ts); say from when when it is shorter.
    const since =
      latest.since > Date.parse(state.startedAt ?? state.raisedAt)
        ? (() => {
            const h = beijingHumanTime(latest.since, ref);
            return { zh: `${h.zh}以来`, en: `since ${h.en}` };
          })()
        : { zh: "告警以来", en: "since the alert began" };
    // A negative-ion alert is about its grade: each value names its grade in the table in force,
    // the one the evaluator raised the alert by (negative-oxygen-ions.md §2, §5.2).
    const grade = (v: number) => {
      if (state.metric !== "noi") return "";
      const g = noiGradeName(gradeNoiWith(noiScheme, v));
      return ` ${g.zh} ${g.en}`;
    };
    rows.push([
      "最新 Latest",
      `${formatMeasured(latest.latest.value)}${unit}${grade(latest.latest.value)}${w ? ` ${w.zh} ${w.en}` : ""}（${when(latest.latest.dataTime)}）；` +
        `${since.zh}${worst.zh} ${worst.en} ${since.en}: ${formatMeasured(latest.worst.value)}${unit}${grade(latest.worst.value)}（${when(latest.worst.dataTime)}）`,
    ]);
  }
  if (current !== undefined) rows.push(["最新 Latest", `${current.text.zh} / ${current.text.en}`]);
  if (measured.length > 0)
    rows.push([
      latest !== undefined || current !== undefined ? "告警时实测 Measured when alerted" : "实测 Measured",
      measured.join("；"),
    ]);
  // A start in an hour (or day) not ended at the event's time: its span, never a future clock time.
  const startedAt = state.startedAt === undefined ? undefined : Date.parse(state.startedAt);
  const startSpan =
    startedAt !== undefined && startedAt > Date.parse(event.at)
      ? spanOf(startedAt, calendarWindowOf(state), Date.parse(event.at))
      : undefined;
  rows.push([
    "开始时间 Started",
    startSpan === undefined
      ? `${formatAlertStart(state, event.at)} 北京时间 (Beijing time, UTC+8)`
      : `${startSpan.zh} / ${startSpan.en} 北京时间 (Beijing time, UTC+8)（进行中 / in progress）`,
  ]);
  // A raise or level change reports a value: the data time it belongs to (for a level change the
  // hour or day the new level was met, not the alert's start) and, apart, when the rules engine
  // processed it — hours or days later after a replay, late data or an import, which the duty
  // officer must see to tell a past episode from the present one.
  // Shown when the data time differs from the start or the processing came an hour or more after
  // the data (an hour's value is processed minutes after its end, a day's at its end).
  if ((event.type === "raised" || event.type === "level_changed") && event.dataTime !== undefined) {
    const ref = Date.parse(event.at);
    const data = Date.parse(event.dataTime);
    const late = ref - data >= HOUR_MS;
    if (inProgress) {
      // Never a future clock time: the hour (or day) as its span, not yet ended.
      rows.push(["数据时间 Data time", inProgressPeriodText(data, calendarWindowOf(state), ref)]);
    } else if (late || data !== Date.parse(state.startedAt ?? event.dataTime)) {
      const { zh, en } = alertStartText(data, calendarWindowOf(state), ref);
      rows.push([
        "数据时间 Data time",
        `${zh} / ${en} 北京时间 (Beijing time，实测值所属时间 time of the measured value)`,
      ]);
    }
    if (late)
      rows.push(["处理时间 Processed", `${formatBeijingHuman(event.at, event.at)} 北京时间 (Beijing time)`]);
  }
  const station = context.registry.get(state.stationId);
  // Next to a Latest row, the details are the alert's as raised (a stuck run "for 8 h" when it
  // now has lasted 12): labelled so, as the Measured row is.
  const detailLabel =
    latest !== undefined || current !== undefined ? "告警时明细 Detail when alerted" : "明细 Detail";
  for (const d of state.details ?? []) {
    const name = metricName(d.metric);
    const u = unitOf(d.metric);
    // A data-quality finding's note is English with an ISO time: said in both languages instead.
    const quality = qualityDetailText(d, station, Date.parse(event.at));
    rows.push([
      detailLabel,
      quality !== undefined
        ? `${name.zh} / ${name.en}: ${quality.zh} / ${quality.en}`
        : `${name.zh} / ${name.en}: ${formatNumber(d.value)}${u}` +
          `${d.limit !== undefined ? ` (限值 limit ${formatNumber(d.limit)}${u})` : ""}${d.note ? ` ${d.note}` : ""}`,
    ]);
  }
  if (event.type === "acknowledged") {
    rows.push([
      "确认 Acknowledged",
      `${event.actor ?? "?"}${event.note ? `：${event.note} / note: ${event.note}` : ""} (${formatBeijingHuman(event.at, event.at)} 北京时间 Beijing time)`,
    ]);
  }
  if (event.type === "resolved") {
    // The data time the condition ended (the Resolution line's 解除于) and, apart, when the engine
    // processed it: they differ by hours or days after a replay or late data.
    if (event.dataTime !== undefined) {
      const t = Date.parse(event.dataTime);
      const ref = Date.parse(event.at);
      const { zh, en } =
        calendarWindowOf(state) === undefined ? beijingHumanTime(t, ref) : beijingHumanDay(t, ref);
      rows.push([
        "解除时间 Resolved",
        inProgress
          ? inProgressPeriodText(t, calendarWindowOf(state), ref)
          : `${zh} / ${en} 北京时间 (Beijing time, 数据时间 data time)`,
      ]);
    }
    rows.push(["处理时间 Processed", `${formatBeijingHuman(event.at, event.at)} 北京时间 (Beijing time)`]);
    // The resolution's own text (the value at resolution, or why: e.g. the rule was replaced);
    // "What" keeps the alert's message.
    if (event.message.zh !== state.message.zh || event.message.en !== state.message.en)
      rows.push(["解除说明 Resolution", `${event.message.zh} / ${event.message.en}`]);
  }
  // A reminder or escalation exists to get an answer: say for how long nobody has acknowledged
  // (since the raise, or the change to a worse level that reopened it: awaitingSince) and what to
  // do about it.
  if (reminding && state.status === "open") {
    const opened = awaitingSince(state, event.at);
    const minutes = Math.max(0, Math.round((Date.parse(event.at) - Date.parse(opened)) / 60_000));
    const since = formatBeijingHuman(opened, event.at).split(" / ");
    rows.push([
      "待确认 Not acknowledged",
      `自 ${since[0]} 起 ${minutes} 分钟无人确认，请在值班台（查看 Dashboard）确认 / ` +
        `nobody has acknowledged for ${minutes} min since ${since[1]}: acknowledge it in the duty console (Dashboard link)`,
    ]);
  }
  // Rendered before it is sent: whom it is sent to. An address the mail server refuses is told to
  // those who got it in a follow-up e-mail of the thread (undeliveredNotice).
  if (recipients.length > 0) rows.push(["发送至 Sent to", notifiedText(recipients, state.tier)]);
  rows.push(["查看 Dashboard", link]);
  rows.push(["接口 API", apiLink]);

  const heading = "青山环境监测 Qingshan environmental monitoring";
  const text = [heading, title.zh, title.en, "", ...rows.map(([k, v]) => `${k}: ${v}`)].join("\n");
  const markdown = [
    `### ${title.zh}`,
    `**${title.en}**`,
    ...rows.map(([k, v]) => (v.startsWith("http") ? `${k}: [${v}](${v})` : `**${k}:** ${v}`)),
  ].join("\n\n");
  return {
    id: event.id,
    kind: "alert",
    event,
    tier: state.tier,
    recipients,
    title,
    text,
    markdown,
    link,
    apiLink,
  };
}

/**
 * The e-mail telling the recipients who got an alert e-mail that it did not reach everyone it was
 * sent to: the mail server refused some addresses for good (an SMTP 5xx at RCPT TO). The alert
 * e-mail's 发送至 Sent to line named them (it is rendered before sending); this one, in the same
 * thread, names each refused person with the server's reply, so the duty officer can reach them
 * another way. Sent to `addresses` (those the server took) only.
 *
 * @example
 * undeliveredNotice(n, [{ target: "b@x", reply: "550 5.1.1 user unknown" }], ["a@x"]).title.zh
 * // "【未送达】… · 新告警"
 */
export function undeliveredNotice(
  n: Notification,
  rejected: readonly { readonly target: string; readonly reply: string }[],
  addresses: readonly string[],
): Notification {
  const refused = new Set(rejected.map((r) => r.target.toLowerCase()));
  const who = rejected.map((r) => {
    const person = n.recipients.find(
      (p) => p.email !== undefined && p.email.toLowerCase() === r.target.toLowerCase(),
    );
    return `${person === undefined ? r.target : `${person.name} <${r.target}>`}（${r.reply}）`;
  });
  const title = {
    zh: `【未送达】${n.title.zh.replace(/^【[^】]*】/, "")}`,
    en: `[Not delivered to everyone] ${n.title.en.replace(/^\[[^\]]*\] /, "")}`,
  };
  const rows: Array<[string, string]> = [
    [
      "未送达 Not delivered",
      `${who.join("；")}：邮件服务器拒收，此人未收到本告警邮件，请另行（电话）通知 / ` +
        "the mail server refused the address: this person did not get the alert e-mail, reach them another way (phone)",
    ],
    ["本邮件发送至 This notice sent to", addresses.join(", ")],
    ...(n.link === undefined ? [] : ([["查看 Dashboard", n.link]] as Array<[string, string]>)),
  ];
  const heading = "青山环境监测 Qingshan environmental monitoring";
  const text = [heading, title.zh, title.en, "", ...rows.map(([k, v]) => `${k}: ${v}`), "", "—", n.text].join(
    "\n",
  );
  return {
    ...n,
    id: `${n.id}:undelivered`,
    recipients: n.recipients.filter((p) => p.email === undefined || !refused.has(p.email.toLowerCase())),
    addresses,
    title,
    text,
    markdown: [`### ${title.zh}`, `**${title.en}**`, ...rows.map(([k, v]) => `**${k}:** ${v}`)].join("\n\n"),
  };
}

/** A heavy-pollution warning colour's rank, lowest (blue IV) first; -1 for another level. */
function colourRank(level: string): number {
  return (WARNING_LEVEL_IDS as readonly string[]).indexOf(level);
}
