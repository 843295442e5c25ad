export { formatDuration, parseDuration } from "./duration.ts";
export {
  alertIdOf,
  createRuleEngine,
  type EvaluationMode,
  eventIdOf,
  noiSchemeConflict,
  type RuleEngine,
  type RuleEngineOptions,
  type RuleStatus,
} from "./engine.ts";

export { eventInProgress, inProgressText, periodInProgressAt, periodSpanText } from "./in-progress.ts";
export { type LoadRulesOptions, loadRulesFile, parseRules, RulesError } from "./load.ts";
export {
  initialState,
  isOpen,
  type MachineState,
  type Observation,
  type Phase,
  step,
  type Timing,
} from "./machine.ts";
export {
  AqiMemo,
  dailyAqi,
  hourDate,
  hourlyAqi,
  isBeijingMidnight,
  type LevelDef,
  levelsOf,
  noiGradeName,
  observe,
  observeSilence,
  observeWarning,
  type RuleObservation,
  rollingAqi24,
  ruleStandardText,
  silenceLastSeen,
  stepOf,
  tooFewValidDaysText,
  WINDOW_TEXT,
  type WindowAqi,
  yearDaysThrough,
} from "./observe.ts";
export {
  AQI_POLLUTANTS,
  COMPARISONS,
  type Comparison,
  INDEX_NAMES,
  type IndexName,
  QUALITY_CHECKS,
  type QualityCheck,
  RULE_WINDOWS,
  type Rule,
  type RuleInput,
  type RuleSubject,
  type RuleWindow,
  ruleSchema,
  rulesFileSchema,
} from "./schema.ts";
export {
  createSeriesQuality,
  type SeriesQuality,
  type StationView,
  type StatLike,
  trackQuality,
} from "./view.ts";
export {
  DEFAULT_POLLUTANT_ROUTING,
  judgePath,
  type PathJudgement,
  type PollutantRouting,
  pollutantRoutingOf,
} from "./warning-path.ts";
