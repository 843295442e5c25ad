import { type AlertEvent, AlertEventSchema } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { createRuleEngine } from "./engine.ts";
import { eventInProgress, inProgressText, periodInProgressAt, periodSpanText } from "./in-progress.ts";
import { loadRulesFile } from "./load.ts";
import { registry, station } from "./testdata/one-air-station.ts";
import { plainView } from "./testdata/plain-view.ts";

// air-aqi.md §8: an hour is labelled by its end ("19:00" = 18:00–19:00). An hour evaluated before
// its end (an hourly-reporting station's first sample credits it) is provisional.
const H = 3_600_000;
const RULES = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname);
const HOUR_END = Date.parse("2026-12-01T19:00:00+08:00");

function raiseAt(now: number | undefined): AlertEvent {
  const engine = createRuleEngine(RULES, { registry, clock: () => now ?? HOUR_END + 5 * 60_000 });
  const view = plainView(station, ["pm25"]);
  view.set("pm25", HOUR_END, 320); // IAQI 370
  const events = engine
    .evaluateHour(view, HOUR_END, "emit", now)
    .filter((e) => e.ruleId === "aqi-hourly-heavy");
  for (const e of events) AlertEventSchema.parse(e);
  expect(events.map((e) => [e.type, e.value, e.dataTime])).toEqual([
    ["raised", 370, "2026-12-01T19:00:00+08:00"],
  ]);
  return events[0] as AlertEvent;
}

describe("an alert on an hour that has not ended", () => {
  it("evaluated at 18:24 says the hour's span, in progress, and that the value may change", () => {
    const e = raiseAt(HOUR_END - 36 * 60_000);
    expect(e.message.zh).toMatch(
      /开始于 12月1日 18:00–19:00（北京时间）。数据时段 12月1日 18:00–19:00（北京时间，进行中 \/ in progress）尚未结束，数值为暂定值，可能变化。$/,
    );
    expect(e.message.en).toMatch(
      /since 1 Dec 18:00–19:00 Beijing time\. The hour 1 Dec 18:00–19:00 Beijing time \(进行中 \/ in progress\) has not ended: the value is provisional and may change\.$/,
    );
    expect(eventInProgress(e)).toBe(true);
  });

  it("evaluated after the hour's end (or without `now`) reads as before", () => {
    for (const now of [HOUR_END + 60_000, HOUR_END, undefined]) {
      const e = raiseAt(now);
      expect(e.message.zh).toMatch(/开始于 12月1日 19:00（北京时间）。$/);
      expect(e.message.en).toMatch(/since 1 Dec 19:00 Beijing time\.$/);
      expect(e.message.zh).not.toContain("进行中");
      expect(eventInProgress(e)).toBe(false);
    }
  });

  it("names an hour by its span, the one ending at midnight 23:00–24:00, a day by its date", () => {
    expect(periodSpanText(HOUR_END, false, HOUR_END)).toEqual({
      zh: "12月1日 18:00–19:00",
      en: "1 Dec 18:00–19:00",
    });
    const midnight = Date.parse("2026-12-02T00:00:00+08:00");
    expect(periodSpanText(midnight, false, midnight)).toEqual({
      zh: "12月1日 23:00–24:00",
      en: "1 Dec 23:00–24:00",
    });
    expect(periodSpanText(midnight, true, midnight)).toEqual({ zh: "12月1日", en: "1 Dec" });
    expect(inProgressText(midnight, true, midnight)).toEqual({
      zh: "数据日 12月1日（北京时间，进行中 / in progress）尚未结束，数值为暂定值，可能变化",
      en: "the day 1 Dec Beijing time (进行中 / in progress) has not ended: the value is provisional and may change",
    });
    expect(eventInProgress({ at: "2026-12-01T18:24:00+08:00" })).toBe(false);
    // In progress: inside the period; a data time more than one period ahead is a clock error.
    expect(
      [HOUR_END - H, HOUR_END - H + 1, HOUR_END - 1, HOUR_END].map((at) =>
        periodInProgressAt(HOUR_END, H, at),
      ),
    ).toEqual([false, true, true, false]);
    expect(eventInProgress({ at: "2026-12-01T16:24:00+08:00", dataTime: "2026-12-01T19:00:00+08:00" })).toBe(
      false,
    );
    expect(
      eventInProgress({
        at: "2026-12-01T16:24:00+08:00",
        dataTime: "2026-12-02T00:00:00+08:00",
        calendarWindow: "day",
      }),
    ).toBe(true);
    expect(periodSpanText(HOUR_END - H, false, HOUR_END)).toEqual({
      zh: "12月1日 17:00–18:00",
      en: "1 Dec 17:00–18:00",
    });
  });
});
