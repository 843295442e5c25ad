import {
  type AlertState,
  alertStartText,
  beijingDate,
  beijingDayStart,
  beijingHumanDay,
  beijingHumanTime,
  calendarWindowOf,
  DAY_MS,
  foldAlertEvents,
  METRICS,
  type MetricId,
  type StationRegistry,
} from "@qingshan/domain";
import type { TimeSeriesStore } from "@qingshan/store";
import type { Person, Roster } from "./config.ts";
import type { Notification } from "./notification.ts";
import { alertLink, formatBeijing, formatNumber, placeOf } from "./render.ts";
import { lastShiftChange, onDuty, shiftsAt } from "./roster.ts";

const STATUS_LABEL = {
  open: "未确认 open",
  acknowledged: "已确认 acknowledged",
  resolved: "已解除 resolved",
} as const;

// GB 3095-2012 Table 4 / HJ 663: a 24-hour mean needs at least 20 valid hourly values.
const MIN_VALID_HOURS = 20;

export interface SummaryContext {
  readonly store: Pick<TimeSeriesStore, "queryAlertEvents" | "queryHourly">;
  readonly registry: StationRegistry;
  readonly roster: Roster;
  readonly publicUrl: string;
}

/** An instant as the alert texts write it (beijingHumanTime), for an ISO 8601 text or UTC ms. */
function humanTime(at: string | number, reference: number): { zh: string; en: string } {
  return beijingHumanTime(typeof at === "number" ? at : Date.parse(at), reference);
}

function alertLine(s: AlertState, registry: StationRegistry, publicUrl: string, at: number): string {
  const place = placeOf(s.stationId, registry);
  const since = alertStartText(
    Date.parse(s.startedAt ?? s.raisedAt),
    s.startedAt === undefined ? undefined : calendarWindowOf(s),
    at,
  );
  return (
    `- [${STATUS_LABEL[s.status]}] ${s.message.zh} / ${s.message.en} — ${place.zh} / ${place.en}` +
    ` — 开始于 ${since.zh}（北京时间）/ since ${since.en} Beijing time — ${alertLink(publicUrl, s.alertId)}`
  );
}

function uniquePeople(lists: readonly (readonly Person[])[]): Person[] {
  const byId = new Map<string, Person>();
  for (const list of lists) for (const p of list) byId.set(p.id, p);
  return [...byId.values()];
}

function summaryNotification(
  id: string,
  title: { zh: string; en: string },
  lines: readonly string[],
  recipients: readonly Person[],
): Notification {
  const text = [`${title.zh}`, `${title.en}`, "", ...lines].join("\n");
  const markdown = [`### ${title.zh}`, `**${title.en}**`, ...lines].join("\n\n");
  return { id, kind: "summary", tier: 0, recipients, title, text, markdown };
}

/**
 * The shift-handover summary for the latest shift change at or before `at` (lastShiftChange; the
 * cron fires a few milliseconds after it): alerts open at `at` (unresolved, acknowledged or not,
 * as GET /alerts?status=open,acknowledged answers) and alerts raised during the shift that ended
 * at the change. Sent to the outgoing and incoming tier-0 duty officers.
 *
 * @example
 * const n = await buildHandoverSummary(Date.parse("2026-11-28T20:00:00+08:00"), { store, registry, roster, publicUrl });
 * n.title.en // "Shift handover 28 Nov 20:00 Beijing time"
 */
export async function buildHandoverSummary(at: number, context: SummaryContext): Promise<Notification> {
  const { store, registry, roster, publicUrl } = context;
  const change = lastShiftChange(roster, at) ?? at;
  const before = shiftsAt(roster, change - 1);
  const after = shiftsAt(roster, change);
  // The shifts that end and start at the change; one running through it (a 24-hour on-call) is neither.
  const ending = before.filter((o) => o.end === change);
  const starting = after.filter((o) => o.start === change);
  const outgoing = ending.length > 0 ? ending : before;
  const incoming = starting.length > 0 ? starting : after;
  const pastStart = outgoing.length > 0 ? Math.min(...outgoing.map((o) => o.start)) : change - DAY_MS / 2;
  const states = await alertStatesAt(store, at);
  const open = states.filter((s) => s.status !== "resolved");
  const ofPastShift = states.filter((s) => {
    const raised = Date.parse(s.raisedAt);
    return raised >= pastStart && raised < change;
  });
  const names = (list: typeof outgoing) => list.map((o) => o.shift.name).join(", ") || "—";
  const from = humanTime(pastStart, change);
  const when = humanTime(change, change);
  const lines = [
    `交班 Outgoing shift: ${names(outgoing)}（${from.zh} – ${when.zh}（北京时间）/ ${from.en} – ${when.en} Beijing time）; 接班 Incoming shift: ${names(incoming)}`,
    `接班值班人员 Incoming duty officers: ${
      onDuty(roster, 0, change)
        .map((p) => p.name)
        .join("、") || "—"
    }`,
    "",
    `**当前未解除告警 Open alerts: ${open.length}**`,
    ...open.map((s) => alertLine(s, registry, publicUrl, at)),
    "",
    `**本班次告警 Alerts raised during the past shift: ${ofPastShift.length}**`,
    ...ofPastShift.map((s) => alertLine(s, registry, publicUrl, at)),
  ];
  return summaryNotification(
    `handover:${formatBeijing(change).replace(/[^0-9]/g, "")}`,
    { zh: `交接班小结 ${when.zh}（北京时间）`, en: `Shift handover ${when.en} Beijing time` },
    lines,
    uniquePeople([onDuty(roster, 0, change - 1), onDuty(roster, 0, change)]),
  );
}

/**
 * Every alert's state as of `at`: folded from all its stored events up to `at`, as the API folds
 * them for GET /alerts (no lower bound: an alert raised long ago and still open is open, and an
 * acknowledgement or resolution after midnight counts).
 */
async function alertStatesAt(store: SummaryContext["store"], at: number): Promise<AlertState[]> {
  return foldAlertEvents(await store.queryAlertEvents({ to: at + 1 }));
}

export interface DailyMean {
  readonly stationId: string;
  readonly metric: MetricId;
  /** Mean of the valid hourly means; null when there is none. */
  readonly mean: number | null;
  readonly validHours: number;
  /** HJ 663: at least 20 valid hours. */
  readonly valid: boolean;
}

/**
 * Per-air-station daily means of `metrics` for the Beijing day starting at `dayStart` (UTC ms),
 * from the store's hourly aggregates (hour labels in (dayStart, dayStart + 24 h]).
 *
 * @example
 * await dailyMeans(store, registry, ["pm25"], beijingMidnight("2026-11-27"))
 * // [{ stationId: "ld-aq-01", metric: "pm25", mean: 41.3, validHours: 24, valid: true }, …]
 */
export async function dailyMeans(
  store: Pick<TimeSeriesStore, "queryHourly">,
  registry: StationRegistry,
  metrics: readonly MetricId[],
  dayStart: number,
): Promise<DailyMean[]> {
  const out: DailyMean[] = [];
  for (const station of registry.stations) {
    if (station.kind !== "air") continue;
    for (const metric of metrics) {
      if (station.metrics !== undefined && !station.metrics.includes(metric)) continue;
      const hours = await store.queryHourly({
        stationId: station.id,
        metric,
        from: dayStart,
        to: dayStart + DAY_MS,
      });
      const valid = hours.flatMap((h) => (h.mean === null || h.validCount === 0 ? [] : [h.mean]));
      const mean = valid.length === 0 ? null : valid.reduce((a, b) => a + b, 0) / valid.length;
      out.push({
        stationId: station.id,
        metric,
        mean,
        validHours: valid.length,
        valid: valid.length >= MIN_VALID_HOURS,
      });
    }
  }
  return out;
}

/**
 * The daily summary sent at `at`: the alerts raised (event `at`, the wall clock, as GET /alerts'
 * from/to) on yesterday's Beijing calendar day counted by rule and by station, the alerts open at
 * `at` (the same as the handover and GET /alerts?status=open,acknowledged list), and
 * per-air-station daily means. Sent to the tier-0 duty officers.
 *
 * @example
 * const n = await buildDailySummary(Date.parse("2026-11-28T08:00:00+08:00"), { store, registry, roster, publicUrl }, ["pm25", "pm10"]);
 * n.title.zh // "每日小结 11月27日（北京时间）"
 */
export async function buildDailySummary(
  at: number,
  context: SummaryContext,
  metrics: readonly MetricId[],
): Promise<Notification> {
  const { store, registry, roster, publicUrl } = context;
  const today = beijingDayStart(at);
  const yesterday = today - DAY_MS;
  const date = beijingDate(yesterday);
  // The day as the alert texts write it (11月27日 / 27 Nov; the year only when not the summary's).
  const day = beijingHumanDay(today, at);
  const states = await alertStatesAt(store, at);
  const raised = states.filter((s) => {
    const t = Date.parse(s.raisedAt);
    return t >= yesterday && t < today;
  });
  const count = (key: (s: AlertState) => string) => {
    const m = new Map<string, number>();
    for (const s of raised) m.set(key(s), (m.get(key(s)) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  };
  const open = states.filter((s) => s.status !== "resolved");
  const means = await dailyMeans(store, registry, metrics, yesterday);
  const lines = [
    `**昨日（${day.zh}）告警 Alerts raised on ${day.en}: ${raised.length}**`,
    ...count((s) => s.ruleId).map(([rule, n]) => `- 规则 rule ${rule}: ${n}`),
    ...count((s) => s.stationId).map(([station, n]) => {
      const place = placeOf(station, registry);
      return `- 站点 station ${place.zh} / ${place.en}: ${n}`;
    }),
    "",
    `**未解除告警 Open alerts: ${open.length}**`,
    ...open.map((s) => alertLine(s, registry, publicUrl, at)),
    "",
    `**空气站日均值 Air-station daily means（${day.zh} / ${day.en}）**`,
    ...means.map((m) => {
      const place = placeOf(m.stationId, registry);
      const def = METRICS[m.metric];
      const value =
        m.mean === null
          ? "无有效数据 no valid data"
          : `${formatNumber(Math.round(m.mean * 10) / 10)} ${def.unit}${m.valid ? "" : " (无效：有效小时不足20 invalid: fewer than 20 valid hours)"}`;
      return `- ${place.zh} / ${place.en} ${def.zh} / ${def.en}: ${value} [${m.validHours} h]`;
    }),
  ];
  return summaryNotification(
    `daily:${date}`,
    { zh: `每日小结 ${day.zh}（北京时间）`, en: `Daily summary ${day.en} (Beijing time)` },
    lines,
    onDuty(roster, 0, at),
  );
}
