// The duty console's in-progress decision and wording (labels.js): an alert event evaluated during
// the hour (a calendar-window rule: the Beijing day) its value belongs to is provisional until that
// period ends — the same test as the notifier's eventInProgress (@qingshan/rules in-progress.ts,
// which the browser cannot import); air-aqi.md §8: an hour is labelled by its end.
import { describe, expect, it } from "vitest";
import { alertInProgressPeriod, inProgressMark, inProgressPeriod, periodSpan } from "../public/js/labels.js";

const HOUR = 3_600_000;
const END = Date.parse("2026-12-01T19:00:00+08:00");
const DAY_END = Date.parse("2026-12-02T00:00:00+08:00");
const iso = (ms: number) => new Date(ms).toISOString();

describe("in-progress alerts in the duty console", () => {
  type Event = { at: string; dataTime?: string; window?: string; calendarWindow?: string };
  // [case, event, in progress (the notifier's eventInProgress on the same event)]
  const cases: Array<[string, Event, boolean]> = [
    ["evaluated during its hour", { at: "2026-12-01T18:24:00+08:00", dataTime: iso(END) }, true],
    ["evaluated after its hour ended", { at: "2026-12-01T19:00:30+08:00", dataTime: iso(END) }, false],
    ["evaluated at the hour's end", { at: iso(END), dataTime: iso(END) }, false],
    ["evaluated at the hour's start", { at: iso(END - HOUR), dataTime: iso(END) }, false],
    ["a data time more than an hour ahead", { at: "2026-12-01T17:30:00+08:00", dataTime: iso(END) }, false],
    ["no data time", { at: "2026-12-01T18:24:00+08:00" }, false],
    [
      "a day rule evaluated during its day",
      { at: "2026-12-01T18:24:00+08:00", dataTime: iso(DAY_END), calendarWindow: "day" },
      true,
    ],
    [
      "a day rule by its window text only",
      { at: "2026-12-01T08:00:00+08:00", dataTime: iso(DAY_END), window: "Beijing calendar day" },
      true,
    ],
    ["an hourly rule on the day's end", { at: "2026-12-01T18:24:00+08:00", dataTime: iso(DAY_END) }, false],
  ];

  it.each(cases)("decides as the notifier does: %s", (_name, event, expected) => {
    // The page's clock at the moment of evaluation: marked exactly when the notifier says in progress.
    expect(inProgressPeriod(event, Date.parse(event.at)) !== undefined).toBe(expected);
  });

  it("gives the period and takes the mark off once the page's clock passes its end", () => {
    const event = { at: "2026-12-01T18:24:00+08:00", dataTime: iso(END) };
    expect(inProgressPeriod(event, END - 1)).toEqual({ end: END, byDay: false });
    expect(inProgressPeriod(event, END)).toBeUndefined();
    expect(inProgressPeriod(event, END + HOUR)).toBeUndefined();
    const day = { at: "2026-12-01T18:24:00+08:00", dataTime: iso(DAY_END), calendarWindow: "day" };
    expect(inProgressPeriod(day, END)).toEqual({ end: DAY_END, byDay: true });
  });

  it("reads an alert's state by its value's evaluation (valueAt) against its data time (GET /alerts)", () => {
    // The condition held since 15:00 (a rule with a duration); raised at 18:24 on the hour 18:00–19:00.
    const late = {
      status: "open",
      raisedAt: "2026-12-01T18:24:00+08:00",
      startedAt: iso(END - 3 * HOUR),
      dataTime: iso(END),
      valueAt: "2026-12-01T18:24:00+08:00",
      window: "1h",
    };
    expect(alertInProgressPeriod(late, END - 1)).toEqual({ end: END, byDay: false });
    expect(alertInProgressPeriod(late, END)).toBeUndefined();
    // Raised on an ended hour at 17:00:30, its level changed at 18:40 on the hour under way.
    const changed = {
      status: "acknowledged",
      raisedAt: "2026-12-01T17:00:30+08:00",
      startedAt: iso(END - 2 * HOUR),
      dataTime: iso(END),
      valueAt: "2026-12-01T18:40:00+08:00",
      window: "1h",
    };
    expect(alertInProgressPeriod(changed, END - 1)).toEqual({ end: END, byDay: false });
    expect(alertInProgressPeriod({ ...changed, status: "resolved" }, END - 1)).toBeUndefined();
    // The level changed at 18:00:30 on the hour 17:00–18:00, which had ended: a final value.
    const settled = { ...changed, dataTime: iso(END - HOUR), valueAt: "2026-12-01T18:00:30+08:00" };
    expect(alertInProgressPeriod(settled, END - HOUR + 10 * 60_000)).toBeUndefined();
    // The latest raise or level change stored without a data time: not decided, as the notifier.
    expect(alertInProgressPeriod({ ...late, dataTime: undefined }, END - 1)).toBeUndefined();
  });

  it("without valueAt (an API before the field) reads the raise against the period its condition started in", () => {
    const state = {
      status: "open",
      raisedAt: "2026-12-01T18:24:00+08:00",
      startedAt: iso(END),
      window: "1h",
    };
    expect(alertInProgressPeriod(state, END - 1)).toEqual({ end: END, byDay: false });
    expect(alertInProgressPeriod(state, END)).toBeUndefined();
    expect(alertInProgressPeriod({ ...state, status: "resolved" }, END - 1)).toBeUndefined();
    // Raised after the hour it started in ended (a rule with a duration, or the usual evaluation
    // after the hour): not provisional.
    expect(
      alertInProgressPeriod({ ...state, raisedAt: "2026-12-01T19:00:30+08:00" }, END - 1),
    ).toBeUndefined();
  });

  it("writes the hour as its span and the day as its date, with the mark in both languages", () => {
    const hour = { end: END, byDay: false };
    expect(periodSpan(hour, "zh")).toBe("18:00–19:00");
    expect(inProgressMark(hour, "zh")).toBe("18:00–19:00 进行中 · 暂定值");
    expect(inProgressMark(hour, "en")).toBe("18:00–19:00 in progress · provisional");
    expect(periodSpan({ end: DAY_END, byDay: false }, "en")).toBe("23:00–24:00");
    expect(inProgressMark({ end: DAY_END, byDay: true }, "zh")).toBe("12月1日 进行中 · 暂定值");
    expect(inProgressMark({ end: DAY_END, byDay: true }, "en")).toBe("1 Dec in progress · provisional");
  });
});
