import type { NoiScheme, NoiSchemeId } from "./schemes.ts";
import { DEFAULT_NOI_SCHEME, NOI_SCHEMES } from "./schemes.ts";

export interface NoiGradeResult {
  grade: string;
  zh: string;
  en: string;
  color: string;
  /** Id of the scheme that produced the grade. */
  scheme: string;
  provisional: boolean;
}

/**
 * Checks a grade table: at least one grade, mins finite and strictly decreasing, the last min 0
 * (so every non-negative concentration has a grade), grade names unique.
 *
 * @throws RangeError describing the first problem
 * @example
 * validateNoiScheme({ id: "local", source: "bureau", provisional: false,
 *   grades: [{ grade: "fresh", min: 1000, zh: "清新", en: "fresh", color: "#0a0" },
 *            { grade: "other", min: 0, zh: "一般", en: "ordinary", color: "#aa0" }] }) // ok
 */
export function validateNoiScheme(scheme: NoiScheme): void {
  const { grades } = scheme;
  if (grades.length === 0) throw new RangeError(`NOI scheme ${scheme.id}: no grades`);
  const names = new Set<string>();
  grades.forEach((g, i) => {
    if (!Number.isFinite(g.min) || g.min < 0)
      throw new RangeError(`NOI scheme ${scheme.id}: grades[${i}].min must be finite and ≥ 0`);
    const previous = grades[i - 1];
    if (previous !== undefined && !(g.min < previous.min)) {
      throw new RangeError(
        `NOI scheme ${scheme.id}: grades[${i}].min must be below grades[${i - 1}].min (best grade first)`,
      );
    }
    if (names.has(g.grade)) throw new RangeError(`NOI scheme ${scheme.id}: duplicate grade ${g.grade}`);
    names.add(g.grade);
  });
  if (grades[grades.length - 1]?.min !== 0)
    throw new RangeError(`NOI scheme ${scheme.id}: the last grade's min must be 0`);
}

/**
 * The grade table a setting names: a shipped scheme by id (`candidate-a`, `candidate-b`), or a
 * table given whole (a bureau's), checked with validateNoiScheme. One function for the API and the
 * rule engine, so both grade with the same table (negative-oxygen-ions.md §2: keep the table in
 * configuration).
 *
 * @throws RangeError for an unknown id or an invalid table
 * @example
 * noiSchemeOf("candidate-b").grades.length // 6
 * noiSchemeOf(bureauTable) === bureauTable  // true
 */
export function noiSchemeOf(setting: NoiSchemeId | NoiScheme): NoiScheme {
  if (typeof setting === "object") {
    validateNoiScheme(setting);
    return setting;
  }
  const table = Object.hasOwn(NOI_SCHEMES, setting) ? NOI_SCHEMES[setting] : undefined;
  if (table === undefined)
    throw new RangeError(
      `noi: unknown scheme ${JSON.stringify(setting)}; expected ${Object.keys(NOI_SCHEMES).join(", ")} or a table`,
    );
  return table;
}

/**
 * Grades a concentration (ions/cm³) with any table: the first grade whose min ≤ value, grades
 * being half-open intervals [min, next) (negative-oxygen-ions.md §2). Apply it to means (hourly,
 * daily, annual), not single instrument readings. Comparisons are between the given doubles, with
 * no arithmetic, hence exact.
 *
 * @throws RangeError for an invalid table or a non-finite or negative value
 * @example
 * gradeNoiWith(NOI_CANDIDATE_B, 1200).grade // "II"
 */
export function gradeNoiWith(table: NoiScheme, value: number): NoiGradeResult {
  validateNoiScheme(table);
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`noi: value must be a finite number ≥ 0, got ${value}`);
  const found = table.grades.find((g) => value >= g.min);
  if (found === undefined) throw new RangeError(`noi: no grade for ${value} in scheme ${table.id}`);
  return {
    grade: found.grade,
    zh: found.zh,
    en: found.en,
    color: found.color,
    scheme: table.id,
    provisional: table.provisional,
  };
}

/**
 * Grades a negative-oxygen-ion concentration (ions/cm³) with a shipped scheme. Both shipped
 * schemes are unverified (negative-oxygen-ions.md §2), so the result is always provisional.
 *
 * @example
 * gradeNoi(1200)                // { grade: "I", …, scheme: "candidate-a", provisional: true }
 * gradeNoi(1199)                // grade "II"
 * gradeNoi(2999, "candidate-b") // grade "II"
 */
export function gradeNoi(
  ionsPerCm3: number,
  scheme: NoiSchemeId = DEFAULT_NOI_SCHEME,
): NoiGradeResult & { provisional: true } {
  const table = NOI_SCHEMES[scheme];
  if (table === undefined) throw new RangeError(`noi: unknown scheme ${String(scheme)}`);
  return { ...gradeNoiWith(table, ionsPerCm3), provisional: true };
}
