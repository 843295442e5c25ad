// Types of limit-lines.js for the unit tests (the browser loads the .js directly).
import type { Lang } from "./labels.js";

export interface Gb3095Edition {
  phase: string;
  edition: string;
  from: string | null;
  to: string | null;
  source?: string;
  limits: Record<string, Record<string, Record<string, number>>>;
}
export interface ChartPeriod {
  end: string;
}
export interface LimitRun {
  first: number;
  last: number;
  value: number;
  edition: string | null;
  name: string;
}
export interface AirLimitLine {
  kind: "limit" | "reference";
  averaging: string;
  values: (number | null)[];
  runs: LimitRun[];
}
export function plottedStatistic(metric: string, every: string): "1h" | "24h" | "dailyMax8h" | "month";
export function periodDate(period: ChartPeriod): string;
export function editionOn(editions: readonly Gb3095Edition[], date: string): Gb3095Edition | undefined;
export function airLimitLines(options: {
  editions: readonly Gb3095Edition[];
  grade: string;
  metric: string;
  every: string;
  periods: readonly ChartPeriod[];
  lang: Lang;
}): AirLimitLine[];
export function editionChanges(
  editions: readonly Gb3095Edition[],
  periods: readonly ChartPeriod[],
): { index: number; edition: string; phase: string }[];
