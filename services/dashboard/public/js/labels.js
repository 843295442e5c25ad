// Pure wording helpers of the alerts, charts and compliance views (no DOM): unit-tested in
// services/dashboard/src/labels.test.ts. `lang` is "zh" or "en".

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

/**
 * The district warning line: "橙色预警，自 11月30日 04:00 起（逐级解除中，…方解除）" — the level with the time
 * it has held since (`levelSince`, else `since`), and, when its condition no longer holds, that it is
 * stepping down and what releases it. `when` formats an ISO time for people.
 */
export function warningLine(district, lang, when) {
  const name = lang === "zh" ? district.zh : district.en;
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
