export { createSeriesWindows } from "./series-windows.ts";
export type {
  AddOutcome,
  HourlySeed,
  SeriesWindows,
  WindowReading,
  WindowStat,
  WindowsOptions,
} from "./types.ts";
