import { z } from "zod";

export const ALERT_EVENT_TYPES = [
  "raised",
  "level_changed",
  "renotified",
  "escalated",
  "acknowledged",
  "resolved",
] as const;
export const SEVERITIES = ["info", "warning", "critical"] as const;

/**
 * An immutable alert event. The current state of an alert is derived from its events in order.
 *
 * @example
 * AlertEventSchema.parse({ id: "e1", alertId: "a1", type: "raised", at: "2026-11-28T10:00:00+08:00",
 *   ruleId: "aqi-hourly-heavy", stationId: "ld-aq-01", severity: "critical",
 *   message: { zh: "小时AQI 235 > 200 (重度污染)", en: "hourly AQI 235 > 200 (heavily polluted)" } })
 */
export const AlertEventSchema = z.object({
  id: z.string().min(1),
  alertId: z.string().min(1),
  type: z.enum(ALERT_EVENT_TYPES),
  at: z.union([z.iso.datetime({ offset: true }), z.number().int()]),
  ruleId: z.string().min(1),
  /** A station id, or "district" for district-wide alerts. */
  stationId: z.string().min(1),
  severity: z.enum(SEVERITIES),
  /** Warning level for leveled rules (e.g. "yellow", "orange", "red"). */
  level: z.string().optional(),
  metric: z.string().optional(),
  value: z.number().optional(),
  threshold: z.number().optional(),
  /** The averaging window, e.g. "1h", "24h rolling", "year to date". */
  window: z.string().optional(),
  /** The standard and clause the rule comes from. */
  standard: z.string().optional(),
  message: z.object({ zh: z.string(), en: z.string() }),
  /** Who acted (acknowledged) and their note. */
  actor: z.string().optional(),
  note: z.string().optional(),
  /** Duty-roster tier notified by this event (escalation). */
  tier: z.number().int().nonnegative().optional(),
});
export type AlertEvent = z.infer<typeof AlertEventSchema>;
