export { createSeriesWindows, createSeriesWindowsGroup, type SeriesSpec } from "./series-windows.ts";
export {
  type AddOutcome,
  type HourlySeed,
  KEPT_STATISTICS,
  type KeptStatistic,
  type SeriesWindows,
  type WindowReading,
  type WindowStat,
  type WindowsOptions,
  type YearToDateStat,
} from "./types.ts";
