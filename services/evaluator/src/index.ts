export {
  type EvaluatorConfig,
  type EvaluatorSettings,
  evaluatorConfigSchema,
  parseEvaluatorConfig,
} from "./config.ts";
export {
  createEvaluator,
  type Evaluator,
  type EvaluatorDeps,
  type EvaluatorLogger,
  type EvaluatorStore,
} from "./evaluator.ts";
export { createEvaluatorMetrics, type EvaluatorMetrics } from "./metrics.ts";
