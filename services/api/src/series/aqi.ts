import { aqiStandardFor, type ConcentrationRounding, computeAqi } from "@qingshan/standards";
import {
  type AirSeries,
  type AqiInputs,
  type AqiOptions,
  dailyAqiInputs,
  hourlyAqiInputs,
  type PmRealtimeBasis,
} from "./aqi-inputs.ts";
import { periods } from "./calendar.ts";

export type AqiResult = ReturnType<typeof computeAqi>;

/** One AQI period: its inputs with provenance and the HJ 633 result. */
export interface AqiPeriod {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly inputs: AqiInputs;
  readonly result: AqiResult;
}

export interface AqiSeriesOptions {
  readonly pmRealtimeBasis2012?: PmRealtimeBasis;
  /** HJ 633-2026 concentration rounding (provisional); default half-even. */
  readonly concentrationRounding2026?: ConcentrationRounding;
  readonly airArea?: "class1" | "class2";
}

/**
 * Real-time (`hour`) or daily (`day`) AQI of one station for every hour label / Beijing day
 * overlapping [from, to); the edition is chosen per period by its Beijing date
 * (air-aqi.md: 2012 rules before 2026-03-01, 2026 rules from then).
 *
 * @example
 * aqiSeries(air, Date.parse("2026-11-29T00:00+08:00"), Date.parse("2026-11-30T00:00+08:00"), "day")
 * // → [{ label: "2026-11-29", result: { standard: "HJ633-2026", aqi: 126, primary: ["pm25"], … } }]
 */
export function aqiSeries(
  air: AirSeries,
  from: number,
  to: number,
  period: "hour" | "day",
  options: AqiSeriesOptions = {},
): AqiPeriod[] {
  const opts: AqiOptions = {
    standardFor: aqiStandardFor,
    ...(options.pmRealtimeBasis2012 ? { pmRealtimeBasis2012: options.pmRealtimeBasis2012 } : {}),
    ...(options.airArea ? { airArea: options.airArea } : {}),
  };
  return periods(from, to, period === "hour" ? "1h" : "1d").map((p) => {
    const inputs = period === "hour" ? hourlyAqiInputs(air, p.end, opts) : dailyAqiInputs(air, p.start, opts);
    const result = computeAqi({
      standard: inputs.standard,
      date: inputs.date,
      period,
      concentrations: inputs.concentrations,
      // HJ 633-2026 §5.3 (air-aqi.md §5): a pollutant the station does not measure does not block publication.
      notInProgramme: inputs.notInProgramme,
      options: {
        // air-aqi.md §3.1: index the basis the inputs were built on, so that pmBasis and missing name it.
        ...(inputs.pmBasis ? { pmRealtimeBasis2012: inputs.pmBasis } : {}),
        // Standards README, Review notes: the 2026 rounding mode is a provisional setting.
        ...(options.concentrationRounding2026
          ? { concentrationRounding2026: options.concentrationRounding2026 }
          : {}),
      },
    });
    return { ...p, inputs, result };
  });
}
