import { randomUUID } from "node:crypto";
import {
  type AlertEvent,
  AlertEventSchema,
  type AlertState,
  type AlertStatus,
  alertConditionOf,
  foldAlertEvents,
  type Severity,
  toBeijingIso,
  toBeijingIsoMs,
} from "@qingshan/domain";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { ApiContext } from "../deps.ts";
import { ApiError, errorResponseSchema } from "../http/errors.ts";
import { respond } from "../http/respond.ts";
import { jsonOrCsv } from "../http/response-schemas.ts";
import { ackBody, alertEventSchema, alertParams, alertStateSchema, alertsQuery } from "../http/schemas.ts";
import { parseTimeParam } from "../http/time-param.ts";

interface AlertsQuery {
  status?: string;
  station?: string;
  rule?: string;
  severity?: string;
  from?: string;
  to?: string;
  limit: number;
  format?: "json" | "csv";
}

const COLUMNS = [
  "alertId",
  "status",
  "severity",
  "level",
  "ruleId",
  "stationId",
  "metric",
  "value",
  "threshold",
  "window",
  "standard",
  "message_zh",
  "message_en",
  "raisedAt",
  "startedAt",
  "updatedAt",
  "acknowledgedAt",
  "acknowledgedBy",
  "acknowledgeNote",
  "resolvedAt",
  "tier",
  "notifications",
  "levelName_zh",
  "levelName_en",
  "calendarWindow",
  "conditionHolds",
  // The value's data time and evaluation (AlertState dataTime, valueAt); the rule's description and
  // the warning path stay the last columns.
  "dataTime",
  "valueAt",
  "ruleDescription_zh",
  "ruleDescription_en",
  "path",
] as const;

/** An alert's state as answered: without its events (see GET /alerts/:alertId), with a link and its rule's description. */
export function alertSummary(ctx: ApiContext, state: AlertState) {
  const { events, ...rest } = state;
  const ruleDescription = ctx.rules?.get(state.ruleId)?.description;
  return {
    ...rest,
    ...(ruleDescription ? { ruleDescription } : {}),
    eventCount: events.length,
    ...(ctx.publicUrl ? { link: alertLink(ctx.publicUrl, state.alertId) } : {}),
  };
}

/**
 * The CSV's `path` cell: a heavy-pollution warning's path (heavy-pollution-warning.md §3.3), read
 * as GET /warning reads it — a warning-rule alert stored before events carried one is on the
 * warning path; empty for other rules' alerts.
 */
function csvPath(ctx: ApiContext, a: Pick<AlertState, "ruleId" | "path">): string | undefined {
  return a.path ?? (a.ruleId === ctx.alerting.warningRuleId ? "warning" : undefined);
}

/** URL of an alert in the API. */
export function alertLink(publicUrl: string, alertId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/api/v1/alerts/${encodeURIComponent(alertId)}`;
}

/** Current states of the alerts whose events match the store filters. */
export async function alertStates(
  ctx: ApiContext,
  filter: { stationId?: string; ruleId?: string; alertId?: string } = {},
): Promise<AlertState[]> {
  const events = await ctx.store.queryAlertEvents(filter);
  return foldAlertEvents(events);
}

/**
 * What `from`/`to` of GET /alerts filter on: processing times, not data times (activeIn). Said in
 * the OpenAPI document because an alert's message speaks of data time (开始于 17:00 is its
 * `startedAt`), which can be hours or days before it was raised (late data, a replay).
 */
const ACTIVE_IN_TEXT =
  "`from`/`to` filter on processing time — when the rule engine raised the alert (`raisedAt`) and resolved it (`resolvedAt`) — not on data time (`startedAt`, the time the message's 开始于 / 'since' gives, which can be hours or days earlier after late data or a replay): an alert is kept when raisedAt < to and it is not resolved before from (resolvedAt absent or ≥ from).";

/** Whether an alert was active at some time in [from, to) of processing time (raisedAt, resolvedAt; ACTIVE_IN_TEXT). */
function activeIn(state: AlertState, from: number | undefined, to: number | undefined): boolean {
  if (to !== undefined && Date.parse(state.raisedAt) >= to) return false;
  if (from !== undefined && state.resolvedAt !== undefined && Date.parse(state.resolvedAt) < from)
    return false;
  return true;
}

const AckBodySchema = z.object({
  actor: z.string().trim().min(1).max(100),
  note: z.string().max(2000).optional(),
});

const ACK_BODY_EXPECTED = "a JSON object { actor, note? } (content-type application/json)";

/**
 * The ack route's error handler: a body Fastify could not read as JSON (malformed, empty, or of
 * another content type) is answered in the API's shape, naming the body and what was expected,
 * instead of Fastify's own text. Every other error goes on to the app's handler.
 */
function ackBodyError(error: FastifyError, request: FastifyRequest): never {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      throw new ApiError(
        "body.invalid",
        `body is ${error.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ? "empty" : "not valid JSON"}, expected ${ACK_BODY_EXPECTED}`,
        { parameter: "body", expected: ACK_BODY_EXPECTED },
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE": {
      const received = request.headers["content-type"];
      throw new ApiError(
        "media.unsupported",
        `content-type is ${received === undefined ? "missing" : JSON.stringify(received)}, expected application/json`,
        {
          parameter: "content-type",
          ...(received === undefined ? {} : { received }),
          expected: "application/json",
        },
      );
    }
    default:
      throw error;
  }
}

function parseAckBody(body: unknown): { actor: string; note?: string } {
  const parsed = AckBodySchema.safeParse(body ?? {});
  if (parsed.success)
    return parsed.data.note === undefined
      ? { actor: parsed.data.actor }
      : { actor: parsed.data.actor, note: parsed.data.note };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join(".") || "body";
  const received =
    field !== "body" && body && typeof body === "object" ? (body as Record<string, unknown>)[field] : body;
  const expected =
    field === "actor"
      ? "the duty officer's name (1–100 characters)"
      : field === "note"
        ? "text of ≤ 2000 characters"
        : ACK_BODY_EXPECTED;
  throw new ApiError(
    "body.invalid",
    `body field "${field}" is ${received === undefined ? "missing" : JSON.stringify(received)}, expected ${expected}`,
    { parameter: field, ...(received === undefined ? {} : { received }), expected },
  );
}

/**
 * GET /alerts, GET /alerts/:alertId, POST /alerts/:alertId/ack. Alert states are folded from the
 * stored alert events (foldAlertEvents); an acknowledgement is an `acknowledged` event written to
 * the store and published on bus "alerts" (keyed by station) so the notifier stops re-notifying.
 */
export function alertRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: AlertsQuery }>(
    "/alerts",
    {
      schema: {
        summary: "Alerts (current state)",
        description: `Current state of each alert, folded from its stored events, newest raised first. ${ACTIVE_IN_TEXT} Without filters: every alert.`,
        tags: ["alerts"],
        querystring: alertsQuery,
        response: {
          200: jsonOrCsv(
            "Alert states, newest raised first",
            {
              type: "object",
              additionalProperties: true,
              required: ["count", "alerts"],
              properties: { count: { type: "integer" }, alerts: { type: "array", items: alertStateSchema } },
            },
            COLUMNS,
          ),
          400: errorResponseSchema,
        },
      },
    },
    async function listAlerts(request, reply) {
      const q = request.query;
      const from = q.from === undefined ? undefined : parseTimeParam("from", q.from);
      const to = q.to === undefined ? undefined : parseTimeParam("to", q.to);
      const statuses = q.status ? new Set(q.status.split(",") as AlertStatus[]) : undefined;
      const severities = q.severity ? new Set(q.severity.split(",") as Severity[]) : undefined;
      const states = await alertStates(ctx, {
        ...(q.station ? { stationId: q.station } : {}),
        ...(q.rule ? { ruleId: q.rule } : {}),
      });
      const alerts = states
        .filter((s) => (statuses ? statuses.has(s.status) : true))
        .filter((s) => (severities ? severities.has(s.severity) : true))
        .filter((s) => activeIn(s, from, to))
        .sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt) || b.alertId.localeCompare(a.alertId))
        .slice(0, q.limit)
        .map((s) => alertSummary(ctx, s));
      const rows = alerts.map((a) => ({
        ...a,
        message_zh: a.message.zh,
        message_en: a.message.en,
        levelName_zh: a.levelName?.zh,
        levelName_en: a.levelName?.en,
        ruleDescription_zh: a.ruleDescription?.zh,
        ruleDescription_en: a.ruleDescription?.en,
        path: csvPath(ctx, a),
      }));
      return respond(
        request,
        reply,
        { count: alerts.length, alerts },
        { filename: "alerts.csv", columns: COLUMNS, rows },
      );
    },
  );

  // Registered before /alerts/:alertId so "stream" is not taken for an alert id.
  app.get(
    "/alerts/stream",
    {
      schema: {
        summary: "Live alert events (server-sent events)",
        description:
          "text/event-stream of every AlertEvent published on the bus (raised, level_changed, renotified, escalated, acknowledged, resolved): `id:` = event id, `data:` = the event as JSON. A comment line is sent as heartbeat. With `Last-Event-ID`, stored events after that one (within the replay window) are sent first. 503 without a bus.",
        tags: ["alerts"],
        headers: {
          type: "object",
          properties: { "last-event-id": { type: "string", description: "Resume after this event id" } },
        },
        produces: ["text/event-stream"],
        response: {
          200: {
            description:
              "Server-sent events, one AlertEvent per `data:` line (written to the socket as they come)",
            content: {
              "text/event-stream": {
                schema: {
                  type: "string",
                  description:
                    "`id: <event id>` and `data: <AlertEvent as JSON>` per event; `: heartbeat` comment lines",
                },
              },
            },
          },
          503: errorResponseSchema,
        },
      },
    },
    async function streamAlerts(request, reply) {
      const feed = ctx.alertFeed;
      if (!feed) throw new ApiError("stream.unavailable", "this API instance was started without a bus");
      return streamAlertEvents(ctx, request, reply);
    },
  );

  app.get<{ Params: { alertId: string } }>(
    "/alerts/:alertId",
    {
      schema: {
        summary: "One alert with its event history",
        tags: ["alerts"],
        params: alertParams,
        response: {
          200: {
            type: "object",
            properties: {
              alert: alertStateSchema,
              events: { type: "array", items: alertEventSchema },
            },
          },
          404: errorResponseSchema,
        },
      },
    },
    async function getAlert(request) {
      const state = await requireAlert(ctx, request.params.alertId);
      return { alert: alertSummary(ctx, state), events: state.events };
    },
  );

  app.post<{ Params: { alertId: string }; Body: unknown }>(
    "/alerts/:alertId/ack",
    {
      schema: {
        summary: "Acknowledge an alert (duty officer)",
        description:
          'Writes an `acknowledged` event (at = now in Beijing time with milliseconds, or 1 ms after the latest event of the alert if that is later) to the store and publishes it on bus "alerts", which stops re-notification. Acknowledging an acknowledged alert changes nothing (200, `changed: false`); a resolved alert answers 409; a level change after an acknowledgement reopens the alert.',
        tags: ["alerts"],
        params: alertParams,
        response: {
          200: {
            type: "object",
            properties: {
              changed: { type: "boolean" },
              published: { type: "boolean" },
              alert: alertStateSchema,
              event: alertEventSchema,
            },
          },
          400: errorResponseSchema,
          404: errorResponseSchema,
          409: errorResponseSchema,
          415: errorResponseSchema,
        },
      },
      config: { openapiBody: ackBody },
      errorHandler: ackBodyError,
    },
    async function acknowledgeAlert(request) {
      const body = parseAckBody(request.body);
      const state = await requireAlert(ctx, request.params.alertId);
      if (state.status === "resolved") {
        throw new ApiError("alert.resolved", `alert "${state.alertId}" was resolved at ${state.resolvedAt}`, {
          parameter: "alertId",
          received: state.alertId,
          expected: "an open alert",
        });
      }
      if (state.status === "acknowledged") {
        return { changed: false, published: false, alert: alertSummary(ctx, state) };
      }
      const event: AlertEvent = AlertEventSchema.parse({
        id: `${state.alertId}:acknowledged:${randomUUID()}`,
        alertId: state.alertId,
        type: "acknowledged",
        // After every event of the alert, as the fold orders by time: the rule engine's clock can
        // run ahead of this one (another host's, or its +1 ms per event in a burst).
        at: toBeijingIsoMs(Math.max(ctx.now(), Date.parse(state.updatedAt) + 1)),
        ruleId: state.ruleId,
        stationId: state.stationId,
        severity: state.severity,
        // Restates the current condition as the notifier's reminders do, so the history row names the level as the raise did.
        ...alertConditionOf(state),
        message: state.message,
        actor: body.actor,
        ...(body.note !== undefined ? { note: body.note } : {}),
      });
      // Stored first: the ack must survive even if the publish fails; the notifier's own store
      // write of the same event is idempotent on its id.
      await ctx.store.writeAlertEvents([event]);
      let published = false;
      if (ctx.bus) {
        await ctx.bus.publish("alerts", [{ key: state.stationId, value: event }]);
        published = true;
      }
      const after = await requireAlert(ctx, state.alertId);
      return { changed: true, published, alert: alertSummary(ctx, after), event };
    },
  );
}

async function requireAlert(ctx: ApiContext, alertId: string): Promise<AlertState> {
  const [state] = await alertStates(ctx, { alertId });
  if (!state) {
    throw new ApiError("alert.unknown", `no alert "${alertId}"`, {
      parameter: "alertId",
      received: alertId,
      expected: "an alert id from GET /api/v1/alerts",
    });
  }
  return state;
}

function sseEvent(event: AlertEvent): string {
  return `id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Takes over the response and writes server-sent events until the client or the app goes away. */
async function streamAlertEvents(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const feed = ctx.alertFeed;
  if (!feed) return;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(`retry: 3000\n: qingshan alert stream\n\n`);
  // Events published while the replay is read are buffered, then sent after it without repeats.
  const buffered: AlertEvent[] = [];
  let live = false;
  const sent = new Set<string>();
  const send = (event: AlertEvent) => {
    if (sent.has(event.id)) return;
    sent.add(event.id);
    if (sent.size > 10_000) sent.clear();
    res.write(sseEvent(event));
  };
  const off = feed.listen((event) => (live ? send(event) : buffered.push(event)));
  const heartbeat = setInterval(
    () => res.write(`: heartbeat ${toBeijingIso(ctx.now())}\n\n`),
    ctx.alerting.heartbeatMs,
  );
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    off();
    offStop();
    res.end();
  };
  const offStop = feed.onStop(close);
  request.raw.on("close", close);

  const lastEventId = request.headers["last-event-id"];
  if (typeof lastEventId === "string" && lastEventId !== "") {
    try {
      const events = await ctx.store.queryAlertEvents({ from: ctx.now() - ctx.alerting.replayMs });
      const index = events.findIndex((e) => e.id === lastEventId);
      if (index >= 0) for (const e of events.slice(index + 1)) send(e);
    } catch (error) {
      request.log.warn({ err: error }, "alert stream replay failed");
    }
  }
  live = true;
  for (const e of buffered.splice(0)) send(e);
}
