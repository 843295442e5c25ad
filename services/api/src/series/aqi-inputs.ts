import { beijingDate, HOUR_MS } from "@qingshan/domain";
import {
  type AqiStandard as AqiEdition,
  type AqiIndicator,
  type Gb3095Limit,
  gb3095Limit,
  o3DailyMax1hValidity,
  type PmRealtimeBasisSetting,
  type Pollutant,
  pmRealtimeBasisOn,
} from "@qingshan/standards";
import { dailyMean } from "./aggregate.ts";
import { hourLabelsIn } from "./calendar.ts";
import { validMean } from "./hourly-validity.ts";
import { rollingMean } from "./rolling.ts";
import type { HourSeries } from "./types.ts";

export type { AqiIndicator, AqiStandard as AqiEdition } from "@qingshan/standards";

/** Hourly series of the six AQI pollutants at one station (absent = not measured). */
export interface AirSeries {
  readonly so2?: HourSeries;
  readonly no2?: HourSeries;
  readonly co?: HourSeries;
  readonly o3?: HourSeries;
  readonly pm10?: HourSeries;
  readonly pm25?: HourSeries;
}

/** How one indicator's concentration was obtained, or why it is missing. */
export interface IndicatorInput {
  readonly value: number | null;
  /** e.g. "1-h mean", "24-h rolling mean (≥ 20 of 24 h)". */
  readonly basis: string;
  /** Valid hourly means (or 8-h windows) the value was built from. */
  readonly validCount: number;
  readonly reason?: string;
}

/** The concentrations that enter one real-time or daily AQI, with their provenance. */
export interface AqiInputs {
  readonly standard: AqiEdition;
  /** Beijing date whose edition applies. */
  readonly date: string;
  readonly concentrations: Partial<Record<AqiIndicator, number | null>>;
  readonly indicators: Partial<Record<AqiIndicator, IndicatorInput>>;
  /** 2012 real-time only: which PM concentration was indexed. */
  readonly pmBasis?: "hourly" | "rolling24h";
  /**
   * Pollutants outside the station's monitoring programme (its registry `metrics`): "/" rather than
   * missing, and no block on publishing a 2026 AQI (HJ 633-2026 §5.3, air-aqi.md §5).
   */
  readonly notInProgramme: Pollutant[];
}

/**
 * 2012-edition real-time PM basis: HJ 633-2012 §5 text says 24-h rolling means; the national
 * platform indexed 1-h values from 2014-01-01 (air-aqi.md §3.1). "auto" follows that practice.
 * The evaluator takes the same setting (@qingshan/standards pmRealtimeBasisOn).
 */
export type PmRealtimeBasis = PmRealtimeBasisSetting;

export interface AqiOptions {
  /** Edition for a Beijing date (aqiStandardFor from @qingshan/standards). */
  readonly standardFor: (beijingDate: string) => AqiEdition;
  readonly pmRealtimeBasis2012?: PmRealtimeBasis;
  /** GB 3095 functional area of the station: class1 uses Grade I limits. */
  readonly airArea?: "class1" | "class2";
}

/** GB 3095 Table 1 O3 limits (µg/m³) in force on a Beijing date: Grade I at class 1 areas, else Grade II. */
function o3Limits(area: "class1" | "class2" | undefined, date: string): { max8h: number; max1h: number } {
  const grade = area === "class1" ? "I" : "II";
  const limit = (averaging: "dailyMax8h" | "1h") =>
    (gb3095Limit(date, grade, "o3", averaging) as Gb3095Limit).value;
  return { max8h: limit("dailyMax8h"), max1h: limit("1h") };
}

const AQI_POLLUTANTS: readonly Pollutant[] = ["so2", "no2", "co", "o3", "pm10", "pm25"];

/**
 * The AQI pollutants the station does not measure at all (no series: not in its `metrics`). Such a
 * pollutant cannot have been the primary pollutant of a polluted day here, which HJ 633-2026 §5.3
 * asks of a pollutant that does not block publication; a programme that changed within three years
 * is not checked (README).
 */
function notInProgrammeOf(air: AirSeries): Pollutant[] {
  return AQI_POLLUTANTS.filter((p) => air[p] === undefined);
}

const NOT_IN_PROGRAMME = "not in this station's monitoring programme (registry metrics)";

const missing = (basis: string, reason: string, validCount = 0): IndicatorInput => ({
  value: null,
  basis,
  validCount,
  reason,
});

function hourly(series: HourSeries | undefined, label: number): IndicatorInput {
  const basis = "1-h mean";
  if (!series) return missing(basis, NOT_IN_PROGRAMME);
  const value = validMean(series, label);
  if (value === undefined) return missing(basis, series.get(label)?.reason ?? "no reading in the hour");
  return { value, basis, validCount: 1 };
}

function rolling(series: HourSeries | undefined, label: number, hours: number, min: number): IndicatorInput {
  const basis = `${hours}-h rolling mean (≥ ${min} of ${hours} valid hourly means, GB 3095 Table 4)`;
  if (!series) return missing(basis, NOT_IN_PROGRAMME);
  const w = rollingMean(series, label, hours, min);
  if (w.value === null)
    return missing(basis, `${w.validHours} valid hourly means; needs ≥ ${min}`, w.validHours);
  return { value: w.value, basis, validCount: w.validHours };
}

function daily(series: HourSeries | undefined, start: number, end: number): IndicatorInput {
  const basis = "24-h mean of the Beijing day (≥ 20 valid hourly means, GB 3095 Table 4)";
  if (!series) return missing(basis, NOT_IN_PROGRAMME);
  const d = dailyMean(series, start, end);
  if (d.value === null) return missing(basis, `${d.validHours} valid hourly means; needs ≥ 20`, d.validHours);
  return { value: d.value, basis, validCount: d.validHours };
}

/**
 * The edition for an hour labelled `hourEnd`: the Beijing date the hour belongs to (the hour
 * labelled 00:00 is the last hour of the previous day, air-aqi.md §8), so every hour before
 * 2026-03-01 00:00 (UTC+8) uses the 2012 rules.
 */
export function hourDate(hourEnd: number): string {
  return beijingDate(hourEnd - 1);
}

/**
 * Concentrations for the real-time (hourly) AQI labelled `hourEnd`.
 * - HJ 633-2026 §3.2: the six 1-h means (PM indexed on the daily columns by computeAqi).
 * - HJ 633-2012 §3.1: SO2/NO2/CO/O3 1-h means, O3 8-h rolling (≥ 6 of 8), PM 24-h rolling
 *   (≥ 20 of 24) or PM 1-h means per the basis option, and the SO2 24-h rolling mean used when
 *   SO2 1-h > 800.
 *
 * @example
 * hourlyAqiInputs(series, Date.parse("2026-11-29T10:00+08:00"), { standardFor: aqiStandardFor })
 * // → { standard: "HJ633-2026", concentrations: { so2_1h: 8, …, pm25_1h: 41 }, … }
 */
export function hourlyAqiInputs(air: AirSeries, hourEnd: number, options: AqiOptions): AqiInputs {
  const date = hourDate(hourEnd);
  const standard = options.standardFor(date);
  const indicators: Partial<Record<AqiIndicator, IndicatorInput>> = {
    so2_1h: hourly(air.so2, hourEnd),
    no2_1h: hourly(air.no2, hourEnd),
    co_1h: hourly(air.co, hourEnd),
    o3_1h: hourly(air.o3, hourEnd),
  };
  let pmBasis: "hourly" | "rolling24h" | undefined;
  if (standard === "HJ633-2026") {
    indicators.pm10_1h = hourly(air.pm10, hourEnd);
    indicators.pm25_1h = hourly(air.pm25, hourEnd);
  } else {
    indicators.o3_8h = rolling(air.o3, hourEnd, 8, 6);
    indicators.so2_24h = rolling(air.so2, hourEnd, 24, 20);
    pmBasis = pmRealtimeBasisOn(options.pmRealtimeBasis2012, date);
    if (pmBasis === "hourly") {
      indicators.pm10_1h = hourly(air.pm10, hourEnd);
      indicators.pm25_1h = hourly(air.pm25, hourEnd);
    } else {
      indicators.pm10_24h = rolling(air.pm10, hourEnd, 24, 20);
      indicators.pm25_24h = rolling(air.pm25, hourEnd, 24, 20);
    }
  }
  return {
    standard,
    date,
    concentrations: valuesOf(indicators),
    indicators,
    ...(pmBasis ? { pmBasis } : {}),
    notInProgramme: notInProgrammeOf(air),
  };
}

/**
 * Concentrations for the daily AQI of the Beijing day [start, start + 24 h): hours labelled
 * D 01:00 … D+1 00:00.
 * - 24-h means of SO2, NO2, CO, PM10, PM2.5 with ≥ 20 valid hourly means (GB 3095 Table 4).
 * - O3 daily maximum 8-h mean over the 17 windows labelled 08:00 … 24:00, valid with ≥ 14 valid
 *   windows or when it exceeds the GB 3095 limit (HJ 663 §6.1.2).
 * - 2012 only: O3 daily maximum 1-h mean (HJ 633-2012 §3.1), valid with ≥ 20 valid hours or
 *   when it exceeds the 1-h limit (the same logic as HJ 663 §6.1.2; a local convention).
 *
 * @example
 * dailyAqiInputs(series, Date.parse("2026-11-29T00:00+08:00"), { standardFor: aqiStandardFor })
 */
export function dailyAqiInputs(air: AirSeries, start: number, options: AqiOptions): AqiInputs {
  const end = start + 24 * HOUR_MS;
  const date = beijingDate(start);
  const standard = options.standardFor(date);
  const limits = o3Limits(options.airArea, date);
  const indicators: Partial<Record<AqiIndicator, IndicatorInput>> = {
    so2_24h: daily(air.so2, start, end),
    no2_24h: daily(air.no2, start, end),
    co_24h: daily(air.co, start, end),
    pm10_24h: daily(air.pm10, start, end),
    pm25_24h: daily(air.pm25, start, end),
    o3_8h: dailyMaxO3_8h(air.o3, start, limits.max8h),
  };
  if (standard === "HJ633-2012") indicators.o3_1h = dailyMaxO3_1h(air.o3, start, end, limits.max1h);
  return {
    standard,
    date,
    concentrations: valuesOf(indicators),
    indicators,
    notInProgramme: notInProgrammeOf(air),
  };
}

/** HJ 663 §6.1.2: daily maximum 8-h O3 over the windows labelled D 08:00 … D+1 00:00. */
export function dailyMaxO3_8h(o3: HourSeries | undefined, start: number, limit: number): IndicatorInput {
  const basis = "daily maximum 8-h mean, windows 08:00…24:00 (≥ 14 of 17 valid, HJ 663 §6.1.2)";
  if (!o3) return missing(basis, NOT_IN_PROGRAMME);
  let best: number | null = null;
  let validWindows = 0;
  for (let label = start + 8 * HOUR_MS; label <= start + 24 * HOUR_MS; label += HOUR_MS) {
    const w = rollingMean(o3, label, 8, 6);
    if (w.value === null) continue;
    validWindows++;
    if (best === null || w.value > best) best = w.value;
  }
  if (best !== null && (validWindows >= 14 || best > limit)) {
    return { value: best, basis, validCount: validWindows };
  }
  return missing(
    basis,
    `${validWindows} valid 8-h windows; needs ≥ 14 (or a maximum above the ${limit} µg/m³ limit)`,
    validWindows,
  );
}

function dailyMaxO3_1h(
  o3: HourSeries | undefined,
  start: number,
  end: number,
  limit: number,
): IndicatorInput {
  const basis = "daily maximum 1-h mean (≥ 20 valid hours, or above the 1-h limit)";
  if (!o3) return missing(basis, NOT_IN_PROGRAMME);
  const values = hourLabelsIn(start, end)
    .map((label) => validMean(o3, label))
    .filter((v): v is number => v !== undefined);
  const best = values.length > 0 ? Math.max(...values) : null;
  // Local rule shared with the evaluator (@qingshan/standards o3DailyMax1hValidity): ≥ 20 valid hours, or above the 1-h limit.
  const validity = o3DailyMax1hValidity(values.length, best, limit);
  if (best !== null && validity.valid) return { value: best, basis, validCount: values.length };
  return missing(basis, validity.reason, values.length);
}

function valuesOf(
  indicators: Partial<Record<AqiIndicator, IndicatorInput>>,
): Partial<Record<AqiIndicator, number | null>> {
  const out: Partial<Record<AqiIndicator, number | null>> = {};
  for (const [key, input] of Object.entries(indicators) as [AqiIndicator, IndicatorInput][]) {
    out[key] = input.value;
  }
  return out;
}
