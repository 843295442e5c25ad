import { z } from "zod";

export const ALERT_EVENT_TYPES = [
  "raised",
  "level_changed",
  "renotified",
  "escalated",
  "acknowledged",
  "resolved",
] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];
export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One value that decided an alert (e.g. the water parameter that sets the class). */
export const AlertDetailSchema = z.object({
  metric: z.string().min(1),
  value: z.number(),
  /** The limit it was compared with, in the metric's unit. */
  limit: z.number().optional(),
  /** Free text, e.g. "Class IV (exceeds Class III by 0.4×)". */
  note: z.string().optional(),
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
  metric: z.string().optional(),
  value: z.number().optional(),
  threshold: z.number().optional(),
  /** The averaging window, e.g. "1h", "24h rolling", "year to date". */
  window: z.string().optional(),
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
  readonly metric?: string;
  /** The value that raised the alert, or set its latest level (the message's value); not the value at resolution. */
  readonly value?: number;
  readonly threshold?: number;
  readonly window?: string;
  readonly standard?: string;
  readonly details?: readonly AlertDetail[];
  readonly message: { readonly zh: string; readonly en: string };
  /** The value observed when the alert resolved (the `resolved` event's, same metric), if any. */
  readonly resolvedValue?: number;
  /** `at` of the raised event. */
  readonly raisedAt: string;
  /** Data time the condition started, when known. */
  readonly startedAt?: string;
  /** `at` of the latest event. */
  readonly updatedAt: string;
  readonly acknowledgedAt?: string;
  readonly acknowledgedBy?: string;
  readonly acknowledgeNote?: string;
  readonly resolvedAt?: string;
  /** Highest duty-roster tier notified so far. */
  readonly tier: number;
  /** Notifier routes that deliver this alert (the raised event's `routes`); undefined: every route. */
  readonly routes?: readonly string[];
  /** `at` of the latest notification (raised, level_changed, renotified or escalated). */
  readonly lastNotifiedAt: string;
  readonly notifications: number;
  readonly events: readonly AlertEvent[];
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
 * A level change on an acknowledged alert reopens it: the duty officer acknowledged a lower level.
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
    tier: raised.tier ?? 0,
    lastNotifiedAt: raised.at,
    notifications: 0,
    events: sorted.slice(raisedIndex),
  };
  copyMeasure(s, raised);
  if (raised.routes !== undefined) s.routes = raised.routes;
  if (raised.startedAt !== undefined) s.startedAt = raised.startedAt;
  for (const e of sorted.slice(raisedIndex)) {
    s.updatedAt = e.at;
    if (NOTIFYING.has(e.type)) {
      s.notifications += 1;
      s.lastNotifiedAt = e.at;
    }
    if (e.tier !== undefined && e.tier > s.tier) s.tier = e.tier;
    switch (e.type) {
      case "level_changed":
        s.severity = e.severity;
        if (e.level !== undefined) s.level = e.level;
        s.message = e.message;
        copyMeasure(s, e);
        if (s.status === "acknowledged") s.status = "open";
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
        // `value` stays the one the message states; a value of another metric is not comparable.
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

function copyMeasure(s: Mutable<AlertState>, e: AlertEvent): void {
  if (e.level !== undefined) s.level = e.level;
  if (e.metric !== undefined) s.metric = e.metric;
  if (e.value !== undefined) s.value = e.value;
  if (e.threshold !== undefined) s.threshold = e.threshold;
  if (e.window !== undefined) s.window = e.window;
  if (e.standard !== undefined) s.standard = e.standard;
  if (e.details !== undefined) s.details = e.details;
}
