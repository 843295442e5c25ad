import {
  type AlertEvent,
  type AlertEventType,
  type AlertState,
  HOUR_MS,
  isMetricId,
  METRICS,
  type Severity,
  type StationRegistry,
  toBeijingIsoMs,
} from "@qingshan/domain";
import type { Person } from "./config.ts";
import type { Notification } from "./notification.ts";

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
// Heavy-pollution warning colours (heavy-pollution-warning.md).
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

/** ISO 8601 with milliseconds and +08:00, e.g. "2026-11-28T10:00:00.000+08:00". */
export const beijingIsoMs = toBeijingIsoMs;

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
  return {
    zh: `${station.name.zh}（${station.township}）`,
    en: `${station.name.en} (${station.township}), station ${station.id}`,
  };
}

export interface RenderContext {
  readonly registry: StationRegistry;
  readonly publicUrl: string;
}

export function alertLink(publicUrl: string, alertId: string): string {
  return `${publicUrl}/api/v1/alerts/${encodeURIComponent(alertId)}`;
}

/**
 * Renders the notification of one alert event given the alert's state after that event.
 * Lines are "中文标签 English label: 中文 / English"; numbers carry their unit.
 *
 * @example
 * renderAlert(event, state, [dutyOfficer], { registry, publicUrl: "http://localhost:8080" }).text
 * // "青山环境监测 Qingshan environmental monitoring\n事件 Event: 新告警 / New alert …"
 */
export function renderAlert(
  event: AlertEvent,
  state: AlertState,
  recipients: readonly Person[],
  context: RenderContext,
): Notification {
  const label = EVENT_LABEL[event.type];
  const place = placeOf(state.stationId, context.registry);
  const link = alertLink(context.publicUrl, state.alertId);
  const severity = SEVERITY_LABEL[state.severity];
  const level =
    state.level === undefined
      ? undefined
      : (LEVEL_LABEL[state.level] ?? { zh: state.level, en: state.level });
  const unit = unitOf(state.metric);
  const rows: Array<[string, string]> = [];
  rows.push([
    "事件 Event",
    `${label.zh} / ${label.en}${event.type === "escalated" ? ` → 第${event.tier ?? state.tier}级 tier ${event.tier ?? state.tier}` : ""}` +
      ` (${severity.zh} / ${severity.en}${level ? `，级别 level ${level.zh} / ${level.en}` : ""})`,
  ]);
  rows.push(["内容 What", `${state.message.zh} / ${state.message.en}`]);
  rows.push(["地点 Where", `${place.zh} / ${place.en}`]);
  if (state.value !== undefined) {
    const name = state.metric === undefined ? undefined : metricName(state.metric);
    rows.push([
      "数值 Value",
      `${formatNumber(state.value)}${unit}${name ? ` (${name.zh} / ${name.en})` : ""}`,
    ]);
  }
  if (state.window !== undefined) rows.push(["时段 Window", state.window]);
  if (state.threshold !== undefined) rows.push(["阈值 Threshold", `${formatNumber(state.threshold)}${unit}`]);
  if (state.standard !== undefined) rows.push(["标准 Standard", state.standard]);
  rows.push([
    "开始时间 Started",
    `${formatBeijing(state.startedAt ?? state.raisedAt)} 北京时间 (Beijing time, UTC+8)`,
  ]);
  for (const d of state.details ?? []) {
    const name = metricName(d.metric);
    const u = unitOf(d.metric);
    rows.push([
      "明细 Detail",
      `${name.zh} / ${name.en}: ${formatNumber(d.value)}${u}` +
        `${d.limit !== undefined ? ` (限值 limit ${formatNumber(d.limit)}${u})` : ""}${d.note ? ` ${d.note}` : ""}`,
    ]);
  }
  if (event.type === "acknowledged") {
    rows.push([
      "确认 Acknowledged",
      `${event.actor ?? "?"}${event.note ? `：${event.note} / note: ${event.note}` : ""} (${formatBeijing(event.at)})`,
    ]);
  }
  if (event.type === "resolved")
    rows.push(["解除时间 Resolved", `${formatBeijing(event.at)} 北京时间 (Beijing time)`]);
  if (recipients.length > 0) {
    rows.push([
      "通知 Notified",
      `${recipients.map((p) => p.name).join("、")} (第0–${state.tier}级 tiers 0–${state.tier})`,
    ]);
  }
  rows.push(["链接 Link", link]);

  const title = {
    zh: `${label.zh}：${state.message.zh}（${place.zh}）`,
    en: `${label.en}: ${state.message.en} (${place.en})`,
  };
  const heading = "青山环境监测 Qingshan environmental monitoring";
  const text = [heading, ...rows.map(([k, v]) => `${k}: ${v}`)].join("\n");
  const markdown = [
    `### ${title.zh}`,
    `**${title.en}**`,
    ...rows.map(([k, v]) => (k.startsWith("链接") ? `${k}: [${v}](${v})` : `**${k}:** ${v}`)),
  ].join("\n\n");
  return { id: event.id, kind: "alert", event, tier: state.tier, recipients, title, text, markdown, link };
}
