import { z } from "zod";
import { BEIJING_OFFSET_MS, beijingHumanTime } from "./time.ts";

export const ALERT_EVENT_TYPES = [
  "raised",
  "level_changed",
  "renotified",
  "escalated",
  "acknowledged",
  "resolved",
] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];
/** Calendar windows of day-step rules (`AlertEvent.calendarWindow`). */
export const CALENDAR_WINDOWS = ["day", "month", "year-to-date"] as const;
export type CalendarWindow = (typeof CALENDAR_WINDOWS)[number];
export const SEVERITIES = ["info", "warning", "critical"] as const;
/**
 * The path of a heavy-pollution warning episode (`AlertEvent.path`): the suggested-warning path
 * (建议预警), or a public health advisory (健康提示) for an episode driven by a pollutant the rule
 * routes there (rules `warning.pollutantRouting`; heavy-pollution-warning.md §3.3: O3-driven
 * episodes under the 2024 Lishui county plan).
 */
/**
 * Heavy-pollution warning levels, least to most severe (heavy-pollution-warning.md §2: blue IV …
 * red I; blue only under the 2017 document). Ranks a stored warning alert's level.
 */
export const WARNING_LEVEL_IDS = ["blue", "yellow", "orange", "red"] as const;
export type WarningLevel = (typeof WARNING_LEVEL_IDS)[number];

export const WARNING_PATHS = ["warning", "healthAdvisory"] as const;
export type WarningPath = (typeof WARNING_PATHS)[number];
/**
 * What a `level_changed` event changed (`AlertEvent.levelChange`): a move to a `worse` level (up
 * the rule's levels, least to most severe), to a `better` one, or only the `path` of a warning at
 * the same level. A worse level reopens an acknowledged alert (`reopensAcknowledgement`).
 */
export const LEVEL_CHANGES = ["worse", "better", "path"] as const;
export type LevelChange = (typeof LEVEL_CHANGES)[number];
/**
 * A warning path as alert texts and notifications name it (the dashboard's public/js/labels.js
 * keeps a copy for the browser).
 *
 * @example
 * WARNING_PATH_NAMES.healthAdvisory // { zh: "健康提示", en: "health advisory" }
 */
export const WARNING_PATH_NAMES: Readonly<Record<WarningPath, { readonly zh: string; readonly en: string }>> =
  Object.freeze({
    warning: Object.freeze({ zh: "建议预警", en: "suggested warning" }),
    healthAdvisory: Object.freeze({ zh: "健康提示", en: "health advisory" }),
  });
export type Severity = (typeof SEVERITIES)[number];

/** One value that decided an alert (e.g. the water parameter that sets the class). */
export const AlertDetailSchema = z.object({
  metric: z.string().min(1),
  value: z.number(),
  /** The limit it was compared with, in the metric's unit. */
  limit: z.number().optional(),
  /** Free text, e.g. "Class IV (exceeds Class III by 0.4×)". */
  note: z.string().optional(),
  /** When this metric's condition began, Beijing ISO 8601 (a stuck sensor's identical run, a flag's run). */
  since: z.string().optional(),
});
export type AlertDetail = z.infer<typeof AlertDetailSchema>;

/**
 * An immutable alert event. The current state of an alert is derived from its events in order
 * (`foldAlertEvents`). `id` is unique per event and stores are idempotent on it; `alertId` is shared
 * by all events of one alert (one open alert per rule and station).
 *
 * @example
 * AlertEventSchema.parse({ id: "e1", alertId: "a1", type: "raised", at: "2026-11-28T10:00:00.000+08:00",
 *   ruleId: "aqi-hourly-heavy", stationId: "ld-aq-01", severity: "critical",
 *   message: { zh: "小时AQI 235 > 200 (重度污染)", en: "hourly AQI 235 > 200 (heavily polluted)" } })
 */
export const AlertEventSchema = z.object({
  id: z.string().min(1),
  alertId: z.string().min(1),
  type: z.enum(ALERT_EVENT_TYPES),
  /** When the event happened, ISO 8601 with offset (Beijing time, +08:00, by convention). */
  at: z.iso.datetime({ offset: true }),
  ruleId: z.string().min(1),
  /** A station id, or "district" for district-wide alerts. */
  stationId: z.string().min(1),
  severity: z.enum(SEVERITIES),
  /** Warning level for leveled rules (e.g. "blue", "yellow", "orange", "red"). */
  level: z.string().optional(),
  /**
   * The level's name where only the rule file knows it (rules `levels[].name`, e.g. 严重污染 /
   * severely polluted); absent for the warning colours, water classes and NOI grades.
   */
  levelName: z.object({ zh: z.string().min(1), en: z.string().min(1) }).optional(),
  metric: z.string().optional(),
  value: z.number().optional(),
  threshold: z.number().optional(),
  /** The averaging window, e.g. "1h", "24h rolling", "year to date". */
  window: z.string().optional(),
  /**
   * The Beijing calendar period of a day-step rule (rules `window: day | month | year-to-date`).
   * Such a rule observes a day at its end, so `startedAt` and `dataTime` are the END of the day
   * assessed (the day is startedAt − 1 ms): show them with `alertStartText`, not as a clock time.
   * Absent: not a calendar window (or an event stored before the field; see `calendarWindowOf`).
   */
  calendarWindow: z.enum(CALENDAR_WINDOWS).optional(),
  /** The standard and clause the rule comes from. */
  standard: z.string().optional(),
  /** When the condition started to hold (data time), ISO 8601 with offset. */
  startedAt: z.iso.datetime({ offset: true }).optional(),
  /** The data time of the value that caused this event (the reading's hour/day), ISO 8601. */
  dataTime: z.iso.datetime({ offset: true }).optional(),
  details: z.array(AlertDetailSchema).optional(),
  message: z.object({ zh: z.string(), en: z.string() }),
  /** Who acted (acknowledged) and their note. */
  actor: z.string().optional(),
  note: z.string().optional(),
  /** Duty-roster tier notified by this event (0 = first tier; escalation raises it). */
  tier: z.number().int().nonnegative().optional(),
  /**
   * Notifier routes (by name) that deliver this alert, from the rule's `routing.routes`; carried
   * by the `raised` event. Absent (events stored before routes were carried): every route.
   */
  routes: z.array(z.string().min(1)).min(1).optional(),
  /**
   * On `raised` and `level_changed`: whether the condition of the announced level holds at
   * `dataTime`. False for a heavy-pollution warning whose level is only held while it steps down
   * (its message says "仍在持续，自 … 方解除" / "ongoing since … released only after …"). Absent on
   * other event types and on events stored before the field existed.
   */
  conditionHolds: z.boolean().optional(),
  /**
   * A heavy-pollution warning's path at this event: `warning` (建议预警) or `healthAdvisory`
   * (健康提示). A `level_changed` event whose level is the one before and whose path differs is a
   * change of path only (the episode's primary pollutant changed). Absent on other rules' events
   * and on events stored before the field (read as `warning`).
   */
  path: z.enum(WARNING_PATHS).optional(),
  /**
   * On `level_changed`: `worse` (a more severe level of the rule), `better` (a less severe one) or
   * `path` (same level, a warning's path changed), as the rules engine ordered its levels. `worse`
   * reopens an acknowledged alert, and so does a path change to `warning` (`reopensAcknowledgement`). Absent on other event types and on events stored before
   * the field (`levelChangeOf` then compares severities and the known level orders).
   */
  levelChange: z.enum(LEVEL_CHANGES).optional(),
});
export type AlertEvent = z.infer<typeof AlertEventSchema>;

export type AlertStatus = "open" | "acknowledged" | "resolved";

/** The current state of one alert, derived from its events. */
export interface AlertState {
  readonly alertId: string;
  readonly ruleId: string;
  readonly stationId: string;
  readonly status: AlertStatus;
  readonly severity: Severity;
  readonly level?: string;
  /** The current level's name, when its event carries one (`AlertEvent.levelName`). */
  readonly levelName?: { readonly zh: string; readonly en: string };
  readonly metric?: string;
  /** The value that raised the alert, or set its latest level; not the value at resolution (resolvedValue). */
  readonly value?: number;
  readonly threshold?: number;
  readonly window?: string;
  /** The raised event's `calendarWindow`: startedAt is then the end of the day assessed. */
  readonly calendarWindow?: CalendarWindow;
  readonly standard?: string;
  readonly details?: readonly AlertDetail[];
  /**
   * The raise's or latest level change's message; once resolved after a level only held while it
   * stepped down (`conditionHolds` false), the `resolved` event's message.
   */
  readonly message: { readonly zh: string; readonly en: string };
  /** The value observed when the alert resolved (the `resolved` event's, same metric), if any. */
  readonly resolvedValue?: number;
  /** `at` of the raised event. */
  readonly raisedAt: string;
  /** Data time the condition started, when known. */
  readonly startedAt?: string;
  /** `at` of the latest event. */
  readonly updatedAt: string;
  /**
   * The data time of the value shown (`value`, `message`): the latest `raised` or `level_changed`
   * event's `dataTime`, when it has one (absent for an event stored without it). With `valueAt` it
   * tells whether that value was evaluated before its hour (day) ended, i.e. is provisional
   * (air-aqi.md §8).
   */
  readonly dataTime?: string;
  /**
   * `at` of the latest `raised` or `level_changed` event, the one that set the value shown:
   * `raisedAt` until the level changes. Not `updatedAt` (any event, an acknowledgement too) nor
   * `lastNotifiedAt` (reminders and escalations too).
   */
  readonly valueAt: string;
  readonly acknowledgedAt?: string;
  readonly acknowledgedBy?: string;
  readonly acknowledgeNote?: string;
  readonly resolvedAt?: string;
  /** Highest duty-roster tier notified so far. */
  readonly tier: number;
  /** Notifier routes that deliver this alert (the raised event's `routes`); undefined: every route. */
  readonly routes?: readonly string[];
  /**
   * The latest raise or level change's `conditionHolds`; undefined when that event has none
   * (stored before the field existed).
   */
  readonly conditionHolds?: boolean;
  /** A heavy-pollution warning's path, from the latest raise or level change that carries one. */
  readonly path?: WarningPath;
  /** `at` of the latest notification (raised, level_changed, renotified or escalated). */
  readonly lastNotifiedAt: string;
  readonly notifications: number;
  readonly events: readonly AlertEvent[];
}

// In this order: events written with them keep their stored key order (api ack, notifier reminders).
const ALERT_CONDITION_FIELDS = [
  "level",
  "levelName",
  "metric",
  "value",
  "threshold",
  "window",
  "calendarWindow",
  "standard",
  "startedAt",
  "path",
] as const;

/**
 * An alert's condition as an event restates it: the level with its name (`levelName`, e.g. 严重污染)
 * and a warning's path (heavy-pollution-warning.md §3.3: a health advisory is not a suggested
 * warning), the measure (metric, value, threshold), the window, the standard and the start.
 */
export type AlertCondition = Pick<AlertEvent, (typeof ALERT_CONDITION_FIELDS)[number]>;

/**
 * The condition fields of an alert state or event (`AlertCondition`), the ones an `acknowledged`
 * event (API) and a reminder or escalation (notifier) copy from the folded state. A field that is
 * absent stays absent (no key set to undefined). Not `conditionHolds` (raised and level_changed
 * only), `details` nor `dataTime`.
 *
 * @example
 * alertConditionOf(state) // { level: "severe", levelName: { zh: "严重污染", en: "severely polluted" }, metric: "aqi", value: 320, … }
 */
export function alertConditionOf(a: Readonly<AlertCondition>): AlertCondition {
  const condition: Record<string, unknown> = {};
  for (const field of ALERT_CONDITION_FIELDS) if (a[field] !== undefined) condition[field] = a[field];
  return condition as AlertCondition;
}

const NOTIFYING: ReadonlySet<AlertEventType> = new Set([
  "raised",
  "level_changed",
  "renotified",
  "escalated",
]);

/**
 * Folds events (any order, duplicates allowed) into the current state of each alert, ordered by
 * raise time. Events of an alert are applied in time order (ties by type order above); a
 * duplicated event id is applied once. Events before an alert's `raised` event are ignored.
 *
 * A level change to a worse level reopens an acknowledged alert: the duty officer acknowledged a
 * lower level; so does a health advisory become a suggested warning. A change to a better level,
 * or to a health advisory at the same level, leaves it acknowledged (`reopensAcknowledgement`).
 */
export function foldAlertEvents(events: readonly AlertEvent[]): AlertState[] {
  const byAlert = new Map<string, AlertEvent[]>();
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const list = byAlert.get(e.alertId);
    if (list) list.push(e);
    else byAlert.set(e.alertId, [e]);
  }
  const states: AlertState[] = [];
  for (const list of byAlert.values()) {
    list.sort(compareAlertEvents);
    const state = foldOne(list);
    if (state) states.push(state);
  }
  return states.sort(
    (a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt) || a.alertId.localeCompare(b.alertId),
  );
}

export function compareAlertEvents(a: AlertEvent, b: AlertEvent): number {
  return (
    Date.parse(a.at) - Date.parse(b.at) ||
    ALERT_EVENT_TYPES.indexOf(a.type) - ALERT_EVENT_TYPES.indexOf(b.type) ||
    a.id.localeCompare(b.id)
  );
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function foldOne(sorted: readonly AlertEvent[]): AlertState | undefined {
  const raisedIndex = sorted.findIndex((e) => e.type === "raised");
  if (raisedIndex < 0) return undefined;
  const raised = sorted[raisedIndex] as AlertEvent;
  const s: Mutable<AlertState> = {
    alertId: raised.alertId,
    ruleId: raised.ruleId,
    stationId: raised.stationId,
    status: "open",
    severity: raised.severity,
    message: raised.message,
    raisedAt: raised.at,
    updatedAt: raised.at,
    valueAt: raised.at,
    tier: raised.tier ?? 0,
    lastNotifiedAt: raised.at,
    notifications: 0,
    events: sorted.slice(raisedIndex),
  };
  copyMeasure(s, raised);
  if (raised.routes !== undefined) s.routes = raised.routes;
  if (raised.startedAt !== undefined) s.startedAt = raised.startedAt;
  if (raised.calendarWindow !== undefined) s.calendarWindow = raised.calendarWindow;
  if (raised.conditionHolds !== undefined) s.conditionHolds = raised.conditionHolds;
  if (raised.dataTime !== undefined) s.dataTime = raised.dataTime;
  for (const e of sorted.slice(raisedIndex)) {
    s.updatedAt = e.at;
    if (NOTIFYING.has(e.type)) {
      s.notifications += 1;
      s.lastNotifiedAt = e.at;
    }
    if (e.tier !== undefined && e.tier > s.tier) s.tier = e.tier;
    switch (e.type) {
      case "level_changed":
        s.message = e.message;
        if (e.conditionHolds !== undefined) s.conditionHolds = e.conditionHolds;
        else delete s.conditionHolds;
        s.valueAt = e.at;
        if (e.dataTime !== undefined) s.dataTime = e.dataTime;
        else delete s.dataTime;
        if (s.status === "acknowledged" && reopensAcknowledgement(e, s)) s.status = "open";
        s.severity = e.severity;
        copyMeasure(s, e);
        break;
      case "acknowledged":
        if (s.status === "open") {
          s.status = "acknowledged";
          s.acknowledgedAt = e.at;
          if (e.actor !== undefined) s.acknowledgedBy = e.actor;
          if (e.note !== undefined) s.acknowledgeNote = e.note;
        }
        break;
      case "resolved":
        s.status = "resolved";
        s.resolvedAt = e.at;
        // A message of a level only held while it stepped down says the episode is still going on
        // ("仍在持续…方解除"): the resolution's message replaces it. Otherwise the message stays the
        // raise's or latest level change's.
        if (s.conditionHolds === false) s.message = e.message;
        // `value` stays the one the raise or level change set; a value of another metric is not comparable.
        if (e.value !== undefined && (e.metric === undefined || e.metric === s.metric))
          s.resolvedValue = e.value;
        break;
      default:
        break;
    }
    if (s.status === "resolved") break;
  }
  return s;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

// Level ids whose order is known without the rule file (least to most severe), for events stored
// before `levelChange`: the warning colours, the shipped AQI rule's levels, annual-target levels.
// Water classes only for a water-class alert (NOI grades share the roman ids, in another order).
const KNOWN_LEVEL_ORDERS: readonly (readonly string[])[] = [
  WARNING_LEVEL_IDS,
  ["heavy", "severe"],
  ["at_risk", "exceeded"],
];
const WATER_CLASS_LEVELS = ["I", "II", "III", "IV", "V", "劣V"];

/**
 * Whether a `level_changed` event moved its alert to a `worse` level, a `better` one, or changed a
 * warning's `path` only, given the alert's level and severity before it: the event's
 * `levelChange`; for an event stored without it, a higher severity is worse and a lower better,
 * and at the same severity the known level orders (warning colours, heavy < severe, at_risk <
 * exceeded, water classes) decide, the same level being a path change. An order it cannot tell is
 * `worse` — the old reading, which reopens an acknowledgement rather than miss a worsening.
 * Undefined for other event types.
 *
 * @example
 * levelChangeOf({ ...e, type: "level_changed", level: "heavy", severity: "warning" }, { level: "severe", severity: "critical" }) // "better"
 */
export function levelChangeOf(e: AlertEvent, before: LevelBefore): LevelChange | undefined {
  if (e.type !== "level_changed") return undefined;
  if (e.levelChange !== undefined) return e.levelChange;
  const rank = SEVERITY_RANK[e.severity] - SEVERITY_RANK[before.severity];
  if (rank !== 0) return rank > 0 ? "worse" : "better";
  if (e.level === undefined || before.level === undefined) return "worse";
  if (e.level === before.level) return "path";
  const orders =
    (e.metric ?? before.metric) === "water_class"
      ? [...KNOWN_LEVEL_ORDERS, WATER_CLASS_LEVELS]
      : KNOWN_LEVEL_ORDERS;
  for (const order of orders) {
    const from = order.indexOf(before.level);
    const to = order.indexOf(e.level);
    if (from >= 0 && to >= 0) return to > from ? "worse" : "better";
  }
  return "worse";
}

/** The alert as it stood before a level change: what `levelChangeOf` and `reopensAcknowledgement` compare with. */
export interface LevelBefore {
  readonly level?: string | undefined;
  readonly severity: Severity;
  readonly metric?: string | undefined;
  readonly path?: WarningPath | undefined;
}

/**
 * Whether a `level_changed` event reopens an acknowledged alert: a move to a worse level
 * (`levelChangeOf`), or a heavy-pollution warning's move from the health-advisory path to the
 * suggested-warning path (heavy-pollution-warning.md §3.3: an advisory was acknowledged, a warning
 * procedure is now suggested), whatever its level. A better level, or a path change to a health
 * advisory at the same level, does not.
 *
 * @example
 * reopensAcknowledgement(stepDownSevereToHeavy, state) // false
 */
export function reopensAcknowledgement(e: AlertEvent, before: LevelBefore): boolean {
  if (e.type !== "level_changed") return false;
  if (e.path === "warning" && before.path === "healthAdvisory") return true;
  return levelChangeOf(e, before) === "worse";
}

/**
 * Since when an alert has waited for an acknowledgement: `at` of its raise, or of its latest level
 * change that reopens an acknowledged alert (`reopensAcknowledgement`: a worse level, or a health
 * advisory become a suggested warning); a better level does not restart the wait. Reminders count "nobody has acknowledged for N min" from it
 * and escalation (with the latest escalation) too. Events after `upTo` (ISO time) are not read.
 *
 * @example
 * awaitingSince(state) // "2026-11-28T10:00:00.000+08:00"
 */
export function awaitingSince(state: AlertState, upTo?: string): string {
  const limit = upTo === undefined ? Number.POSITIVE_INFINITY : Date.parse(upTo);
  let since = state.raisedAt;
  let before: LevelBefore | undefined;
  for (const e of state.events) {
    if (Date.parse(e.at) > limit) break;
    if (e.type === "raised") {
      since = e.at;
      before = { level: e.level, severity: e.severity, metric: e.metric, path: e.path };
    } else if (e.type === "level_changed" && before !== undefined) {
      if (reopensAcknowledgement(e, before)) since = e.at;
      before = {
        level: e.level ?? before.level,
        severity: e.severity,
        metric: e.metric ?? before.metric,
        path: e.path ?? before.path,
      };
    }
  }
  return since;
}

function copyMeasure(s: Mutable<AlertState>, e: AlertEvent): void {
  if (e.level !== undefined) {
    s.level = e.level;
    if (e.levelName !== undefined) s.levelName = e.levelName;
    else delete s.levelName;
  }
  if (e.metric !== undefined) s.metric = e.metric;
  if (e.value !== undefined) s.value = e.value;
  if (e.threshold !== undefined) s.threshold = e.threshold;
  if (e.window !== undefined) s.window = e.window;
  if (e.standard !== undefined) s.standard = e.standard;
  if (e.details !== undefined) s.details = e.details;
  if (e.path !== undefined) s.path = e.path;
}

// The rules engine's `window` texts (WINDOW_TEXT.en) of the calendar windows, for events stored
// before `calendarWindow` existed.
const CALENDAR_WINDOW_BY_TEXT: Readonly<Record<string, CalendarWindow>> = {
  "Beijing calendar day": "day",
  "calendar month": "month",
  "year to date": "year-to-date",
};

/** The calendar window of an alert or event: its `calendarWindow`, else read from its `window` text. */
export function calendarWindowOf(a: {
  readonly calendarWindow?: CalendarWindow | undefined;
  readonly window?: string | undefined;
}): CalendarWindow | undefined {
  return a.calendarWindow ?? (a.window === undefined ? undefined : CALENDAR_WINDOW_BY_TEXT[a.window]);
}

/**
 * A measured value as every display shows it — the rules engine's message and event `value`, the
 * notifier's subject and body: one decimal from 1 up (61.417 → 61.4), else three significant
 * digits (0.02634 → 0.0263). Comparisons with limits use the unrounded value.
 */
export function displayValue(value: number): number {
  return Math.abs(value) >= 1 ? Math.round(value * 10) / 10 : Number(value.toPrecision(3));
}

/**
 * A number in a rule's or a reminder's text where no rounding rule applies (a threshold, a range
 * bound, a mean still to reach): an integer as it is, else four significant digits.
 *
 * @example
 * shortNumber(32) // "32"
 * shortNumber(31.98765) // "31.99"
 */
export function shortNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/**
 * The Beijing date of the day that ends at `dayEnd` (day windows are observed at the day's end:
 * the day is dayEnd − 1 ms), as the alert texts write dates: { zh: "11月25日", en: "25 Nov" },
 * with the year when it is not `reference`'s.
 */
export function beijingHumanDay(dayEnd: number, reference: number): { zh: string; en: string } {
  const h = beijingHumanTime(dayEnd - 1, reference);
  return { zh: h.zh.replace(/ \d\d:\d\d$/, ""), en: h.en.replace(/ \d\d:\d\d$/, "") };
}

/**
 * When an alert started, as its texts write it: a clock time ("11月26日 10:00"), or for a calendar
 * window the period assessed, which ends at `startedAt` — the day for day and year-to-date
 * windows ("11月25日" / "25 Nov"), the month for month windows ("2026年11月" / "Nov 2026").
 */
export function alertStartText(
  startedAt: number,
  window: CalendarWindow | undefined,
  reference: number,
): { zh: string; en: string } {
  if (window === undefined) return beijingHumanTime(startedAt, reference);
  if (window !== "month") return beijingHumanDay(startedAt, reference);
  const d = new Date(startedAt - 1 + BEIJING_OFFSET_MS);
  const month = beijingHumanTime(startedAt - 1, startedAt - 1).en.split(" ")[1];
  return { zh: `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月`, en: `${month} ${d.getUTCFullYear()}` };
}
