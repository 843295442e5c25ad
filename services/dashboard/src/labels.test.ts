import { describe, expect, it } from "vitest";
import { airGrade, gradeName, limitName } from "../public/js/labels.js";

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
});
