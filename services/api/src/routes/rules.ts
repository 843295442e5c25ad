import { formatDuration, pollutantRoutingOf, type Rule, ruleStandardText } from "@qingshan/rules";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { ApiError, errorResponseSchema } from "../http/errors.ts";
import { type RULE_KINDS, ruleSchema } from "../http/schemas.ts";
import { presetLevels } from "./warning.ts";

export type RuleKind = (typeof RULE_KINDS)[number];

export function ruleKindOf(rule: Rule): RuleKind {
  if (rule.subject.check !== undefined) return "data-quality";
  if (rule.subject.index === "water_class") return "water-class";
  if (rule.subject.index === "noi_grade") return "noi-grade";
  if (rule.warning !== undefined) return "warning-levels";
  if (rule.annualTarget !== undefined) return "annual-target";
  if (rule.levels !== undefined) return "levels";
  if (typeof rule.threshold === "object") return "gb3095-limit";
  return "threshold";
}

const STEPPING_KINDS: readonly RuleKind[] = ["levels", "warning-levels", "water-class", "noi-grade"];

/**
 * A rule as GET /rules answers it: what it tests and when it raises, steps down and clears, with
 * durations written as in the rules file ("2h", "36h", "0").
 */
export function ruleSummary(ctx: ApiContext, rule: Rule) {
  const kind = ruleKindOf(rule);
  const { subject } = rule;
  return {
    id: rule.id,
    description: rule.description,
    kind,
    enabled: rule.enabled,
    appliesTo: {
      kinds: [rule.appliesTo.kind].flat(),
      ...(rule.appliesTo.stations ? { stations: rule.appliesTo.stations } : {}),
      ...(rule.appliesTo.drinkingWaterSource !== undefined
        ? { drinkingWaterSource: rule.appliesTo.drinkingWaterSource }
        : {}),
    },
    subject: {
      ...subject,
      // A noi_grade rule grades by the table in force (the evaluator is given the same one).
      ...(kind === "noi-grade" ? { scheme: ctx.noiScheme.id } : {}),
      ...(subject.maxDuration !== undefined ? { maxDuration: formatDuration(subject.maxDuration) } : {}),
    },
    ...(rule.window !== undefined ? { window: rule.window } : {}),
    ...(rule.window === "latest" ? { maxAge: formatDuration(rule.maxAge) } : {}),
    ...(rule.comparison !== undefined ? { comparison: rule.comparison } : {}),
    ...(rule.threshold !== undefined ? { threshold: rule.threshold } : {}),
    ...(rule.levels !== undefined ? { levels: rule.levels } : {}),
    ...(rule.warning !== undefined ? { warning: warningOf(ctx, rule.warning) } : {}),
    ...(rule.annualTarget !== undefined ? { annualTarget: rule.annualTarget } : {}),
    for: formatDuration(rule.for),
    clear: {
      ...(rule.clear.threshold !== undefined ? { threshold: rule.clear.threshold } : {}),
      for: formatDuration(rule.clear.for),
    },
    // The engine steps a level down after stepDownFor, which defaults to clear.for.
    ...(STEPPING_KINDS.includes(kind)
      ? { stepDownFor: formatDuration(rule.stepDownFor ?? rule.clear.for) }
      : {}),
    damping: formatDuration(rule.damping),
    severity: rule.severity,
    // A noi_grade rule's standard says provisional while the table in force is.
    standard: ruleStandardText(rule, ctx.noiScheme),
    routes: rule.routing.routes,
    tier: rule.routing.tier,
    ...(rule.replaces ? { replaces: rule.replaces } : {}),
  };
}

function warningOf(ctx: ApiContext, warning: NonNullable<Rule["warning"]>) {
  const preset = warning.preset === "default" ? ctx.alerting.warningPreset : warning.preset;
  const { preset: document, levels } = presetLevels(preset);
  const routing = pollutantRoutingOf(warning.pollutantRouting);
  return {
    preset: document.id,
    title: document.title,
    levels,
    severities: warning.severities,
    pollutantRouting: routing.paths,
    pollutantRoutingProvisional: routing.provisional,
  };
}

/** GET /rules: the alert rules of the rules file the API was started with. */
export function ruleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    "/rules",
    {
      schema: {
        summary: "Alert rules",
        description:
          "The alert rules in force (the evaluator's rules file), in file order: each rule's id, description {zh, en}, kind, the stations it applies to, its subject, window, comparison, threshold or levels, how long the condition must hold (`for`), when it clears (`clear`, `stepDownFor`, `damping`; durations as in the rules file: 45m, 2h, 7d, 0), severity, standard and notification routes. An alert's `ruleId` is one of these ids (or of a rule listed in a `replaces`). 503 when this API instance was started without the rules file.",
        tags: ["alerts"],
        response: {
          200: {
            type: "object",
            additionalProperties: true,
            required: ["count", "rules"],
            properties: { count: { type: "integer" }, rules: { type: "array", items: ruleSchema } },
          },
          503: errorResponseSchema,
        },
      },
    },
    async function listRules() {
      if (ctx.rules === undefined)
        throw new ApiError("rules.unavailable", "this API instance was started without the rules file");
      const rules = [...ctx.rules.values()].map((rule) => ruleSummary(ctx, rule));
      return { count: rules.length, rules };
    },
  );
}
