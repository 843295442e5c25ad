import { describe, expect, it } from "vitest";
import { airGrade, alertStartMs, gradeName, limitName } from "../public/js/labels.js";

describe("dashboard labels", () => {
  it("names a GB 3095 limit by the grade of the station's area class", () => {
    // GB 3095-2012 §4.2: class-1 areas take Grade I, class-2 areas Grade II.
    expect(airGrade("class1")).toBe("I");
    expect(airGrade("class2")).toBe("II");
    expect(airGrade(undefined)).toBe("II");
    expect(limitName("24h", "I", "zh")).toBe("24小时平均一级限值");
    expect(limitName("24h", "I", "en")).toBe("24-h Grade I limit");
    expect(limitName("annual", "II", "zh")).toBe("年平均二级限值");
    expect(limitName("dailyMax8h", "II", "en")).toBe("Daily max 8-h Grade II limit");
    expect(gradeName("I", "zh")).toBe("一级");
  });

  it("dates an alert's age from the start of its episode, not from when it was raised", () => {
    const raisedAt = "2026-11-30T08:35:00+08:00";
    expect(alertStartMs({ raisedAt, startedAt: "2026-11-27T10:00:00+08:00" })).toBe(
      Date.parse("2026-11-27T10:00:00+08:00"),
    );
    // A calendar-window alert's startedAt is the end of the day assessed: its age runs from that day's start.
    expect(alertStartMs({ raisedAt, startedAt: "2026-11-29T00:00:00+08:00", calendarWindow: "day" })).toBe(
      Date.parse("2026-11-28T00:00:00+08:00"),
    );
    expect(alertStartMs({ raisedAt })).toBe(Date.parse(raisedAt));
  });
});
