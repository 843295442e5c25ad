import type { AlertEvent } from "@qingshan/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const message = { zh: "预警", en: "warning" };

/** Events as the rule engine writes them: `at` = processing time, startedAt/dataTime = data time. */
function event(
  partial: Partial<AlertEvent> & Pick<AlertEvent, "id" | "alertId" | "type" | "at" | "stationId">,
): AlertEvent {
  return { ruleId: "heavy-pollution-warning", severity: "warning", message, ...partial };
}

const EVENTS: AlertEvent[] = [
  // aq1: yellow from data hour 03:00 (raised while processing at 06:00:05), orange from data hour 09:00
  // (processed at 10:30), then back from a replay: processing times far from data times.
  event({
    id: "w1-r",
    alertId: "w1",
    type: "raised",
    at: "2026-11-29T06:00:05.120+08:00",
    stationId: "aq1",
    level: "yellow",
    startedAt: "2026-11-29T03:00:00+08:00",
    dataTime: "2026-11-29T06:00:00+08:00",
  }),
  event({
    id: "w1-l",
    alertId: "w1",
    type: "level_changed",
    at: "2026-11-29T10:30:00+08:00",
    stationId: "aq1",
    level: "orange",
    severity: "critical",
    startedAt: "2026-11-29T03:00:00+08:00",
    dataTime: "2026-11-29T09:00:00+08:00",
  }),
  event({ id: "w1-n", alertId: "w1", type: "renotified", at: "2026-11-29T11:00:00+08:00", stationId: "aq1" }),
  // aq2: raised at its level and unchanged: the level began with the warning.
  event({
    id: "w2-r",
    alertId: "w2",
    type: "raised",
    at: "2026-11-29T08:00:02+08:00",
    stationId: "aq2",
    level: "yellow",
    startedAt: "2026-11-29T05:00:00+08:00",
    dataTime: "2026-11-29T08:00:00+08:00",
  }),
  // aq3: stored without data times: nothing is guessed from the processing time.
  event({
    id: "w3-r",
    alertId: "w3",
    type: "raised",
    at: "2026-11-29T07:00:00+08:00",
    stationId: "aq3",
    level: "blue",
  }),
  // district: yellow → orange → yellow; the current level began at the last change.
  event({
    id: "wd-r",
    alertId: "wd",
    type: "raised",
    at: "2026-11-29T04:00:01+08:00",
    stationId: "district",
    level: "yellow",
    startedAt: "2026-11-29T02:00:00+08:00",
    dataTime: "2026-11-29T04:00:00+08:00",
  }),
  event({
    id: "wd-l1",
    alertId: "wd",
    type: "level_changed",
    at: "2026-11-29T07:00:01+08:00",
    stationId: "district",
    level: "orange",
    startedAt: "2026-11-29T02:00:00+08:00",
    dataTime: "2026-11-29T07:00:00+08:00",
  }),
  event({
    id: "wd-l2",
    alertId: "wd",
    type: "level_changed",
    at: "2026-11-29T11:00:01+08:00",
    stationId: "district",
    level: "yellow",
    startedAt: "2026-11-29T02:00:00+08:00",
    dataTime: "2026-11-29T11:00:00+08:00",
    // Held while it steps down: the yellow condition no longer holds (heavy-pollution-warning.md §3.3).
    conditionHolds: false,
    message: {
      zh: "黄色；仍在持续，自 11月29日 02:00（北京时间）起；连续36小时不满足黄色条件方解除。",
      en: "yellow",
    },
  }),
];

const fixture = useApiFixture({
  name: "warning",
  stations: [
    TEST_STATION.aq1,
    { ...TEST_STATION.aq1, id: "aq2", hj212: { mn: "LDAQ0000000000000000002A" } },
    { ...TEST_STATION.aq1, id: "aq3", hj212: { mn: "LDAQ0000000000000000003A" } },
  ],
  readings: [],
  now: T("2026-11-29T12:00:00+08:00"),
});

beforeAll(async () => {
  await fixture.store.writeAlertEvents(EVENTS);
});

describe("GET /warning: since and levelSince are data times", () => {
  it("per station: since = when the warning began, levelSince = when the current level began", async () => {
    const body = (await fixture.app.inject({ url: "/api/v1/warning" })).json();
    const byStation = Object.fromEntries(body.stations.map((s: { stationId: string }) => [s.stationId, s]));
    expect(byStation.aq1).toMatchObject({
      level: "orange",
      since: "2026-11-29T03:00:00+08:00",
      levelSince: "2026-11-29T09:00:00+08:00",
      raisedAt: "2026-11-29T06:00:05.120+08:00",
      updatedAt: "2026-11-29T11:00:00+08:00",
    });
    expect(byStation.aq2).toMatchObject({
      level: "yellow",
      since: "2026-11-29T05:00:00+08:00",
      levelSince: "2026-11-29T05:00:00+08:00",
      raisedAt: "2026-11-29T08:00:02+08:00",
    });
    expect(byStation.aq3).toMatchObject({
      level: "blue",
      since: null,
      levelSince: null,
      conditionHolds: null,
    });
  });

  it("district alert: the current level began at its last change, the warning at its start", async () => {
    const { district } = (await fixture.app.inject({ url: "/api/v1/warning" })).json();
    expect(district).toMatchObject({
      source: "district-alert",
      level: "yellow",
      since: "2026-11-29T02:00:00+08:00",
      levelSince: "2026-11-29T11:00:00+08:00",
      raisedAt: "2026-11-29T04:00:01+08:00",
      // The dashboard says the level is only held while the warning steps down, and what releases it.
      conditionHolds: false,
      message: { zh: expect.stringContaining("方解除") },
    });
  });

  it("without a district alert the highest station's times are the district's", async () => {
    // Only aq1's rule: a rule id without a district alert.
    await fixture.store.writeAlertEvents(
      EVENTS.filter((e) => e.alertId === "w1").map((e) => ({
        ...e,
        id: `x-${e.id}`,
        alertId: "x1",
        ruleId: "other-warning",
      })),
    );
    const app = fixture.appWith({ alerting: { warningRuleId: "other-warning" } });
    const { district } = (await app.inject({ url: "/api/v1/warning" })).json();
    expect(district).toMatchObject({
      source: "highest-station",
      level: "orange",
      alertId: "x1",
      since: "2026-11-29T03:00:00+08:00",
      levelSince: "2026-11-29T09:00:00+08:00",
      raisedAt: "2026-11-29T06:00:05.120+08:00",
    });
  });
});

describe("GET /warning: the levels are the configured preset's", () => {
  it("2024 (default) and 2018 list yellow, orange, red; 2017 lists blue too", async () => {
    // heavy-pollution-warning.md §2.3–2.4: 环办大气函〔2018〕875号 dropped blue; three levels since.
    const body = (await fixture.app.inject({ url: "/api/v1/warning" })).json();
    expect(body.levels).toEqual(["yellow", "orange", "red"]);
    expect(body.preset).toMatchObject({ id: "2024" });
    const of = async (preset: "2017" | "2018") =>
      (
        await fixture.appWith({ alerting: { warningPreset: preset } }).inject({ url: "/api/v1/warning" })
      ).json();
    expect((await of("2018")).levels).toEqual(["yellow", "orange", "red"]);
    const old = await of("2017");
    expect(old.levels).toEqual(["blue", "yellow", "orange", "red"]);
    expect(old.preset).toMatchObject({ id: "2017" });
  });
});
