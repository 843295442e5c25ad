import {
  DEFAULT_NOI_SCHEME,
  NOI_SCHEMES,
  type NoiScheme,
  type NoiSchemeId,
  validateNoiScheme,
} from "@qingshan/standards";
import { z } from "zod";

/** The shipped grade tables' ids (`noi.scheme: candidate-a`). */
const SHIPPED_IDS = Object.keys(NOI_SCHEMES) as NoiSchemeId[];

const EXPECTED = `${SHIPPED_IDS.join(", ")} or a table { id, source, title?, provisional?, grades: [{ grade, min, zh, en, color? }, …] }`;

/** Display colours of a table's grades when it gives none, best first (candidate B's). */
const RAMP = ["#00843d", "#00a651", "#8dc63f", "#ffd700", "#f7941d", "#ed1c24"] as const;

const GRADE_KEYS = ["grade", "min", "zh", "en", "color"] as const;
const TABLE_KEYS = ["id", "source", "title", "provisional", "grades"] as const;

const text = z.string().trim().min(1);

const gradeSchema = z.strictObject({
  grade: text,
  /** Inclusive lower bound, ions/cm³. */
  min: z.number().finite().nonnegative(),
  zh: text,
  en: text,
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, "expected a colour #rrggbb")
    .optional(),
});

const tableSchema = z.strictObject({
  id: text.refine((id) => !(SHIPPED_IDS as string[]).includes(id), {
    error: (issue) =>
      `${String(issue.input)} is a shipped table's id: give the bureau's table an id of its own, or set noi.scheme: ${String(issue.input)}`,
  }),
  /** Where the table comes from, as users read it (API, dashboard). */
  source: text,
  title: z.strictObject({ zh: text, en: text }).optional(),
  /** True until the bureau confirms the table (negative-oxygen-ions.md §2). */
  provisional: z.boolean().default(true),
  /** Best grade (highest min) first; the last min 0. */
  grades: z.array(gradeSchema).min(1, "expected at least one grade"),
});

/** zod reports an unknown key at its object; name the key and what the object accepts instead. */
function unknownKeysIssues(issue: z.core.$ZodIssue): z.core.$ZodRawIssue[] {
  if (issue.code !== "unrecognized_keys") return [issue as z.core.$ZodRawIssue];
  const accepted = typeof issue.path.at(-1) === "number" ? GRADE_KEYS : TABLE_KEYS;
  const where = issue.path.length === 0 ? "noi.scheme" : `noi.scheme.${issue.path.join(".")}`;
  return issue.keys.map((key) => ({
    code: "custom",
    path: [...issue.path, key],
    message: `unknown setting; ${where} accepts ${accepted.join(", ")}`,
    input: undefined,
  }));
}

/**
 * `noi.scheme` of the configuration: the NOI grade table the API (/noi/grade, /network, the
 * dashboard) and the evaluator's noi_grade rules share (negative-oxygen-ions.md §2: keep the table
 * in configuration) — a shipped id, or a bureau's table, checked here (order, last min 0, unique
 * grades: validateNoiScheme) with its colours filled in when it gives none.
 *
 * @example
 * noiSchemeSettingSchema.parse("candidate-b") // "candidate-b"
 * noiSchemeSettingSchema.parse({ id: "lishui", source: "丽水市…", grades: [{ grade: "fresh", min: 1000, zh: "清新", en: "fresh" }, { grade: "other", min: 0, zh: "一般", en: "ordinary" }] })
 * // { id: "lishui", …, provisional: true, grades: [{ …, color: "#00843d" }, { …, color: "#ed1c24" }] }
 */
export const noiSchemeSettingSchema = z
  .unknown()
  .transform((value, ctx): NoiSchemeId | NoiScheme => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      if (typeof value === "string" && (SHIPPED_IDS as string[]).includes(value)) return value as NoiSchemeId;
      ctx.issues.push({ code: "custom", message: `expected ${EXPECTED}`, input: value });
      return z.NEVER;
    }
    const parsed = tableSchema.safeParse(value, { reportInput: true });
    if (!parsed.success) {
      ctx.issues.push(...parsed.error.issues.flatMap(unknownKeysIssues));
      return z.NEVER;
    }
    const { title, ...rest } = parsed.data;
    const last = parsed.data.grades.length - 1;
    const table: NoiScheme = {
      ...rest,
      ...(title ? { title } : {}),
      grades: parsed.data.grades.map((g, i) => ({
        ...g,
        color: g.color ?? (RAMP[last === 0 ? 0 : Math.round((i * (RAMP.length - 1)) / last)] as string),
      })),
    };
    try {
      validateNoiScheme(table);
    } catch (error) {
      ctx.issues.push({ code: "custom", path: ["grades"], message: (error as Error).message, input: value });
      return z.NEVER;
    }
    return table;
  })
  .default(DEFAULT_NOI_SCHEME);
