import { type AlertEvent, HOUR_MS } from "@qingshan/domain";
import { assessAnnualTarget } from "@qingshan/standards";
import { describe, expect, it } from "vitest";
import { createRuleEngine } from "./engine.ts";
import { loadRulesFile } from "./load.ts";
import { observe } from "./observe.ts";
import { registry, station } from "./testdata/one-air-station.ts";
import { plainView } from "./testdata/plain-view.ts";

const RULES = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname);
const RULE =
  RULES.find((r) => r.id === "pm25-annual-target") ??
  (() => {
    throw new Error("pm25-annual-target missing");
  })();
const at = (iso: string) => Date.parse(iso);
const midnight = (date: string) => at(`${date}T00:00:00+08:00`);

/** A view with `hours` hourly PM2.5 means of `value` (the hours labelled 01:00…) on each date. */
function viewWith(days: readonly (readonly [date: string, value: number, hours?: number])[]) {
  const view = plainView(station, ["pm25"]);
  for (const [date, value, hours = 24] of days)
    for (let i = 1; i <= hours; i++) view.set("pm25", midnight(date) + i * HOUR_MS, value);
  return view;
}

function dates(from: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    new Date(midnight(from) + (i * 24 + 8) * HOUR_MS).toISOString().slice(0, 10),
  );
}

/** Runs every hour of the view's data through the engine in order, as the evaluator does with a batch. */
function runHours(view: ReturnType<typeof plainView>, from: number, to: number): AlertEvent[] {
  const engine = createRuleEngine([RULE], { registry, clock: () => to });
  const events: AlertEvent[] = [];
  for (let h = from; h <= to; h += HOUR_MS)
    if (view.hour("pm25", h)?.count === 1) events.push(...engine.evaluateHour(view, h, "emit"));
  return events;
}

describe("pm25-annual-target with too few valid days (GB 3095 Table 4)", () => {
  it("a demo with 3 days of history in late November raises nothing (it raised at risk before)", () => {
    // 3 days at 60 µg/m³: at risk by the mean, but 3 valid days of 330–333 elapsed.
    const view = viewWith(dates("2026-11-26", 3).map((d) => [d, 60] as const));
    for (const date of ["2026-11-27", "2026-11-28", "2026-11-29"]) {
      const o = observe(RULE, station, view, midnight(date));
      expect(o).toMatchObject({ unknown: false, raise: -1, hold: -1, value: 60 });
      expect(o.valueText?.en).toContain("the year can no longer reach 324 valid days");
    }
    const events = runHours(view, midnight("2026-11-26"), midnight("2026-11-29") + HOUR_MS);
    expect(events).toEqual([]);
  });

  it("with enough valid days the same mean raises at risk", () => {
    // 5 of 5 elapsed days valid (needs ⌈5·324/365⌉ = 5).
    const view = viewWith(dates("2026-01-01", 5).map((d) => [d, 60] as const));
    const o = observe(RULE, station, view, midnight("2026-01-06"));
    expect(o).toMatchObject({ raise: 0, value: 60 });
    expect(o.valueText?.en).not.toContain("too few");
  });

  it("an open alert resolves after clear.for (7 d) of insufficient data instead of staying open", () => {
    // Jan 1–5 valid at 40 (at risk); from Jan 6 only 10 valid hours a day: no valid daily mean,
    // so from the end of Jan 6 (6 elapsed days, ⌈6·324/365⌉ = 6 needed, 5 valid) data are short.
    const view = viewWith([
      ...dates("2026-01-01", 5).map((d) => [d, 40] as const),
      ...dates("2026-01-06", 10).map((d) => [d, 40, 10] as const),
    ]);
    const events = runHours(view, midnight("2026-01-01"), midnight("2026-01-16"));
    expect(events.map((e) => [e.type, e.level, e.dataTime])).toEqual([
      ["raised", "at_risk", "2026-01-02T00:00:00+08:00"],
      // Short from the end of Jan 6 (data time Jan 7 00:00); held 7 days at the end of Jan 12.
      ["resolved", "at_risk", "2026-01-13T00:00:00+08:00"],
    ]);
  });

  it("a certain exceedance raises while the year can still reach 324 days and every month's minimum", () => {
    // 8 valid days of 10 elapsed (9 needed): insufficient. 8 days at 1500: 12 000 > 32 · (8 + 355)
    // = 11 616, so even zero on every remaining day leaves the annual mean above 32.
    const view = viewWith(dates("2026-01-01", 8).map((d) => [d, 1500] as const));
    const t = midnight("2026-01-11");
    const a = assessAnnualTarget({
      sumOfDailyMeans: 12_000,
      validDays: 8,
      elapsedDays: 10,
      daysInYear: 365,
      target: 32,
    });
    expect(a).toMatchObject({ status: "exceeded", sufficientDataProRata: false, validityAttainable: true });
    expect(observe(RULE, station, view, t)).toMatchObject({ raise: 1, hold: 1, value: 1500 });
    // 1400: 11 200 ≤ 11 616, only at risk — with too few days, no warning.
    expect(
      observe(RULE, station, viewWith(dates("2026-01-01", 8).map((d) => [d, 1400] as const)), t),
    ).toMatchObject({
      raise: -1,
    });
  });

  it("a certain exceedance does not raise once the annual mean can no longer be valid", () => {
    // 5 valid January days of 10 elapsed: January can reach at most 5 + 21 = 26 < 27 daily means.
    // 5 · 3000 = 15 000 > 32 · (5 + 355) = 11 520: certain, but of a mean Table 4 will not allow.
    const view = viewWith(dates("2026-01-01", 5).map((d) => [d, 3000] as const));
    expect(observe(RULE, station, view, midnight("2026-01-11"))).toMatchObject({ raise: -1, hold: -1 });
    // In late November 3 valid days can never become 324.
    const late = viewWith(dates("2026-11-26", 3).map((d) => [d, 30_000] as const));
    expect(observe(RULE, station, late, midnight("2026-11-29"))).toMatchObject({ raise: -1 });
  });
});

describe("pm25-annual-target agrees with /compliance/pm25's insufficient_data", () => {
  it("a month that can no longer reach 27 valid days stops the warning, even with the pro-rata share met", () => {
    // Jan 1–5 without data: January can reach at most 26 daily means (< 27). Jan 6 – Feb 28 valid at
    // 40: 54 of 59 elapsed days, more than the pro-rata ⌈59 · 324 / 365⌉ = 53, and above the target.
    const view = viewWith(dates("2026-01-06", 54).map((d) => [d, 40] as const));
    const t = midnight("2026-03-01");
    const o = observe(RULE, station, view, t);
    expect(o).toMatchObject({ unknown: false, raise: -1, hold: -1, value: 40 });
    expect(o.valueText?.en).toContain("Jan can no longer reach 27 valid days");
    expect(o.valueText?.zh).toContain("1月有效日已不足");
    // The same data with January complete: the pro-rata share met, the mean above target: at risk.
    const complete = viewWith(dates("2026-01-01", 59).map((d) => [d, 40] as const));
    expect(observe(RULE, station, complete, t)).toMatchObject({ raise: 0, value: 40 });
  });
});

describe("pm25-annual-target counts the days completed at its data time", () => {
  it("days after the observed day in the view (a batch) are not counted; N remaining days match the API", () => {
    // Jan 1–4 at 40, and Jan 5 with 22 valid hours of 100 already in the view when Jan 1 closes.
    const view = viewWith([...dates("2026-01-01", 4).map((d) => [d, 40] as const), ["2026-01-05", 100, 22]]);
    const events = runHours(view, midnight("2026-01-01"), midnight("2026-01-05") + 22 * HOUR_MS);
    const raised = events[0] as AlertEvent;
    // At the end of Jan 1 (the API at that clock: elapsedDays 1, validDays 1), 364 days remain.
    const api = assessAnnualTarget({
      sumOfDailyMeans: 40,
      validDays: 1,
      elapsedDays: 1,
      daysInYear: 365,
      target: 32,
    });
    // Against the rounding threshold 32.5 (a mean of 32.5 is reported 32 and meets the target).
    const required = String(Number(((32.5 * 365 - 40) / 364).toPrecision(4)));
    expect(api.requiredMeanForRest).toBeCloseTo((32.5 * 365 - 40) / 364, 9);
    expect(raised).toMatchObject({ type: "raised", level: "at_risk", value: 40 });
    expect(raised.message.en).toContain(
      `(1 valid days): at risk; the remaining 364 days must average ≤ ${required}`,
    );
    expect(raised.message.zh).toContain(`余下 364 天均值需 ≤ ${required}`);
    // Closing Jan 4 with Jan 5 in the view: 4 valid days of 40, 361 remaining (Jan 5 included).
    const o = observe(RULE, station, view, midnight("2026-01-05"));
    expect(o.value).toBe(40);
    expect(o.valueText?.en).toContain(
      `(4 valid days): at risk; the remaining 361 days must average ≤ ${String(Number(((32.5 * 365 - 160) / 361).toPrecision(4)))}`,
    );
  });
});

/**
 * Daily means 25.0 … 40.0 (250 + 5i mod 151 tenths), the last day making the exact annual mean
 * 32.5: a float sum of them gives 32.50000000000004, which rounds to 33.
 */
function yearAveraging32point5(year: number): (readonly [string, number])[] {
  const days = dates(`${year}-01-01`, 365);
  const tenths = days.slice(1).map((_, i) => 250 + ((i * 5) % 151));
  tenths.push(325 * 365 - tenths.reduce((a, b) => a + b, 0));
  return days.map((d, i) => [d, (tenths[i] as number) / 10] as const);
}

describe("pm25-annual-target at the year's end: the final verdict (exact, GB/T 8170 half-even)", () => {
  it("a year whose exact mean is 32.5 is met (32): the at-risk alert open since January resolves at once", () => {
    const view = viewWith(yearAveraging32point5(2025));
    const end = midnight("2026-01-01");
    const o = observe(RULE, station, view, end);
    expect(o).toMatchObject({ raise: -1, hold: -1, final: true, value: 32 });
    expect(o.valueText?.en).toBe(
      "Fine particulate matter (PM2.5) annual mean 32 µg/m³ (365 valid days): target met for the year",
    );
    expect(o.valueText?.zh).toContain("年均值 32 µg/m³（365 个有效日）：全年达标");
    const events = runHours(view, midnight("2025-01-01") + HOUR_MS, end);
    expect(events.map((e) => [e.type, e.level])).toEqual([
      ["raised", "at_risk"],
      ["resolved", "at_risk"],
    ]);
    // Resolved by the year's verdict, not 7 days (clear.for) into the next year.
    expect(events[1]?.dataTime).toBe("2026-01-01T00:00:00+08:00");
  });

  it("a closed year above the rounding threshold is not met and raises the exceeded level", () => {
    // 365 days at 32.6 → 33 > 32.
    const view = viewWith(dates("2025-01-01", 365).map((d) => [d, 32.6] as const));
    const o = observe(RULE, station, view, midnight("2026-01-01"));
    expect(o).toMatchObject({ raise: 1, hold: 1, value: 33 });
    expect(o.valueText?.en).toBe(
      "Fine particulate matter (PM2.5) annual mean 33 µg/m³ (365 valid days): target not met for the year",
    );
  });

  it("exceeded only when the rounding threshold is out of reach: 334 days at 35 are at risk, December ≤ 5.56", () => {
    const view = viewWith(dates("2025-01-01", 334).map((d) => [d, 35] as const));
    const o = observe(RULE, station, view, midnight("2025-12-01"));
    // (32.5 · 365 − 35 · 334) / 31 = 5.5645…: the old rule said exceeded (32 · 365 < 35 · 334).
    expect(o).toMatchObject({ raise: 0, value: 35 });
    expect(o.valueText?.en).toContain("at risk; the remaining 31 days must average ≤ 5.565");
  });
});
