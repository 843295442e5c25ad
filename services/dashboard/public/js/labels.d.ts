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
export function releaseText(message: { zh?: string; en?: string } | undefined, lang: Lang): string;
export type WarningPath = "warning" | "healthAdvisory";
export function warningLevelText(
  level: string | undefined,
  path: string | undefined,
  lang: Lang,
): string | undefined;
export function levelText(
  level: string,
  levelName: { zh?: string; en?: string } | undefined,
  path: string | undefined,
  lang: Lang,
): string;
export function pathChangeOf(
  events: readonly { type: string; level?: string; path?: string }[],
  index: number,
): WarningPath | undefined;
export function eventLabel(
  events: readonly { type: string; level?: string; path?: string }[],
  index: number,
  lang: Lang,
  fallback: string,
): string;
export function districtLevelText(
  district: { zh?: string; en?: string; level?: string | null; path?: string | null },
  lang: Lang,
): string | undefined;
export function warningLine(
  district: {
    zh?: string;
    en?: string;
    level?: string | null;
    path?: string | null;
    since?: string | null;
    levelSince?: string | null;
    conditionHolds?: boolean | null;
    message?: { zh?: string; en?: string };
  },
  lang: Lang,
  when: (iso: string) => string,
): string;
export type Metrics = Record<string, { unit?: string; zh?: string; en?: string }>;
export function unitText(unit: string | undefined, lang: Lang): string;
export function metricLabel(metric: string, metrics: Metrics | undefined, lang: Lang): string;
export function metricOption(metric: string, metrics: Metrics | undefined, lang: Lang): string;
export function waterClassText(cls: string | number, lang: Lang): string;
export function alertValueText(
  alert: {
    metric?: string;
    value?: number | null;
    threshold?: number | null;
    valueAt?: string;
    raisedAt?: string;
  },
  context: { metrics?: Metrics; targetClass?: string; lang: Lang; now?: number },
): string;
export function silenceLastDataMs(alert: {
  metric?: string;
  value?: number | null;
  valueAt?: string;
  raisedAt?: string;
}): number | undefined;
export function standardLine(standard: string | undefined, lang: Lang): string;
export function withoutSeverityTag(text: string | undefined): string;
export function alertSubject(text: string | undefined, lang: Lang): string;
export function waterShareNote(
  share: { sections: number; assessed: number; notAssessable?: number; meeting: number },
  sections: readonly { valid?: boolean; reason?: string }[],
  lang: Lang,
  period?: { period?: "month" | "year"; inProgress?: boolean },
): string;
export function lineLabelPositions(values: readonly number[], near: number): string[];
export function ruleLine(
  alert: { ruleDescription?: { zh?: string; en?: string } } | undefined,
  lang: Lang,
): string;
export function durationWords(text: string | undefined, lang: Lang): string;
export interface RuleSummary {
  id: string;
  kind: string;
  description?: { zh: string; en: string };
  subject?: Record<string, unknown>;
  window?: string;
  maxAge?: string;
  comparison?: string;
  threshold?: number | { gb3095: { grade: string; averaging: string } };
  levels?: readonly {
    id: string;
    name?: { zh: string; en: string };
    threshold: number;
    clearThreshold?: number;
    severity: string;
  }[];
  warning?: { preset?: string; title?: string; levels?: readonly string[] };
  annualTarget?: { target: number; atRiskMargin?: number };
  for?: string;
  clear?: { threshold?: number; for?: string };
  stepDownFor?: string;
  damping?: string;
  standard?: string;
}
export function ruleConditions(
  rule: RuleSummary,
  context: { metrics?: Metrics; lang: Lang },
): { label: string; text: string }[];
export interface InProgressPeriod {
  end: number;
  byDay: boolean;
}
export function inProgressPeriod(
  event: { at?: string; dataTime?: string; calendarWindow?: string; window?: string } | undefined,
  nowMs: number,
): InProgressPeriod | undefined;
export function alertInProgressPeriod(
  alert:
    | {
        status?: string;
        raisedAt?: string;
        startedAt?: string;
        dataTime?: string;
        valueAt?: string;
        calendarWindow?: string;
        window?: string;
      }
    | undefined,
  nowMs: number,
): InProgressPeriod | undefined;
export function periodSpan(period: InProgressPeriod, lang: Lang): string;
export function inProgressMark(period: InProgressPeriod, lang: Lang): string;
