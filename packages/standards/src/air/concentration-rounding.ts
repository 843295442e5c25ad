import { type Decimal, decimalOf, decimalToNumber, roundDecimal } from "./decimal.ts";
import type { AqiIndicator, AqiStandard, ConcentrationRounding } from "./types.ts";

/**
 * Default 2026 concentration rounding: GB/T 8170 half-to-even as HJ 633-2026 §4.2.2–4.2.3 is
 * read in air-aqi.md. PROVISIONAL — sources citing §4.2 disagree (half-even vs truncation).
 */
export const DEFAULT_CONCENTRATION_ROUNDING_2026: ConcentrationRounding = "half-even";

/**
 * Decimals an HJ 633-2026 concentration is rounded to before indexing: CO (mg/m³) one decimal,
 * every other pollutant (µg/m³) an integer (HJ 633-2026 §4.2.2–4.2.3).
 *
 * @example
 * reportingDecimals2026("co_24h") // 1
 */
export function reportingDecimals2026(indicator: AqiIndicator): number {
  return indicator.startsWith("co_") ? 1 : 0;
}

/**
 * Rounds a concentration as HJ 633-2026 §4.2.2–4.2.3 asks, exactly.
 *
 * @example
 * roundConcentration2026("pm25_24h", decimalOf(34.5), "half-even") // { units: 34n, scale: 0 } = 34
 * roundConcentration2026("co_24h", decimalOf(4.25), "half-even")   // { units: 42n, scale: 1 } = 4.2
 */
export function roundConcentration2026(
  indicator: AqiIndicator,
  concentration: Decimal,
  mode: ConcentrationRounding = DEFAULT_CONCENTRATION_ROUNDING_2026,
): Decimal {
  return roundDecimal(concentration, reportingDecimals2026(indicator), mode);
}

/**
 * The concentration an AQI was computed from, as a number: under HJ 633-2026 the value rounded as
 * §4.2.2–4.2.3 asks (what is indexed and published, so that re-indexing it gives the same IAQI);
 * under HJ 633-2012, which has no rounding clause, the value as given.
 *
 * @example
 * indexedConcentration("HJ633-2026", "pm25_24h", 88.5) // 88 (half-even; IAQI 126)
 * indexedConcentration("HJ633-2026", "pm25_24h", 34.5) // 34 (IAQI 49, not 50)
 * indexedConcentration("HJ633-2012", "pm25_24h", 88.5) // 88.5
 */
export function indexedConcentration(
  standard: AqiStandard,
  indicator: AqiIndicator,
  value: number,
  mode: ConcentrationRounding = DEFAULT_CONCENTRATION_ROUNDING_2026,
): number {
  if (standard !== "HJ633-2026") return value;
  return decimalToNumber(roundConcentration2026(indicator, decimalOf(value), mode));
}
