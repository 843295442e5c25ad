import { describe, expect, it } from "vitest";
import { beijingHumanTime } from "./human-time.ts";

const T = (iso: string) => Date.parse(iso);

describe("beijingHumanTime", () => {
  it("writes Beijing month, day and time without the year of the event's own year", () => {
    // 21:00 UTC on the 29th is 05:00 Beijing time on the 30th.
    expect(beijingHumanTime(T("2026-11-29T21:00:00Z"), T("2026-11-30T08:00:00+08:00"))).toEqual({
      zh: "11月30日 05:00",
      en: "30 Nov 05:00",
    });
    expect(beijingHumanTime(T("2026-03-05T09:07:00+08:00"), T("2026-03-05T09:07:00+08:00"))).toEqual({
      zh: "3月5日 09:07",
      en: "5 Mar 09:07",
    });
  });

  it("adds the year when the instant's Beijing year is not the reference's, across New Year", () => {
    const started = T("2026-12-31T23:00:00+08:00");
    const resolved = T("2027-01-01T05:00:00+08:00");
    expect(beijingHumanTime(started, resolved)).toEqual({
      zh: "2026年12月31日 23:00",
      en: "31 Dec 2026 23:00",
    });
    expect(beijingHumanTime(resolved, resolved)).toEqual({ zh: "1月1日 05:00", en: "1 Jan 05:00" });
    // 2026-12-31T16:30Z is already 2027 in Beijing: no year against a 2027 reference.
    expect(beijingHumanTime(T("2026-12-31T16:30:00Z"), resolved)).toEqual({
      zh: "1月1日 00:30",
      en: "1 Jan 00:30",
    });
  });
});
