// GET /warning and /alerts with a heavy-pollution episode on the health-advisory path
// (heavy-pollution-warning.md §3.3: an O3-driven episode is a public health advisory, 健康提示).
import { fileURLToPath } from "node:url";
import type { AlertEvent } from "@qingshan/domain";
import { loadRulesFile } from "@qingshan/rules";
import { beforeAll, describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const message = { zh: "预警", en: "warning" };
const RULES_FILE = fileURLToPath(new URL("../../../../config/rules.yaml", import.meta.url));

function event(
  partial: Partial<AlertEvent> & Pick<AlertEvent, "id" | "alertId" | "type" | "at" | "stationId">,
): AlertEvent {
  return { ruleId: "heavy-pollution-warning", severity: "warning", message, ...partial };
}

const EVENTS: AlertEvent[] = [
  // aq1: an O3 health advisory at orange, its path changed from the warning path at 09:00 (same level).
  event({
    id: "h1-r",
    alertId: "h1",
    type: "raised",
    at: "2026-11-29T06:00:05+08:00",
    stationId: "aq1",
    level: "orange",
    severity: "critical",
    startedAt: "2026-11-29T03:00:00+08:00",
    dataTime: "2026-11-29T06:00:00+08:00",
    path: "warning",
  }),
  event({
    id: "h1-p",
    alertId: "h1",
    type: "level_changed",
    at: "2026-11-29T09:00:05+08:00",
    stationId: "aq1",
    level: "orange",
    severity: "critical",
    startedAt: "2026-11-29T03:00:00+08:00",
    dataTime: "2026-11-29T09:00:00+08:00",
    path: "healthAdvisory",
  }),
  // aq2: a PM2.5 episode, yellow, on the warning path.
  event({
    id: "w2-r",
    alertId: "w2",
    type: "raised",
    at: "2026-11-29T08:00:02+08:00",
    stationId: "aq2",
    level: "yellow",
    startedAt: "2026-11-29T05:00:00+08:00",
    dataTime: "2026-11-29T08:00:00+08:00",
    path: "warning",
  }),
];

const fixture = useApiFixture({
  name: "warning-path",
  stations: [TEST_STATION.aq1, { ...TEST_STATION.aq1, id: "aq2", hj212: { mn: "LDAQ0000000000000000002A" } }],
  readings: [],
  now: T("2026-11-29T12:00:00+08:00"),
});

beforeAll(async () => {
  await fixture.store.writeAlertEvents(EVENTS);
});

describe("GET /warning with a health advisory", () => {
  it("names the path per station; the district's level is the highest warning, not the advisory", async () => {
    const body = (await fixture.app.inject({ url: "/api/v1/warning" })).json();
    expect(
      body.stations.map((s: Record<string, unknown>) => [s.stationId, s.level, s.path, s.zh, s.en]),
    ).toEqual([
      ["aq1", "orange", "healthAdvisory", "健康提示（橙色级别）", "Health advisory (orange level)"],
      ["aq2", "yellow", "warning", "黄色预警", "Yellow (III)"],
    ]);
    // The change of path at the same level is not a new level: levelSince stays the raise's.
    expect(body.stations[0]).toMatchObject({ levelSince: "2026-11-29T03:00:00+08:00" });
    expect(body.district).toMatchObject({
      level: "yellow",
      path: "warning",
      source: "highest-station",
      alertId: "w2",
      zh: "黄色预警",
    });
  });

  it("GET /alerts carries the path on the state and the events", async () => {
    const body = (await fixture.app.inject({ url: "/api/v1/alerts/h1" })).json();
    expect(body.alert).toMatchObject({ alertId: "h1", level: "orange", path: "healthAdvisory" });
    expect(body.events.map((e: AlertEvent) => [e.type, e.path])).toEqual([
      ["raised", "warning"],
      ["level_changed", "healthAdvisory"],
    ]);
  });
});

describe("GET /rules names the warning rule's routing", () => {
  it("the shipped rule sets none: the provisional default, O3 → healthAdvisory", async () => {
    const app = fixture.appWith({ rules: loadRulesFile(RULES_FILE) });
    const body = (await app.inject({ url: "/api/v1/rules" })).json();
    const rule = body.rules.find((r: { id: string }) => r.id === "heavy-pollution-warning");
    expect(rule?.warning).toMatchObject({
      pollutantRouting: {
        so2: "warning",
        no2: "warning",
        co: "warning",
        o3: "healthAdvisory",
        pm10: "warning",
        pm25: "warning",
      },
      pollutantRoutingProvisional: true,
    });
  });
});
