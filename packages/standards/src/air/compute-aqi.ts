import { aqiCategory } from "./categories.ts";
import { DEFAULT_CONCENTRATION_ROUNDING_2026, roundConcentration2026 } from "./concentration-rounding.ts";
import { type Decimal, decimalOf } from "./decimal.ts";
import { aqiStandardFor, assertAqiStandard, assertBeijingDate, beijingToday } from "./edition.ts";
import { iaqiOfDecimal, isAqiIndicator } from "./iaqi.ts";
import { POLLUTANT_ORDER, pollutantOf, reportIndicators } from "./indicators.ts";
import type {
  AqiIndicator,
  AqiInput,
  AqiLevel,
  AqiResult,
  AqiStandard,
  ConcentrationRounding,
  PmRealtimeBasis,
  Pollutant,
} from "./types.ts";

/** Published practice indexed 1-h PM in 2012 real-time reports from this date (air-aqi.md §3.1). */
export const PM_HOURLY_PRACTICE_FROM = "2014-01-01";

const PM_BASES: readonly PmRealtimeBasis[] = ["rolling24h", "hourly"];
const ROUNDINGS: readonly ConcentrationRounding[] = ["half-even", "truncate"];

interface CheckedInput {
  readonly standard: AqiStandard;
  readonly period: "hour" | "day";
  readonly date: string | undefined;
  /** Provided indicators: a decimal, or null when given as null. Absent keys are not provided. */
  readonly values: ReadonlyMap<AqiIndicator, Decimal | null>;
  readonly pmBasisOption: PmRealtimeBasis | undefined;
  readonly rounding: ConcentrationRounding;
  readonly notInProgramme: ReadonlySet<Pollutant>;
}

function checkInput(input: AqiInput): CheckedInput {
  if (typeof input !== "object" || input === null) throw new RangeError("AQI input must be an object");
  const { period, date, standard, concentrations, notInProgramme = [], options = {} } = input;
  if (period !== "hour" && period !== "day")
    throw new RangeError(`period: expected "hour" or "day", got ${JSON.stringify(period)}`);
  if (date !== undefined) assertBeijingDate(date);
  if (standard !== undefined) assertAqiStandard(standard);
  const { pmRealtimeBasis2012, concentrationRounding2026 } = options;
  if (pmRealtimeBasis2012 !== undefined && !PM_BASES.includes(pmRealtimeBasis2012))
    throw new RangeError(
      `options.pmRealtimeBasis2012: expected ${PM_BASES.join(" or ")}, got ${JSON.stringify(pmRealtimeBasis2012)}`,
    );
  if (concentrationRounding2026 !== undefined && !ROUNDINGS.includes(concentrationRounding2026))
    throw new RangeError(
      `options.concentrationRounding2026: expected ${ROUNDINGS.join(" or ")}, got ${JSON.stringify(concentrationRounding2026)}`,
    );
  if (typeof concentrations !== "object" || concentrations === null)
    throw new RangeError("concentrations must be an object of indicator → number | null");
  const values = new Map<AqiIndicator, Decimal | null>();
  for (const [key, value] of Object.entries(concentrations)) {
    if (!isAqiIndicator(key)) throw new RangeError(`concentrations.${key}: unknown AQI indicator`);
    if (value === undefined) continue;
    values.set(key, value === null ? null : decimalOf(value, `concentrations.${key}`));
  }
  if (!Array.isArray(notInProgramme)) throw new RangeError("notInProgramme: expected an array of pollutants");
  for (const p of notInProgramme) {
    if (!POLLUTANT_ORDER.includes(p))
      throw new RangeError(`notInProgramme: unknown pollutant ${JSON.stringify(p)}`);
    for (const [key, value] of values)
      if (value !== null && pollutantOf(key) === p)
        throw new RangeError(`concentrations.${key}: given, but ${p} is listed in notInProgramme`);
  }
  return {
    standard: standard ?? aqiStandardFor(date ?? beijingToday()),
    period,
    date,
    values,
    pmBasisOption: pmRealtimeBasis2012,
    rounding: concentrationRounding2026 ?? DEFAULT_CONCENTRATION_ROUNDING_2026,
    notInProgramme: new Set(notInProgramme),
  };
}

// air-aqi.md §3.1: with both PM means given use the option, else the published practice from
// 2014-01-01 when a date says so, else the 2012 text; with only one given, index that one.
function pmBases(input: CheckedInput): Record<"pm10" | "pm25", PmRealtimeBasis> {
  const dated = input.date !== undefined && input.date >= PM_HOURLY_PRACTICE_FROM;
  const preferred = input.pmBasisOption ?? (dated ? "hourly" : "rolling24h");
  const basisOf = (p: "pm10" | "pm25"): PmRealtimeBasis => {
    const hourly = input.values.get(`${p}_1h`) != null;
    const rolling = input.values.get(`${p}_24h`) != null;
    if (hourly === rolling) return preferred;
    return hourly ? "hourly" : "rolling24h";
  };
  return { pm10: basisOf("pm10"), pm25: basisOf("pm25") };
}

/**
 * The AQI of one real-time (`hour`) or daily (`day`) report under HJ 633-2012 or HJ 633-2026,
 * computed exactly: IAQI per indicator (rounded up), AQI = max, primary pollutants (AQI > 50,
 * ties), exceeding pollutants (2012), level and category, and the 2026 publication rule (§5.3.1),
 * where a pollutant in `notInProgramme` does not count as missing (§5.3).
 * See README.md for the indicator set of each report and the provisional settings.
 * Throws RangeError for a negative or non-finite concentration, an unknown indicator or pollutant,
 * a concentration given for a pollutant listed as not in the programme, a bad date, period,
 * standard or option.
 *
 * @example
 * computeAqi({ standard: "HJ633-2026", period: "day", concentrations: {
 *   so2_24h: 9, no2_24h: 35, co_24h: 0.9, o3_8h: 95, pm10_24h: 100, pm25_24h: 88 } })
 * // → { standard: "HJ633-2026", aqi: 126, primary: ["pm25"], exceeding: [], level: 3,
 * //     category: { zh: "轻度污染", en: "Lightly polluted", color: "#FF7E00" }, iaqi: { pm25_24h: 126, … } }
 */
export function computeAqi(input: AqiInput): AqiResult {
  const checked = checkInput(input);
  const { standard, period, values } = checked;
  const realtime2012 = standard === "HJ633-2012" && period === "hour";
  const bases = realtime2012 ? pmBases(checked) : undefined;
  const indicators = reportIndicators(standard, period, bases);

  const iaqi: Partial<Record<AqiIndicator, number | null>> = {};
  const missing: AqiIndicator[] = [];
  const outside: AqiIndicator[] = [];
  const aboveScale: AqiIndicator[] = [];
  for (const indicator of indicators) {
    const given = values.get(indicator);
    if ((given === undefined || given === null) && checked.notInProgramme.has(pollutantOf(indicator))) {
      // HJ 633-2026 §5.3 (air-aqi.md §5): a pollutant the programme does not measure is "/", not missing.
      outside.push(indicator);
      continue;
    }
    if (given === undefined || given === null) {
      missing.push(indicator);
      if (given === null) iaqi[indicator] = null;
      continue;
    }
    // HJ 633-2026 §4.2.2–4.2.3: round concentrations (GB/T 8170) before indexing; 2012 has no such clause.
    const c = standard === "HJ633-2026" ? roundConcentration2026(indicator, given, checked.rounding) : given;
    const detail = iaqiOfDecimal(standard, indicator, c);
    if (detail.rule === "above-scale") aboveScale.push(indicator);
    if (detail.rule === "so2-1h-not-computed") {
      // HJ 633-2012 Table 1 note 2: SO2 1-h > 800 → report the IAQI of the 24-h SO2 mean.
      const daily = values.get("so2_24h");
      // HJ 633-2012 §5 (air-aqi.md §5): the report states what is missing — here the 24-h SO2 mean.
      if (daily == null) missing.push("so2_24h");
      const substitute = daily == null ? null : iaqiOfDecimal(standard, "so2_24h", daily);
      if (substitute?.rule === "above-scale") aboveScale.push("so2_24h");
      iaqi[indicator] = substitute?.iaqi ?? null;
      continue;
    }
    iaqi[indicator] = detail.iaqi;
  }

  const computed = indicators.flatMap((k) => {
    const v = iaqi[k];
    return v === undefined || v === null ? [] : [{ indicator: k, value: v }];
  });
  // HJ 633-2012 §6.1 / HJ 633-2026 §4.2.5: AQI is the largest IAQI. HJ 633-2026 §4.1.1: the AQI
  // ranges over 1–500 (level 1 is 1–50), so a 2026 AQI whose IAQIs are all 0 (every concentration
  // rounds to 0) is 1; the IAQIs stay as computed. HJ 633-2012's range starts at 0.
  const largest = computed.length === 0 ? null : Math.max(...computed.map((x) => x.value));
  const aqi = largest === null ? null : standard === "HJ633-2026" ? Math.max(1, largest) : largest;
  const pollutantsWhere = (test: (value: number) => boolean): Pollutant[] =>
    POLLUTANT_ORDER.filter((p) => computed.some((x) => pollutantOf(x.indicator) === p && test(x.value)));
  // HJ 633-2012 §6.3 / HJ 633-2026 §4.3: primary pollutant only when AQI > 50; ties all count.
  const primary = aqi !== null && aqi > 50 ? pollutantsWhere((v) => v === aqi) : [];
  // HJ 633-2012 §3.6: exceeding pollutant = IAQI > 100; HJ 633-2026 deleted the definition.
  const exceeding = standard === "HJ633-2012" ? pollutantsWhere((v) => v > 100) : [];

  const result: AqiResult = {
    standard,
    aqi,
    iaqi,
    primary,
    exceeding,
    level: null,
    category: null,
  };
  if (aqi !== null) {
    const category = aqiCategory(aqi);
    result.level = category.level as AqiLevel;
    result.category = { zh: category.zh, en: category.en, color: category.color };
  }
  if (bases !== undefined) {
    // pmBasis reports PM2.5's basis; the iaqi keys show each pollutant's when they differ.
    result.pmBasis =
      values.get("pm25_1h") != null || values.get("pm25_24h") != null ? bases.pm25 : bases.pm10;
  }
  if (aboveScale.length > 0) result.aboveScale = aboveScale;
  if (standard === "HJ633-2026" && missing.length > 0 && aqi !== null && aqi <= 100) {
    // HJ 633-2026 §5.3.1: with a pollutant missing, publish AQI, primary pollutant and category only if AQI > 100.
    result.withheld = {
      aqi,
      reason: `HJ 633-2026 §5.3.1: ${missing.join(", ")} missing and AQI ${aqi} ≤ 100 — AQI, primary pollutant, level and category are published as NA`,
    };
    result.aqi = null;
    result.level = null;
    result.category = null;
    result.primary = [];
  }
  if (missing.length > 0) result.missing = missing;
  if (outside.length > 0) result.notInProgramme = outside;
  return result;
}
