import { describe, expect, it } from "vitest";
import {
  beijingDate,
  beijingDayStart,
  beijingHumanTime,
  beijingMidnight,
  beijingMonthStart,
  beijingYearStart,
  HOUR_MS,
  hourEndOf,
  toBeijingIso,
  toBeijingIsoSeconds,
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

const at = (iso: string) => Date.parse(iso);

describe("beijingHumanTime", () => {
  it("writes Beijing month, day and time without the year of the event's own year", () => {
    // 21:00 UTC on the 29th is 05:00 Beijing time on the 30th.
    expect(beijingHumanTime(at("2026-11-29T21:00:00Z"), at("2026-11-30T08:00:00+08:00"))).toEqual({
      zh: "11月30日 05:00",
      en: "30 Nov 05:00",
    });
    expect(beijingHumanTime(at("2026-03-05T09:07:00+08:00"), at("2026-03-05T09:07:00+08:00"))).toEqual({
      zh: "3月5日 09:07",
      en: "5 Mar 09:07",
    });
  });

  it("adds the year when the instant's Beijing year is not the reference's, across New Year", () => {
    const started = at("2026-12-31T23:00:00+08:00");
    const resolved = at("2027-01-01T05:00:00+08:00");
    expect(beijingHumanTime(started, resolved)).toEqual({
      zh: "2026年12月31日 23:00",
      en: "31 Dec 2026 23:00",
    });
    expect(beijingHumanTime(resolved, resolved)).toEqual({ zh: "1月1日 05:00", en: "1 Jan 05:00" });
    // 2026-12-31T16:30Z is already 2027 in Beijing: no year against a 2027 reference.
    expect(beijingHumanTime(at("2026-12-31T16:30:00Z"), resolved)).toEqual({
      zh: "1月1日 00:30",
      en: "1 Jan 00:30",
    });
  });
});

describe("toBeijingIsoSeconds", () => {
  it("cuts milliseconds off, so ids built from times keep one form", () => {
    expect(toBeijingIsoSeconds(Date.parse("2026-11-28T02:30:00.250Z"))).toBe("2026-11-28T10:30:00+08:00");
    expect(toBeijingIsoSeconds(Date.parse("2026-11-28T02:30:00Z"))).toBe("2026-11-28T10:30:00+08:00");
  });
});

describe("hourEndOf (air-aqi.md §8: an hour is labelled by its end)", () => {
  const h3 = Date.UTC(2026, 0, 1, 3);
  it.each([
    ["exactly on the hour opens the next label", h3, h3 + HOUR_MS],
    ["one ms after the hour", h3 + 1, h3 + HOUR_MS],
    ["last ms of the hour", h3 + HOUR_MS - 1, h3 + HOUR_MS],
    ["epoch zero", 0, HOUR_MS],
    ["one ms before epoch", -1, 0],
    ["exactly one hour before epoch", -HOUR_MS, 0],
  ])("%s", (_name, ts, expected) => {
    expect(hourEndOf(ts)).toBe(expected);
  });
});
