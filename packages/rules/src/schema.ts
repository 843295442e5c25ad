import { DATA_FLAGS, METRIC_IDS, SEVERITIES, STATION_KINDS, WARNING_PATHS } from "@qingshan/domain";
import { z } from "zod";
import { parseDuration } from "./duration.ts";

/** Averaging windows a rule can look at (Beijing-time calendar periods for day, month and year). */
export const RULE_WINDOWS = ["1h", "8h", "24h", "day", "month", "year-to-date", "latest"] as const;
export type RuleWindow = (typeof RULE_WINDOWS)[number];

export const COMPARISONS = [">", ">=", "<", "<=", "worse_than_target", "grade"] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const QUALITY_CHECKS = ["silent", "stuck", "out_of_range", "flag_duration"] as const;
export type QualityCheck = (typeof QUALITY_CHECKS)[number];

export const AQI_POLLUTANTS = ["so2", "no2", "co", "o3", "pm10", "pm25"] as const;
export const INDEX_NAMES = [
  "aqi",
  ...AQI_POLLUTANTS.map((p) => `iaqi:${p}` as const),
  "water_class",
  "noi_grade",
] as const;
export type IndexName = (typeof INDEX_NAMES)[number];

export const WARNING_PRESET_CHOICES = ["default", "2017", "2018", "2024"] as const;

function oneOf<T extends readonly string[]>(values: T) {
  return z.enum(values as unknown as [string, ...string[]], {
    error: (issue) =>
      issue.input === undefined
        ? `required: one of ${values.join(", ")}`
        : `expected one of ${values.join(", ")}, received ${JSON.stringify(issue.input)}`,
  }) as unknown as z.ZodType<T[number]>;
}

/** "0" or a whole number of m/h/d, parsed to milliseconds. */
const duration = z.unknown().transform((value, ctx) => {
  const ms = typeof value === "string" ? parseDuration(value) : value === 0 ? 0 : undefined;
  if (ms === undefined) {
    ctx.issues.push({
      code: "custom",
      input: value,
      message: `expected a duration like 45m, 2h, 36h, 7d or 0, received ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

/** zod's error option for a field whose absence should say what it needs (other problems keep zod's message). */
const requiredAs = (hint: string) => ({
  error: (issue: { readonly input?: unknown }) =>
    issue.input === undefined ? `required: ${hint}` : undefined,
});

const bilingual = z.strictObject(
  { zh: z.string().min(1), en: z.string().min(1) },
  requiredAs('{ zh: "…", en: "…" }'),
);
const severity = oneOf(SEVERITIES);
const metricId = oneOf(METRIC_IDS);

const subjectSchema = z
  .strictObject({
    metric: metricId.optional(),
    index: oneOf(INDEX_NAMES).optional(),
    check: oneOf(QUALITY_CHECKS).optional(),
    /** noi_grade: grade table id of @qingshan/standards (candidate-a, candidate-b). */
    scheme: z.enum(["candidate-a", "candidate-b"]).optional(),
    /** silent: expected reporting intervals without any reading. */
    intervals: z.number().int().min(1).optional(),
    /** stuck: identical consecutive values that count as a stuck sensor. */
    repeats: z.number().int().min(2).optional(),
    /** stuck / out_of_range / flag_duration: metrics checked (default: all the station reports). */
    metrics: z.array(metricId).min(1).optional(),
    /** out_of_range: [min, max] per metric, inside the instrument's physical range. */
    ranges: z.record(z.string(), z.tuple([z.number(), z.number()])).optional(),
    /** flag_duration: HJ 212 flags whose runs are timed (e.g. C calibration, M maintenance). */
    flags: z.array(oneOf(DATA_FLAGS)).min(1).optional(),
    /** flag_duration: the longest acceptable run. */
    maxDuration: duration.optional(),
  })
  .superRefine((s, ctx) => {
    const kinds = [s.metric, s.index, s.check].filter((x) => x !== undefined).length;
    if (kinds !== 1) {
      ctx.addIssue({ code: "custom", message: "expected exactly one of metric, index or check", path: [] });
      return;
    }
    const allowed: Record<string, readonly string[]> = {
      silent: ["intervals"],
      stuck: ["repeats", "metrics"],
      out_of_range: ["ranges", "metrics"],
      flag_duration: ["flags", "maxDuration", "metrics"],
      noi_grade: ["scheme"],
    };
    const own = s.check ?? (s.index === "noi_grade" ? "noi_grade" : "");
    const params = ["scheme", "intervals", "repeats", "metrics", "ranges", "flags", "maxDuration"] as const;
    for (const p of params) {
      if (s[p] !== undefined && !(allowed[own] ?? []).includes(p)) {
        ctx.addIssue({ code: "custom", path: [p], message: `not a parameter of ${own || "this subject"}` });
      }
    }
    if (s.check === "silent" && s.intervals === undefined)
      ctx.addIssue({ code: "custom", path: ["intervals"], message: "required for check: silent" });
    if (s.check === "stuck" && s.repeats === undefined)
      ctx.addIssue({ code: "custom", path: ["repeats"], message: "required for check: stuck" });
    if (s.check === "flag_duration") {
      if (s.flags === undefined)
        ctx.addIssue({ code: "custom", path: ["flags"], message: "required for check: flag_duration" });
      if (s.maxDuration === undefined)
        ctx.addIssue({ code: "custom", path: ["maxDuration"], message: "required for check: flag_duration" });
    }
    for (const [metric, range] of Object.entries(s.ranges ?? {})) {
      if (!(METRIC_IDS as readonly string[]).includes(metric))
        ctx.addIssue({ code: "custom", path: ["ranges", metric], message: `unknown metric "${metric}"` });
      else if (!(range[0] < range[1]))
        ctx.addIssue({
          code: "custom",
          path: ["ranges", metric],
          message: "expected [min, max] with min < max",
        });
    }
  });

const gb3095Threshold = z.strictObject({
  gb3095: z.strictObject({
    /**
     * "station" (the default): the grade of the station's area class, GB 3095 §4.2 / Table 1 —
     * Grade I at class 1 areas (station airArea), else Grade II. "I" / "II" fix it.
     */
    grade: oneOf(["I", "II", "station"] as const).default("station"),
    averaging: oneOf(["1h", "24h", "dailyMax8h", "annual"] as const),
  }),
});

const ruleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "lower-case letters, digits, '.', '_', '-'; at most 64 characters");

const levelSchema = z.strictObject({
  /** Part of the alert's level and of level_changed event ids (e.g. "heavy", "severe"). */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "lower-case letters, digits, '_', '-'; at most 32 characters"),
  /** The level as alert texts name it: { zh: 严重污染, en: severely polluted }. */
  name: bilingual.optional(),
  threshold: z.number(),
  /** Hysteresis: the level is left only when the value no longer compares with this one. */
  clearThreshold: z.number().optional(),
  severity,
});

const warningPath = oneOf(WARNING_PATHS);

const warningLevelsSchema = z.strictObject({
  /** Heavy-pollution warning preset of @qingshan/standards; "default" = the evaluator's warningPreset. */
  preset: oneOf(WARNING_PRESET_CHOICES).default("default"),
  /**
   * Path per primary pollutant (heavy-pollution-warning.md §3.3, §3.4 `pollutantRouting`): an
   * episode driven by a pollutant routed `healthAdvisory` is a health advisory (健康提示), not a
   * suggested warning. Given: a pollutant left out is `warning`. Left out: the provisional default
   * `DEFAULT_POLLUTANT_ROUTING` (O3 → healthAdvisory, the rest → warning).
   */
  pollutantRouting: z
    .strictObject({
      so2: warningPath.optional(),
      no2: warningPath.optional(),
      co: warningPath.optional(),
      o3: warningPath.optional(),
      pm10: warningPath.optional(),
      pm25: warningPath.optional(),
    })
    .optional(),
  severities: z
    .strictObject({
      blue: severity.optional(),
      yellow: severity.optional(),
      orange: severity.optional(),
      red: severity.optional(),
    })
    .default({}),
});

const annualTargetSchema = z.strictObject({
  /** Annual-mean target in the metric's unit (Liandu plan: PM2.5 32 µg/m³). */
  target: z.number().positive(),
  /** YTD means above target × (1 − margin) are "at risk". */
  atRiskMargin: z.number().min(0).lt(1).default(0.1),
  severities: z
    .strictObject({ at_risk: severity.default("warning"), exceeded: severity.default("critical") })
    .default({ at_risk: "warning", exceeded: "critical" }),
});

export const ruleSchema = z
  .strictObject({
    id: ruleId,
    description: bilingual,
    /**
     * Rules this one replaces (ids no longer in the file): an alert of theirs left open in the
     * store is resolved when the engine restores it, its message naming this rule.
     */
    replaces: z.array(ruleId).min(1).optional(),
    enabled: z.boolean().default(true),
    appliesTo: z.strictObject(
      {
        /** Station kind, or a list of kinds. */
        kind: z.union([oneOf(STATION_KINDS), z.array(oneOf(STATION_KINDS)).min(1)]),
        /** Only these stations (default: every station of the kind). */
        stations: z.array(z.string().min(1)).min(1).optional(),
        /** Water: only drinking-water sources (true) or only other sections (false). */
        drinkingWaterSource: z.boolean().optional(),
      },
      requiredAs(`{ kind: ${STATION_KINDS.join(" | ")} }`),
    ),
    subject: subjectSchema,
    window: oneOf(RULE_WINDOWS).optional(),
    comparison: oneOf(COMPARISONS).optional(),
    threshold: z
      .union([z.number(), gb3095Threshold], {
        // A { gb3095 } object with a problem inside gets that problem (load.ts formatIssues).
        error: (issue) =>
          typeof issue.input === "object" && issue.input !== null && "gb3095" in issue.input
            ? undefined
            : `expected a number, or { gb3095: { grade, averaging } }, received ${JSON.stringify(issue.input)}`,
      })
      .optional(),
    levels: z.array(levelSchema).min(1).optional(),
    warning: warningLevelsSchema.optional(),
    annualTarget: annualTargetSchema.optional(),
    /** window latest: values older than this are not used. */
    maxAge: duration.default(24 * 3_600_000),
    /** How long the condition must hold before the alert is raised. */
    for: duration.default(0),
    clear: z.strictObject({ threshold: z.number().optional(), for: duration.default(0) }).default({ for: 0 }),
    /** Leveled rules: how long a lower level must hold before stepping down one level (default clear.for). */
    stepDownFor: duration.optional(),
    /** Flap damping: after the clear condition is met the alert stays open this long; a re-raise continues it. */
    damping: duration.default(0),
    severity,
    /** The standard and clause the rule comes from. */
    standard: z.string(requiredAs('the standard and clause it comes from, e.g. "GB 3095-2012 表1"')).min(1),
    routing: z
      .strictObject({
        /** Notifier routes (by name) that deliver this rule's alerts. */
        routes: z.array(z.string().min(1)).min(1).default(["duty"]),
        /** First duty-roster tier notified. */
        tier: z.number().int().min(0).default(0),
      })
      .default({ routes: ["duty"], tier: 0 }),
  })
  .superRefine((rule, ctx) => checkRule(rule, ctx));

export type Rule = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;
export type RuleSubject = Rule["subject"];

export const rulesFileSchema = z.strictObject({ rules: z.array(ruleSchema) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.rules.forEach((rule, i) => {
    if (seen.has(rule.id))
      ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${rule.id}"` });
    seen.add(rule.id);
  });
  const replacedBy = new Map<string, string>();
  file.rules.forEach((rule, i) => {
    rule.replaces?.forEach((old, j) => {
      const path = ["rules", i, "replaces", j];
      if (seen.has(old))
        ctx.addIssue({
          code: "custom",
          path,
          message: `rule "${old}" is still in the file: remove it or this entry`,
        });
      else if (replacedBy.has(old))
        ctx.addIssue({
          code: "custom",
          path,
          message: `rule "${old}" is already replaced by "${replacedBy.get(old)}"`,
        });
      replacedBy.set(old, replacedBy.get(old) ?? rule.id);
    });
  });
});

type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}

const WINDOWS_BY_SUBJECT: Record<string, readonly RuleWindow[]> = {
  metric: ["1h", "8h", "24h", "day", "month", "year-to-date", "latest"],
  aqi: ["1h", "24h", "day"],
  iaqi: ["1h", "24h", "day"],
  water_class: ["latest", "1h", "day"],
  noi_grade: ["latest", "1h", "day"],
};

function checkRule(rule: Rule, ctx: Ctx): void {
  const s = rule.subject;
  const family =
    s.metric !== undefined ? "metric" : s.index?.startsWith("iaqi:") ? "iaqi" : (s.index ?? "check");
  const conditionFields = ["comparison", "threshold", "levels", "warning", "annualTarget"] as const;
  if (family === "check") {
    if (rule.window !== undefined) issue(ctx, ["window"], `not used by check: ${s.check}`);
    for (const f of conditionFields)
      if (rule[f] !== undefined)
        issue(ctx, [f], `not used by check: ${s.check} (the check is the condition)`);
    return;
  }
  const windows = WINDOWS_BY_SUBJECT[family] ?? [];
  if (rule.window === undefined) issue(ctx, ["window"], `required: one of ${windows.join(", ")}`);
  else if (!windows.includes(rule.window))
    issue(
      ctx,
      ["window"],
      `expected one of ${windows.join(", ")} for this subject, received "${rule.window}"`,
    );

  const given = conditionFields.filter((f) => rule[f] !== undefined);
  if (family === "water_class") {
    if (rule.comparison !== "worse_than_target")
      issue(ctx, ["comparison"], `water_class needs comparison: worse_than_target`);
    for (const f of given) if (f !== "comparison") issue(ctx, [f], "not used by water_class");
    if (rule.appliesTo.kind !== "water")
      issue(ctx, ["appliesTo", "kind"], "water_class applies to kind: water");
    return;
  }
  if (family === "noi_grade") {
    if (rule.comparison !== "grade") issue(ctx, ["comparison"], "noi_grade needs comparison: grade");
    for (const f of given) if (f !== "comparison") issue(ctx, [f], "not used by noi_grade");
    return;
  }
  if (rule.comparison === "worse_than_target" || rule.comparison === "grade")
    issue(ctx, ["comparison"], `${rule.comparison} is only for water_class / noi_grade`);
  if (rule.warning !== undefined) {
    if (family !== "aqi" || (rule.window !== "24h" && rule.window !== "day"))
      issue(ctx, ["warning"], "warning levels need subject index: aqi with window 24h or day");
    for (const f of given) if (f !== "warning") issue(ctx, [f], "not used with warning levels");
    return;
  }
  if (rule.annualTarget !== undefined) {
    if (family !== "metric" || rule.window !== "year-to-date")
      issue(ctx, ["annualTarget"], "annualTarget needs a metric subject with window year-to-date");
    for (const f of given) if (f !== "annualTarget") issue(ctx, [f], "not used with annualTarget");
    return;
  }
  if (rule.comparison === undefined) {
    issue(ctx, ["comparison"], "required: one of >, >=, <, <=");
    return;
  }
  const above = rule.comparison === ">" || rule.comparison === ">=";
  if (rule.levels !== undefined) {
    if (rule.threshold !== undefined) issue(ctx, ["threshold"], "use either threshold or levels");
    const ids = new Set<string>();
    rule.levels.forEach((level, i) => {
      if (ids.has(level.id)) issue(ctx, ["levels", i, "id"], `duplicate level id "${level.id}"`);
      ids.add(level.id);
      const prev = rule.levels?.[i - 1];
      if (
        prev !== undefined &&
        (above ? level.threshold <= prev.threshold : level.threshold >= prev.threshold)
      )
        issue(
          ctx,
          ["levels", i, "threshold"],
          `levels go from least to most severe: must be ${above ? "above" : "below"} ${prev.threshold}`,
        );
      if (
        level.clearThreshold !== undefined &&
        (above ? level.clearThreshold > level.threshold : level.clearThreshold < level.threshold)
      )
        issue(
          ctx,
          ["levels", i, "clearThreshold"],
          `must be ${above ? "≤" : "≥"} the level's threshold ${level.threshold}`,
        );
      else if (
        prev !== undefined &&
        level.clearThreshold !== undefined &&
        (above ? level.clearThreshold < prev.threshold : level.clearThreshold > prev.threshold)
      )
        // A level held below the raise threshold of the one under it would outlast that level.
        issue(
          ctx,
          ["levels", i, "clearThreshold"],
          `must be ${above ? "≥" : "≤"} the previous level's threshold ${prev.threshold}`,
        );
    });
    if (rule.clear.threshold !== undefined)
      issue(ctx, ["clear", "threshold"], "leveled rules use levels[].clearThreshold");
    return;
  }
  if (rule.threshold === undefined) {
    issue(ctx, ["threshold"], "required: a number, or { gb3095: { grade, averaging } }");
    return;
  }
  if (typeof rule.threshold === "object") {
    if (family !== "metric") issue(ctx, ["threshold", "gb3095"], "GB 3095 limits apply to a metric subject");
    if (rule.clear.threshold !== undefined)
      issue(ctx, ["clear", "threshold"], "not supported with a GB 3095 threshold");
    return;
  }
  const c = rule.clear.threshold;
  if (c !== undefined && (above ? c > rule.threshold : c < rule.threshold))
    issue(
      ctx,
      ["clear", "threshold"],
      `must be ${above ? "≤" : "≥"} threshold ${rule.threshold} (hysteresis)`,
    );
}
