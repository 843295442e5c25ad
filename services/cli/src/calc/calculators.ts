import { Hj212Error, packetSummary, parsePacket } from "@qingshan/hj212";
import { assessSection, computeAqi, gradeNoi } from "@qingshan/standards";
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

function aqi(value: unknown): object {
  const input = parseCase(AqiCaseSchema, value);
  const result = computeAqi(input);
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
