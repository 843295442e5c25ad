import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus, type MemoryBus } from "@qingshan/bus";
import { type AlertEvent, createStationRegistry, type StationInput } from "@qingshan/domain";
import { createDuckDbStore, type TimeSeriesStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, startApi } from "../index.ts";
import stationsJson from "../testdata/stations.json" with { type: "json" };

const NOW = Date.parse("2026-11-29T12:00:00+08:00");
const registry = createStationRegistry(stationsJson as StationInput[]);

function event(
  partial: Partial<AlertEvent> & Pick<AlertEvent, "id" | "alertId" | "type" | "at">,
): AlertEvent {
  return {
    ruleId: "aqi-hourly-heavy",
    stationId: "aq1",
    severity: "critical",
    message: { zh: "小时AQI 235 > 200 (重度污染)", en: "hourly AQI 235 > 200 (heavily polluted)" },
    ...partial,
  };
}

const EVENTS: AlertEvent[] = [
  event({
    id: "a1-r",
    alertId: "a1",
    type: "raised",
    at: "2026-11-29T08:00:00+08:00",
    value: 235,
    threshold: 200,
    level: "heavy",
    levelName: { zh: "重度污染", en: "heavily polluted" },
    conditionHolds: true,
  }),
  event({ id: "a1-n", alertId: "a1", type: "renotified", at: "2026-11-29T08:30:00+08:00" }),
  event({
    id: "a2-r",
    alertId: "a2",
    type: "raised",
    at: "2026-11-28T10:00:00+08:00",
    ruleId: "water-below-target",
    stationId: "wq1",
    severity: "warning",
    calendarWindow: "day",
    message: { zh: "断面水质 Ⅳ类，目标 Ⅲ类", en: "section Class IV, target III" },
  }),
  event({
    id: "a2-x",
    alertId: "a2",
    type: "resolved",
    at: "2026-11-28T20:00:00+08:00",
    ruleId: "water-below-target",
    stationId: "wq1",
    severity: "warning",
  }),
  // Heavy-pollution warning: aq1 orange (after a level change), the district yellow.
  event({
    id: "w1-r",
    alertId: "w1",
    type: "raised",
    at: "2026-11-29T06:00:00+08:00",
    ruleId: "heavy-pollution-warning",
    level: "yellow",
    severity: "warning",
  }),
  event({
    id: "w1-l",
    alertId: "w1",
    type: "level_changed",
    at: "2026-11-29T09:00:00+08:00",
    ruleId: "heavy-pollution-warning",
    level: "orange",
    severity: "critical",
  }),
  event({
    id: "wd-r",
    alertId: "wd",
    type: "raised",
    at: "2026-11-29T07:00:00+08:00",
    ruleId: "heavy-pollution-warning",
    stationId: "district",
    level: "yellow",
    severity: "warning",
  }),
];

let dir: string;
let store: TimeSeriesStore;
let bus: MemoryBus;
let app: FastifyInstance;
let clock = NOW;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "qingshan-api-alerts-"));
  store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
  await store.start();
  await store.writeAlertEvents(EVENTS);
  bus = createMemoryBus();
  await bus.start();
  app = createApp({
    store,
    registry,
    bus,
    publicUrl: "http://qingshan.example:8080/",
    now: () => clock,
    metricsRegistry: new Registry(),
    alerting: { heartbeatMs: 200 },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await bus?.stop();
  await store?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("GET /api/v1/alerts", () => {
  it("lists current states, newest raised first, without their events, with a link", async () => {
    const res = await app.inject({ url: "/api/v1/alerts" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.alerts.map((a: { alertId: string }) => a.alertId)).toEqual(["a1", "wd", "w1", "a2"]);
    expect(body.alerts[0]).toMatchObject({
      alertId: "a1",
      status: "open",
      severity: "critical",
      value: 235,
      threshold: 200,
      raisedAt: "2026-11-29T08:00:00+08:00",
      notifications: 2,
      eventCount: 2,
      link: "http://qingshan.example:8080/api/v1/alerts/a1",
    });
    expect(body.alerts[0].events).toBeUndefined();
  });

  it("filters by status, station, rule, severity and activity in [from, to)", async () => {
    const ids = async (query: string) =>
      (await app.inject({ url: `/api/v1/alerts?${query}` }))
        .json()
        .alerts.map((a: { alertId: string }) => a.alertId);
    expect(await ids("status=resolved")).toEqual(["a2"]);
    expect(await ids("status=open,acknowledged&station=aq1")).toEqual(["a1", "w1"]);
    expect(await ids("rule=heavy-pollution-warning&severity=warning")).toEqual(["wd"]);
    // a2 was resolved at 20:00 on the 28th: not active from the 29th.
    expect(await ids(`from=${encodeURIComponent("2026-11-29T00:00:00+08:00")}`)).toEqual(["a1", "wd", "w1"]);
    expect(await ids(`to=${encodeURIComponent("2026-11-29T07:00:00+08:00")}`)).toEqual(["w1", "a2"]);
    expect(await ids("limit=1")).toEqual(["a1"]);
  });

  it("answers 400 naming the bad parameter", async () => {
    const status = await app.inject({ url: "/api/v1/alerts?status=closed" });
    expect(status.statusCode).toBe(400);
    expect(status.json().error).toMatchObject({
      code: "query.invalid",
      parameter: "status",
      received: "closed",
    });
    const from = await app.inject({ url: "/api/v1/alerts?from=yesterday" });
    expect(from.json().error).toMatchObject({ code: "query.invalid", parameter: "from" });
  });

  it("answers CSV when asked", async () => {
    const res = await app.inject({ url: "/api/v1/alerts?status=resolved&format=csv" });
    expect(res.headers["content-type"]).toMatch(/^text\/csv/);
    const lines = res.body.trim().split("\r\n");
    expect(lines[0]?.startsWith("alertId,status,severity")).toBe(true);
    expect(lines[1]?.startsWith("a2,resolved,warning")).toBe(true);
  });
});

describe("GET /api/v1/alerts/:alertId", () => {
  it("returns the state and the full event history", async () => {
    const res = await app.inject({ url: "/api/v1/alerts/w1" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.alert).toMatchObject({
      alertId: "w1",
      level: "orange",
      severity: "critical",
      status: "open",
    });
    expect(body.events.map((e: AlertEvent) => e.id)).toEqual(["w1-r", "w1-l"]);
  });
  it("answers 404 for an unknown alert", async () => {
    const res = await app.inject({ url: "/api/v1/alerts/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: "alert.unknown", parameter: "alertId" });
  });
});

describe("GET /api/v1/warning", () => {
  it("gives the district alert's level and each station's level", async () => {
    const body = (await app.inject({ url: "/api/v1/warning" })).json();
    expect(body.ruleId).toBe("heavy-pollution-warning");
    expect(body.district).toMatchObject({
      level: "yellow",
      zh: "黄色预警",
      source: "district-alert",
      alertId: "wd",
    });
    expect(body.stations).toHaveLength(1);
    expect(body.stations[0]).toMatchObject({
      stationId: "aq1",
      level: "orange",
      zh: "橙色预警",
      alertId: "w1",
    });
  });
});

describe("POST /api/v1/alerts/:alertId/ack", () => {
  it("stores an acknowledged event, publishes it on the bus, and is idempotent", async () => {
    const seen: AlertEvent[] = [];
    const sub = await bus.subscribe<AlertEvent>("alerts", { group: "test-notifier" }, async (batch) => {
      for (const d of batch) seen.push(d.value);
    });
    clock = Date.parse("2026-11-29T12:05:00+08:00");
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/alerts/a1/ack",
      payload: { actor: "王值班", note: "已通知执法大队" },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ changed: true, published: true });
    expect(body.alert).toMatchObject({
      status: "acknowledged",
      acknowledgedBy: "王值班",
      acknowledgeNote: "已通知执法大队",
      acknowledgedAt: "2026-11-29T12:05:00.000+08:00",
    });
    const stored = await store.queryAlertEvents({ alertId: "a1" });
    const ack = stored.find((e) => e.type === "acknowledged");
    expect(ack).toMatchObject({
      at: "2026-11-29T12:05:00.000+08:00",
      actor: "王值班",
      note: "已通知执法大队",
      stationId: "aq1",
      ruleId: "aqi-hourly-heavy",
    });
    await waitFor(() => seen.find((e) => e.id === ack?.id), { what: "the ack on bus alerts" });
    await sub.close();

    const again = await app.inject({
      method: "POST",
      url: "/api/v1/alerts/a1/ack",
      payload: { actor: "李", note: "x" },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ changed: false, alert: { acknowledgedBy: "王值班" } });
    expect(
      (await store.queryAlertEvents({ alertId: "a1" })).filter((e) => e.type === "acknowledged"),
    ).toHaveLength(1);
  });

  it("orders the acknowledgement after the alert's latest event when that one is stamped ahead of the API's clock", async () => {
    // The rule engine stamps events with its own clock, +1 ms per event in a burst (and in
    // distributed mode another host's clock): its latest event can be later than the API's now.
    // An acknowledgement stamped before it would be folded away — the officer's 200 lost.
    clock = Date.parse("2026-11-29T12:10:00+08:00");
    const ahead = "2026-11-29T12:10:00.250+08:00";
    await store.writeAlertEvents([
      event({ id: "k1-r", alertId: "k1", type: "raised", at: "2026-11-29T12:09:00.000+08:00" }),
      event({ id: "k1-l", alertId: "k1", type: "level_changed", at: ahead, severity: "critical" }),
    ]);
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/alerts/k1/ack",
      payload: { actor: "赵值班" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      changed: true,
      alert: {
        status: "acknowledged",
        acknowledgedBy: "赵值班",
        acknowledgedAt: "2026-11-29T12:10:00.251+08:00",
      },
    });
    const listed = (await app.inject({ url: "/api/v1/alerts?status=acknowledged" })).json() as {
      alerts: Array<{ alertId: string; acknowledgedBy?: string }>;
    };
    expect(listed.alerts.find((a) => a.alertId === "k1")).toMatchObject({ acknowledgedBy: "赵值班" });
  });

  it("answers 409 for a resolved alert, 404 for an unknown one, 400 without an actor", async () => {
    const resolved = await app.inject({
      method: "POST",
      url: "/api/v1/alerts/a2/ack",
      payload: { actor: "王" },
    });
    expect(resolved.statusCode).toBe(409);
    expect(resolved.json().error.code).toBe("alert.resolved");
    const unknown = await app.inject({
      method: "POST",
      url: "/api/v1/alerts/zz/ack",
      payload: { actor: "王" },
    });
    expect(unknown.statusCode).toBe(404);
    const noActor = await app.inject({
      method: "POST",
      url: "/api/v1/alerts/w1/ack",
      payload: { note: "?" },
    });
    expect(noActor.statusCode).toBe(400);
    expect(noActor.json().error).toMatchObject({ code: "body.invalid", parameter: "actor" });
  });
});

describe("OpenAPI", () => {
  it("documents the alert, warning and compliance routes", async () => {
    const doc = (await app.inject({ url: "/api/openapi.json" })).json();
    for (const path of [
      "/api/v1/alerts",
      "/api/v1/alerts/stream",
      "/api/v1/alerts/{alertId}",
      "/api/v1/alerts/{alertId}/ack",
      "/api/v1/warning",
      "/api/v1/compliance/pm25",
      "/api/v1/compliance/water",
      "/api/v1/compliance/aqi-days",
      "/api/v1/network",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths["/api/v1/alerts/{alertId}/ack"].post.requestBody).toBeDefined();
  });

  it("documents levelName, calendarWindow and conditionHolds wherever alerts are served, and CSV carries them", async () => {
    const doc = (await app.inject({ url: "/api/openapi.json" })).json();
    const json = (path: string, method = "get") =>
      doc.paths[path][method].responses["200"].content["application/json"].schema.properties;
    const schemas = {
      "/alerts state": json("/api/v1/alerts").alerts.items.properties,
      "/alerts/{alertId} state": json("/api/v1/alerts/{alertId}").alert.properties,
      "/alerts/{alertId} events": json("/api/v1/alerts/{alertId}").events.items.properties,
      "ack state": json("/api/v1/alerts/{alertId}/ack", "post").alert.properties,
      "ack event": json("/api/v1/alerts/{alertId}/ack", "post").event.properties,
    };
    for (const [where, properties] of Object.entries(schemas)) {
      expect(properties.levelName?.properties, where).toHaveProperty("zh");
      expect(properties.calendarWindow?.enum, where).toEqual(["day", "month", "year-to-date"]);
      expect(properties.conditionHolds?.type, where).toBe("boolean");
    }
    const csv = await app.inject({ url: "/api/v1/alerts?format=csv" });
    const [header, ...rows] = csv.body.trim().split("\r\n");
    // The value's dataTime (none in these events) and valueAt (alerts-value-time.test.ts), then the
    // rule's description (empty here: this app was started without the rules file;
    // routes/rules.test.ts), then a heavy-pollution warning's path (alerts-csv-path.test.ts).
    expect(
      header?.endsWith(
        ",levelName_zh,levelName_en,calendarWindow,conditionHolds,dataTime,valueAt,ruleDescription_zh,ruleDescription_en,path",
      ),
    ).toBe(true);
    expect(
      rows
        .find((r) => r.startsWith("a1,"))
        ?.endsWith(",重度污染,heavily polluted,,true,,2026-11-29T08:00:00+08:00,,,"),
    ).toBe(true);
    expect(rows.find((r) => r.startsWith("a2,"))?.endsWith(",,,day,,,2026-11-28T10:00:00+08:00,,,")).toBe(
      true,
    );
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
  });
});

/** Reads server-sent events from a real socket until `until` holds. */
function readEvents(
  url: string,
  headers: Record<string, string>,
): Promise<{ res: IncomingMessage; frames: string[]; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      const frames: string[] = [];
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let at = buffer.indexOf("\n\n");
        while (at >= 0) {
          frames.push(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
          at = buffer.indexOf("\n\n");
        }
      });
      res.on("error", () => undefined);
      resolve({ res, frames, close: () => req.destroy() });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("GET /api/v1/alerts/stream (real socket)", () => {
  it("relays alert events published on the bus, sends heartbeats, and replays after Last-Event-ID", async () => {
    const { port } = await startApi(app, { port: 0 });
    const url = `http://127.0.0.1:${port}/api/v1/alerts/stream`;
    const live = await readEvents(url, {});
    expect(live.res.statusCode).toBe(200);
    expect(live.res.headers["content-type"]).toMatch(/^text\/event-stream/);
    await waitFor(() => live.frames.some((f) => f.startsWith(": heartbeat")), { what: "a heartbeat" });

    const raised = event({ id: "s1-r", alertId: "s1", type: "raised", at: "2026-11-29T12:10:00+08:00" });
    await bus.publish("alerts", [{ key: "aq1", value: raised }]);
    const frame = await waitFor(() => live.frames.find((f) => f.includes("id: s1-r")), {
      what: "the raised event",
    });
    const data =
      frame
        .split("\n")
        .find((l) => l.startsWith("data: "))
        ?.slice(6) ?? "";
    expect(JSON.parse(data)).toEqual(raised);
    // Stored before it is relayed: a browser that refetches on the event finds it.
    expect((await store.queryAlertEvents({ alertId: "s1" })).map((e) => e.id)).toEqual(["s1-r"]);
    live.close();

    // A client that reconnects after w1-r gets the stored events after it.
    const resumed = await readEvents(url, { "last-event-id": "w1-r" });
    await waitFor(() => resumed.frames.some((f) => f.includes("id: w1-l")), { what: "replayed w1-l" });
    const ids = resumed.frames
      .flatMap((f) => f.split("\n"))
      .filter((l) => l.startsWith("id: "))
      .map((l) => l.slice(4));
    expect(ids).not.toContain("w1-r");
    expect(ids).toEqual(expect.arrayContaining(["wd-r", "a1-r", "w1-l"]));
    resumed.close();
  });
});

describe("without a bus", () => {
  it("stores acks without publishing and answers 503 for the stream", async () => {
    const bare = createApp({ store, registry, now: () => clock, metricsRegistry: new Registry() });
    const stream = await bare.inject({ url: "/api/v1/alerts/stream" });
    expect(stream.statusCode).toBe(503);
    expect(stream.json().error.code).toBe("stream.unavailable");
    const ack = await bare.inject({ method: "POST", url: "/api/v1/alerts/w1/ack", payload: { actor: "赵" } });
    expect(ack.json()).toMatchObject({ changed: true, published: false, alert: { status: "acknowledged" } });
    await bare.close();
  });
});
