/**
 * Types of heavy-pollution-weather warning configurations (重污染天气预警). No GB/HJ standard
 * defines the levels; they come from Ministry guidance and local plans (heavy-pollution-warning.md
 * §1–§2), so every threshold is data a bureau can edit.
 */

/** Warning colours, least to most severe (2017 has four; 2018 and 2024 dropped blue). */
export type WarningLevelId = "blue" | "yellow" | "orange" | "red";

/** "AQI > aqiAbove for ≥ forHours" (heavy-pollution-warning.md §2). */
export interface AqiAboveCondition {
  readonly aqiAbove: number;
  readonly forHours: number;
}

/** "AQI reaching aqiAtLeast for ≥ forHours", e.g. the 2017/2018 red branch "AQI reaching 500". */
export interface AqiAtLeastCondition {
  readonly aqiAtLeast: number;
  readonly forHours: number;
}

export type WarningCondition = AqiAboveCondition | AqiAtLeastCondition;

/** A condition or a combination of them. */
export type WarningExpr =
  | WarningCondition
  | { readonly anyOf: readonly WarningExpr[] }
  | { readonly allOf: readonly WarningExpr[] };

/** One level and when it is met (heavy-pollution-warning.md §3.4 configuration sketch). */
export type WarningLevelRule = { readonly id: WarningLevelId } & (
  | { readonly anyOf: readonly WarningExpr[] }
  | { readonly allOf: readonly WarningExpr[] }
);

export interface WarningConfig {
  /** Preset id ("2017", "2018", "2024") or a local plan's id. */
  readonly id: string;
  readonly title: string;
  /**
   * Where the levels come from, as shown to users: the document (number or issuer and year) and
   * its part, e.g. "环大气〔2017〕86号 预警分级". Provenance notes belong in code comments.
   */
  readonly source: string;
  /** True while the thresholds are not confirmed from the document or by the bureau. */
  readonly provisional: boolean;
  /** Levels from least to most severe; the highest satisfied one wins. */
  readonly levels: readonly WarningLevelRule[];
}

/** What else is known of a series of AQI values (heavy-pollution-warning.md §3.1). */
export interface WarningSeriesOptions {
  /**
   * One flag per value: true when the value was computed without an indicator the station measures
   * (partial: a lower bound of the real AQI). It counts where it meets a condition and is missing
   * where it fails one (neither counts nor breaks the run). Default: no value is partial.
   */
  readonly partial?: readonly boolean[];
}

/** How a condition fared on the series, with the run that decides it. */
export interface ConditionEvidence {
  readonly condition: WarningCondition;
  /** Human-readable form, e.g. "AQI > 200 for ≥ 72 h". */
  readonly text: string;
  readonly holds: boolean;
  /** Consecutive values (days or hours) the condition needs. */
  readonly required: number;
  /**
   * Longest run of consecutive values meeting the condition inside the episode (partial values
   * failing it, skipped, are not counted).
   */
  readonly run: number;
  /** Indices (into the input) of that run's first and last counted values; null when there is none. */
  readonly runStart: number | null;
  readonly runEnd: number | null;
  readonly unit: "day" | "hour";
}

export interface LevelEvaluation {
  readonly id: WarningLevelId;
  readonly satisfied: boolean;
  readonly conditions: readonly ConditionEvidence[];
}

export interface WarningAssessment {
  /** Highest satisfied level, null when none is. An observed suggestion, never an issued warning. */
  readonly level: WarningLevelId | null;
  /** Conditions that hold for the returned level (empty when level is null). */
  readonly satisfied: readonly ConditionEvidence[];
  /** Every level of the configuration, least to most severe. */
  readonly levels: readonly LevelEvaluation[];
  /** Id of the configuration used. */
  readonly preset: string;
  readonly provisional: boolean;
  /** Which AQI series the result was computed from (heavy-pollution-warning.md §3.1). */
  readonly basis: "natural-day" | "rolling-24h";
}
