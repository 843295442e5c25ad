export { API_DEFAULTS, createApp, startApi } from "./app.ts";
export type { ApiDeps, ReadinessCheck, Submit, SubmitResult, WaterSettings } from "./deps.ts";
export { API_ERRORS, type ApiErrorBody, type ApiErrorCode } from "./http/errors.ts";
export { AIR_VALIDITY, aggregate, type ValidityRules } from "./series/aggregate.ts";
export { aqiSeries } from "./series/aqi.ts";
export { dailyAqiInputs, hourlyAqiInputs, type PmRealtimeBasis } from "./series/aqi-inputs.ts";
export { periods } from "./series/calendar.ts";
export { hourSeries, hoursToRecount, hourValue, MIN_SAMPLING_PER_HOUR_MS } from "./series/hourly-validity.ts";
export { noiGrades } from "./series/noi-grade.ts";
export type { AggFn, Every, HourSeries, HourValue, PeriodValue } from "./series/types.ts";
export {
  DEFAULT_PH_AVERAGING,
  PH_AVERAGING,
  type PhAveraging,
  phAveragingLabel,
  waterClasses,
} from "./series/water-class.ts";
