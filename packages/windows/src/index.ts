export { createSeriesWindows } from "./series-windows.ts";
export type {
  AddOutcome,
  HourlySeed,
  SeriesWindows,
  WindowReading,
  WindowStat,
  WindowsOptions,
  YearToDateStat,
} from "./types.ts";
