// Types of labels.js for the unit tests (the browser loads the .js directly).
export type Lang = "zh" | "en";
export function airGrade(airArea: string | undefined): "I" | "II";
export function limitName(averaging: string, grade: string, lang: Lang): string;
export function gradeName(grade: string, lang: Lang): string;
export function alertStartMs(alert: {
  startedAt?: string;
  raisedAt: string;
  calendarWindow?: string;
}): number;
