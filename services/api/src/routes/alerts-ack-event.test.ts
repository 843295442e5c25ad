// POST /alerts/:alertId/ack: the acknowledged event restates the alert's current condition as the
// raise or level change named it (levelName, a warning's path: heavy-pollution-warning.md §3.3), a
// body that is not JSON gets the API's error shape, and GET /alerts `from`/`to` filter (and are
// documented to filter) on processing time, not data time.
import type { AlertEvent } from "@qingshan/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const SEVERE = { zh: "严重污染", en: "severely polluted" };
const HEAVY = { zh: "重度污染", en: "heavily polluted" };

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

const AQI = {
  metric: "aqi",
  threshold: 200,
  window: "1h",
  standard: "HJ 633-2012 表1 / Table 1",
  startedAt: "2026-11-29T07:00:00+08:00",
};

const EVENTS: AlertEvent[] = [
  // An AQI alert raised heavy, then severe: the acknowledgement names the current level, 严重污染.
  event({
    id: "s1-r",
    alertId: "s1",
    type: "raised",
    at: "2026-11-29T08:00:00.000+08:00",
    ...AQI,
    value: 235,
    level: "heavy",
    levelName: HEAVY,
    conditionHolds: true,
    details: [{ metric: "pm25", value: 185 }],
  }),
  event({
    id: "s1-l",
    alertId: "s1",
    type: "level_changed",
    at: "2026-11-29T09:00:00.000+08:00",
    ...AQI,
    value: 320,
    level: "severe",
    levelName: SEVERE,
    conditionHolds: true,
    message: { zh: "小时AQI 320 > 300 (严重污染)", en: "hourly AQI 320 > 300 (severely polluted)" },
  }),
  // An O3-driven episode: a suggested yellow warning, then an orange health advisory (健康提示).
  event({
    id: "h1-r",
    alertId: "h1",
    type: "raised",
    at: "2026-11-29T06:00:00.000+08:00",
    ruleId: "heavy-pollution-warning",
    severity: "warning",
    level: "yellow",
    path: "warning",
    startedAt: "2026-11-29T05:00:00+08:00",
    message: { zh: "建议黄色预警", en: "yellow warning suggested" },
  }),
  event({
    id: "h1-l",
    alertId: "h1",
    type: "level_changed",
    at: "2026-11-29T10:00:00.000+08:00",
    ruleId: "heavy-pollution-warning",
    severity: "critical",
    level: "orange",
    path: "healthAdvisory",
    message: { zh: "健康提示（橙色级别）", en: "health advisory (orange level)" },
  }),
  // An alert for the body tests, never acknowledged by them.
  event({ id: "b1-r", alertId: "b1", type: "raised", at: "2026-11-29T08:30:00.000+08:00" }),
  // Late data: the condition began at 17:00 (data time) but the alert was raised at 19:30 and
  // resolved at 21:00 (processing times), the data ending at 18:00.
  event({
    id: "l1-r",
    alertId: "l1",
    type: "raised",
    at: "2026-11-28T19:30:00.000+08:00",
    startedAt: "2026-11-28T17:00:00+08:00",
    dataTime: "2026-11-28T17:00:00+08:00",
  }),
  event({
    id: "l1-x",
    alertId: "l1",
    type: "resolved",
    at: "2026-11-28T21:00:00.000+08:00",
    dataTime: "2026-11-28T18:00:00+08:00",
  }),
];

const fixture = useApiFixture({
  name: "alerts-ack-event",
  stations: [TEST_STATION.aq1],
  readings: [],
  now: T("2026-11-29T12:00:00+08:00"),
});

beforeAll(async () => {
  await fixture.store.writeAlertEvents(EVENTS);
});

async function acknowledge(alertId: string): Promise<{ answered: AlertEvent; stored: AlertEvent }> {
  const res = await fixture.app.inject({
    method: "POST",
    url: `/api/v1/alerts/${alertId}/ack`,
    payload: { actor: "值班员 王", note: "已通知执法大队" },
  });
  expect(res.statusCode).toBe(200);
  const answered = res.json().event as AlertEvent;
  const history = (await fixture.app.inject({ url: `/api/v1/alerts/${alertId}` })).json() as {
    events: AlertEvent[];
  };
  const stored = history.events.find((e) => e.type === "acknowledged");
  if (!stored) throw new Error(`no acknowledged event in the history of ${alertId}`);
  return { answered, stored };
}

describe("POST /alerts/:alertId/ack: the acknowledged event", () => {
  it("names the current level as its level change did (levelName) and restates the condition", async () => {
    const { answered, stored } = await acknowledge("s1");
    expect(stored).toEqual(answered);
    expect(stored).toEqual({
      id: expect.stringMatching(/^s1:acknowledged:/),
      alertId: "s1",
      type: "acknowledged",
      at: "2026-11-29T12:00:00.000+08:00",
      ruleId: "aqi-hourly-heavy",
      stationId: "aq1",
      severity: "critical",
      level: "severe",
      levelName: SEVERE,
      ...AQI,
      value: 320,
      message: { zh: "小时AQI 320 > 300 (严重污染)", en: "hourly AQI 320 > 300 (severely polluted)" },
      actor: "值班员 王",
      note: "已通知执法大队",
    });
  });

  it("carries a heavy-pollution warning's path, so an acknowledged health advisory is not read as a warning", async () => {
    const { stored } = await acknowledge("h1");
    expect(stored).toMatchObject({ level: "orange", path: "healthAdvisory", severity: "critical" });
    expect(stored).not.toHaveProperty("levelName");
    expect(stored).not.toHaveProperty("conditionHolds");
  });
});

describe("POST /alerts/:alertId/ack: a body that is not JSON", () => {
  const EXPECTED = "a JSON object { actor, note? } (content-type application/json)";

  async function post(payload: string, contentType?: string) {
    return fixture.app.inject({
      method: "POST",
      url: "/api/v1/alerts/b1/ack",
      payload,
      ...(contentType ? { headers: { "content-type": contentType } } : {}),
    });
  }

  it("answers 400 body.invalid naming the body and what was expected", async () => {
    const malformed = await post('{"actor": "值班员 王", ', "application/json");
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({
      error: {
        code: "body.invalid",
        message: `body is not valid JSON, expected ${EXPECTED}`,
        parameter: "body",
        expected: EXPECTED,
      },
    });
    const empty = await post("", "application/json");
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toEqual({
      error: {
        code: "body.invalid",
        message: `body is empty, expected ${EXPECTED}`,
        parameter: "body",
        expected: EXPECTED,
      },
    });
    const array = await post('["值班员 王"]', "application/json");
    expect(array.statusCode).toBe(400);
    expect(array.json()).toEqual({
      error: {
        code: "body.invalid",
        message: `body field "body" is ["值班员 王"], expected ${EXPECTED}`,
        parameter: "body",
        received: ["值班员 王"],
        expected: EXPECTED,
      },
    });
  });

  it("answers 415 media.unsupported naming the content type received", async () => {
    const text = await post("actor=值班员 王", "application/x-www-form-urlencoded");
    expect(text.statusCode).toBe(415);
    expect(text.json()).toEqual({
      error: {
        code: "media.unsupported",
        message: 'content-type is "application/x-www-form-urlencoded", expected application/json',
        parameter: "content-type",
        received: "application/x-www-form-urlencoded",
        expected: "application/json",
      },
    });
    const state = (await fixture.app.inject({ url: "/api/v1/alerts/b1" })).json();
    expect(state.alert.status).toBe("open");
  });
});

describe("GET /alerts from/to: processing time", () => {
  async function ids(query: string): Promise<string[]> {
    const res = await fixture.app.inject({ url: `/api/v1/alerts?station=aq1&${query}` });
    expect(res.statusCode).toBe(200);
    return (res.json().alerts as Array<{ alertId: string }>).map((a) => a.alertId);
  }

  it("keeps an alert by its raisedAt and resolvedAt, not by the data time its message gives", async () => {
    // Began 17:00 (data time) but raised 19:30: not raised before 18:00.
    expect(await ids("from=2026-11-28T16:00:00%2B08:00&to=2026-11-28T18:00:00%2B08:00")).toEqual([]);
    expect(await ids("from=2026-11-28T19:00:00%2B08:00&to=2026-11-28T20:00:00%2B08:00")).toEqual(["l1"]);
    // Data ended 18:00 but resolved at 21:00: still active at 20:30.
    expect(await ids("from=2026-11-28T20:30:00%2B08:00&to=2026-11-28T20:45:00%2B08:00")).toEqual(["l1"]);
    expect(await ids("from=2026-11-28T21:00:01%2B08:00&to=2026-11-28T22:00:00%2B08:00")).toEqual([]);
  });

  it("says so in the OpenAPI document: from/to and the route name raisedAt, resolvedAt and processing time", async () => {
    const doc = (await fixture.app.inject({ url: "/api/openapi.json" })).json();
    const get = doc.paths["/api/v1/alerts"].get;
    const param = (name: string) =>
      (
        get.parameters as Array<{ name: string; description?: string; schema?: { description?: string } }>
      ).find((p) => p.name === name);
    const text = (name: string) => param(name)?.description ?? param(name)?.schema?.description ?? "";
    expect(text("from")).toContain("resolvedAt (processing time) absent or ≥ from");
    expect(text("to")).toContain("raisedAt (processing time) < to");
    for (const name of ["from", "to"]) expect(text(name)).toContain("not the data time startedAt");
    expect(get.description).toContain("filter on processing time");
    expect(get.description).toContain("not on data time (`startedAt`");
  });
});
