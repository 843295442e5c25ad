import { type BreakpointColumn, columnPoints } from "./breakpoints.ts";
import { ceilDiv, type Decimal, decimalOf } from "./decimal.ts";
import { assertAqiStandard } from "./edition.ts";
import type { AqiIndicator, AqiStandard } from "./types.ts";

export const AQI_INDICATORS: readonly AqiIndicator[] = [
  "so2_1h",
  "so2_24h",
  "no2_1h",
  "no2_24h",
  "co_1h",
  "co_24h",
  "o3_1h",
  "o3_8h",
  "pm10_1h",
  "pm10_24h",
  "pm25_1h",
  "pm25_24h",
];

const INDICATOR_SET: ReadonlySet<string> = new Set(AQI_INDICATORS);

/**
 * True when `key` is one of the twelve indicator keys.
 *
 * @example
 * isAqiIndicator("pm25_24h") // true
 */
export function isAqiIndicator(key: string): key is AqiIndicator {
  return INDICATOR_SET.has(key);
}

/**
 * Normalises a column name: indicator keys (`pm25_24h`) and air-aqi.json keys (`PM2_5_24h`)
 * are both accepted. Throws a RangeError for anything else.
 *
 * @example
 * indicatorOfColumn("PM2_5_24h") // "pm25_24h"
 */
export function indicatorOfColumn(column: string): AqiIndicator {
  const key = column.toLowerCase().replace("pm2_5", "pm25").replace("pm2.5", "pm25");
  if (!isAqiIndicator(key))
    throw new RangeError(`unknown AQI column "${column}"; expected one of ${AQI_INDICATORS.join(", ")}`);
  return key;
}

// HJ 633-2026 Table 3 note: real-time 1-h PM is indexed on the daily columns; the 2012 "hourly"
// PM basis (air-aqi.md §3.1, published practice from 2014-01-01) does the same.
function breakpointColumn(indicator: AqiIndicator): BreakpointColumn {
  if (indicator === "pm10_1h") return "pm10_24h";
  if (indicator === "pm25_1h") return "pm25_24h";
  return indicator;
}

/** Why an IAQI is not the plain interpolation. */
export type IaqiRule =
  | "above-scale" // air-aqi.md §2: above the top breakpoint → 500 (convention, HJ 633-2026 §4.1.1 range 1–500)
  | "so2-1h-not-computed" // HJ 633-2012 Table 1 note 2: SO2 1-h > 800 → not computed
  | "o3-8h-not-computed" // HJ 633-2012 Table 1 note 3: O3 8-h > 800 → not computed
  | "so2-1h-counts-200" // HJ 633-2026 Table 3 note: SO2 1-h > 800 → IAQI 200
  | "o3-8h-counts-300"; // HJ 633-2026 Table 3 note: O3 8-h > 800 → IAQI 300

export interface IaqiDetail {
  readonly iaqi: number | null;
  readonly rule?: IaqiRule;
}

/** IAQI of an exact decimal concentration on an indicator's column (no concentration rounding). */
export function iaqiOfDecimal(standard: AqiStandard, indicator: AqiIndicator, c: Decimal): IaqiDetail {
  const points = columnPoints(standard, breakpointColumn(indicator));
  const top = points[points.length - 1];
  if (top === undefined) throw new RangeError(`no breakpoints for ${indicator}`);
  const scale = c.scale;
  const value = c.units;
  const pow = 10n ** BigInt(scale);
  if (value > BigInt(top.bp) * pow) {
    if (indicator === "so2_1h")
      return standard === "HJ633-2012"
        ? { iaqi: null, rule: "so2-1h-not-computed" }
        : { iaqi: 200, rule: "so2-1h-counts-200" };
    if (indicator === "o3_8h")
      return standard === "HJ633-2012"
        ? { iaqi: null, rule: "o3-8h-not-computed" }
        : { iaqi: 300, rule: "o3-8h-counts-300" };
    return { iaqi: 500, rule: "above-scale" };
  }
  for (let i = 1; i < points.length; i++) {
    const lo = points[i - 1];
    const hi = points[i];
    if (lo === undefined || hi === undefined) continue;
    const hiScaled = BigInt(hi.bp) * pow;
    if (value > hiScaled) continue;
    const loScaled = BigInt(lo.bp) * pow;
    // HJ 633-2012 §6.2 / HJ 633-2026 §4.2.6: IAQI_Lo + ⌈(IAQI_Hi−IAQI_Lo)(C−BP_Lo)/(BP_Hi−BP_Lo)⌉
    const step = ceilDiv(BigInt(hi.iaqi - lo.iaqi) * (value - loScaled), hiScaled - loScaled);
    return { iaqi: lo.iaqi + Number(step) };
  }
  return { iaqi: 0 };
}

/**
 * The individual index (IAQI) of one concentration, exactly, on the edition's table:
 * interpolation rounded up; above the top breakpoint 500; the SO2 1-h / O3 8-h "> 800" rules
 * (2012: null, not computed; 2026: 200 / 300). `pm10_1h`/`pm25_1h` are indexed on the daily
 * columns. No concentration rounding is applied here — `computeAqi` does that for 2026.
 * Throws RangeError for an unknown column or a negative or non-finite concentration.
 *
 * @example
 * iaqi("HJ633-2012", "co_24h", 2.2)     // 55 (naive floating point gives 56)
 * iaqi("HJ633-2026", "PM2_5_24h", 88)   // 126
 * iaqi("HJ633-2012", "so2_1h", 850)     // null (take the 24-h SO2 IAQI instead)
 */
export function iaqi(standard: AqiStandard, column: string, concentration: number): number | null {
  assertAqiStandard(standard);
  const indicator = indicatorOfColumn(column);
  return iaqiOfDecimal(standard, indicator, decimalOf(concentration, indicator)).iaqi;
}
