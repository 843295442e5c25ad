export type {
  AnnualAssessment,
  AnnualAssessmentInput,
  AnnualAssessmentStatus,
  AnnualDailyValue,
  AnnualStatistic,
  AnnualStatisticId,
  Hj663Percentile,
} from "./annual-assessment.ts";
export {
  assessAnnualAir,
  HJ663_ANNUAL_STATISTICS,
  HJ663_PERCENTILE_METHOD,
  hj663Percentile,
} from "./annual-assessment.ts";
export type {
  AnnualMeanMonth,
  AnnualMeanShortfall,
  AnnualTargetAssessment,
  AnnualTargetInput,
  AnnualTargetStatus,
  AnnualTargetVerdict,
  RoundingThreshold,
} from "./annual-target.ts";
export {
  annualMeanShortfall,
  annualTargetThreshold,
  annualTargetVerdict,
  assessAnnualTarget,
} from "./annual-target.ts";
export type { BreakpointColumn, BreakpointRow } from "./breakpoints.ts";
export { BREAKPOINT_TABLES, columnPoints, HJ633_2012_TABLE, HJ633_2026_TABLE } from "./breakpoints.ts";
export type { AqiCategory } from "./categories.ts";
export { AQI_CATEGORIES, aqiCategory } from "./categories.ts";
export { computeAqi, PM_HOURLY_PRACTICE_FROM } from "./compute-aqi.ts";
export {
  DEFAULT_CONCENTRATION_ROUNDING_2026,
  indexedConcentration,
  reportingDecimals2026,
} from "./concentration-rounding.ts";
export { AQI_STANDARDS, aqiStandardFor, HJ633_2026_EFFECTIVE_DATE } from "./edition.ts";
export type { ExactInput, ExactNumber } from "./exact.ts";
export {
  addExact,
  compareExact,
  divideExact,
  exactMean,
  exactOf,
  exactSum,
  exactToNumber,
  multiplyExact,
  roundExactHalfEven,
  subtractExact,
} from "./exact.ts";
export type { Gb3095Averaging, Gb3095Grade, Gb3095Limit, Gb3095Phase, Gb3095Pollutant } from "./gb3095.ts";
export {
  exceedanceMultiple,
  exceedsLimit,
  GB3095_2026_FINAL_FROM,
  GB3095_2026_FROM,
  GB3095_LIMITS,
  gb3095Limit,
  gb3095Phase,
} from "./gb3095.ts";
export type { IaqiRule } from "./iaqi.ts";
export { AQI_INDICATORS, iaqi, indicatorOfColumn } from "./iaqi.ts";
export type { AqiPeriod } from "./indicators.ts";
export { POLLUTANT_ORDER, pollutantOf, reportIndicators } from "./indicators.ts";
export type { LocalTarget } from "./local-target.ts";
export { LIANDU_PM25_ANNUAL_TARGET } from "./local-target.ts";
export type { AqiSettings, ConcentrationRoundingLabel, PmRealtimeBasisSetting } from "./settings.ts";
export {
  assertAqiSettings,
  CONCENTRATION_ROUNDINGS,
  concentrationRoundingLabel,
  DEFAULT_PM_REALTIME_BASIS_2012,
  PM_REALTIME_BASIS_SETTINGS,
  pmRealtimeBasisOn,
} from "./settings.ts";
export type {
  AqiCategoryLabel,
  AqiIndicator,
  AqiInput,
  AqiLevel,
  AqiOptions,
  AqiResult,
  AqiStandard,
  ConcentrationRounding,
  PmRealtimeBasis,
  Pollutant,
} from "./types.ts";
export type { DailyMinimum, ValidityRule, ValidityRuleId, ValidityVerdict } from "./validity.ts";
export {
  annualMeanValidity,
  citeValidityRule,
  dailyMeanValidity,
  dailyMinimum,
  daysInMonth,
  eightHourMeanValidity,
  hourHasEnoughSampling,
  hourlyMeanValidity,
  hourNeedsInstantaneousCount,
  hourSampledMs,
  inHourPeriodMs,
  MIN_SAMPLING_PER_HOUR_MS,
  monthlyMeanValidity,
  monthlyMinimum,
  o3DailyMax1hValidity,
  o3DailyMax8hValidity,
  readingSampledMs,
  scaledDailyRule,
  scaledDailyShortfall,
  VALIDITY_RULES,
} from "./validity.ts";
