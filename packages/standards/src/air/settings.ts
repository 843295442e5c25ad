import { PM_HOURLY_PRACTICE_FROM } from "./compute-aqi.ts";
import { assertBeijingDate } from "./edition.ts";
import type { PmRealtimeBasis } from "./types.ts";

/**
 * The HJ 633-2012 real-time PM basis as a setting: `auto` follows the published practice (1-h PM
 * means from 2014-01-01, 24-h rolling means before), or always `hourly`, or always `rolling24h`
 * (the 2012 text). Provisional: ask the bureau which one Zhejiang/Lishui published (air-aqi.md §3.1).
 */
export const PM_REALTIME_BASIS_SETTINGS = ["auto", "hourly", "rolling24h"] as const;
export type PmRealtimeBasisSetting = (typeof PM_REALTIME_BASIS_SETTINGS)[number];
export const DEFAULT_PM_REALTIME_BASIS_2012: PmRealtimeBasisSetting = "auto";

/**
 * How the API and the evaluator compute an AQI where the standards leave a choice; one setting
 * for both, so that /aqi and the AQI alerts agree for the same hour.
 */
export interface AqiSettings {
  /** HJ 633-2012 real-time PM basis. Default `auto`. */
  readonly pmRealtimeBasis2012?: PmRealtimeBasisSetting;
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
  const { pmRealtimeBasis2012 } = settings;
  if (pmRealtimeBasis2012 !== undefined && !PM_REALTIME_BASIS_SETTINGS.includes(pmRealtimeBasis2012))
    throw new RangeError(
      `pmRealtimeBasis2012: expected ${PM_REALTIME_BASIS_SETTINGS.join(", ")}, got ${JSON.stringify(pmRealtimeBasis2012)}`,
    );
}
