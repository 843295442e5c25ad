import { type AlertEvent, HOUR_MS, toBeijingIso } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { airStation, noiStation, registry } from "./testdata/noi-and-air-stations.ts";
import { ruleRig, SHIPPED_RULES } from "./testdata/rule-rig.ts";

// An alert announces the value of the period it is evaluated for, never an older one (reviewer
// finding 4: after an import of 20–21 Nov, a live hour on 30 Nov without a valid mean raised
// "1200 个/cm³，I级 … 开始于 11月20日 19:00" with dataTime 30 Nov 23:00). NOI grades apply to the
// hour's valid mean (negative-oxygen-ions.md §2, §5.1); a value older than the rule's maxAge is
// never used.
const at = (iso: string) => Date.parse(iso);
const brief = (events: readonly AlertEvent[], ruleId: string) =>
  events
    .filter((e) => e.ruleId === ruleId)
    .map((e) => ({
      type: e.type,
      level: e.level,
      value: e.value,
      startedAt: e.startedAt,
      dataTime: e.dataTime,
    }));

/** NOI hourly means of 20 Nov 19:00 … 21 Nov 23:00 evaluated silently (an import of history). */
function importedNoi() {
  const rig = ruleRig({
    rules: SHIPPED_RULES,
    registry,
    station: noiStation,
    metrics: ["noi"],
    now: at("2026-11-30T23:05:00+08:00"),
  });
  const from = at("2026-11-20T19:00:00+08:00");
  const to = at("2026-11-21T23:00:00+08:00");
  for (let t = from; t <= to; t += HOUR_MS) rig.hour(t, { noi: t === to ? 1200 : 1500 }, "silent");
  return rig;
}

describe("noi-grade announces only the grade of a valid mean of the period evaluated", () => {
  it("after imported history, a live hour without a valid mean raises nothing; the next valid hour raises its own grade, starting then", () => {
    const { hour, events } = importedNoi();
    expect(events).toEqual([]);
    // 30 Nov 23:00: readings came, too few for a valid hourly mean (the view has no valid value).
    expect(hour(at("2026-11-30T23:00:00+08:00"), {})).toEqual([]);
    // 1 Dec 00:00, a valid mean of 800: grade II from this hour, not the import's episode of 20 Nov.
    hour(at("2026-12-01T00:00:00+08:00"), { noi: 800 });
    expect(brief(events, "noi-grade")).toEqual([
      {
        type: "raised",
        level: "II",
        value: 800,
        startedAt: toBeijingIso(at("2026-12-01T00:00:00+08:00")),
        dataTime: toBeijingIso(at("2026-12-01T00:00:00+08:00")),
      },
    ]);
    expect(events[0]?.message.zh).toContain("负氧离子 800 个/cm³，II级");
    expect(events[0]?.message.zh).toContain("开始于 12月1日 00:00");
  });

  it("an hour without a valid mean right after the imported hours raises nothing either (the last valid hour is not this one)", () => {
    const { hour, events } = importedNoi();
    expect(hour(at("2026-11-22T00:00:00+08:00"), {})).toEqual([]);
    expect(hour(at("2026-11-22T01:00:00+08:00"), {})).toEqual([]);
    // The next valid hour continues the imported episode (no gap in the data beyond two hours).
    hour(at("2026-11-22T02:00:00+08:00"), { noi: 1300 });
    expect(brief(events, "noi-grade")).toEqual([
      {
        type: "raised",
        level: "I",
        value: 1300,
        startedAt: toBeijingIso(at("2026-11-20T19:00:00+08:00")),
        dataTime: toBeijingIso(at("2026-11-22T02:00:00+08:00")),
      },
    ]);
  });
});

describe("other rules: no alert raised on a value of an earlier period", () => {
  it("aqi-hourly-heavy: a replayed episode is not raised by a live hour without PM2.5", () => {
    const { hour, events } = ruleRig({
      rules: SHIPPED_RULES,
      registry,
      station: airStation,
      metrics: ["pm25"],
      now: at("2026-11-30T12:05:00+08:00"),
    });
    // Heavy pollution evaluated silently (history), the last hours without PM2.5 (unknown AQI).
    for (let i = 0; i < 3; i++) hour(at("2026-11-30T08:00:00+08:00") + i * HOUR_MS, { pm25: 200 }, "silent");
    expect(hour(at("2026-11-30T11:00:00+08:00"), {})).toEqual([]);
    expect(brief(events, "aqi-hourly-heavy")).toEqual([]);
    // PM2.5 back, still heavy: raised with this hour's AQI.
    hour(at("2026-11-30T12:00:00+08:00"), { pm25: 200 });
    expect(brief(events, "aqi-hourly-heavy").map((e) => [e.type, e.level, e.dataTime])).toEqual([
      ["raised", "heavy", toBeijingIso(at("2026-11-30T12:00:00+08:00"))],
    ]);
  });
});
