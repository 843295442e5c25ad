import { METRICS } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { humanTime } from "../public/js/format.js";
import {
  airGrade,
  alertStartMs,
  alertSubject,
  alertValueText,
  districtLevelText,
  durationWords,
  eventLabel,
  gradeName,
  levelText,
  limitName,
  lineLabelPositions,
  metricOption,
  pathChangeOf,
  type RuleSummary,
  releaseText,
  ruleConditions,
  ruleLine,
  silenceLastDataMs,
  standardLine,
  warningLevelText,
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

  it("names a health advisory as one, a warning level as a suggested warning (heavy-pollution-warning.md §3.3)", () => {
    expect(warningLevelText("yellow", "healthAdvisory", "zh")).toBe("健康提示 · 黄色级别");
    expect(warningLevelText("yellow", "healthAdvisory", "en")).toBe("Health advisory · yellow level");
    expect(warningLevelText("yellow", "warning", "zh")).toBe("建议黄色预警");
    expect(warningLevelText("orange", "warning", "en")).toBe("Orange warning suggested");
    // Events stored before paths: the warning path.
    expect(warningLevelText("red", undefined, "zh")).toBe("建议红色预警");
    expect(warningLevelText("III", "healthAdvisory", "zh")).toBeUndefined();
    const advisory = {
      level: "orange",
      path: "healthAdvisory",
      zh: "健康提示（橙色级别）",
      en: "Health advisory (orange level)",
      levelSince: "2026-11-30T04:00:00+08:00",
      conditionHolds: true,
    };
    expect(districtLevelText(advisory, "zh")).toBe("健康提示 · 橙色级别");
    expect(districtLevelText({ ...advisory, path: "warning", zh: "橙色预警" }, "zh")).toBe("橙色预警");
    expect(warningLine(advisory, "zh", (iso) => humanTime(iso, "zh"))).toBe(
      "健康提示 · 橙色级别，自 11月30日 04:00 起",
    );
    expect(warningLine(advisory, "en", (iso) => humanTime(iso, "en"))).toBe(
      "Health advisory · orange level, since 30 Nov 04:00",
    );
  });

  it("says a change of path alone as the notifier does: 转为健康提示 / 转为建议预警", () => {
    const events = [
      { type: "raised", level: "orange" },
      { type: "level_changed", level: "orange", path: "healthAdvisory" },
      { type: "acknowledged" },
      { type: "level_changed", level: "orange", path: "warning" },
      // Level and path in one event: a level change.
      { type: "level_changed", level: "red", path: "healthAdvisory" },
      { type: "level_changed", level: "yellow", path: "healthAdvisory" },
    ];
    expect(events.map((_, i) => pathChangeOf(events, i))).toEqual([
      undefined,
      "healthAdvisory",
      undefined,
      "warning",
      undefined,
      undefined,
    ]);
    expect(events.map((e, i) => eventLabel(events, i, "zh", e.type))).toEqual([
      "raised",
      "转为健康提示",
      "acknowledged",
      "转为建议预警",
      "level_changed",
      "level_changed",
    ]);
    expect(eventLabel(events, 1, "en", "")).toBe("Now a health advisory");
    expect(eventLabel(events, 3, "en", "")).toBe("Now a suggested warning");
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
    // QA: a station silent for 18 min showed the 3 min of the raise. With the page's clock: since the
    // last data (the raise's valueAt less its minutes), as it grows.
    const silent = { metric: "silence", value: 3, valueAt: "2026-11-28T10:03:00+08:00" };
    const at = (hhmm: string) => Date.parse(`2026-11-28T${hhmm}:00+08:00`);
    expect(silenceLastDataMs(silent)).toBe(at("10:00"));
    expect(alertValueText(silent, { metrics, lang: "zh", now: at("10:18") })).toBe("无数据 18 分");
    expect(alertValueText(silent, { metrics, lang: "en", now: at("12:05") })).toBe("silent 2 h 5 min");
    expect(
      silenceLastDataMs({ metric: "pm25", value: 3, valueAt: "2026-11-28T10:03:00+08:00" }),
    ).toBeUndefined();
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
    // A period in which no section has any data (a past year without data).
    const empty = { reason: "no parameter has data in the period" };
    expect(waterShareNote(none, Array(9).fill(empty), "zh")).toBe("9 个断面，本期无数据");
    expect(waterShareNote(none, Array(9).fill(empty), "en")).toBe("9 sections, no data in the period");
    // The drinking-water card often has one section: singular in English.
    const one = { sections: 1, assessed: 0, notAssessable: 1, meeting: 0 };
    expect(waterShareNote(one, [short], "en")).toBe("1 section, not enough data (≥ 27 valid days needed)");
    expect(waterShareNote(one, [empty], "en")).toBe("1 section, no data in the period");
    expect(waterShareNote(one, [short], "zh")).toBe("1 个断面，均数据不足（需 ≥ 27 个有效日）");
    expect(waterShareNote(none, [empty, short], "zh")).toBe("9 个断面，均数据不足（需 ≥ 27 个有效日）");
    // A month that has ended short of data still says so, also with the API's period given.
    const ended = { period: "month", inProgress: false } as const;
    expect(waterShareNote(none, Array(9).fill(short), "zh", ended)).toBe(
      "9 个断面，均数据不足（需 ≥ 27 个有效日）",
    );
  });

  it("says a month under way is in progress, with the sections' valid days so far against the days needed", () => {
    // The API's reasons before a month's 27th completed day (services/api compliance.ts, water-class.ts).
    const early = (days: number, doDays = days) => ({
      valid: false,
      reason: `not assessable yet: only ${days} days of 2026-12 completed, and a monthly mean needs ≥ 27 valid daily means (25 in February), possible from 2026-12-28 at the earliest; not assessed: do (${doDays} valid daily means; needs ≥ 27); nh3n (${days} valid daily means; needs ≥ 27)`,
    });
    const month = { period: "month", inProgress: true } as const;
    const none = { sections: 9, assessed: 0, notAssessable: 9, meeting: 0 };
    expect(waterShareNote(none, Array(9).fill(early(3)), "zh", month)).toBe(
      "本月进行中：9 个断面，目前各有 3 个有效日（需 ≥ 27 个）",
    );
    expect(waterShareNote(none, Array(9).fill(early(3)), "en", month)).toBe(
      "Month in progress: 9 sections, 3 valid days so far each (≥ 27 needed)",
    );
    // A section counts the days of its parameter with the fewest (do: 1 of 3).
    const mixed = [...Array(8).fill(early(3)), early(3, 1)];
    expect(waterShareNote(none, mixed, "zh", month)).toBe(
      "本月进行中：9 个断面，目前各有 1–3 个有效日（需 ≥ 27 个）",
    );
    expect(waterShareNote(none, mixed, "en", month)).toBe(
      "Month in progress: 9 sections, 1–3 valid days so far each (≥ 27 needed)",
    );
    // The month's first day: no completed day, so no data in the period yet.
    const first = {
      valid: false,
      reason:
        "not assessable yet: only 0 days of 2027-02 completed, and a monthly mean needs ≥ 25 valid daily means in February, possible from 2027-02-26 at the earliest; no parameter has data in the period",
    };
    const one = { sections: 1, assessed: 0, notAssessable: 1, meeting: 0 };
    expect(waterShareNote(one, [first], "zh", month)).toBe(
      "本月进行中：1 个断面，目前有 0 个有效日（需 ≥ 25 个）",
    );
    expect(waterShareNote(one, [first], "en", month)).toBe(
      "Month in progress: 1 section, 0 valid days so far (≥ 25 needed)",
    );
    // The year's card in its first month says the year is under way.
    const yearEarly = {
      valid: false,
      reason:
        "not assessable yet: only 1 day of 2027-01 completed, and a monthly mean needs ≥ 27 valid daily means (25 in February), possible from 2027-01-28 at the earliest; not assessed: do (no valid year value (2027-01: 1 valid daily means; needs ≥ 27))",
    };
    expect(waterShareNote(one, [yearEarly], "zh", { period: "year", inProgress: true })).toBe(
      "本年进行中：1 个断面，目前有 1 个有效日（需 ≥ 27 个）",
    );
    expect(waterShareNote(one, [yearEarly], "en", { period: "year", inProgress: true })).toBe(
      "Year in progress: 1 section, 1 valid day so far (≥ 27 needed)",
    );
    // Past the 27th day of a month under way: the sections assessed are counted, the others may still get there.
    const late = { valid: false, reason: "not assessed: do (25 valid daily means; needs ≥ 27)" };
    const some = { sections: 9, assessed: 7, notAssessable: 2, meeting: 6 };
    const lateSections = [...Array(7).fill({ valid: true }), late, late];
    expect(waterShareNote(some, lateSections, "zh", month)).toBe(
      "6 / 7（本月进行中，另 2 个断面目前各有 25 个有效日，需 ≥ 27 个）",
    );
    expect(waterShareNote(some, lateSections, "en", month)).toBe(
      "6 / 7 (month in progress; 2 more with 25 valid days so far, ≥ 27 needed)",
    );
    // A year under way whose ended months fell short really lacks data.
    const yearShort = {
      valid: false,
      reason: "not assessed: do (no valid year value (2026-03: 20 valid daily means; needs ≥ 27))",
    };
    expect(waterShareNote(none, Array(9).fill(yearShort), "zh", { period: "year", inProgress: true })).toBe(
      "9 个断面，均数据不足（需 ≥ 27 个有效日）",
    );
  });

  it("names an alert's level in the page's language, also the PM2.5 annual target's (no levelName)", () => {
    // The annual-target rule's at_risk alert: its badge read "at_risk" in the Chinese console.
    expect(levelText("at_risk", undefined, undefined, "zh")).toBe("有超标风险");
    expect(levelText("exceeded", undefined, undefined, "zh")).toBe("已无法达标");
    expect(levelText("at_risk", undefined, undefined, "en")).toBe("at risk");
    expect(levelText("orange", undefined, "warning", "zh")).toBe("建议橙色预警");
    expect(levelText("heavy", { zh: "重度污染", en: "heavily polluted" }, undefined, "en")).toBe(
      "heavily polluted",
    );
    expect(levelText("custom", undefined, undefined, "zh")).toBe("custom");
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

  it("names an alert's rule by its description, in the page's language", () => {
    const alert = {
      ruleId: "aqi-hourly-heavy",
      ruleDescription: {
        zh: "小时AQI重度及以上污染（AQI > 200）",
        en: "Hourly AQI heavily or severely polluted (above 200)",
      },
    };
    expect(ruleLine(alert, "zh")).toBe("规则：小时AQI重度及以上污染（AQI > 200）");
    expect(ruleLine(alert, "en")).toBe("Rule: Hourly AQI heavily or severely polluted (above 200)");
    // An API without the rules file, or a rule no longer in it: nothing to say.
    expect(ruleLine({}, "zh")).toBe("");
    expect(ruleLine(undefined, "en")).toBe("");
  });

  it("words rules-file durations", () => {
    expect(durationWords("2h", "zh")).toBe("2小时");
    expect(durationWords("45m", "en")).toBe("45 min");
    expect(durationWords("7d", "zh")).toBe("7天");
    expect(durationWords("0", "en")).toBe("");
    expect(durationWords(undefined, "zh")).toBe("");
  });

  // Rules as GET /api/v1/rules answers them for config/rules.yaml (services/api/src/routes/rules.test.ts).
  const HEAVY: RuleSummary = {
    id: "aqi-hourly-heavy",
    kind: "levels",
    subject: { index: "aqi" },
    window: "1h",
    comparison: ">",
    levels: [
      {
        id: "heavy",
        name: { zh: "重度污染", en: "heavily polluted" },
        threshold: 200,
        clearThreshold: 180,
        severity: "warning",
      },
      {
        id: "severe",
        name: { zh: "严重污染", en: "severely polluted" },
        threshold: 300,
        clearThreshold: 280,
        severity: "critical",
      },
    ],
    for: "1h",
    clear: { for: "2h" },
    stepDownFor: "2h",
    damping: "3h",
    standard: "AQI categories 201–300 重度污染, > 300 严重污染",
  };
  const text = (rule: RuleSummary, lang: "zh" | "en") =>
    Object.fromEntries(ruleConditions(rule, { metrics: METRICS, lang }).map((l) => [l.label, l.text]));

  it("lists a levelled rule's thresholds, window, and when it is raised, steps down and clears", () => {
    expect(text(HEAVY, "zh")).toEqual({
      条件: "重度污染：AQI > 200，≤ 180 方回落；严重污染：AQI > 300，≤ 280 方回落",
      时段: "1小时",
      触发: "条件持续 1小时 后",
      降级: "较低级别持续 2小时 后",
      解除: "条件连续 2小时 不满足后，且其后 3小时 未再出现",
      依据: "AQI categories 201–300 重度污染, > 300 严重污染",
    });
    expect(text(HEAVY, "en")).toMatchObject({
      Condition: "heavily polluted: AQI > 200, left at ≤ 180; severely polluted: AQI > 300, left at ≤ 280",
      Window: "1 h",
      Raised: "after the condition holds for 1 h",
      "Steps down": "after 2 h at a lower level",
      Clears: "after 2 h without the condition, and 3 h without a recurrence",
    });
  });

  it("words the other kinds of rule", () => {
    const base = { for: "0", clear: { for: "0" }, damping: "0" };
    const gb = text(
      {
        ...base,
        id: "gb3095-24h-pm25",
        kind: "gb3095-limit",
        subject: { metric: "pm25" },
        window: "day",
        threshold: { gb3095: { grade: "station", averaging: "24h" } },
      },
      "zh",
    );
    expect(gb).toMatchObject({
      条件: "PM2.5 超过GB 3095 24小时平均限值（一类区一级、二类区二级）",
      时段: "北京时间自然日",
      触发: "条件满足即触发",
      解除: "条件不再满足即解除",
    });
    expect(gb).not.toHaveProperty("降级");
    const threshold = text(
      {
        ...base,
        id: "x",
        kind: "threshold",
        subject: { metric: "pm25" },
        window: "24h",
        comparison: ">",
        threshold: 75,
        clear: { threshold: 70, for: "1h" },
      },
      "en",
    );
    expect(threshold.Condition).toBe("PM2.5 > 75 µg/m³ (clears at ≤ 70 µg/m³)");
    expect(threshold.Window).toBe("rolling 24 h");
    const warning = text(
      {
        ...base,
        id: "w",
        kind: "warning-levels",
        subject: { index: "aqi" },
        window: "24h",
        warning: { preset: "2024", title: "预案", levels: ["yellow", "orange", "red"] },
        stepDownFor: "12h",
        clear: { for: "36h" },
      },
      "zh",
    );
    expect(warning).toMatchObject({
      条件: "重污染天气预警级别 黄色、橙色、红色（预案）",
      降级: "较低级别持续 12小时 后",
      解除: "条件连续 36小时 不满足后",
    });
    const annual = text(
      {
        ...base,
        id: "a",
        kind: "annual-target",
        subject: { metric: "pm25" },
        window: "year-to-date",
        annualTarget: { target: 32, atRiskMargin: 0.1 },
        clear: { for: "7d" },
      },
      "en",
    );
    expect(annual).toMatchObject({
      Condition: "PM2.5 annual-mean target 32 µg/m³, at risk above 28.8 µg/m³",
      Window: "year to date",
      Clears: "after 7 d without the condition",
    });
    const water = text(
      {
        ...base,
        id: "w",
        kind: "water-class",
        subject: { index: "water_class" },
        window: "latest",
        maxAge: "1d",
        comparison: "worse_than_target",
        stepDownFor: "6h",
      },
      "zh",
    );
    expect(water).toMatchObject({
      条件: "水质类别劣于断面目标类别（GB 3838）",
      时段: "最新值（不早于 1天 前）",
    });
    expect(
      text({ ...base, id: "s", kind: "data-quality", subject: { check: "silent", intervals: 3 } }, "en"),
    ).toMatchObject({
      Condition: "no data for 3 reporting intervals",
    });
    expect(
      text(
        {
          ...base,
          id: "f",
          kind: "data-quality",
          subject: { check: "flag_duration", flags: ["C", "M"], maxDuration: "4h" },
        },
        "zh",
      ),
    ).toMatchObject({
      条件: "数据标记 C、M 持续超过 4小时",
    });
  });
});
