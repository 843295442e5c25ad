// Types of format.js for the unit tests (the browser loads the .js directly).
export interface Category {
  level: number;
  maxAqi: number | null;
  zh: string;
  en: string;
  color: string;
}
export function categoryOf<C extends Category>(
  categories: readonly C[],
  aqi: number | null | undefined,
): C | null;
export function textColorOn(hex: string): "#000" | "#fff";
export function formatAge(fromMs: number, nowMs: number, lang: "zh" | "en"): string;
export function shortTime(iso: string | null | undefined): string;
export function humanTime(iso: string, lang: "zh" | "en", referenceIso?: string): string;
export function humanizeTimes(
  text: string | null | undefined,
  lang: "zh" | "en",
  referenceIso?: string,
): string;
export const WATER_STATUS_HEX: Record<string, string>;
export const SILENT_COLOR: string;
export function compareAlerts(
  a: { severity: string; raisedAt: string },
  b: { severity: string; raisedAt: string },
): number;
export function rangeOf(value: string, nowMs: number): { from: number; to: number };
export function beijingIso(ms: number): string;
export function axisLabel(label: string): string;
export function formatMeasure(value: number | null | undefined): string;
export function clockTime(ms: number): string;
export function displayMeasure(value: number | null | undefined): string;
export function metricUnit(unit: string | null | undefined): string;
