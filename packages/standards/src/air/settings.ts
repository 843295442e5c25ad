import { PM_HOURLY_PRACTICE_FROM } from "./compute-aqi.ts";
import { DEFAULT_CONCENTRATION_ROUNDING_2026 } from "./concentration-rounding.ts";
import { assertBeijingDate } from "./edition.ts";
import type { ConcentrationRounding, PmRealtimeBasis } from "./types.ts";

/**
 * The HJ 633-2012 real-time PM basis as a setting: `auto` follows the published practice (1-h PM
 * means from 2014-01-01, 24-h rolling means before), or always `hourly`, or always `rolling24h`
 * (the 2012 text). Provisional: ask the bureau which one Zhejiang/Lishui published (air-aqi.md §3.1).
 */
export const PM_REALTIME_BASIS_SETTINGS = ["auto", "hourly", "rolling24h"] as const;
export type PmRealtimeBasisSetting = (typeof PM_REALTIME_BASIS_SETTINGS)[number];
export const DEFAULT_PM_REALTIME_BASIS_2012: PmRealtimeBasisSetting = "auto";

/**
 * HJ 633-2026 §4.2.2–4.2.3 concentration rounding before indexing: GB/T 8170 half-to-even (the
 * default, as air-aqi.md reads it) or truncation. Provisional: sources citing §4.2 disagree
 * (standards README, Review notes).
 */
export const CONCENTRATION_ROUNDINGS = [
  "half-even",
  "truncate",
] as const satisfies readonly ConcentrationRounding[];

/**
 * How the API and the evaluator compute an AQI where the standards leave a choice; one setting
 * for both, so that /aqi and the AQI alerts agree for the same hour.
 */
export interface AqiSettings {
  /** HJ 633-2012 real-time PM basis. Default `auto`. */
  readonly pmRealtimeBasis2012?: PmRealtimeBasisSetting;
  /** HJ 633-2026 concentration rounding (provisional). Default `half-even`. */
  readonly concentrationRounding2026?: ConcentrationRounding;
}

/**
 * The 2012 real-time PM basis a setting gives for an hour of Beijing date `date`.
 *
 * @example
 * pmRealtimeBasisOn("auto", "2013-12-31")       // "rolling24h"
 * pmRealtimeBasisOn("auto", "2014-01-01")       // "hourly"
 * pmRealtimeBasisOn("rolling24h", "2025-06-01") // "rolling24h"
 */
export function pmRealtimeBasisOn(
  setting: PmRealtimeBasisSetting | undefined,
  date: string,
): PmRealtimeBasis {
  assertBeijingDate(date);
  const chosen = setting ?? DEFAULT_PM_REALTIME_BASIS_2012;
  assertAqiSettings({ pmRealtimeBasis2012: chosen });
  if (chosen !== "auto") return chosen;
  // air-aqi.md §3.1: the national platform indexed 1-h PM from 2014-01-01; the 2012 text says 24-h rolling.
  return date >= PM_HOURLY_PRACTICE_FROM ? "hourly" : "rolling24h";
}

/**
 * Throws RangeError naming the setting when `settings` holds a value no computation accepts, so a
 * service refuses it at start rather than at the first AQI.
 *
 * @example
 * assertAqiSettings({ pmRealtimeBasis2012: "daily" }) // RangeError: pmRealtimeBasis2012: expected auto, hourly, rolling24h, got "daily"
 */
export function assertAqiSettings(settings: AqiSettings): void {
  const { pmRealtimeBasis2012, concentrationRounding2026 } = settings;
  if (pmRealtimeBasis2012 !== undefined && !PM_REALTIME_BASIS_SETTINGS.includes(pmRealtimeBasis2012))
    throw new RangeError(
      `pmRealtimeBasis2012: expected ${PM_REALTIME_BASIS_SETTINGS.join(", ")}, got ${JSON.stringify(pmRealtimeBasis2012)}`,
    );
  if (concentrationRounding2026 !== undefined && !CONCENTRATION_ROUNDINGS.includes(concentrationRounding2026))
    throw new RangeError(
      `concentrationRounding2026: expected ${CONCENTRATION_ROUNDINGS.join(", ")}, got ${JSON.stringify(concentrationRounding2026)}`,
    );
}

/** The HJ 633-2026 concentration rounding in force, as results computed under it state it. */
export interface ConcentrationRoundingLabel {
  readonly mode: ConcentrationRounding;
  readonly rule: string;
  /** Always true: sources citing HJ 633-2026 §4.2 disagree on the mode. */
  readonly provisional: true;
}

const ROUNDING_RULES: Record<ConcentrationRounding, string> = {
  "half-even":
    "HJ 633-2026 §4.2.2–4.2.3 (provisional): concentrations rounded before indexing, GB/T 8170 half-to-even — integers in µg/m³, CO to 0.1 mg/m³ (34.5 → 34, 35.99 → 36); sources citing §4.2 disagree (half-to-even or truncation)",
  truncate:
    "HJ 633-2026 §4.2.2–4.2.3 (provisional): concentrations truncated before indexing, as configured — integers in µg/m³, CO to 0.1 mg/m³ (35.99 → 35); sources citing §4.2 disagree (half-to-even or truncation)",
};

/**
 * The label of an HJ 633-2026 concentration rounding mode.
 *
 * @example
 * concentrationRoundingLabel("half-even") // { mode: "half-even", rule: "HJ 633-2026 §4.2.2–4.2.3 (provisional): …", provisional: true }
 */
export function concentrationRoundingLabel(
  mode: ConcentrationRounding = DEFAULT_CONCENTRATION_ROUNDING_2026,
): ConcentrationRoundingLabel {
  assertAqiSettings({ concentrationRounding2026: mode });
  return { mode, rule: ROUNDING_RULES[mode], provisional: true };
}
