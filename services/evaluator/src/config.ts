import { DATA_FLAGS } from "@qingshan/domain";
import { validate as validateCron } from "node-cron";
import { z } from "zod";

/**
 * Evaluator configuration: one defaults object, units in the names, validated once by
 * createEvaluator (STYLE.md "Config"). Documented in services/evaluator/README.md.
 */
export const evaluatorConfigSchema = z.strictObject({
  /** Out-of-order readings up to this far behind a series' newest reading still update its windows; older ones are dead-lettered. Also: only data within this of the station's newest data raises alerts. */
  latenessMs: z
    .number()
    .int()
    .min(0)
    .max(31 * 86_400_000)
    .default(2 * 3_600_000),
  /** Only data within this of the wall clock raises alerts (older is evaluated silently). Default 8 days: ingest's 168 h lateness plus a margin, so an accelerated replay of the past week is announced. */
  alertMaxAgeMs: z
    .number()
    .int()
    .min(0)
    .max(400 * 86_400_000)
    .default(8 * 86_400_000),
  /** The rules file (config/rules.yaml format), used when no rules are passed in. */
  rulesFile: z.string().min(1).default("config/rules.yaml"),
  /** node-cron expression of the silence sweep (wall clock). */
  sweepSchedule: z
    .string()
    .refine((s) => validateCron(s), { message: "not a valid cron expression" })
    .default("* * * * *"),
  /** Heavy-pollution warning preset for rules with `preset: default` (heavy-pollution-warning.md; 2024 is provisional). */
  warningPreset: z.enum(["2017", "2018", "2024"]).default("2024"),
  /** Consumer group on bus "readings". */
  group: z.string().min(1).default("evaluator"),
  // Each batch evaluates its stations' hours once: larger batches, fewer evaluations under load;
  // a batch is evaluated without yielding, so an alert may wait behind the one running (README).
  maxBatch: z.number().int().min(1).default(2000),
  /**
   * The writer's consumer group on bus "readings" (the writer's `readingsGroup`, default "writer").
   * A new owner of a partition rebuilds from what this group has stored, so it waits for it first.
   */
  writerGroup: z.string().min(1).default("writer"),
  /**
   * Longest a new owner of a partition waits for the writer group to reach this group's committed
   * offset before rebuilding from the store anyway (with a warning); 0 does not wait.
   */
  takeoverWaitMs: z.number().int().min(0).max(3_600_000).default(30_000),
  /**
   * Imported readings the live windows cannot take — older than the lateness allows, or a copy of
   * a time already counted (an audited import may correct its value) — rebuild their station from
   * the store once its import has been quiet this long and the writer group has stored it.
   */
  importSettleMs: z.number().int().min(0).max(3_600_000).default(10_000),
  /** Hours of stored data replayed through the rules on rebuild (the warning rule looks back this far). */
  replayHours: z
    .number()
    .int()
    .min(24)
    .max(24 * 400)
    .default(240),
  /** Hours of raw readings loaded on rebuild (the quality trackers take them; a longer run of identical values or of a flag is read back to its start). */
  qualityHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(48),
  /** Flags whose values enter statistics (HJ 212; default only N). */
  validFlags: z.array(z.enum(DATA_FLAGS)).min(1).default(["N"]),
  /** Backoff of store/bus writes of alert events: initialMs·2^(n−1), capped at maxMs. */
  retry: z
    .strictObject({
      initialMs: z.number().int().min(1).default(100),
      maxMs: z.number().int().min(1).default(30_000),
    })
    .default({ initialMs: 100, maxMs: 30_000 }),
});

export type EvaluatorSettings = z.output<typeof evaluatorConfigSchema>;
export type EvaluatorConfig = z.input<typeof evaluatorConfigSchema>;

/**
 * Validates and freezes evaluator settings; throws an Error naming each invalid field.
 *
 * @example
 * parseEvaluatorConfig({ latenessMs: 3_600_000 }).sweepSchedule // "* * * * *"
 */
export function parseEvaluatorConfig(config: EvaluatorConfig = {}): Readonly<EvaluatorSettings> {
  const parsed = evaluatorConfigSchema.safeParse(config);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`evaluator configuration invalid: ${detail}`, { cause: parsed.error });
  }
  return Object.freeze(parsed.data);
}
