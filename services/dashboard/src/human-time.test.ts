import { beijingHumanTime, toBeijingIsoMs } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { humanizeTimes, humanTime } from "../public/js/format.js";

describe("dashboard human times (alert messages)", () => {
  it("writes an ISO instant as Beijing month, day and time", () => {
    expect(humanTime("2026-11-30T05:00:00+08:00", "zh")).toBe("11月30日 05:00");
    expect(humanTime("2026-11-30T05:00:00+08:00", "en")).toBe("30 Nov 05:00");
    // 21:00 UTC on the 29th is 05:00 on the 30th in Beijing.
    expect(humanTime("2026-11-29T21:00:00.000Z", "en")).toBe("30 Nov 05:00");
  });

  it("reads as the alert texts do: the same as @qingshan/domain's beijingHumanTime (the browser has its own copy)", () => {
    const HOUR = 3_600_000;
    // Every 7 h 13 min over two years (Beijing New Year, leap day, month ends), against references a
    // day before and after: the year shown or not as the server's texts show it.
    for (let t = Date.UTC(2027, 11, 1); t < Date.UTC(2029, 2, 2); t += 7 * HOUR + 13 * 60_000) {
      for (const reference of [t, t - 24 * HOUR, t + 24 * HOUR]) {
        const server = beijingHumanTime(t, reference);
        const iso = new Date(t).toISOString();
        expect(humanTime(iso, "zh", toBeijingIsoMs(reference))).toBe(server.zh);
        expect(humanTime(iso, "en", toBeijingIsoMs(reference))).toBe(server.en);
      }
    }
  });

  it("adds the year when it is not the reference's, across New Year", () => {
    const ref = "2027-01-01T05:00:00+08:00";
    expect(humanTime("2026-12-31T22:00:00+08:00", "zh", ref)).toBe("2026年12月31日 22:00");
    expect(humanTime("2026-12-31T22:00:00+08:00", "en", ref)).toBe("31 Dec 2026 22:00");
    expect(humanTime("2027-01-01T04:00:00+08:00", "zh", ref)).toBe("1月1日 04:00");
  });

  it("rewrites the ISO times of older stored messages, leaves other text alone", () => {
    expect(
      humanizeTimes("【警告】莲都站：重度污染。小时AQI 210；开始于 2026-11-30T05:00:00+08:00。", "zh"),
    ).toBe("【警告】莲都站：重度污染。小时AQI 210；开始于 11月30日 05:00。");
    expect(
      humanizeTimes(
        "[resolved] A: x. AQI 90; started 2026-12-31T22:00:00+08:00, resolved at 2027-01-01T03:00:00+08:00.",
        "en",
        "2027-01-01T03:00:00.012+08:00",
      ),
    ).toBe("[resolved] A: x. AQI 90; started 31 Dec 2026 22:00, resolved at 1 Jan 03:00.");
    const current = "开始于 11月30日 05:00（北京时间）；PM2.5 2026年 年均值 35";
    expect(humanizeTimes(current, "zh")).toBe(current);
  });
});
