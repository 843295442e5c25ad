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
