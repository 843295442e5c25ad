// GET /alerts serves each alert's `dataTime` and `valueAt` — the data time and `at` of its latest
// raise or level change, the event that set the value shown — so a client can tell a value of an
// hour still under way (air-aqi.md §8) without the events; in JSON (listed in the state schema,
// which fast-json-stringify serializes by), in the OpenAPI document and in the CSV.
import type { AlertEvent } from "@qingshan/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

function event(
  partial: Partial<AlertEvent> & Pick<AlertEvent, "id" | "alertId" | "type" | "at">,
): AlertEvent {
  return {
    ruleId: "aqi-hourly-heavy",
    stationId: "aq1",
    severity: "critical",
    level: "heavy",
    metric: "aqi",
    message: { zh: "小时AQI 235 > 200（重度污染）", en: "hourly AQI 235 > 200 (heavily polluted)" },
    ...partial,
  };
}

const EVENTS: AlertEvent[] = [
  // Raised at 11:20 on the hour 11:00–12:00 (labelled 12:00) after the condition held since 09:00,
  // then reminded and acknowledged: the value is still the raise's.
  event({
    id: "r1-r",
    alertId: "r1",
    type: "raised",
    at: "2026-11-29T11:20:00+08:00",
    value: 235,
    startedAt: "2026-11-29T09:00:00+08:00",
    dataTime: "2026-11-29T12:00:00+08:00",
  }),
  event({ id: "r1-n", alertId: "r1", type: "renotified", at: "2026-11-29T11:40:00+08:00" }),
  event({
    id: "r1-a",
    alertId: "r1",
    type: "acknowledged",
    at: "2026-11-29T11:45:00+08:00",
    actor: "王值班",
  }),
  // Raised on an ended hour, its level changed at 11:30 on the hour under way, then acknowledged.
  event({
    id: "l2-r",
    alertId: "l2",
    type: "raised",
    at: "2026-11-29T08:00:30+08:00",
    value: 210,
    startedAt: "2026-11-29T08:00:00+08:00",
    dataTime: "2026-11-29T08:00:00+08:00",
  }),
  event({
    id: "l2-l",
    alertId: "l2",
    type: "level_changed",
    at: "2026-11-29T11:30:00+08:00",
    level: "severe",
    value: 320,
    startedAt: "2026-11-29T08:00:00+08:00",
    dataTime: "2026-11-29T12:00:00+08:00",
  }),
  event({
    id: "l2-a",
    alertId: "l2",
    type: "acknowledged",
    at: "2026-11-29T11:50:00+08:00",
    actor: "王值班",
  }),
  // Stored before events carried a data time: valueAt only.
  event({ id: "o3-r", alertId: "o3", type: "raised", at: "2026-11-29T07:00:00+08:00", value: 205 }),
];

const fixture = useApiFixture({
  name: "alerts-value-time",
  stations: [TEST_STATION.aq1],
  readings: [],
  now: T("2026-11-29T11:55:00+08:00"),
});

beforeAll(async () => {
  await fixture.store.writeAlertEvents(EVENTS);
});

describe("GET /alerts dataTime and valueAt", () => {
  it("serves the latest raise's or level change's dataTime and at, not an ack's or reminder's", async () => {
    const res = await fixture.app.inject({ url: "/api/v1/alerts" });
    expect(res.statusCode).toBe(200);
    const served = res
      .json()
      .alerts.map((a: Record<string, unknown>) => [a.alertId, a.value, a.dataTime, a.valueAt, a.updatedAt]);
    expect(served).toEqual([
      ["r1", 235, "2026-11-29T12:00:00+08:00", "2026-11-29T11:20:00+08:00", "2026-11-29T11:45:00+08:00"],
      ["l2", 320, "2026-11-29T12:00:00+08:00", "2026-11-29T11:30:00+08:00", "2026-11-29T11:50:00+08:00"],
      ["o3", 205, undefined, "2026-11-29T07:00:00+08:00", "2026-11-29T07:00:00+08:00"],
    ]);
    const one = (await fixture.app.inject({ url: "/api/v1/alerts/l2" })).json().alert;
    expect([one.dataTime, one.valueAt]).toEqual(["2026-11-29T12:00:00+08:00", "2026-11-29T11:30:00+08:00"]);
  });

  it("documents them in the OpenAPI state schema and carries them in the CSV after conditionHolds", async () => {
    const doc = (await fixture.app.inject({ url: "/api/openapi.json" })).json();
    const state =
      doc.paths["/api/v1/alerts"].get.responses["200"].content["application/json"].schema.properties.alerts
        .items.properties;
    expect(state.dataTime).toMatchObject({ type: "string" });
    expect(state.dataTime.description).toContain("latest raised or level_changed event's dataTime");
    expect(state.valueAt).toMatchObject({ type: "string" });
    expect(state.valueAt.description).toContain("at of the latest raised or level_changed event");
    const csv = await fixture.app.inject({ url: "/api/v1/alerts?format=csv" });
    const { header, rows } = parseCsv(csv.body);
    const at = header.indexOf("conditionHolds");
    expect(header.slice(at, at + 4)).toEqual(["conditionHolds", "dataTime", "valueAt", "ruleDescription_zh"]);
    expect(rows.map((r) => [r.alertId, r.dataTime, r.valueAt])).toEqual([
      ["r1", "2026-11-29T12:00:00+08:00", "2026-11-29T11:20:00+08:00"],
      ["l2", "2026-11-29T12:00:00+08:00", "2026-11-29T11:30:00+08:00"],
      ["o3", "", "2026-11-29T07:00:00+08:00"],
    ]);
  });
});
