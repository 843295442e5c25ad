// Pure wording helpers of the alerts, charts and compliance views (no DOM): unit-tested in
// services/dashboard/src/labels.test.ts. `lang` is "zh" or "en".

import { displayMeasure, formatAge } from "./format.js";

/** The GB 3095 grade that applies to a station's ambient-air area class (GB 3095-2012 §4.2: class 1 → Grade I, class 2 → Grade II). */
export function airGrade(airArea) {
  return airArea === "class1" ? "I" : "II";
}

const GRADE_NAME = { I: ["一级", "Grade I"], II: ["二级", "Grade II"] };
const AVERAGING = {
  "24h": ["24小时平均", "24-h"],
  "1h": ["1小时平均", "1-h"],
  annual: ["年平均", "Annual"],
  dailyMax8h: ["日最大8小时平均", "Daily max 8-h"],
};

/** "24小时平均一级限值" / "24-h Grade I limit": a GB 3095 limit line's name for the grade it is of. */
export function limitName(averaging, grade, lang) {
  const i = lang === "zh" ? 0 : 1;
  const avg = AVERAGING[averaging]?.[i] ?? averaging;
  const g = GRADE_NAME[grade]?.[i] ?? grade;
  return lang === "zh" ? `${avg}${g}限值` : `${avg} ${g} limit`;
}

/** "一级" / "Grade I". */
export function gradeName(grade, lang) {
  return GRADE_NAME[grade]?.[lang === "zh" ? 0 : 1] ?? grade;
}

const DAY_MS = 86_400_000;
const BEIJING_MS = 8 * 3_600_000;

/**
 * Epoch ms at which an alert's episode began, for its age: the data time its condition started
 * (startedAt); for a calendar-window alert (a day-step rule) startedAt is the END of the day
 * assessed, so the start of that Beijing day; raisedAt (processing time) only when neither is known.
 */
export function alertStartMs(alert) {
  const started = Date.parse(alert.startedAt ?? "");
  if (Number.isNaN(started)) return Date.parse(alert.raisedAt);
  if (!alert.calendarWindow) return started;
  const day = started - 1;
  return Math.floor((day + BEIJING_MS) / DAY_MS) * DAY_MS - BEIJING_MS;
}

/**
 * What releases a warning held while it steps down, from the engine's ongoing text ("…；低于橙色条件满12小时降为黄色，
 * 连续36小时不满足黄色条件方解除。" / "…Beijing time; drops to yellow after 12 h …, released only after 36 h
 * without the yellow condition."); "" when the message does not say.
 */
export function releaseText(message, lang) {
  const text = lang === "zh" ? (message?.zh ?? "") : (message?.en ?? "");
  const m =
    lang === "zh"
      ? /((?:低于[^；。]*?，)?连续[^；。]*?方解除)/.exec(text)
      : /((?:drops to [^;]*?, )?(?:released|resolved) only after [^;]*?)\.?$/.exec(text);
  return m?.[1] ?? "";
}

const WARNING_COLOURS = {
  blue: { zh: "蓝色", en: "blue" },
  yellow: { zh: "黄色", en: "yellow" },
  orange: { zh: "橙色", en: "orange" },
  red: { zh: "红色", en: "red" },
};

/**
 * A heavy-pollution warning level as the console and the notifier's mails name it: on the
 * health-advisory path (heavy-pollution-warning.md §3.3: an O3-driven episode is a public health
 * advisory, not the warning procedure) "健康提示 · 黄色级别" / "Health advisory · yellow level", else
 * (path `warning`, or absent: stored before paths) "建议黄色预警" / "Yellow warning suggested" — a
 * level suggested from observations, never an issued warning (§3). Undefined for a level that is no
 * warning colour.
 */
export function warningLevelText(level, path, lang) {
  const colour = WARNING_COLOURS[level];
  if (!colour) return undefined;
  if (path === "healthAdvisory")
    return lang === "zh" ? `健康提示 · ${colour.zh}级别` : `Health advisory · ${colour.en} level`;
  return lang === "zh"
    ? `建议${colour.zh}预警`
    : `${colour.en.charAt(0).toUpperCase()}${colour.en.slice(1)} warning suggested`;
}

// The PM2.5 annual-target rule's levels (packages/rules observe.ts, worded as its messages word them):
// their alerts carry no levelName, only the id.
const ANNUAL_TARGET_LEVELS = {
  on_track: { zh: "可达标", en: "on track" },
  at_risk: { zh: "有超标风险", en: "at risk" },
  exceeded: { zh: "已无法达标", en: "exceeded" },
};

/**
 * An alert's level as its badge names it: the rule's own name for it (`levelName`, a `levels:` rule),
 * a warning colour by its path (warningLevelText), a PM2.5 annual-target level ("有超标风险" / "at
 * risk"), else the level id as it is.
 *
 * @example levelText("at_risk", undefined, undefined, "zh") // "有超标风险"
 */
export function levelText(level, levelName, path, lang) {
  if (levelName) return (lang === "zh" ? levelName.zh : levelName.en) ?? levelName.zh ?? levelName.en;
  const warning = warningLevelText(level, path, lang);
  if (warning) return warning;
  const target = ANNUAL_TARGET_LEVELS[level];
  return target ? target[lang === "zh" ? "zh" : "en"] : level;
}

/**
 * Whether an alert's event changed its path only (heavy-pollution-warning.md §3.3): a `level_changed`
 * event at the level of the raise or level change before it, on another path (an event without one
 * is on the warning path). Returns the path it changed to, else undefined. `events` in time order.
 */
export function pathChangeOf(events, index) {
  const event = events[index];
  if (event?.type !== "level_changed" || !event.path) return undefined;
  const before = events
    .slice(0, index)
    .filter((e) => e.type === "raised" || e.type === "level_changed")
    .at(-1);
  if (!before || before.level !== event.level || (before.path ?? "warning") === event.path) return undefined;
  return event.path;
}

/** An event's name in an alert's history: a change of path only says which, as the notifier's mails do. */
export function eventLabel(events, index, lang, fallback) {
  const path = pathChangeOf(events, index);
  if (path === "healthAdvisory") return lang === "zh" ? "转为健康提示" : "Now a health advisory";
  if (path === "warning") return lang === "zh" ? "转为建议预警" : "Now a suggested warning";
  return fallback;
}

/**
 * The district's level as the warning line and banner name it: the API's name of a warning level
 * ("橙色预警"), a health advisory as `warningLevelText` does ("健康提示 · 橙色级别").
 */
export function districtLevelText(district, lang) {
  const name = lang === "zh" ? district.zh : district.en;
  if (district.path !== "healthAdvisory") return name;
  return warningLevelText(district.level, district.path, lang) ?? name;
}

/**
 * The district warning line: "橙色预警，自 11月30日 04:00 起（逐级解除中，…方解除）" — the level with the time
 * it has held since (`levelSince`, else `since`), and, when its condition no longer holds, that it is
 * stepping down and what releases it; a health advisory "健康提示 · 橙色级别，自 … 起". `when` formats an
 * ISO time for people.
 */
export function warningLine(district, lang, when) {
  const name = districtLevelText(district, lang);
  const since = district.levelSince ?? district.since;
  const release = district.conditionHolds === false ? releaseText(district.message, lang) : "";
  if (lang === "zh") {
    const stepping =
      district.conditionHolds === false ? `（逐级解除中${release ? `，${release}` : ""}）` : "";
    return `${name}${since ? `，自 ${when(since)} 起` : ""}${stepping}`;
  }
  const stepping =
    district.conditionHolds === false ? ` (stepping down${release ? `: ${release}` : ""})` : "";
  return `${name}${since ? `, since ${when(since)}` : ""}${stepping}`;
}

/** A unit as written in `lang`: none for a dimensionless quantity (pH); negative ions 个/cm³ in Chinese, ions/cm³ in English. */
export function unitText(unit, lang) {
  if (!unit || unit === "dimensionless") return "";
  if (unit === "ions/cm³") return lang === "zh" ? "个/cm³" : "ions/cm³";
  return unit;
}

// Pollutants by their symbols (short enough for a table column and a picker).
const SYMBOLS = { pm25: "PM2.5", pm10: "PM10", so2: "SO₂", no2: "NO₂", co: "CO", o3: "O₃", aqi: "AQI" };

/** A metric's display name: the pollutant symbol (PM2.5), else the catalogue name (总磷 / Total phosphorus), else the id. */
export function metricLabel(metric, metrics, lang) {
  if (SYMBOLS[metric]) return SYMBOLS[metric];
  const m = metrics?.[metric];
  return (lang === "zh" ? m?.zh : m?.en) ?? metric;
}

/** "PM2.5 (µg/m³)" / "pH值": a metric picker's option text. */
export function metricOption(metric, metrics, lang) {
  const unit = unitText(metrics?.[metric]?.unit, lang);
  return unit ? `${metricLabel(metric, metrics, lang)} (${unit})` : metricLabel(metric, metrics, lang);
}

const WATER_CLASS_NAMES = ["I", "II", "III", "IV", "V", "劣V"];

/** "III类" / "Class III" from a class (Roman numeral text or 1 … 6). */
export function waterClassText(cls, lang) {
  const name = typeof cls === "number" ? (WATER_CLASS_NAMES[cls - 1] ?? String(cls)) : cls;
  if (lang === "zh") return `${name}类`;
  return name === "劣V" ? "worse than Class V" : `Class ${name}`;
}

/**
 * When a silence alert's station last sent data (UTC ms): its value is the silent time in whole
 * minutes when the raise (or level change) was evaluated, at `valueAt` (else `raisedAt`), so the
 * last data is that time less the value (to the minute, never earlier than it was). Undefined for
 * another alert or one without those fields.
 *
 * @example
 * silenceLastDataMs({ metric: "silence", value: 3, valueAt: "2026-11-28T10:03:00+08:00" }) // 10:00 Beijing
 */
export function silenceLastDataMs(alert) {
  if (alert.metric !== "silence" || typeof alert.value !== "number") return undefined;
  const at = Date.parse(alert.valueAt ?? alert.raisedAt ?? "");
  return Number.isNaN(at) ? undefined : at - alert.value * 60_000;
}

/**
 * An alert's value / threshold cell: the value with its metric and unit ("PM2.5 40.8 µg/m³ / 35 µg/m³"),
 * a water class as a class against the section's target ("III类 / 目标 II类"), a station's silence as a
 * duration — with `now` (UTC ms) the current one, since the last data (`silenceLastDataMs`), else the
 * one at the raise; "" when the alert carries no value. `targetClass` is the station's (water sections).
 */
export function alertValueText(alert, { metrics, targetClass, lang, now }) {
  if (alert.value === undefined || alert.value === null) return "";
  const { metric, value, threshold } = alert;
  if (metric === "water_class") {
    const target =
      targetClass === undefined
        ? ""
        : ` / ${lang === "zh" ? `目标 ${waterClassText(targetClass, lang)}` : `target ${waterClassText(targetClass, lang)}`}`;
    return `${waterClassText(value, lang)}${target}`;
  }
  if (metric === "silence") {
    // Silent for as long as now: since the last data, not the length at the raise (value).
    const last = now === undefined ? undefined : silenceLastDataMs(alert);
    const age = last === undefined ? formatAge(0, value * 60_000, lang) : formatAge(last, now, lang);
    return `${lang === "zh" ? "无数据" : "silent"} ${age}`;
  }
  const unit = unitText(metrics?.[metric]?.unit, lang);
  const withUnit = (v) => `${displayMeasure(v)}${unit ? ` ${unit}` : ""}`;
  const name = metric ? `${metricLabel(metric, metrics, lang)} ` : "";
  return `${name}${withUnit(value)}${threshold !== undefined && threshold !== null ? ` / ${withUnit(threshold)}` : ""}`;
}

/**
 * A rule's `standard` text in one language: its bilingual glosses reduced to the page's — a Chinese
 * title followed by its English one at a clause's start keeps the one ("重污染天气预警分级 heavy-pollution
 * warning levels" → "heavy-pollution warning levels" / "重污染天气预警分级"), "(provisional 暂行)" reads
 * "(provisional)" / "（暂行）".
 */
export function standardLine(standard, lang) {
  if (!standard) return "";
  return standard
    .split(/;\s*/)
    .map((part) => {
      let p = part.replace(/\s*\(provisional 暂行\)/g, lang === "zh" ? "（暂行）" : " (provisional)");
      const m = /^([\u4e00-\u9fff]+)\s+([A-Za-z][A-Za-z -]*[A-Za-z])(?=,|$)/.exec(p);
      if (m) p = (lang === "zh" ? m[1] : m[2]) + p.slice(m[0].length);
      return p;
    })
    .join(lang === "zh" ? "；" : "; ");
}

const SEVERITY_TAG = /^\s*(?:【(?:严重|警告|提示|已解除)】|\[(?:critical|warning|info|resolved)\]\s*)/;

/** An alert message without its leading severity tag ("【严重】", "[critical]"): the row shows the severity as a badge. */
export function withoutSeverityTag(text) {
  return (text ?? "").replace(SEVERITY_TAG, "");
}

/**
 * What an alert is about, from the engine's message ("【严重】碧湖镇：饮用水水源地水质未达目标类别（III类）。…" →
 * "饮用水水源地水质未达目标类别（III类）"): the rule's description and level; the whole message (untagged)
 * when it is not worded so.
 */
export function alertSubject(text, lang) {
  const t = withoutSeverityTag(text);
  const m = lang === "zh" ? /^[^：]+：(.+?)。/.exec(t) : /^[^:]+: (.+?)\.(?:\s|$)/.exec(t);
  return m?.[1] ?? t;
}

/** The API's reason for a section without any value in the period (services/api water-class.ts). */
const NO_DATA_REASON = "no parameter has data in the period";
/** The API's reason for a period whose first month has had too few completed days to be assessed at all. */
const NOT_YET = /^not assessable yet\b/;

/**
 * A section's valid days so far: those of its parameter with the fewest among the ones that kept it
 * from a class ("not assessed: do (2 valid daily means; needs ≥ 27)" → 2); 0 when it has no data;
 * undefined when the reason does not say.
 */
function validDaysOf(section) {
  const reason = section.reason ?? "";
  const days = [...reason.matchAll(/(\d+) valid daily means?; needs ≥ \d+/g)].map((m) => Number(m[1]));
  if (days.length > 0) return Math.min(...days);
  return reason.includes(NO_DATA_REASON) ? 0 : undefined;
}

/** "3" or "2–5": the valid days of `sections` so far; "" when no reason says. */
function validDaysRange(sections) {
  const days = sections.map(validDaysOf).filter((d) => d !== undefined);
  if (days.length === 0) return "";
  const low = Math.min(...days);
  const high = Math.max(...days);
  return low === high ? String(low) : `${low}–${high}`;
}

/**
 * The note under a water share card: "3 / 5" (meeting / assessed), with how many sections had too
 * few data; "9 个断面，均数据不足（需 ≥ 27 个有效日）" when none could be assessed — the minimum read from the
 * sections' reasons ("2 valid daily means; needs ≥ 27"); "9 个断面，本期无数据" when no section has any data in
 * the period. While the period is under way and the sections only lack days that are still to come,
 * it says so with their valid days so far: "本月进行中：9 个断面，目前各有 3 个有效日（需 ≥ 27 个）" — a
 * monthly mean needs ≥ 27 valid days, 25 in February (HJ 663's monthly rule, air-aqi.md §8, as the
 * API applies it to water), so a month is not assessable before its 28th day however good its data. `sections` are the card's
 * section rows; `period` the API answer's `period` ("month" | "year") and `inProgress`.
 */
export function waterShareNote(share, sections, lang, period = {}) {
  const needs = sections.map((s) => /needs ≥ (\d+)/.exec(s.reason ?? "")?.[1]).find((n) => n !== undefined);
  const core =
    needs === undefined ? "" : lang === "zh" ? `需 ≥ ${needs} 个有效日` : `≥ ${needs} valid days needed`;
  if (share.sections === 0) return lang === "zh" ? "无断面" : "no sections";
  // One drinking-water source is common: "1 section", not "1 sections".
  const sectionsEn = share.sections === 1 ? "1 section" : `${share.sections} sections`;
  const short = sections.filter((s) => s.reason !== undefined && s.valid !== true);
  // Too few days yet, not too few data: the API says so before the month's 27th completed day; a
  // month under way may still gain the days it lacks. A year's ended months that fell short do not.
  const pending =
    short.length > 0 &&
    short.every((s) => NOT_YET.test(s.reason) || (period.inProgress === true && period.period === "month"));
  if (pending) {
    const range = validDaysRange(short);
    const under =
      lang === "zh"
        ? period.period === "year"
          ? "本年进行中"
          : "本月进行中"
        : period.period === "year"
          ? "Year in progress"
          : "Month in progress";
    if (share.assessed === 0) {
      if (lang === "zh") {
        const days =
          range === "" ? "尚不能评价" : `目前${share.sections === 1 ? "" : "各"}有 ${range} 个有效日`;
        return `${under}：${share.sections} 个断面，${days}${needs === undefined ? "" : `（需 ≥ ${needs} 个）`}`;
      }
      const days =
        range === ""
          ? "not assessable yet"
          : `${range} valid day${range === "1" ? "" : "s"} so far${share.sections === 1 ? "" : " each"}`;
      return `${under}: ${sectionsEn}, ${days}${needs === undefined ? "" : ` (≥ ${needs} needed)`}`;
    }
    const counted = `${share.meeting} / ${share.assessed}`;
    if (lang === "zh") {
      const days =
        range === ""
          ? "尚不能评价"
          : `目前${(share.notAssessable ?? short.length) === 1 ? "" : "各"}有 ${range} 个有效日`;
      return `${counted}（${under}，另 ${share.notAssessable ?? short.length} 个断面${days}${needs === undefined ? "" : `，需 ≥ ${needs} 个`}）`;
    }
    const days = range === "" ? "not assessable yet" : `${range} valid day${range === "1" ? "" : "s"} so far`;
    return `${counted} (${under.toLowerCase()}; ${share.notAssessable ?? short.length} more with ${days}${needs === undefined ? "" : `, ≥ ${needs} needed`})`;
  }
  // No section has any data in the period (a past year without data): nothing to assess is not "too few data".
  if (share.assessed === 0 && sections.length > 0 && sections.every((s) => s.reason === NO_DATA_REASON)) {
    return lang === "zh" ? `${share.sections} 个断面，本期无数据` : `${sectionsEn}, no data in the period`;
  }
  if (share.assessed === 0) {
    const need = core ? (lang === "zh" ? `（${core}）` : ` (${core})`) : "";
    return lang === "zh"
      ? `${share.sections} 个断面，均数据不足${need}`
      : `${sectionsEn}, ${share.sections === 1 ? "not enough data" : "none with enough data"}${need}`;
  }
  const counted = `${share.meeting} / ${share.assessed}`;
  if (!share.notAssessable) return counted;
  return lang === "zh"
    ? `${counted}（另 ${share.notAssessable} 个断面数据不足${core ? `，${core}` : ""}）`
    : `${counted} (${share.notAssessable} more with too few data${core ? `; ${core}` : ""})`;
}

const LINE_LABEL_SLOTS = ["insideEndTop", "insideStartTop", "insideMiddleTop"];

/**
 * Label positions of horizontal threshold lines (ECharts markLine label.position), in the order of
 * `values`: above each line at its right end, and lines closer than `near` (in data units) to one
 * another take turns at the right end, the left end and the middle so their labels never overprint.
 */
export function lineLabelPositions(values, near) {
  const order = values.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
  const out = new Array(values.length);
  let slot = 0;
  let previous;
  for (const [v, i] of order) {
    slot = previous !== undefined && Math.abs(v - previous) < near ? slot + 1 : 0;
    out[i] = LINE_LABEL_SLOTS[slot % LINE_LABEL_SLOTS.length];
    previous = v;
  }
  return out;
}

/**
 * "规则：小时AQI重度及以上污染（AQI > 200）" / "Rule: Hourly AQI heavily or severely polluted (above 200)": what an
 * alert's rule tests (the API's `ruleDescription`, from the rules file); "" when the alert has none.
 */
export function ruleLine(alert, lang) {
  const d = alert?.ruleDescription;
  const text = lang === "zh" ? (d?.zh ?? d?.en) : (d?.en ?? d?.zh);
  if (!text) return "";
  return lang === "zh" ? `规则：${text}` : `Rule: ${text}`;
}

const DURATION_UNITS = { m: ["分钟", "min"], h: ["小时", "h"], d: ["天", "d"] };

/** A rules-file duration as people read it: "2h" → "2小时" / "2 h", "45m" → "45分钟" / "45 min"; "0" → "". */
export function durationWords(text, lang) {
  const m = /^(\d+)([mhd])$/.exec(text ?? "");
  if (!m) return "";
  const [zh, en] = DURATION_UNITS[m[2]];
  return lang === "zh" ? `${m[1]}${zh}` : `${m[1]} ${en}`;
}

const RULE_WINDOWS = {
  "1h": ["1小时", "1 h"],
  "8h": ["8小时滑动", "rolling 8 h"],
  "24h": ["24小时滑动", "rolling 24 h"],
  day: ["北京时间自然日", "Beijing calendar day"],
  month: ["自然月", "calendar month"],
  "year-to-date": ["年初至今", "year to date"],
  latest: ["最新值", "latest value"],
};
// The value no longer compares with a level's clearThreshold: "> 200, leaves at ≤ 180".
const NOT = { ">": "≤", ">=": "<", "<": "≥", "<=": ">" };
const WARNING_LEVEL_NAMES = {
  blue: ["蓝色", "blue"],
  yellow: ["黄色", "yellow"],
  orange: ["橙色", "orange"],
  red: ["红色", "red"],
};

function subjectName(subject, metrics, lang) {
  const index = subject.index ?? "";
  if (index.startsWith("iaqi:")) return `IAQI ${metricLabel(index.slice(5), metrics, lang)}`;
  return metricLabel(subject.metric ?? index, metrics, lang);
}

function conditionText(rule, metrics, lang) {
  const zh = lang === "zh";
  const s = rule.subject ?? {};
  const name = subjectName(s, metrics, lang);
  const unit = unitText(metrics?.[s.metric]?.unit, lang);
  const withUnit = (v) => `${v}${unit ? ` ${unit}` : ""}`;
  switch (rule.kind) {
    case "threshold": {
      const clear = rule.clear?.threshold;
      const back =
        clear === undefined
          ? ""
          : zh
            ? `（${NOT[rule.comparison] ?? ""} ${withUnit(clear)} 方解除）`
            : ` (clears at ${NOT[rule.comparison] ?? ""} ${withUnit(clear)})`;
      return `${name} ${rule.comparison} ${withUnit(rule.threshold)}${back}`;
    }
    case "gb3095-limit": {
      const { grade, averaging } = rule.threshold?.gb3095 ?? {};
      const avg = AVERAGING[averaging]?.[zh ? 0 : 1] ?? averaging;
      const which =
        grade === "station"
          ? zh
            ? "一类区一级、二类区二级"
            : "Grade I in class 1 areas, Grade II in class 2"
          : gradeName(grade, lang);
      return zh
        ? `${name} 超过GB 3095 ${avg}限值（${which}）`
        : `${name} above the GB 3095 ${avg} limit (${which})`;
    }
    case "levels":
      return (rule.levels ?? [])
        .map((level) => {
          const levelName = (zh ? level.name?.zh : level.name?.en) ?? level.id;
          const back =
            level.clearThreshold === undefined
              ? ""
              : zh
                ? `，${NOT[rule.comparison] ?? ""} ${withUnit(level.clearThreshold)} 方回落`
                : `, left at ${NOT[rule.comparison] ?? ""} ${withUnit(level.clearThreshold)}`;
          return `${levelName}${zh ? "：" : ": "}${name} ${rule.comparison} ${withUnit(level.threshold)}${back}`;
        })
        .join(zh ? "；" : "; ");
    case "warning-levels": {
      const w = rule.warning ?? {};
      const levels = (w.levels ?? [])
        .map((l) => WARNING_LEVEL_NAMES[l]?.[zh ? 0 : 1] ?? l)
        .join(zh ? "、" : ", ");
      return zh
        ? `重污染天气预警级别 ${levels}（${w.title ?? w.preset ?? ""}）`
        : `heavy-pollution warning levels ${levels} (${w.title ?? w.preset ?? ""})`;
    }
    case "annual-target": {
      const a = rule.annualTarget ?? {};
      const atRisk = Math.round(a.target * (1 - (a.atRiskMargin ?? 0)) * 10) / 10;
      return zh
        ? `${name} 年均值目标 ${withUnit(a.target)}，高于 ${withUnit(atRisk)} 为有风险`
        : `${name} annual-mean target ${withUnit(a.target)}, at risk above ${withUnit(atRisk)}`;
    }
    case "water-class":
      return zh
        ? "水质类别劣于断面目标类别（GB 3838）"
        : "water class worse than the section's target class (GB 3838)";
    case "noi-grade":
      return zh ? `负氧离子等级（${s.scheme ?? ""}）` : `negative-oxygen-ion grade (${s.scheme ?? ""})`;
    case "data-quality":
      if (s.check === "silent")
        return zh ? `连续 ${s.intervals} 个上报周期无数据` : `no data for ${s.intervals} reporting intervals`;
      if (s.check === "stuck")
        return zh ? `连续 ${s.repeats} 个相同读数` : `${s.repeats} identical values in a row`;
      if (s.check === "out_of_range") return zh ? "读数超出仪器量程" : "value outside the instrument's range";
      if (s.check === "flag_duration")
        return zh
          ? `数据标记 ${(s.flags ?? []).join("、")} 持续超过 ${durationWords(s.maxDuration, lang)}`
          : `data flag ${(s.flags ?? []).join(", ")} lasting over ${durationWords(s.maxDuration, lang)}`;
      return s.check ?? "";
    default:
      return "";
  }
}

/**
 * A rule of GET /api/v1/rules as the alert detail lists it, one { label, text } per line: the
 * condition, the window, when the alert is raised, steps down and clears, and the standard.
 */
export function ruleConditions(rule, { metrics, lang }) {
  const zh = lang === "zh";
  const lines = [{ label: zh ? "条件" : "Condition", text: conditionText(rule, metrics, lang) }];
  if (rule.window) {
    const window = RULE_WINDOWS[rule.window]?.[zh ? 0 : 1] ?? rule.window;
    const age = rule.maxAge
      ? zh
        ? `（不早于 ${durationWords(rule.maxAge, lang)} 前）`
        : ` (at most ${durationWords(rule.maxAge, lang)} old)`
      : "";
    lines.push({ label: zh ? "时段" : "Window", text: `${window}${age}` });
  }
  const holding = durationWords(rule.for, lang);
  lines.push({
    label: zh ? "触发" : "Raised",
    text: holding
      ? zh
        ? `条件持续 ${holding} 后`
        : `after the condition holds for ${holding}`
      : zh
        ? "条件满足即触发"
        : "as soon as the condition holds",
  });
  const down = durationWords(rule.stepDownFor, lang);
  if (down)
    lines.push({
      label: zh ? "降级" : "Steps down",
      text: zh ? `较低级别持续 ${down} 后` : `after ${down} at a lower level`,
    });
  const clearFor = durationWords(rule.clear?.for, lang);
  const damping = durationWords(rule.damping, lang);
  const clears = clearFor
    ? zh
      ? `条件连续 ${clearFor} 不满足后`
      : `after ${clearFor} without the condition`
    : zh
      ? "条件不再满足即解除"
      : "as soon as the condition no longer holds";
  const quiet = damping
    ? zh
      ? `，且其后 ${damping} 未再出现`
      : `, and ${damping} without a recurrence`
    : "";
  lines.push({ label: zh ? "解除" : "Clears", text: `${clears}${quiet}` });
  if (rule.standard) lines.push({ label: zh ? "依据" : "Standard", text: standardLine(rule.standard, lang) });
  return lines;
}

const HOUR_MS = 3_600_000;
/** A calendar-window rule's `window` text → its calendar window (@qingshan/domain calendarWindowOf). */
const CALENDAR_WINDOW_BY_TEXT = {
  "Beijing calendar day": "day",
  "calendar month": "month",
  "year to date": "year-to-date",
};

/**
 * The period an alert event's value belongs to, when the rules engine evaluated it before that
 * period ended and the page's clock `nowMs` has not passed its end either: `{ end, byDay }` (epoch
 * ms of the period's end; `byDay` for a calendar-window rule, whose period is the Beijing day),
 * else undefined. The notifier's test (@qingshan/rules eventInProgress): `at` inside the period
 * that ends at `dataTime` — an hour, a Beijing day for a calendar window. air-aqi.md §8: an hour
 * is labelled by its end, so such a value is provisional until then.
 */
export function inProgressPeriod(event, nowMs) {
  const end = Date.parse(event?.dataTime ?? "");
  const at = Date.parse(event?.at ?? "");
  if (Number.isNaN(end) || Number.isNaN(at)) return undefined;
  const calendar = event.calendarWindow ?? CALENDAR_WINDOW_BY_TEXT[event.window ?? ""];
  const byDay = calendar !== undefined;
  const periodMs = byDay ? DAY_MS : HOUR_MS;
  // A data time further ahead than one period is a clock error, not a period under way.
  const evaluatedInIt = at < end && at > end - periodMs;
  return evaluatedInIt && nowMs < end ? { end, byDay } : undefined;
}

/**
 * The same for an alert's state as GET /api/v1/alerts answers it: the value shown is its latest
 * raise's or level change's, evaluated at `valueAt` for the period ending at `dataTime` — so an
 * alert raised on the hour under way after its condition held for earlier hours (a rule with a
 * duration), or whose level changed on it, is marked; none once resolved, and none when that
 * event carried no data time (the notifier says so too). A state without `valueAt` (an API before
 * the field) falls back to the raise (`raisedAt`) against the period ending at the condition's
 * start (`startedAt`), which catches only an alert raised during the hour its condition began in.
 */
export function alertInProgressPeriod(alert, nowMs) {
  if (alert?.status === "resolved") return undefined;
  const served = alert?.valueAt !== undefined;
  return inProgressPeriod(
    {
      at: served ? alert.valueAt : alert?.raisedAt,
      dataTime: served ? alert.dataTime : alert?.startedAt,
      calendarWindow: alert?.calendarWindow,
      window: alert?.window,
    },
    nowMs,
  );
}

/**
 * A period under way as people read it (air-aqi.md §8: "19:00" labels 18:00–19:00): the hour as
 * its span in Beijing time, "18:00–19:00" (the hour ending at midnight 23:00–24:00); a day
 * "12月1日" / "1 Dec".
 */
export function periodSpan(period, lang) {
  const bj = (ms) => new Date(ms + BEIJING_MS);
  if (period.byDay) {
    const d = bj(period.end - 1);
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return lang === "zh"
      ? `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`
      : `${d.getUTCDate()} ${months[d.getUTCMonth()]}`;
  }
  const start = bj(period.end - HOUR_MS)
    .toISOString()
    .slice(11, 16);
  const end = bj(period.end).toISOString().slice(11, 16);
  return `${start}–${end === "00:00" ? "24:00" : end}`;
}

/** "18:00–19:00 进行中 · 暂定值" / "18:00–19:00 in progress · provisional": the mark of a provisional value. */
export function inProgressMark(period, lang) {
  const span = periodSpan(period, lang);
  return lang === "zh" ? `${span} 进行中 · 暂定值` : `${span} in progress · provisional`;
}
