import { describe, expect, it } from "vitest";
import {
  beijingDate,
  beijingDayStart,
  beijingMidnight,
  beijingMonthStart,
  beijingYearStart,
  toBeijingIso,
} from "./time.ts";

describe("Beijing time", () => {
  it("puts 16:30 UTC on the next Beijing day", () => {
    const t = Date.parse("2026-11-28T16:30:00Z");
    expect(beijingDate(t)).toBe("2026-11-29");
    expect(beijingDayStart(t)).toBe(Date.parse("2026-11-29T00:00:00+08:00"));
    expect(toBeijingIso(t)).toBe("2026-11-29T00:30:00+08:00");
  });

  it("shows milliseconds only when they are not zero, and the text parses back to the same instant", () => {
    const whole = Date.parse("2026-11-29T19:16:44Z");
    expect(toBeijingIso(whole)).toBe("2026-11-30T03:16:44+08:00");
    expect(toBeijingIso(whole + 250)).toBe("2026-11-30T03:16:44.250+08:00");
    expect(toBeijingIso(whole + 1)).toBe("2026-11-30T03:16:44.001+08:00");
    expect(toBeijingIso(whole + 999)).toBe("2026-11-30T03:16:44.999+08:00");
    for (const t of [whole, whole + 1, whole + 250, whole + 999, -1, 0]) {
      expect(Date.parse(toBeijingIso(t))).toBe(t);
    }
  });

  it("finds month and year starts in Beijing time", () => {
    const t = Date.parse("2026-12-31T17:00:00Z"); // 2027-01-01 01:00 Beijing
    expect(beijingMonthStart(t)).toBe(Date.parse("2027-01-01T00:00:00+08:00"));
    expect(beijingYearStart(t)).toBe(Date.parse("2027-01-01T00:00:00+08:00"));
    expect(beijingMidnight("2026-03-01")).toBe(Date.parse("2026-02-28T16:00:00Z"));
    expect(() => beijingMidnight("2026-13-01")).toThrow(/not a date/);
  });
});
