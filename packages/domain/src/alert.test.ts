import { describe, expect, it } from "vitest";
import {
  type AlertEvent,
  AlertEventSchema,
  alertConditionOf,
  alertStartText,
  awaitingSince,
  calendarWindowOf,
  displayValue,
  foldAlertEvents,
  levelChangeOf,
  reopensAcknowledgement,
} from "./alert.ts";

const base = {
  alertId: "a1",
  ruleId: "heavy-pollution-warning",
  stationId: "district",
  severity: "warning" as const,
  message: { zh: "黄色预警", en: "yellow warning" },
};
const ev = (id: string, type: AlertEvent["type"], at: string, extra: Partial<AlertEvent> = {}): AlertEvent =>
  AlertEventSchema.parse({ ...base, id, type, at, ...extra });

describe("foldAlertEvents", () => {
  it("derives the state of an alert from its events in time order, whatever order they arrive in", () => {
    const events = [
      ev("e3", "acknowledged", "2026-11-28T10:20:00+08:00", { actor: "王值班", note: "已通知" }),
      ev("e1", "raised", "2026-11-28T10:00:00+08:00", { level: "yellow", value: 210, threshold: 200 }),
      ev("e2", "renotified", "2026-11-28T10:15:00+08:00"),
    ];
    const [state] = foldAlertEvents(events);
    expect(state).toMatchObject({
      status: "acknowledged",
      level: "yellow",
      value: 210,
      acknowledgedBy: "王值班",
      acknowledgeNote: "已通知",
      notifications: 2,
      lastNotifiedAt: "2026-11-28T10:15:00+08:00",
    });
  });

  it("a resolved alert keeps the value of its raise or last level change; the resolution's is resolvedValue", () => {
    const events = [
      ev("e1", "raised", "2026-11-28T10:00:00+08:00", { metric: "aqi", value: 310, threshold: 300 }),
      ev("e2", "level_changed", "2026-11-28T11:00:00+08:00", { level: "x", metric: "aqi", value: 325 }),
      ev("e3", "resolved", "2026-11-28T15:00:00+08:00", { metric: "aqi", value: 84 }),
    ];
    expect(foldAlertEvents(events)[0]).toMatchObject({
      status: "resolved",
      metric: "aqi",
      value: 325,
      resolvedValue: 84,
    });
    // A resolution value of another metric is not the alert's: left out.
    const other = [
      events[0] as AlertEvent,
      ev("e4", "resolved", "2026-11-28T15:00:00+08:00", { metric: "codmn", value: 2.3 }),
    ];
    const state = foldAlertEvents(other)[0];
    expect(state).toMatchObject({ metric: "aqi", value: 310 });
    expect(state?.resolvedValue).toBeUndefined();
  });

  it("a warning resolved while held at a stepped-down level takes the resolution's message, not the hold's ongoing text", () => {
    const ongoing = {
      zh: "【警告】莲都监测站：重污染天气（橙色预警级别）。24小时滑动AQI 76。仍在持续，自 11月28日 09:00（北京时间）起；连续36小时不满足黄色条件方解除",
      en: "[warning] Liandu station: Heavy pollution (orange level). 24-h rolling AQI 76; ongoing since 28 Nov 09:00 Beijing time; released only after 36 h below yellow",
    };
    const resolution = {
      zh: "【已解除】莲都监测站：重污染天气。24小时滑动AQI 82；解除于 11月29日 18:00（北京时间）。",
      en: "[resolved] Liandu station: Heavy pollution. 24-h rolling AQI 82; resolved at 29 Nov 18:00 Beijing time.",
    };
    const raised = ev("e1", "raised", "2026-11-28T06:00:00+08:00", {
      level: "red",
      metric: "aqi",
      value: 320,
      conditionHolds: true,
    });
    const held = ev("e2", "level_changed", "2026-11-28T15:00:00+08:00", {
      level: "orange",
      metric: "aqi",
      value: 76,
      conditionHolds: false,
      message: ongoing,
    });
    const resolved = ev("e3", "resolved", "2026-11-29T18:00:00+08:00", {
      metric: "aqi",
      value: 82,
      message: resolution,
    });
    expect(foldAlertEvents([raised, held, resolved])[0]).toMatchObject({
      status: "resolved",
      message: resolution,
      value: 76,
      resolvedValue: 82,
    });
    // Resolved from a level whose condition held (or of an event without conditionHolds): the
    // message stays the raise's or latest level change's.
    const lowered = ev("e2", "level_changed", "2026-11-28T15:00:00+08:00", {
      level: "orange",
      conditionHolds: true,
    });
    expect(foldAlertEvents([raised, lowered, resolved])[0]?.message).toEqual(base.message);
    expect(foldAlertEvents([ev("e1", "raised", "2026-11-28T06:00:00+08:00"), resolved])[0]?.message).toEqual(
      base.message,
    );
  });

  it("applies a duplicated event once and reopens an acknowledged alert whose level rises", () => {
    const raised = ev("e1", "raised", "2026-11-28T10:00:00+08:00", { level: "yellow" });
    const events = [
      raised,
      raised,
      ev("e2", "acknowledged", "2026-11-28T10:05:00+08:00"),
      ev("e3", "level_changed", "2026-11-28T12:00:00+08:00", { level: "orange", severity: "critical" }),
    ];
    const [state] = foldAlertEvents(events);
    expect(state?.status).toBe("open");
    expect(state?.level).toBe("orange");
    expect(state?.severity).toBe("critical");
    expect(state?.notifications).toBe(2);
  });

  it("keeps an alert acknowledged when its level gets better or only its path changes; a worse level reopens it", () => {
    const at = (hh: string) => `2026-11-28T${hh}:00+08:00`;
    const aqi = { ruleId: "aqi-hourly-heavy", metric: "aqi" };
    const events = [
      ev("r", "raised", at("10:00"), { ...aqi, level: "severe", severity: "critical", value: 350 }),
      ev("k", "acknowledged", at("10:05"), { actor: "officer-a" }),
      ev("d", "level_changed", at("12:00"), {
        ...aqi,
        level: "heavy",
        severity: "warning",
        value: 250,
        levelChange: "better",
      }),
    ];
    const [down] = foldAlertEvents(events);
    expect(down).toMatchObject({ status: "acknowledged", acknowledgedBy: "officer-a", level: "heavy" });
    expect(down?.severity).toBe("warning");
    expect(awaitingSince(down as NonNullable<typeof down>)).toBe(at("10:00"));
    const path = ev("p", "level_changed", at("13:00"), { ...aqi, level: "heavy", levelChange: "path" });
    expect(foldAlertEvents([...events, path])[0]?.status).toBe("acknowledged");
    const up = ev("u", "level_changed", at("14:00"), {
      ...aqi,
      level: "severe",
      severity: "critical",
      levelChange: "worse",
    });
    const [reopened] = foldAlertEvents([...events, path, up]);
    expect(reopened?.status).toBe("open");
    expect(awaitingSince(reopened as NonNullable<typeof reopened>)).toBe(at("14:00"));
    // Up to a time before the rise, the wait began at the raise.
    expect(awaitingSince(reopened as NonNullable<typeof reopened>, at("13:30"))).toBe(at("10:00"));
  });

  it("reads the direction of a level change stored without levelChange from severities and known level orders", () => {
    const change = (level: string, severity: AlertEvent["severity"], extra: Partial<AlertEvent> = {}) =>
      ev("c", "level_changed", "2026-11-28T12:00:00+08:00", { level, severity, ...extra });
    const severe = { level: "severe", severity: "critical" as const };
    expect(levelChangeOf(change("heavy", "warning"), severe)).toBe("better");
    expect(levelChangeOf(change("severe", "critical"), { level: "heavy", severity: "warning" })).toBe(
      "worse",
    );
    // Same severity: the warning colours' order, the water classes of a water-class alert.
    const red = { level: "red", severity: "critical" as const };
    expect(levelChangeOf(change("orange", "critical"), red)).toBe("better");
    expect(levelChangeOf(change("red", "critical"), { level: "orange", severity: "critical" })).toBe("worse");
    expect(levelChangeOf(change("red", "critical", { path: "healthAdvisory" }), red)).toBe("path");
    const water = { level: "V", severity: "warning" as const, metric: "water_class" };
    expect(levelChangeOf(change("IV", "warning", { metric: "water_class" }), water)).toBe("better");
    expect(levelChangeOf(change("劣V", "warning", { metric: "water_class" }), water)).toBe("worse");
    // An order it cannot tell (a rule file's own level ids): worse, the old reading, so an
    // acknowledgement is reopened rather than a worsening missed.
    expect(levelChangeOf(change("b", "warning"), { level: "a", severity: "warning" })).toBe("worse");
    // The field decides where present.
    expect(
      levelChangeOf(change("b", "warning", { levelChange: "better" }), { level: "a", severity: "warning" }),
    ).toBe("better");
    expect(levelChangeOf(ev("x", "renotified", "2026-11-28T12:00:00+08:00"), red)).toBeUndefined();
    // A warning's path: a health advisory become a suggested warning reopens (a warning procedure is
    // now suggested), a suggested warning become a health advisory does not.
    const advisory = [
      ev("r", "raised", "2026-11-28T10:00:00+08:00", { level: "orange", path: "healthAdvisory" }),
      ev("k", "acknowledged", "2026-11-28T10:05:00+08:00"),
    ];
    const toWarning = ev("w", "level_changed", "2026-11-28T12:00:00+08:00", {
      level: "orange",
      path: "warning",
      levelChange: "path",
    });
    expect(
      reopensAcknowledgement(toWarning, { level: "orange", severity: "warning", path: "healthAdvisory" }),
    ).toBe(true);
    expect(foldAlertEvents([...advisory, toWarning])[0]?.status).toBe("open");
    const warned = [
      ev("r", "raised", "2026-11-28T10:00:00+08:00", { level: "orange", path: "warning" }),
      ev("k", "acknowledged", "2026-11-28T10:05:00+08:00"),
      ev("h", "level_changed", "2026-11-28T12:00:00+08:00", {
        level: "orange",
        path: "healthAdvisory",
        levelChange: "path",
      }),
    ];
    expect(foldAlertEvents(warned)[0]?.status).toBe("acknowledged");
    // Folded: an old step-down stays acknowledged, an old rise reopens.
    const old = [
      ev("r", "raised", "2026-11-28T10:00:00+08:00", { level: "red", severity: "critical" }),
      ev("k", "acknowledged", "2026-11-28T10:05:00+08:00"),
      change("orange", "critical"),
    ];
    expect(foldAlertEvents(old)[0]?.status).toBe("acknowledged");
    const rise = ev("u", "level_changed", "2026-11-28T13:00:00+08:00", {
      level: "red",
      severity: "critical",
    });
    expect(foldAlertEvents([...old, rise])[0]?.status).toBe("open");
  });

  it("marks resolved alerts and ignores events with no raised event", () => {
    const states = foldAlertEvents([
      ev("e1", "raised", "2026-11-28T10:00:00+08:00"),
      ev("e2", "resolved", "2026-11-28T11:00:00+08:00"),
      ev("x1", "acknowledged", "2026-11-28T11:00:00+08:00", { alertId: "orphan" }),
    ]);
    expect(states).toHaveLength(1);
    expect(states[0]?.status).toBe("resolved");
    expect(states[0]?.resolvedAt).toBe("2026-11-28T11:00:00+08:00");
  });

  it("carries the raised event's routes into the state; an event without routes (stored history) means every route", () => {
    const [routed] = foldAlertEvents([
      ev("e1", "raised", "2026-11-28T10:00:00+08:00", { routes: ["water-team", "duty"] }),
      ev("e2", "renotified", "2026-11-28T10:15:00+08:00"),
    ]);
    expect(routed?.routes).toEqual(["water-team", "duty"]);
    const old = AlertEventSchema.parse({
      ...base,
      id: "e0",
      type: "raised",
      at: "2026-11-28T10:00:00+08:00",
    });
    expect(old.routes).toBeUndefined();
    expect(foldAlertEvents([old])[0]?.routes).toBeUndefined();
    expect(AlertEventSchema.safeParse({ ...old, routes: [] }).success).toBe(false);
  });

  it("rejects an event time without an offset", () => {
    expect(() =>
      AlertEventSchema.parse({ ...base, id: "e", type: "raised", at: "2026-11-28T10:00:00" }),
    ).toThrow();
  });
});

describe("dataTime and valueAt of the value shown", () => {
  // [after these events, the state's dataTime and valueAt]: the latest raise or level change's
  // dataTime and at — an acknowledgement, reminder, escalation or resolution sets neither.
  const raised = ev("e1", "raised", "2026-12-01T18:20:00+08:00", {
    level: "heavy",
    value: 235,
    startedAt: "2026-12-01T17:00:00+08:00",
    dataTime: "2026-12-01T19:00:00+08:00",
  });
  const changed = ev("e2", "level_changed", "2026-12-01T19:30:00+08:00", {
    level: "severe",
    value: 320,
    dataTime: "2026-12-01T20:00:00+08:00",
  });
  const ack = ev("e3", "acknowledged", "2026-12-01T19:40:00+08:00", {
    actor: "王值班",
    dataTime: "2026-12-01T21:00:00+08:00",
  });
  const reminder = ev("e4", "renotified", "2026-12-01T19:50:00+08:00", {
    dataTime: "2026-12-01T21:00:00+08:00",
  });
  const escalated = ev("e5", "escalated", "2026-12-01T19:55:00+08:00", { tier: 1 });
  const resolved = ev("e6", "resolved", "2026-12-01T21:05:00+08:00", {
    dataTime: "2026-12-01T21:00:00+08:00",
  });
  const unstamped = ev("e7", "level_changed", "2026-12-01T20:10:00+08:00", { level: "heavy" });
  const cases: Array<[string, AlertEvent[], { dataTime?: string; valueAt: string }]> = [
    ["the raise", [raised], { dataTime: raised.dataTime as string, valueAt: raised.at }],
    [
      "a later ack and reminder",
      [raised, ack, reminder],
      { dataTime: raised.dataTime as string, valueAt: raised.at },
    ],
    ["a level change", [raised, changed], { dataTime: changed.dataTime as string, valueAt: changed.at }],
    [
      "a level change, then ack, reminder, escalation, resolution",
      [raised, changed, ack, reminder, escalated, resolved],
      { dataTime: changed.dataTime as string, valueAt: changed.at },
    ],
    ["a level change stored without dataTime", [raised, changed, unstamped], { valueAt: unstamped.at }],
  ];
  it.each(cases)("follow the latest raise or level change: %s", (_name, events, expected) => {
    const state = foldAlertEvents([...events].reverse())[0];
    expect({ dataTime: state?.dataTime, valueAt: state?.valueAt }).toEqual({
      dataTime: expected.dataTime,
      valueAt: expected.valueAt,
    });
    if (expected.dataTime === undefined) expect(state && "dataTime" in state).toBe(false);
  });
});

describe("conditionHolds and calendarWindow", () => {
  it("the state keeps the latest raise or level change's conditionHolds; an event without it (stored before) leaves it unknown", () => {
    const raised = ev("e1", "raised", "2026-12-01T20:00:00+08:00", { level: "orange", conditionHolds: true });
    const held = ev("e2", "level_changed", "2026-12-02T20:00:00+08:00", {
      level: "yellow",
      conditionHolds: false,
    });
    const reminder = ev("e3", "renotified", "2026-12-02T20:15:00+08:00");
    expect(foldAlertEvents([raised])[0]?.conditionHolds).toBe(true);
    expect(foldAlertEvents([raised, held, reminder])[0]?.conditionHolds).toBe(false);
    const old = ev("e4", "level_changed", "2026-12-03T20:00:00+08:00", { level: "orange" });
    expect(foldAlertEvents([raised, held, old])[0]?.conditionHolds).toBeUndefined();
    // Older stored events parse without the new fields.
    expect(
      AlertEventSchema.safeParse({ ...base, id: "x", type: "raised", at: "2026-11-28T10:00:00+08:00" })
        .success,
    ).toBe(true);
    expect(
      AlertEventSchema.safeParse({
        ...base,
        id: "x",
        type: "raised",
        at: "2026-11-28T10:00:00+08:00",
        calendarWindow: "week",
      }).success,
    ).toBe(false);
  });

  it("the calendar window from the field, else from the rules engine's window text of an older event", () => {
    const raised = ev("e1", "raised", "2026-11-26T00:00:05+08:00", {
      calendarWindow: "month",
      window: "calendar month",
    });
    expect(foldAlertEvents([raised])[0]?.calendarWindow).toBe("month");
    expect(calendarWindowOf({ window: "Beijing calendar day" })).toBe("day");
    expect(calendarWindowOf({ window: "year to date" })).toBe("year-to-date");
    expect(calendarWindowOf({ window: "24-h rolling" })).toBeUndefined();
    expect(calendarWindowOf({})).toBeUndefined();
  });

  it("a calendar window's start is the period ending at startedAt, not that instant", () => {
    const dayEnd = Date.parse("2026-11-26T00:00:00+08:00");
    expect(alertStartText(dayEnd, undefined, dayEnd)).toEqual({ zh: "11月26日 00:00", en: "26 Nov 00:00" });
    expect(alertStartText(dayEnd, "day", dayEnd)).toEqual({ zh: "11月25日", en: "25 Nov" });
    expect(alertStartText(dayEnd, "year-to-date", dayEnd)).toEqual({ zh: "11月25日", en: "25 Nov" });
    // The first of a month ends the previous month's last day; New Year ends the old year's.
    const monthEnd = Date.parse("2026-12-01T00:00:00+08:00");
    expect(alertStartText(monthEnd, "month", monthEnd)).toEqual({ zh: "2026年11月", en: "Nov 2026" });
    const newYear = Date.parse("2027-01-01T00:00:00+08:00");
    expect(alertStartText(newYear, "day", newYear)).toEqual({ zh: "2026年12月31日", en: "31 Dec 2026" });
  });

  it("displayValue: one decimal from 1 up, three significant digits below", () => {
    expect(displayValue(61.417)).toBe(61.4);
    expect(displayValue(1)).toBe(1);
    expect(displayValue(0.026345)).toBe(0.0263);
    expect(displayValue(0.5)).toBe(0.5);
  });
});

describe("alertConditionOf", () => {
  it("gives the condition fields of a folded state, in the stored order, and nothing else", () => {
    const [state] = foldAlertEvents([
      ev("e1", "raised", "2026-11-28T10:00:00+08:00", {
        level: "orange",
        metric: "aqi",
        value: 180,
        threshold: 150,
        window: "24h rolling",
        standard: "HJ 633-2012",
        startedAt: "2026-11-28T08:00:00+08:00",
        path: "healthAdvisory",
        details: [{ metric: "o3", value: 260 }],
        dataTime: "2026-11-28T10:00:00+08:00",
        conditionHolds: true,
        routes: ["duty"],
      }),
      ev("e2", "level_changed", "2026-11-28T11:00:00+08:00", {
        level: "severe",
        levelName: { zh: "严重污染", en: "severely polluted" },
        value: 320,
      }),
    ]);
    const condition = alertConditionOf(state as NonNullable<typeof state>);
    const expected = {
      level: "severe",
      levelName: { zh: "严重污染", en: "severely polluted" },
      metric: "aqi",
      value: 320,
      threshold: 150,
      window: "24h rolling",
      standard: "HJ 633-2012",
      startedAt: "2026-11-28T08:00:00+08:00",
      path: "healthAdvisory",
    };
    expect(condition).toStrictEqual(expected);
    // The key order too: events written with these fields keep their stored JSON.
    expect(JSON.stringify(condition)).toBe(JSON.stringify(expected));
  });

  it("leaves absent fields absent, not keys set to undefined (an event of a day-step rule)", () => {
    const condition = alertConditionOf(
      ev("e1", "raised", "2026-11-26T00:00:00+08:00", {
        metric: "pm25",
        value: 0,
        calendarWindow: "day",
        startedAt: "2026-11-26T00:00:00+08:00",
      }),
    );
    expect(condition).toStrictEqual({
      metric: "pm25",
      value: 0,
      calendarWindow: "day",
      startedAt: "2026-11-26T00:00:00+08:00",
    });
    expect(Object.keys(condition)).toEqual(["metric", "value", "calendarWindow", "startedAt"]);
    expect(alertConditionOf({ level: undefined, value: undefined })).toStrictEqual({});
  });
});
