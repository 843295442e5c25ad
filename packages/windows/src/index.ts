export { createSeriesWindows, createSeriesWindowsGroup, type SeriesSpec } from "./series-windows.ts";
export {
  type AddOutcome,
  type HourlySeed,
  KEPT_PERIODS,
  type KeptPeriod,
  type SeriesWindows,
  type WindowReading,
  type WindowStat,
  type WindowsOptions,
  type YearToDateStat,
} from "./types.ts";
