import { Hj212Error, packetSummary, parsePacket } from "@qingshan/hj212";
import {
  type AqiIndicator,
  type AqiResult,
  type AqiStandard,
  assessSection,
  computeAqi,
  gradeNoi,
  type PmRealtimeBasis,
  reportIndicators,
} from "@qingshan/standards";
import type { z } from "zod";
import {
  AqiCaseSchema,
  describeZodError,
  Hj212CaseSchema,
  NoiCaseSchema,
  WaterCaseSchema,
} from "./inputs.ts";

export const CALCULATORS = ["aqi", "water", "noi", "hj212"] as const;
export type CalculatorName = (typeof CALCULATORS)[number];

/** Thrown for a line that is not valid input; becomes `{"error": message}`. */
export class BadInputError extends Error {}

function parseCase<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new BadInputError(describeZodError(parsed.error));
  return parsed.data;
}

type AqiCase = z.infer<typeof AqiCaseSchema>;

/** The PM bases of a 2012 real-time case's given (non-null) PM values: one entry per basis present. */
function givenPmBases(input: AqiCase): Set<PmRealtimeBasis> {
  const bases = new Set<PmRealtimeBasis>();
  for (const p of ["pm10", "pm25"] as const) {
    if (input.concentrations[`${p}_1h`] != null) bases.add("hourly");
    if (input.concentrations[`${p}_24h`] != null) bases.add("rolling24h");
  }
  return bases;
}

/**
 * A 2012 real-time case whose given PM values are all on one basis (only 1-h, or only 24-h
 * rolling means) and that sets no `pmRealtimeBasis2012`: that basis for both PM pollutants, so a
 * PM pollutant without a value is listed missing on the basis used (only `pm25_1h` given →
 * `missing` names `pm10_1h`, not `pm10_24h`; air-aqi.md §3.1: index the one given and say which
 * basis was used).
 */
function withGivenPmBasis(input: AqiCase, standard: AqiStandard): AqiCase {
  if (
    standard !== "HJ633-2012" ||
    input.period !== "hour" ||
    input.options?.pmRealtimeBasis2012 !== undefined
  )
    return input;
  const bases = givenPmBases(input);
  if (bases.size !== 1) return input;
  const [basis] = bases;
  return { ...input, options: { ...input.options, pmRealtimeBasis2012: basis } };
}

const REPORT_NAMES = { hour: "real-time (hour)", day: "daily (day)" } as const;

/** Why a given indicator did not enter the report (air-aqi.md §1, §3). */
function ignoredReason(
  input: AqiCase,
  standard: AqiStandard,
  key: AqiIndicator,
  indicators: readonly AqiIndicator[],
): string {
  const report = `not an indicator of the ${standard} ${REPORT_NAMES[input.period]} report, whose indicators are ${indicators.join(", ")}`;
  const pm = /^(pm10|pm25)_/.exec(key)?.[1];
  if (standard === "HJ633-2012" && input.period === "hour") {
    if (pm !== undefined) {
      const used = indicators.find((k) => k.startsWith(`${pm}_`)) as AqiIndicator;
      const basis = used.endsWith("_1h") ? "hourly" : "rolling24h";
      return `${report}: PM is indexed on one basis, here ${basis} (${used}); HJ 633-2012's text indexes the 24-h rolling means, published practice from 2014-01-01 the 1-h means — set options.pmRealtimeBasis2012 to choose`;
    }
    if (key === "so2_24h")
      return `${report}: HJ 633-2012 Table 1 note: the 24-h SO2 mean replaces the SO2 1-h IAQI only when so2_1h is above 800 µg/m³ (so2_1h ${input.concentrations.so2_1h == null ? "not given" : `is ${input.concentrations.so2_1h}`})`;
    return `${report}: the 24-h columns of SO2, NO2 and CO are for daily reports (HJ 633-2012 Table 1 notes)`;
  }
  if (standard === "HJ633-2012")
    return `${report}: the 1-h columns of SO2, NO2 and CO are for real-time reports only, and 1-h PM means get no IAQI (HJ 633-2012 Table 1 notes, §5)`;
  if (input.period === "hour")
    return `${report}: HJ 633-2026 indexes the six 1-h means in a real-time report (1-h PM on the daily columns)`;
  return `${report}: HJ 633-2026's daily report uses daily means and the O3 daily maximum 8-h mean (O3 1-h is no longer a daily indicator; 1-h columns are for real-time reports)`;
}

/**
 * The given (non-null) concentrations that did not enter the result, each with the reason: an
 * indicator of the other report (a 24-h mean in a 2026 real-time case, o3_1h in a 2026 daily case),
 * the PM basis not used (2012 real-time), a 24-h SO2 mean without an SO2 1-h mean above 800.
 */
function ignoredIndicators(input: AqiCase, result: AqiResult): Record<string, string> {
  const { standard } = result;
  const hour2012 = standard === "HJ633-2012" && input.period === "hour";
  const bases = hour2012
    ? {
        pm10: (result.iaqi.pm10_1h !== undefined || result.missing?.includes("pm10_1h")
          ? "hourly"
          : "rolling24h") as PmRealtimeBasis,
        pm25: (result.iaqi.pm25_1h !== undefined || result.missing?.includes("pm25_1h")
          ? "hourly"
          : "rolling24h") as PmRealtimeBasis,
      }
    : undefined;
  const indicators = reportIndicators(standard, input.period, bases);
  const so2Substituted = hour2012 && (input.concentrations.so2_1h ?? 0) > 800;
  const ignored: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.concentrations) as [AqiIndicator, number | null][]) {
    // null means "not available": nothing to use, and `missing` already names report indicators.
    if (value === null || value === undefined) continue;
    if (indicators.includes(key)) continue;
    // HJ 633-2012 Table 1 note: SO2 1-h above 800 takes the IAQI of the 24-h SO2 mean.
    if (key === "so2_24h" && so2Substituted) continue;
    ignored[key] = ignoredReason(input, standard, key, indicators);
  }
  return ignored;
}

function aqi(value: unknown): object {
  const given = parseCase(AqiCaseSchema, value);
  // The edition (given, or in force on the case's date) decides whether the PM basis matters.
  const first = computeAqi(given);
  const input = withGivenPmBasis(given, first.standard);
  const result = input === given ? first : computeAqi(input);
  const ignored = ignoredIndicators(given, result);
  return {
    standard: result.standard,
    aqi: result.aqi,
    iaqi: result.iaqi,
    primary: result.primary,
    // HJ 633-2026 deleted "exceeding pollutant" (air-aqi.md §4, §10.4): published for 2012 results only.
    ...(result.standard === "HJ633-2012" ? { exceeding: result.exceeding } : {}),
    level: result.level,
    category: result.category
      ? { zh: result.category.zh, en: result.category.en, color: result.category.color }
      : null,
    ...(result.pmBasis ? { pmBasis: result.pmBasis } : {}),
    ...(result.aboveScale?.length ? { aboveScale: result.aboveScale } : {}),
    ...(result.withheld ? { withheld: result.withheld } : {}),
    // HJ 633-2012 §5 / HJ 633-2026 §5.3 (air-aqi.md §5): the report states what is missing, as GET /aqi does.
    ...(result.missing?.length ? { missing: result.missing } : {}),
    // Given concentrations the report does not use, and why: computed, not refused, so a file of
    // cases that spans both editions (o3_1h on every daily line) still gets a result per line.
    ...(Object.keys(ignored).length > 0 ? { ignored } : {}),
  };
}

function water(value: unknown): object {
  const input = parseCase(WaterCaseSchema, value);
  const result = assessSection(input);
  return {
    class: result.class,
    parameterClasses: result.parameterClasses,
    deciding: result.deciding,
    referenceOnly: result.referenceOnly,
    notAssessed: result.notAssessed,
    // As GET /water/class: the target (Class III unless given) and, with no class, meetsTarget null.
    targetClass: result.targetClass,
    meetsTarget: result.class === null ? null : result.meetsTarget,
    // 超标倍数 against Class III, as published (2 decimals, @qingshan/standards EXCEEDANCE_DECIMALS),
    // and the main pollutants of a section worse than Class III — the fields of GET /water/class.
    exceedance: result.exceedance,
    mainPollutants: result.mainPollutants,
  };
}

function noi(value: unknown): object {
  const input = parseCase(NoiCaseSchema, value);
  const result = gradeNoi(input.noi, input.scheme);
  // No grading standard could be read (negative-oxygen-ions.md §2): every shipped table is provisional.
  return {
    grade: result.grade,
    zh: result.zh,
    en: result.en,
    scheme: result.scheme,
    provisional: result.provisional,
  };
}

function hj212(value: unknown): object {
  const input = parseCase(Hj212CaseSchema, value);
  try {
    return packetSummary(parsePacket(input.packet));
  } catch (error) {
    if (error instanceof Hj212Error) return { valid: false, error: error.message };
    throw error;
  }
}

const HANDLERS: Record<CalculatorName, (value: unknown) => object> = { aqi, water, noi, hj212 };

/**
 * Computes one JSON Lines case. Returns the output object, or `{ error }` for a bad line
 * (bad JSON, bad shape, or a value the standard cannot take, such as a negative concentration).
 *
 * @example
 * calculateLine("water", '{"waterBody":"river","values":{"do":4.2}}') // { ok: true, output: { class: "IV", … } }
 */
export function calculateLine(name: CalculatorName, line: string): { ok: boolean; output: object } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, output: { error: `not JSON: ${(error as Error).message}` } };
  }
  try {
    return { ok: true, output: HANDLERS[name](value) };
  } catch (error) {
    if (error instanceof BadInputError || error instanceof RangeError || error instanceof TypeError) {
      return { ok: false, output: { error: error.message } };
    }
    throw error;
  }
}
