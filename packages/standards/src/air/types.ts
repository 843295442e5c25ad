/** AQI edition: HJ 633-2012 (periods before 2026-03-01, Beijing) or HJ 633-2026 (from then). */
export type AqiStandard = "HJ633-2012" | "HJ633-2026";

/** The twelve concentration indicators a caller can supply (µg/m³; CO mg/m³). */
export type AqiIndicator =
  | "so2_1h"
  | "so2_24h"
  | "no2_1h"
  | "no2_24h"
  | "co_1h"
  | "co_24h"
  | "o3_1h"
  | "o3_8h"
  | "pm10_1h"
  | "pm10_24h"
  | "pm25_1h"
  | "pm25_24h";

/** The six pollutants of HJ 633 (primary and exceeding pollutants are named by these). */
export type Pollutant = "so2" | "no2" | "co" | "o3" | "pm10" | "pm25";

/** HJ 633-2012 real-time PM basis (air-aqi.md §3.1): 24-h rolling means or current 1-h means. */
export type PmRealtimeBasis = "rolling24h" | "hourly";

/** GB/T 8170 half-to-even (default) or truncation — provisional (sources disagree, README.md review). */
export type ConcentrationRounding = "half-even" | "truncate";

/** AQI level 1 (优) … 6 (严重污染). */
export type AqiLevel = 1 | 2 | 3 | 4 | 5 | 6;

export interface AqiOptions {
  /** 2012 real-time only: which PM means to index when both are given. */
  pmRealtimeBasis2012?: PmRealtimeBasis;
  /** 2026 only: how concentrations are rounded before indexing (HJ 633-2026 §4.2.2–4.2.3). */
  concentrationRounding2026?: ConcentrationRounding;
}

export interface AqiInput {
  /** Edition; default `aqiStandardFor(date)`, or the edition in force today (Beijing) without a date. */
  standard?: AqiStandard;
  /** Beijing-time date "YYYY-MM-DD" of the period (for an hour: of the hour's end). */
  date?: string;
  /** `hour` = real-time report (实时报), `day` = daily report (日报). */
  period: "hour" | "day";
  concentrations: Partial<Record<AqiIndicator, number | null>>;
  /**
   * Pollutants the monitoring programme does not measure (HJ 633-2026 §5.3, air-aqi.md §5): their
   * report indicators are listed in `notInProgramme` instead of `missing` and do not withhold a 2026
   * AQI. Give them no concentration (absent or null).
   */
  notInProgramme?: readonly Pollutant[];
  options?: AqiOptions;
}

export interface AqiCategoryLabel {
  zh: string;
  en: string;
  color: string;
}

export interface AqiResult {
  standard: AqiStandard;
  /** Published AQI; null when nothing was indexed or when withheld (HJ 633-2026 §5.3.1). */
  aqi: number | null;
  /** IAQI of every report indicator that was provided (null input or not computed → null). */
  iaqi: Partial<Record<AqiIndicator, number | null>>;
  /** Primary pollutants (AQI > 50 only; all ties), in HJ 633 Table 1 column order. */
  primary: Pollutant[];
  /** HJ 633-2012 pollutants with IAQI > 100; always [] under HJ 633-2026 (definition deleted). */
  exceeding: Pollutant[];
  level: AqiLevel | null;
  category: AqiCategoryLabel | null;
  /** 2012 real-time reports only: the PM basis that was indexed. */
  pmBasis?: PmRealtimeBasis;
  /** Indicators above their top breakpoint, indexed as 500 (convention, air-aqi.md §2). */
  aboveScale?: AqiIndicator[];
  /** 2026: AQI computed but not publishable (missing indicator and AQI ≤ 100). */
  withheld?: { aqi: number; reason: string };
  /**
   * Report indicators not provided or null, and `so2_24h` when a 2012 real-time SO2 1-h mean above
   * 800 has no 24-h mean to take the SO2 IAQI from.
   */
  missing?: AqiIndicator[];
  /** Report indicators of the pollutants in `input.notInProgramme` (published as "/", not NA). */
  notInProgramme?: AqiIndicator[];
}
