import type { AqiIndicator, AqiStandard, PmRealtimeBasis, Pollutant } from "./types.ts";

/** Report kind: `hour` = real-time report (实时报), `day` = daily report (日报). */
export type AqiPeriod = "hour" | "day";

/** Pollutant order of HJ 633 Table 1 columns; primary/exceeding lists follow it. */
export const POLLUTANT_ORDER: readonly Pollutant[] = ["so2", "no2", "pm10", "co", "o3", "pm25"];

/**
 * The pollutant an indicator measures.
 *
 * @example
 * pollutantOf("pm25_1h") // "pm25"
 */
export function pollutantOf(indicator: AqiIndicator): Pollutant {
  return indicator.slice(0, indicator.indexOf("_")) as Pollutant;
}

/**
 * The indicators that get an IAQI in a report (air-aqi.md §3). For the 2012 real-time report the
 * PM indicators depend on the basis (`rolling24h` per the 2012 text, `hourly` per practice from
 * 2014-01-01); `pmBasis` gives it per pollutant.
 *
 * @example
 * reportIndicators("HJ633-2026", "day") // ["so2_24h", "no2_24h", "pm10_24h", "co_24h", "o3_8h", "pm25_24h"]
 */
export function reportIndicators(
  standard: AqiStandard,
  period: AqiPeriod,
  pmBasis: Partial<Record<"pm10" | "pm25", PmRealtimeBasis>> = {},
): AqiIndicator[] {
  if (standard === "HJ633-2012") {
    // HJ 633-2012 §5.1.1 / Table 3: daily = 24-h means, O3 daily max 1-h and daily max 8-h.
    if (period === "day") return ["so2_24h", "no2_24h", "pm10_24h", "co_24h", "o3_1h", "o3_8h", "pm25_24h"];
    // HJ 633-2012 §5.2 / Table 4: real-time = 1-h gases, O3 8-h rolling, PM 24-h rolling (text).
    const pm10 = pmBasis.pm10 === "hourly" ? "pm10_1h" : "pm10_24h";
    const pm25 = pmBasis.pm25 === "hourly" ? "pm25_1h" : "pm25_24h";
    return ["so2_1h", "no2_1h", pm10, "co_1h", "o3_1h", "o3_8h", pm25];
  }
  // HJ 633-2026 §3: daily = daily means and O3 daily max 8-h (no O3 1-h).
  if (period === "day") return ["so2_24h", "no2_24h", "pm10_24h", "co_24h", "o3_8h", "pm25_24h"];
  // HJ 633-2026 §3: real-time = the six 1-h means (PM on the daily columns).
  return ["so2_1h", "no2_1h", "pm10_1h", "co_1h", "o3_1h", "pm25_1h"];
}
