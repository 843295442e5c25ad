export { validateWarningConfig, warningLevelFromDailyAqi, warningLevelFromRollingAqi } from "./evaluate.ts";
export type { WarningPresetId } from "./presets.ts";
export {
  DEFAULT_WARNING_PRESET,
  WARNING_PRESET_2017,
  WARNING_PRESET_2018,
  WARNING_PRESET_2024,
  WARNING_PRESETS,
} from "./presets.ts";
export type {
  AqiAboveCondition,
  AqiAtLeastCondition,
  ConditionEvidence,
  LevelEvaluation,
  WarningAssessment,
  WarningCondition,
  WarningConfig,
  WarningExpr,
  WarningLevelId,
  WarningLevelRule,
  WarningSeriesOptions,
} from "./types.ts";
