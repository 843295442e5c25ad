// GET /alerts?format=csv: the `path` column of heavy-pollution warnings (heavy-pollution-warning.md
// §3.3: an O3-driven episode is a public health advisory, 健康提示), beside the neutralised text cells.
import type { AlertEvent } from "@qingshan/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";
import { parseCsv } from "../testdata/csv.ts";

function event(
  partial: Partial<AlertEvent> & Pick<AlertEvent, "id" | "alertId" | "type" | "at">,
): AlertEvent {
  return {
    ruleId: "heavy-pollution-warning",
    stationId: "aq1",
    severity: "warning",
    level: "yellow",
    message: { zh: "重污染天气黄色预警", en: "heavy-pollution warning yellow" },
    ...partial,
  };
}

const EVENTS: AlertEvent[] = [
  // An O3 episode: raised on the warning path, then on the health-advisory path at the same level.
  event({ id: "h1-r", alertId: "h1", type: "raised", at: "2026-11-29T06:00:00+08:00", path: "warning" }),
  event({
    id: "h1-p",
    alertId: "h1",
    type: "level_changed",
    at: "2026-11-29T09:00:00+08:00",
    path: "healthAdvisory",
  }),
  event({ id: "w2-r", alertId: "w2", type: "raised", at: "2026-11-29T07:00:00+08:00", path: "warning" }),
  // A warning stored before events carried a path: on the warning path, as GET /warning reads it.
  event({ id: "w3-r", alertId: "w3", type: "raised", at: "2026-11-29T08:00:00+08:00" }),
  // Another rule's alert, whose message a spreadsheet would take for a formula.
  event({
    id: "x4-r",
    alertId: "x4",
    type: "raised",
    at: "2026-11-29T10:00:00+08:00",
    ruleId: "aqi-hourly-heavy",
    severity: "critical",
    level: "heavy",
    message: { zh: '=HYPERLINK("http://evil.example/x","看")', en: "-1+1" },
  }),
];

const fixture = useApiFixture({
  name: "alerts-csv-path",
  stations: [TEST_STATION.aq1],
  readings: [],
  now: T("2026-11-29T12:00:00+08:00"),
});

beforeAll(async () => {
  await fixture.store.writeAlertEvents(EVENTS);
});

describe("GET /alerts CSV path column", () => {
  it("has each warning's path, warning for one stored without, empty for other rules, after ruleDescription_en", async () => {
    const res = await fixture.app.inject({ url: "/api/v1/alerts?format=csv" });
    expect(res.statusCode).toBe(200);
    const { header, rows } = parseCsv(res.body);
    expect(header.slice(-3)).toEqual(["ruleDescription_zh", "ruleDescription_en", "path"]);
    expect(rows.map((r) => [r.alertId, r.level, r.path])).toEqual([
      ["x4", "heavy", ""],
      ["w3", "yellow", "warning"],
      ["w2", "yellow", "warning"],
      ["h1", "yellow", "healthAdvisory"],
    ]);
    // The text cells a spreadsheet would evaluate still start with a single quote.
    expect(rows[0]).toMatchObject({
      message_zh: `'=HYPERLINK("http://evil.example/x","看")`,
      message_en: "'-1+1",
    });
  });

  it("documents the column in the OpenAPI text/csv answer", async () => {
    const doc = (await fixture.app.inject({ url: "/api/openapi.json" })).json();
    expect(JSON.stringify(doc.paths["/api/v1/alerts"].get.responses["200"].content["text/csv"])).toContain(
      "ruleDescription_en, path",
    );
  });
});
