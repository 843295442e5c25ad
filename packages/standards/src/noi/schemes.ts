/**
 * Negative (oxygen) ion concentration grade tables (ions/cm³, 个/cm³). None is verified against a
 * standard text (negative-oxygen-ions.md §2): both ship labelled provisional, and a bureau-supplied
 * table can be used through `gradeNoiWith`. Higher is better; each grade is the half-open interval
 * [min, next grade's min). Colours are Qingshan display choices, not from any standard.
 */

export interface NoiGrade {
  readonly grade: string;
  /** Inclusive lower bound, ions/cm³. */
  readonly min: number;
  readonly zh: string;
  readonly en: string;
  readonly color: string;
}

export interface NoiScheme {
  readonly id: string;
  /** Where the table comes from, as users read it (document and status, no internal notes). */
  readonly source: string;
  /** Short name for alert texts ("QX/T 380-2017 四级"); the id when absent. */
  readonly title?: { readonly zh: string; readonly en: string };
  /** True until the bureau confirms the table. */
  readonly provisional: boolean;
  /** Grades, best (highest min) first; the last grade's min must be 0. */
  readonly grades: readonly NoiGrade[];
}

export type NoiSchemeId = "candidate-a" | "candidate-b";

/** Candidate A: four levels, commonly attributed to QX/T 380-2017 (negative-oxygen-ions.md §2, unverified). */
export const NOI_CANDIDATE_A: NoiScheme = Object.freeze({
  id: "candidate-a",
  // Recalled, not read from QX/T 380-2017 (negative-oxygen-ions.md §2 candidate A, unverified):
  // hence "provisional" until the bureau confirms the table.
  source: "QX/T 380-2017 空气负（氧）离子浓度等级, four grades (provisional 暂行)",
  title: Object.freeze({ zh: "QX/T 380-2017 四级", en: "QX/T 380-2017, four grades" }),
  provisional: true,
  grades: Object.freeze([
    {
      grade: "I",
      min: 1200,
      zh: "非常有利于健康，空气清新",
      en: "very beneficial to health, air fresh",
      color: "#00a651",
    }, // candidate A: I ≥ 1200
    { grade: "II", min: 500, zh: "有利于健康", en: "beneficial to health", color: "#8dc63f" }, // candidate A: II 500 – < 1200
    { grade: "III", min: 100, zh: "一般", en: "ordinary", color: "#ffd700" }, // candidate A: III 100 – < 500
    { grade: "IV", min: 0, zh: "不利于健康", en: "unfavourable to health", color: "#f7941d" }, // candidate A: IV < 100
  ]),
});

/** Candidate B: six levels seen in forestry and "ecological" publications (negative-oxygen-ions.md §2, unverified). */
export const NOI_CANDIDATE_B: NoiScheme = Object.freeze({
  id: "candidate-b",
  // Recalled from forestry publications, no standard text (negative-oxygen-ions.md §2 candidate
  // B, unverified): hence "provisional".
  source: "six-grade scale of forestry ecological monitoring practice (provisional 暂行)",
  title: Object.freeze({ zh: "林业生态监测六级", en: "forestry six-grade scale" }),
  provisional: true,
  grades: Object.freeze([
    { grade: "I", min: 3000, zh: "Ⅰ级", en: "Grade I", color: "#00843d" }, // candidate B: I ≥ 3000
    { grade: "II", min: 1200, zh: "Ⅱ级", en: "Grade II", color: "#00a651" }, // candidate B: II 1200 – < 3000
    { grade: "III", min: 500, zh: "Ⅲ级", en: "Grade III", color: "#8dc63f" }, // candidate B: III 500 – < 1200
    { grade: "IV", min: 300, zh: "Ⅳ级", en: "Grade IV", color: "#ffd700" }, // candidate B: IV 300 – < 500
    { grade: "V", min: 100, zh: "Ⅴ级", en: "Grade V", color: "#f7941d" }, // candidate B: V 100 – < 300
    { grade: "VI", min: 0, zh: "Ⅵ级", en: "Grade VI", color: "#ed1c24" }, // candidate B: VI < 100
  ]),
});

/** The shipped schemes by id; candidate A is the provisional default (negative-oxygen-ions.md §2). */
export const NOI_SCHEMES: Readonly<Record<NoiSchemeId, NoiScheme>> = Object.freeze({
  "candidate-a": NOI_CANDIDATE_A,
  "candidate-b": NOI_CANDIDATE_B,
});

export const DEFAULT_NOI_SCHEME: NoiSchemeId = "candidate-a";
