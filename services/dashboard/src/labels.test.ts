import { METRICS } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { humanTime } from "../public/js/format.js";
import {
  airGrade,
  alertStartMs,
  alertSubject,
  alertValueText,
  gradeName,
  limitName,
  lineLabelPositions,
  metricOption,
  releaseText,
  standardLine,
  warningLine,
  waterShareNote,
  withoutSeverityTag,
} from "../public/js/labels.js";

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

  it("says since when the warning level holds and, stepping down, what releases it", () => {
    // heavy-pollution-warning.md §3.3: a level steps down after stepDownFor below it; released after 36 h.
    const district = {
      level: "orange",
      zh: "橙色预警",
      en: "Orange (II)",
      since: "2026-11-26T17:00:00+08:00",
      levelSince: "2026-11-30T04:00:00+08:00",
      conditionHolds: false,
      message: {
        zh: "【警告】全区：重污染天气预警（橙色预警）。AQI 166；仍在持续，自 11月26日 17:00（北京时间）起；低于橙色条件满12小时降为黄色，连续36小时不满足黄色条件方解除。",
        en: "[warning] district: heavy-pollution warning (orange). AQI 166; ongoing since 26 Nov 17:00 Beijing time; drops to yellow after 12 h below the orange condition, released only after 36 h without the yellow condition.",
      },
    };
    expect(warningLine(district, "zh", (iso) => humanTime(iso, "zh"))).toBe(
      "橙色预警，自 11月30日 04:00 起（逐级解除中，低于橙色条件满12小时降为黄色，连续36小时不满足黄色条件方解除）",
    );
    expect(warningLine(district, "en", (iso) => humanTime(iso, "en"))).toBe(
      "Orange (II), since 30 Nov 04:00 (stepping down: drops to yellow after 12 h below the orange condition, released only after 36 h without the yellow condition)",
    );
    expect(warningLine({ ...district, conditionHolds: true }, "zh", (iso) => humanTime(iso, "zh"))).toBe(
      "橙色预警，自 11月30日 04:00 起",
    );
    expect(releaseText({ zh: "开始于 11月26日 17:00（北京时间）" }, "zh")).toBe("");
  });

  it("writes an alert's value and threshold with metric and unit, water classes as classes", () => {
    // As /dashboard/standards.json sends them.
    const metrics = Object.fromEntries(
      Object.entries(METRICS).map(([id, m]) => [id, { unit: m.unit, zh: m.zh, en: m.en }]),
    );
    const pm25 = { metric: "pm25", value: 40.83, threshold: 35 };
    expect(alertValueText(pm25, { metrics, lang: "zh" })).toBe("PM2.5 40.8 µg/m³ / 35 µg/m³");
    // GB 3838: the value of a water_class alert is the class number (3 = III), the target the section's.
    const water = { metric: "water_class", value: 3 };
    expect(alertValueText(water, { metrics, targetClass: "II", lang: "zh" })).toBe("III类 / 目标 II类");
    expect(alertValueText(water, { metrics, targetClass: "II", lang: "en" })).toBe(
      "Class III / target Class II",
    );
    expect(alertValueText({ metric: "aqi", value: 66 }, { metrics, lang: "en" })).toBe("AQI 66");
    expect(alertValueText({ metric: "noi", value: 1800, threshold: 1500 }, { metrics, lang: "zh" })).toBe(
      "空气负氧离子 1800 个/cm³ / 1500 个/cm³",
    );
    expect(alertValueText({ metric: "noi", value: 1800 }, { metrics, lang: "en" })).toBe(
      "Negative oxygen ions 1800 ions/cm³",
    );
    expect(alertValueText({ metric: "silence", value: 200 }, { metrics, lang: "zh" })).toBe(
      "无数据 3 小时 20 分",
    );
    expect(metricOption("ph", metrics, "zh")).toBe("pH值");
    expect(metricOption("pm25", metrics, "en")).toBe("PM2.5 (µg/m³)");
    expect(metricOption("noi", metrics, "zh")).toBe("空气负氧离子 (个/cm³)");
  });

  it("words standards, messages and subjects in the page's language without tags", () => {
    const noi = "负氧离子分级 NOI grades, QX/T 380-2017 (provisional 暂行)";
    expect(standardLine(noi, "zh")).toBe("负氧离子分级, QX/T 380-2017（暂行）");
    expect(standardLine(noi, "en")).toBe("NOI grades, QX/T 380-2017 (provisional)");
    const warning = "重污染天气预警分级 heavy-pollution warning levels, 24-h rolling AQI";
    expect(standardLine(warning, "en")).toBe("heavy-pollution warning levels, 24-h rolling AQI");
    const water = "GB 3838-2002 Table 1; 环办〔2011〕22号 single-factor method";
    expect(standardLine(water, "en")).toBe(water);
    expect(withoutSeverityTag("[critical] Biyu: PM2.5 daily mean")).toBe("Biyu: PM2.5 daily mean");
    expect(withoutSeverityTag("【严重】碧湖镇：小时AQI")).toBe("碧湖镇：小时AQI");
    expect(
      alertSubject(
        "【严重】碧湖镇：饮用水水源地水质未达目标类别（III类）。水质 III类；开始于 11月23日 12:00（北京时间）。",
        "zh",
      ),
    ).toBe("饮用水水源地水质未达目标类别（III类）");
    expect(
      alertSubject(
        "[critical] Biyu: PM2.5 daily mean above the GB 3095 limit (exceeded). PM2.5 40.8; since 23 Nov Beijing time.",
        "en",
      ),
    ).toBe("PM2.5 daily mean above the GB 3095 limit (exceeded)");
  });

  it("says why a water share has no value", () => {
    const short = { reason: "not assessed: do (2 valid daily means; needs ≥ 27)" };
    const none = { sections: 9, assessed: 0, notAssessable: 9, meeting: 0 };
    expect(waterShareNote(none, Array(9).fill(short), "zh")).toBe("9 个断面，均数据不足（需 ≥ 27 个有效日）");
    expect(waterShareNote(none, Array(9).fill(short), "en")).toBe(
      "9 sections, none with enough data (≥ 27 valid days needed)",
    );
    const some = { sections: 9, assessed: 7, notAssessable: 2, meeting: 6 };
    expect(waterShareNote(some, [short], "zh")).toBe("6 / 7（另 2 个断面数据不足，需 ≥ 27 个有效日）");
    expect(waterShareNote({ ...some, assessed: 9, notAssessable: 0 }, [], "en")).toBe("6 / 9");
  });

  it("places the labels of close threshold lines apart", () => {
    // 32 (target) and 30 (annual limit) on a 0–40 axis: one label at each end; 35 close to 32 in the middle.
    expect(lineLabelPositions([32, 30], 4)).toEqual(["insideStartTop", "insideEndTop"]);
    expect(lineLabelPositions([35, 30, 32], 4)).toEqual([
      "insideMiddleTop",
      "insideEndTop",
      "insideStartTop",
    ]);
    expect(lineLabelPositions([75, 35], 4)).toEqual(["insideEndTop", "insideEndTop"]);
    expect(lineLabelPositions([1, 2, 3, 4], 2)).toEqual([
      "insideEndTop",
      "insideStartTop",
      "insideMiddleTop",
      "insideEndTop",
    ]);
  });
});
