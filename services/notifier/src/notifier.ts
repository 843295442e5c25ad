import { appendFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Bus, Delivery, Subscription } from "@qingshan/bus";
import {
  type AlertEvent,
  AlertEventSchema,
  type AlertEventType,
  type AlertState,
  alertConditionOf,
  awaitingSince,
  DAY_MS,
  foldAlertEvents,
  SEVERITIES,
  type StationRegistry,
  toBeijingIso,
  toBeijingIsoMs,
} from "@qingshan/domain";
import { DEFAULT_NOI_SCHEME, type NoiScheme, type NoiSchemeId, noiSchemeOf } from "@qingshan/standards";
import type { TimeSeriesStore } from "@qingshan/store";
import { type ScheduledTask, schedule } from "node-cron";
import { pino } from "pino";
import type { Registry } from "prom-client";
import { createEmailChannel } from "./channels/email.ts";
import {
  connectMqttPublisher,
  createMqttChannel,
  type MqttClientState,
  type MqttPublish,
} from "./channels/mqtt.ts";
import { createWebhookChannel } from "./channels/webhook.ts";
import {
  type NotifierConfig,
  type NotifierSettings,
  parseNotifierConfig,
  type Route,
  type SummaryKind,
} from "./config.ts";
import { type CurrentObservation, currentObservation } from "./current.ts";
import {
  type DeliveryObserver,
  DeliveryQueue,
  DROP_REASONS,
  type DropReason,
  type QueueCounters,
  type Refusal,
} from "./delivery-queue.ts";
import { type LatestObservation, latestObservation } from "./latest.ts";
import type { NotifierLogger } from "./logger.ts";
import { createNotifierMetrics } from "./metrics.ts";
import type { Notification, NotifierChannel } from "./notification.ts";
import { conditionEnded, renderAlert, silentText, undeliveredNotice } from "./render.ts";
import { dutyGaps, maxTier, onDutyUpTo, shiftChangeCrons } from "./roster.ts";
import { buildDailySummary, buildHandoverSummary } from "./summaries.ts";

const MINUTE_MS = 60_000;
const SEEN_LIMIT = 100_000;

export { conditionEnded };

export interface NotifierDeps {
  readonly bus: Bus;
  readonly store: Pick<
    TimeSeriesStore,
    "writeAlertEvents" | "queryAlertEvents" | "queryHourly" | "queryReadings" | "latest"
  >;
  readonly registry: StationRegistry;
  readonly logger?: NotifierLogger;
  /** Clock (UTC ms); default Date.now. Re-notification and escalation are measured on it. */
  readonly now?: () => number;
  /** Publishes to the MQTT alerts topic (QoS 1), e.g. through the embedded broker; else `mqtt.url`. */
  readonly mqttPublish?: MqttPublish;
  /** Extra channels (routable by name) besides email and the configured webhooks. */
  readonly channels?: readonly NotifierChannel[];
  /** prom-client registry for the metrics; default the global `register`. */
  readonly metricsRegistry?: Registry;
  /**
   * The NOI grade table shared with the evaluator and the API (qingshan config `noi.scheme`,
   * passed by the CLI to all three): a shipped id or a table, checked at create. Reminders grade
   * the latest NOI values by it. Default `candidate-a`.
   */
  readonly noiScheme?: NoiSchemeId | NoiScheme;
}

export interface Notifier {
  readonly settings: NotifierSettings;
  /** Rebuilds open alerts from the store, re-queues the spool, subscribes to bus "alerts", starts timers and cron jobs. */
  start(): Promise<void>;
  /** Stops consuming and the timers, drains the channel queues (up to drainTimeoutMs), spools the rest. */
  stop(): Promise<void>;
  /** Re-notifies and escalates what is due now; run by a timer every tickMs, callable directly. */
  tick(): Promise<void>;
  /** Sends the shift-handover summary for a shift change at `at` (default now) through the routes. */
  runShiftHandover(at?: number): Promise<Notification>;
  /** Sends the daily summary (yesterday, Beijing time) at `at` (default now) through the routes. */
  runDailySummary(at?: number): Promise<Notification>;
  /** Current state of the alerts not resolved (open or acknowledged). */
  openAlerts(): AlertState[];
  /** Per channel: notifications waiting, delivered, retried, dropped. */
  stats(): Record<string, QueueCounters & { pending: number }>;
  /**
   * The MQTT alerts channel's client connection (for readiness): connected, or not with the reason;
   * undefined when the notifier has no client of its own (MQTT disabled, or `mqttPublish` given).
   */
  mqttState(): MqttClientState | undefined;
}

/**
 * Creates the notifier: folds bus "alerts" into alert state, sends notifications through the
 * routed channels, re-notifies and escalates open unacknowledged alerts, publishes every event on
 * the MQTT alerts topic, and runs the handover/daily summaries. Validates config without I/O.
 *
 * @example
 * const notifier = createNotifier({ publicUrl: "http://localhost:8080" }, { bus, store, registry, logger, mqttPublish });
 * await notifier.start();
 * // … evaluator publishes { key: "ld-aq-01", value: raisedEvent } on "alerts" → email in ./data/outbox …
 * await notifier.stop();
 */
export function createNotifier(config: NotifierConfig, deps: NotifierDeps): Notifier {
  const settings = parseNotifierConfig(config);
  const { bus, store, registry } = deps;
  const logger: NotifierLogger = deps.logger ?? pino({ name: "qingshan-notifier" });
  const now = deps.now ?? Date.now;
  const noiScheme = noiSchemeOf(deps.noiScheme ?? DEFAULT_NOI_SCHEME);
  const retry = settings.retry;
  const renotifyMs = settings.renotifyMinutes * MINUTE_MS;
  const escalateMs = settings.escalateAfterMinutes * MINUTE_MS;
  const topTier = maxTier(settings.roster);

  const channels: NotifierChannel[] = [];
  if (settings.email.enabled) channels.push(createEmailChannel(settings.email, { logger }));
  for (const w of settings.webhooks) channels.push(createWebhookChannel(w, { logger }));
  for (const c of deps.channels ?? []) channels.push(c);
  const channelNames = new Set(channels.map((c) => c.name));
  if (channelNames.size !== channels.length)
    throw new Error("notifier configuration invalid: duplicate channel names");
  settings.routes.forEach((route, i) => {
    route.channels.forEach((name, k) => {
      if (name !== "*" && !channelNames.has(name)) {
        throw new Error(
          `notifier configuration invalid: routes.${i}.channels.${k}: "${name}" is not a channel (${[...channelNames].join(", ") || "none"})`,
        );
      }
    });
  });

  // A duty officer must never miss an alert: say at load when the roster leaves nobody at tier 0.
  const gaps = dutyGaps(settings.roster, 0).map((g) => `${g.from} – ${g.to}`);
  if (gaps.length > 0)
    logger.warn(
      { tier: 0, gaps },
      `roster: nobody on duty at tier 0 (the duty officer) ${gaps.join(", ")} (Beijing time, every week); alerts then reach no duty officer (e-mail records each as nobody_on_duty)`,
    );

  const routeNames = new Set(settings.routes.map((r) => r.name));
  /** Route names alerts were routed to that no route has; each warned about once. */
  const warnedRoutes = new Set<string>();

  const metrics = createNotifierMetrics(deps.metricsRegistry);
  const observer: DeliveryObserver = {
    delivered(channel, n) {
      metrics.sent.inc({ channel });
      const at = n.event === undefined ? Number.NaN : Date.parse(n.event.at);
      if (Number.isFinite(at)) metrics.deliverySeconds.observe({ channel }, Math.max(0, now() - at) / 1000);
    },
    failed: (channel) => metrics.failed.inc({ channel }),
    dropped: (channel, reason) => metrics.dropped.inc({ channel, reason }),
    refused(channel, n, refusal, reason) {
      recordFailed(channel, n, refusal, reason);
      if (channel === "email" && reason === "recipient_rejected") tellUndelivered(n, refusal);
    },
    depth: (channel, delta) =>
      delta > 0 ? metrics.queueDepth.inc({ channel }, delta) : metrics.queueDepth.dec({ channel }, -delta),
  };
  function exposeChannel(channel: string): void {
    // Series exist at 0 from the start, so rate()/increase() see the first failure.
    for (const c of [metrics.sent, metrics.failed]) c.inc({ channel }, 0);
    for (const reason of DROP_REASONS) metrics.dropped.inc({ channel, reason }, 0);
    metrics.queueDepth.inc({ channel }, 0);
    metrics.deliverySeconds.zero({ channel });
  }
  for (const severity of SEVERITIES)
    for (const status of ["open", "acknowledged"]) metrics.alertsOpen.inc({ severity, status }, 0);
  /** The labels each unresolved alert adds to `qingshan_alerts_open`. */
  const openLabels = new Map<string, { severity: string; status: string }>();

  function trackOpen(alertId: string, s: AlertState | undefined): void {
    const before = openLabels.get(alertId);
    const after =
      s === undefined || s.status === "resolved" ? undefined : { severity: s.severity, status: s.status };
    if (before?.severity === after?.severity && before?.status === after?.status) return;
    if (before !== undefined) metrics.alertsOpen.dec(before);
    if (after === undefined) openLabels.delete(alertId);
    else {
      metrics.alertsOpen.inc(after);
      openLabels.set(alertId, after);
    }
  }

  /** Where refusals for good are appended (config failedFile, else beside the spool). */
  const failedFile =
    settings.failedFile !== ""
      ? settings.failedFile
      : join(dirname(settings.spoolFile), "notifier-failed.jsonl");
  let failedWriting: Promise<void> = Promise.resolve();

  /**
   * Appends a refusal for good to the failed record (one JSON line, appends in order): what the
   * ops team or a duty officer needs to fix the address or resend by hand.
   */
  function recordFailed(channel: string, n: Notification, refusal: Refusal, reason: DropReason): void {
    const refusedTargets = new Set(refusal.rejected.map((r) => r.target.toLowerCase()));
    const line = JSON.stringify({
      at: new Date().toISOString(),
      channel,
      // The dropped metric's reason; `code` the channel's cause (address_rejected, http_404, …).
      reason,
      code: refusal.code,
      partial: refusal.partial,
      notification: n.id,
      kind: n.kind,
      ...(n.event !== undefined
        ? {
            alertId: n.event.alertId,
            eventType: n.event.type,
            ruleId: n.event.ruleId,
            stationId: n.event.stationId,
          }
        : {}),
      rejected: refusal.rejected,
      // E-mail: the people whose address was refused; other channels: whom the message was for.
      recipients: n.recipients
        .filter((p) =>
          channel === "email" ? p.email !== undefined && refusedTargets.has(p.email.toLowerCase()) : true,
        )
        .map((p) => ({ id: p.id, name: p.name, ...(p.email !== undefined ? { email: p.email } : {}) })),
      title: n.title,
      content: n,
    });
    failedWriting = failedWriting.then(async () => {
      try {
        await mkdir(dirname(failedFile), { recursive: true });
        await appendFile(failedFile, `${line}\n`);
      } catch (error) {
        logger.error(
          { err: error, file: failedFile, line },
          "could not write the failed-notifications record",
        );
      }
    });
  }

  /**
   * An alert e-mail the mail server took for some recipients and refused for good for others: its
   * 发送至 Sent to line named them all (rendered before sending), so the people on duty who got it
   * are told, in the thread, which of them did not (undeliveredNotice). Only refused people of the
   * roster, told to the people who got it: a refused `email.to` copy address is the ops team's
   * (failed record, metrics). Not for a notice itself, nor a summary.
   */
  function tellUndelivered(n: Notification, refusal: Refusal): void {
    if (n.kind !== "alert" || n.id.endsWith(":undelivered")) return;
    const refused = new Set(refusal.rejected.map((r) => r.target.toLowerCase()));
    const sentTo = n.addresses === undefined ? undefined : new Set(n.addresses.map((a) => a.toLowerCase()));
    const people = n.recipients.flatMap((p) =>
      p.email === undefined || (sentTo !== undefined && !sentTo.has(p.email.toLowerCase())) ? [] : [p.email],
    );
    const missed = refusal.rejected.filter((r) =>
      people.some((a) => a.toLowerCase() === r.target.toLowerCase()),
    );
    const delivered = people.filter((a) => !refused.has(a.toLowerCase()));
    if (missed.length === 0 || delivered.length === 0) return;
    queues.get("email")?.push(undeliveredNotice(n, missed, delivered));
  }

  /** Where the ids of the alert events handled are kept (config handledFile, else beside the spool). */
  const handledFile =
    settings.handledFile !== ""
      ? settings.handledFile
      : join(dirname(settings.spoolFile), "notifier-handled.jsonl");
  let handledWriting: Promise<void> = Promise.resolve();

  /**
   * Records alert events as handled by this notifier, once what they queued is in the spool (or
   * delivered): the next start takes only these as done. A crash before the record is written
   * sends them again (the bus redelivers them, or the next start finds them unhandled in the
   * store) rather than losing them.
   */
  function markHandled(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return handledWriting;
    const text = ids.map((id) => `${JSON.stringify(id)}\n`).join("");
    handledWriting = handledWriting.then(async () => {
      await spoolSettled();
      try {
        await mkdir(dirname(handledFile), { recursive: true });
        await appendFile(handledFile, text);
      } catch (error) {
        logger.error(
          { err: error, file: handledFile, events: ids.length },
          "could not record handled alert events; a restart may send them again",
        );
      }
    });
    return handledWriting;
  }

  /** The handled record rewritten to `ids` (on start: every stored event of the lookback). */
  function rewriteHandled(ids: readonly string[]): Promise<void> {
    handledWriting = handledWriting.then(async () => {
      try {
        await mkdir(dirname(handledFile), { recursive: true });
        const tmp = `${handledFile}.tmp`;
        await writeFile(tmp, ids.map((id) => `${JSON.stringify(id)}\n`).join(""));
        await rename(tmp, handledFile);
      } catch (error) {
        logger.error({ err: error, file: handledFile }, "could not rewrite the handled alert events record");
      }
    });
    return handledWriting;
  }

  /** The ids in the handled record; undefined when there is none (never written). */
  async function readHandled(): Promise<Set<string> | undefined> {
    let text: string;
    try {
      text = await readFile(handledFile, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    const ids = new Set<string>();
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        ids.add(String(JSON.parse(line)));
      } catch {
        // A line cut short by a crash: that event counts as not handled (sent again, not lost).
      }
    }
    return ids;
  }

  const queues = new Map<string, DeliveryQueue>();
  for (const c of channels) {
    queues.set(
      c.name,
      new DeliveryQueue(c, { mode: "sequential", retry, logger, observer, onPendingChange: persistSpool }),
    );
    exposeChannel(c.name);
  }
  let mqttQueue: DeliveryQueue | undefined;

  /** Events (by alert) of alerts not resolved. */
  const alerts = new Map<string, AlertEvent[]>();
  /** Event ids applied (bounded; insertion order = age). */
  const seen = new Set<string>();
  /** Event ids published on MQTT. */
  const published = new Set<string>();
  let subscription: Subscription | undefined;
  let mqttSubscription: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let cronTasks: ScheduledTask[] = [];
  let ticking: Promise<void> | undefined;
  let state: "created" | "running" | "stopped" = "created";

  function remember(set: Set<string>, id: string): void {
    set.add(id);
    if (set.size > SEEN_LIMIT) {
      const oldest = set.values().next().value;
      if (oldest !== undefined) set.delete(oldest);
    }
  }

  function publishMqtt(event: AlertEvent): void {
    if (mqttQueue === undefined || published.has(event.id)) return;
    remember(published, event.id);
    mqttQueue.push({
      id: event.id,
      kind: "alert",
      event,
      tier: event.tier ?? 0,
      recipients: [],
      title: event.message,
      text: "",
      markdown: "",
    });
  }

  function routeMatches(route: Route, type: AlertEventType, s: AlertState): boolean {
    // The rule names the routes (routing.routes, carried by the raised event); alerts raised
    // before routes were carried have none and go to every route.
    if (s.routes !== undefined && !s.routes.includes(route.name)) return false;
    if (!route.events.includes(type)) return false;
    if (route.severities.length > 0 && !route.severities.includes(s.severity)) return false;
    if (route.stations.length > 0 && !route.stations.includes(s.stationId)) return false;
    if (route.rules.length > 0) {
      const ok = route.rules.some((r) =>
        r.endsWith("*") ? s.ruleId.startsWith(r.slice(0, -1)) : r === s.ruleId,
      );
      if (!ok) return false;
    }
    return true;
  }

  function targets(routes: readonly Route[]): DeliveryQueue[] {
    const names = new Set<string>();
    for (const r of routes)
      for (const c of r.channels)
        if (c === "*") for (const n of channelNames) names.add(n);
        else names.add(c);
    return [...names].flatMap((n) => {
      const q = queues.get(n);
      return q === undefined ? [] : [q];
    });
  }

  function warnUnknownRoutes(s: AlertState): void {
    for (const name of s.routes ?? []) {
      if (routeNames.has(name) || warnedRoutes.has(name)) continue;
      warnedRoutes.add(name);
      logger.warn(
        { alertId: s.alertId, ruleId: s.ruleId, route: name, routes: [...routeNames] },
        `rule "${s.ruleId}" routes its alerts to "${name}", which is not a notifier route (defined: ${[...routeNames].join(", ")}); add it to notifier.routes or change the rule's routing.routes`,
      );
    }
  }

  function notify(event: AlertEvent, s: AlertState): void {
    warnUnknownRoutes(s);
    const routes = settings.routes.filter((r) => routeMatches(r, event.type, s));
    if (routes.length === 0) return;
    const dutyAt = now();
    const recipients = onDutyUpTo(settings.roster, s.tier, dutyAt);
    if (recipients.length === 0)
      logger.warn(
        { alertId: s.alertId, tier: s.tier, at: toBeijingIso(dutyAt) },
        "nobody on duty in the roster",
      );
    const notification: Notification = {
      ...renderAlert(
        event,
        s,
        recipients,
        { registry, publicUrl: settings.publicUrl, noiScheme },
        observed.get(event.id),
      ),
      dutyAt,
    };
    for (const q of targets(routes)) q.push(notification);
  }

  /** Applies one new event to the alert state and notifies per the routes. */
  function apply(event: AlertEvent): void {
    remember(seen, event.id);
    let list = alerts.get(event.alertId);
    if (list === undefined) {
      if (event.type !== "raised") {
        logger.debug(
          { event: event.id, type: event.type },
          "event of an alert not open here; nothing to notify",
        );
        return;
      }
      list = [];
      alerts.set(event.alertId, list);
    }
    list.push(event);
    const s = foldAlertEvents(list)[0];
    trackOpen(event.alertId, s);
    if (s === undefined) return;
    notify(event, s);
    if (s.status === "resolved") alerts.delete(event.alertId);
  }

  /** The MQTT group's handler: valid events go to the MQTT queue (the main handler logs invalid ones). */
  async function publishBatchOnMqtt(batch: readonly Delivery<unknown>[]): Promise<void> {
    for (const d of batch) {
      const parsed = AlertEventSchema.safeParse(d.value);
      if (parsed.success) publishMqtt(parsed.data);
    }
  }

  async function handle(batch: readonly Delivery<unknown>[]): Promise<void> {
    const fresh: AlertEvent[] = [];
    for (const d of batch) {
      const parsed = AlertEventSchema.safeParse(d.value);
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
        logger.warn({ key: d.key, offset: d.offset, detail }, "invalid alert event on the bus; skipped");
        continue;
      }
      if (seen.has(parsed.data.id) || fresh.some((e) => e.id === parsed.data.id)) continue;
      // MQTT first: it is the latency-critical path (reading → alert on the topic).
      publishMqtt(parsed.data);
      fresh.push(parsed.data);
    }
    if (fresh.length === 0) return;
    // Stored before applying, so a restart rebuilds exactly what was notified; a failure
    // redelivers the batch (MQTT does not repeat: `published`).
    await store.writeAlertEvents(fresh);
    for (const e of fresh) apply(e);
    // Recorded as handled once their notifications are spooled: only then is the batch done.
    await markHandled(fresh.map((e) => e.id));
  }

  /**
   * Whether a reminder or an escalation of this alert is worth emitting: it must reach someone (a
   * route delivers that event type of this alert to at least one channel), its severity must ask
   * for an answer (not `info`), and its condition must still hold (not a warning held at a level
   * while it steps down).
   */
  function chases(s: AlertState, type: "renotified" | "escalated"): boolean {
    if (s.severity === "info" || conditionEnded(s)) return false;
    return targets(settings.routes.filter((r) => routeMatches(r, type, s))).length > 0;
  }

  function dueEvent(s: AlertState, t: number): AlertEvent | undefined {
    if (s.status !== "open") return undefined;
    const base = {
      alertId: s.alertId,
      at: toBeijingIsoMs(t),
      ruleId: s.ruleId,
      stationId: s.stationId,
      severity: s.severity,
      message: s.message,
      ...alertConditionOf(s),
    };
    if (escalateMs > 0 && s.tier < topTier && chases(s, "escalated")) {
      // Escalation counts from the raise, the last escalation, or a level change to a worse level
      // (which reopens an acknowledgement); a better level or a path change restarts nothing.
      const since = Math.max(
        Date.parse(awaitingSince(s)),
        ...s.events.filter((e) => e.type === "escalated").map((e) => Date.parse(e.at)),
      );
      if (t - since >= escalateMs) {
        const tier = s.tier + 1;
        return { ...base, id: `${s.alertId}:escalated:${tier}`, type: "escalated", tier };
      }
    }
    if (renotifyMs > 0 && t - Date.parse(s.lastNotifiedAt) >= renotifyMs && chases(s, "renotified")) {
      const n = s.events.filter((e) => e.type === "renotified").length + 1;
      return { ...base, id: `${s.alertId}:renotified:${n}`, type: "renotified", tier: s.tier };
    }
    return undefined;
  }

  /** What reminders and escalations being emitted state as current, by event id (for their text). */
  const observed = new Map<string, LatestObservation | CurrentObservation>();

  /**
   * A reminder or escalation states what is current for the alert, not what it was raised with:
   * a pollutant alert's window recomputed from the store (latest.ts); the AQI, water class, silence,
   * data-quality run, out-of-range reading or month / year-to-date mean now (current.ts). Its value
   * and data time become the event's `value` and
   * `dataTime`, and the text adds the worst since the alert began. Alerts neither can recompute (or
   * a store failure) keep the value of the raise or latest level change.
   */
  async function withLatest(e: AlertEvent, s: AlertState, t: number): Promise<AlertEvent> {
    let o: LatestObservation | CurrentObservation | undefined;
    try {
      o =
        (await latestObservation(store, registry, s, t)) ??
        (await currentObservation(store, registry, s, t, silentText));
    } catch (error) {
      logger.warn(
        { err: error, alertId: s.alertId },
        "could not read the alert's latest value; the reminder states the alerted one",
      );
    }
    if (o === undefined) return e;
    observed.set(e.id, o);
    if ("kind" in o)
      return {
        ...e,
        ...(o.value !== undefined ? { value: o.value } : {}),
        ...(o.dataTime !== undefined ? { dataTime: toBeijingIso(o.dataTime) } : {}),
      };
    return { ...e, value: o.latest.value, dataTime: toBeijingIso(o.latest.dataTime) };
  }

  async function tickOnce(): Promise<void> {
    const t = now();
    const pending: Array<Promise<AlertEvent>> = [];
    for (const list of alerts.values()) {
      const s = foldAlertEvents(list)[0];
      const e = s === undefined ? undefined : dueEvent(s, t);
      if (s !== undefined && e !== undefined && !seen.has(e.id)) pending.push(withLatest(e, s, t));
    }
    if (pending.length === 0) return;
    const due = await Promise.all(pending);
    try {
      await store.writeAlertEvents(due);
    } catch (error) {
      for (const e of due) observed.delete(e.id);
      logger.warn(
        { err: error, events: due.length },
        "could not store re-notification/escalation events; retrying next tick",
      );
      return;
    }
    for (const e of due) {
      publishMqtt(e);
      apply(e);
      observed.delete(e.id);
    }
    await markHandled(due.map((e) => e.id));
    try {
      await bus.publish(
        "alerts",
        due.map((e) => ({ key: e.stationId, value: e })),
      );
    } catch (error) {
      logger.warn(
        { err: error, events: due.length },
        "could not publish re-notification/escalation events on the bus",
      );
    }
  }

  function tick(): Promise<void> {
    // One tick at a time: overlapping ticks would emit the same event twice.
    ticking ??= tickOnce().finally(() => {
      ticking = undefined;
    });
    return ticking;
  }

  function sendSummary(kind: SummaryKind, n: Notification, at: number): void {
    const routes = settings.routes.filter((r) => r.summaries.includes(kind));
    for (const q of targets(routes)) q.push({ ...n, dutyAt: at });
  }

  const summaryContext = { store, registry, roster: settings.roster, publicUrl: settings.publicUrl };

  async function runShiftHandover(at = now()): Promise<Notification> {
    const n = await buildHandoverSummary(at, summaryContext);
    sendSummary("handover", n, at);
    return n;
  }

  async function runDailySummary(at = now()): Promise<Notification> {
    const n = await buildDailySummary(at, summaryContext, settings.schedule.dailyMetrics);
    sendSummary("daily", n, at);
    return n;
  }

  /**
   * Folds the stored events this notifier handled (the handled record, and the alert
   * notifications in the spool) back into the open alerts and the ids seen. The evaluator and the
   * API store their events themselves, apart from publishing them, so a stored event is not
   * necessarily one this notifier notified: those it did not handle are returned, in order, for
   * start() to notify (catchUp). Without a handled record (the first start with one) every stored
   * event is taken as handled, as before it existed.
   */
  async function rebuild(
    spooled: ReadonlySet<string>,
  ): Promise<{ unhandled: AlertEvent[]; stored: string[] }> {
    const t = now();
    const events = await store.queryAlertEvents({ from: t - settings.rebuildLookbackDays * DAY_MS });
    const recorded = await readHandled();
    if (recorded === undefined && events.length > 0)
      logger.info(
        { events: events.length, file: handledFile },
        "no record of handled alert events yet: every stored event is taken as handled",
      );
    const handled: AlertEvent[] = [];
    const unhandled: AlertEvent[] = [];
    for (const e of events) {
      if (recorded === undefined || recorded.has(e.id) || spooled.has(e.id)) handled.push(e);
      else unhandled.push(e);
    }
    let open = 0;
    for (const e of handled) {
      remember(seen, e.id);
      remember(published, e.id);
    }
    for (const s of foldAlertEvents(handled)) {
      if (s.status === "resolved") continue;
      alerts.set(s.alertId, [...s.events]);
      trackOpen(s.alertId, s);
      open++;
    }
    logger.info(
      { events: events.length, open, unhandled: unhandled.length },
      "notifier rebuilt open alerts from the store",
    );
    return { unhandled, stored: events.map((e) => e.id) };
  }

  /**
   * Notifies the stored events this notifier never handled (stored by the evaluator or the API
   * while it was down, or before it handled them), in order, as if they came from the bus; the
   * bus delivering them later finds them seen. Then the handled record is rewritten to every
   * stored event of the lookback (older ids are not needed any more).
   */
  async function catchUp(unhandled: readonly AlertEvent[], stored: readonly string[]): Promise<void> {
    const fresh = unhandled.filter((e) => !seen.has(e.id));
    for (const e of fresh) {
      publishMqtt(e);
      apply(e);
    }
    if (fresh.length > 0)
      logger.warn(
        { events: fresh.length, ids: fresh.slice(0, 20).map((e) => e.id) },
        "alert events in the store this notifier had not handled; notified now",
      );
    await spoolSettled();
    await rewriteHandled(stored);
  }

  function allQueues(): DeliveryQueue[] {
    return [...queues.values(), ...(mqttQueue ? [mqttQueue] : [])];
  }

  const backlog = () => allQueues().map((q) => ({ channel: q.channel.name, since: q.oldestPendingSince() }));

  /**
   * The spool holds what the queues hold, so that neither a stop nor a crash loses a notification
   * (a mail server down for hours, then the process killed): rewritten (temp file + rename) after
   * every change of a queue's pending set, one write at a time, the last write after the last
   * change; removed when nothing is pending. Until stop() it holds the email and webhook queues,
   * and the MQTT queue's while one of its publishes failed (the MQTT hot path writes no file);
   * stop() writes every queue's. A notification delivered just before a crash may be sent again.
   */
  let spoolWriting: Promise<void> | undefined;
  let spoolDirty = false;
  let spoolEveryQueue = false;
  /** Changes asked to be persisted so far, and how many of them the last finished write covers. */
  let spoolChanges = 0;
  let spoolWrittenUpTo = 0;
  let spoolWaiters: Array<{ readonly target: number; readonly resolve: () => void }> = [];

  function persistSpool(): void {
    spoolChanges++;
    spoolDirty = true;
    if (spoolWriting !== undefined) return;
    spoolWriting = (async () => {
      while (spoolDirty) {
        spoolDirty = false;
        const upTo = spoolChanges;
        try {
          await writeSpool();
        } catch (error) {
          logger.error({ err: error, file: settings.spoolFile }, "could not write the notification spool");
        }
        spoolWrittenUpTo = upTo;
        const waiting = spoolWaiters;
        spoolWaiters = waiting.filter((w) => w.target > upTo);
        for (const w of waiting) if (w.target <= upTo) w.resolve();
      }
      spoolWriting = undefined;
    })();
  }

  async function flushSpool(): Promise<void> {
    persistSpool();
    await spoolSettled();
  }

  /**
   * Resolves once a write that began after every change so far has ended: the spool holds what the
   * queues held when called (later changes, e.g. deliveries going on meanwhile, are not waited for).
   */
  function spoolSettled(): Promise<void> {
    const target = spoolChanges;
    if (spoolWriting === undefined || spoolWrittenUpTo >= target) return Promise.resolve();
    return new Promise((resolve) => spoolWaiters.push({ target, resolve }));
  }

  /** The spool file's lines; [] when there is none. */
  async function readSpool(): Promise<Array<{ channel: string; notification: Notification }>> {
    let text: string;
    try {
      text = await readFile(settings.spoolFile, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as { channel: string; notification: Notification });
  }

  async function writeSpool(): Promise<void> {
    const lines = allQueues()
      .filter((q) => spoolEveryQueue || q.persisted)
      .flatMap((q) => q.pending().map((n) => JSON.stringify({ channel: q.channel.name, notification: n })));
    if (lines.length === 0) {
      await rm(settings.spoolFile, { force: true });
      return;
    }
    await mkdir(dirname(settings.spoolFile), { recursive: true });
    const tmp = `${settings.spoolFile}.tmp`;
    await writeFile(tmp, `${lines.join("\n")}\n`);
    await rename(tmp, settings.spoolFile);
  }

  async function loadSpool(
    lines: ReadonlyArray<{ channel: string; notification: Notification }>,
  ): Promise<void> {
    if (lines.length === 0) return;
    let count = 0;
    for (const { channel, notification } of lines) {
      const q = channel === "mqtt" ? mqttQueue : queues.get(channel);
      if (q === undefined) {
        logger.warn(
          { channel, notification: notification.id },
          "spooled notification for a channel no longer configured; dropped",
        );
        continue;
      }
      q.push(notification);
      count++;
    }
    // The file now holds what the queues hold (delivered ones gone, other channels' dropped).
    await flushSpool();
    logger.info({ count, file: settings.spoolFile }, "re-queued spooled notifications");
  }

  let mqttClose: (() => Promise<void>) | undefined;
  let mqttClientState: (() => MqttClientState) | undefined;

  async function start(): Promise<void> {
    if (state === "running") return;
    if (state === "stopped") throw new Error("a stopped notifier cannot be restarted; create a new one");
    state = "running";
    if (settings.mqtt.enabled) {
      let publish = deps.mqttPublish;
      if (publish === undefined && settings.mqtt.url !== "") {
        const client = await connectMqttPublisher(settings.mqtt.url, settings.mqtt);
        publish = client.publish;
        mqttClose = client.close;
        mqttClientState = client.state;
      }
      if (publish !== undefined) {
        mqttQueue = new DeliveryQueue(createMqttChannel(publish, settings.mqtt.topicPrefix, mqttClose), {
          mode: "parallel",
          retry,
          logger,
          observer,
          onPendingChange: persistSpool,
        });
        exposeChannel(mqttQueue.channel.name);
      }
    }
    const spool = await readSpool();
    // An alert notification in the spool was handled (a crash may have come before its record).
    const spooled = new Set(
      spool.flatMap(({ notification: n }) =>
        n.kind === "alert" && n.event !== undefined ? [n.event.id] : [],
      ),
    );
    const { unhandled, stored } = await rebuild(spooled);
    metrics.backlogSources.add(backlog);
    await loadSpool(spool);
    await catchUp(unhandled, stored);
    if (mqttQueue !== undefined) {
      // The MQTT topic is the latency-critical path (reading → alert on the topic): a consumer
      // group of its own, so it never waits behind the main handler storing the previous batch
      // or for another channel. `published` keeps each event to one MQTT message per process.
      mqttSubscription = await bus.subscribe<unknown>(
        "alerts",
        { group: `${settings.group}-mqtt`, maxBatch: 500 },
        publishBatchOnMqtt,
      );
    }
    subscription = await bus.subscribe<unknown>("alerts", { group: settings.group, maxBatch: 500 }, handle);
    timer = setInterval(() => {
      tick().catch((error: unknown) => logger.error({ err: error }, "notifier tick failed"));
    }, settings.tickMs);
    timer.unref();
    if (settings.schedule.enabled) {
      const options = { timezone: "Asia/Shanghai", noOverlap: true };
      const guard = (what: string, run: () => Promise<unknown>) => async () => {
        try {
          await run();
        } catch (error) {
          logger.error({ err: error }, `${what} failed`);
        }
      };
      if (settings.schedule.handover) {
        for (const expr of shiftChangeCrons(settings.roster)) {
          cronTasks.push(
            schedule(
              expr,
              guard("shift handover summary", () => runShiftHandover()),
              { ...options, name: `handover ${expr}` },
            ),
          );
        }
      }
      if (settings.schedule.dailySummaryAt !== "") {
        const [h, m] = settings.schedule.dailySummaryAt.split(":").map(Number);
        cronTasks.push(
          schedule(
            `${m} ${h} * * *`,
            guard("daily summary", () => runDailySummary()),
            { ...options, name: "daily summary" },
          ),
        );
      }
    }
    logger.info(
      {
        channels: [...channelNames, ...(mqttQueue ? ["mqtt"] : [])],
        renotifyMinutes: settings.renotifyMinutes,
        escalateAfterMinutes: settings.escalateAfterMinutes,
        open: alerts.size,
      },
      "notifier started",
    );
  }

  async function stop(): Promise<void> {
    if (state !== "running") {
      state = "stopped";
      return;
    }
    state = "stopped";
    clearInterval(timer);
    for (const task of cronTasks) await task.destroy();
    cronTasks = [];
    await Promise.all([subscription?.close(), mqttSubscription?.close()]);
    subscription = undefined;
    mqttSubscription = undefined;
    await ticking;
    const all = allQueues();
    await Promise.all(all.map((q) => q.drain(settings.drainTimeoutMs)));
    await Promise.all(all.map((q) => q.abort()));
    metrics.backlogSources.delete(backlog);
    // A stopped notifier holds no alerts (the next start folds them back from the store).
    for (const alertId of [...openLabels.keys()]) trackOpen(alertId, undefined);
    spoolEveryQueue = true;
    await flushSpool();
    await failedWriting;
    await handledWriting;
    const spooled = all.reduce((n, q) => n + q.size, 0);
    if (spooled > 0) {
      logger.warn(
        { count: spooled, file: settings.spoolFile },
        "undelivered notifications spooled for the next start",
      );
    }
    await Promise.all(
      all.map((q) =>
        q.channel
          .close?.()
          .catch((error: unknown) =>
            logger.warn({ err: error, channel: q.channel.name }, "channel close failed"),
          ),
      ),
    );
    logger.info({}, "notifier stopped");
  }

  return {
    settings,
    start,
    stop,
    tick,
    runShiftHandover,
    runDailySummary,
    openAlerts: () => [...alerts.values()].flatMap((list) => foldAlertEvents(list)),
    stats() {
      const out: Record<string, QueueCounters & { pending: number }> = {};
      for (const q of allQueues()) out[q.channel.name] = { ...q.counters, pending: q.size };
      return out;
    },
    mqttState: () => mqttClientState?.(),
  };
}
