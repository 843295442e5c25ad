import type { TargetClass, WaterBody, WaterClass, WaterStatus } from "./classes.ts";
import { waterClassNumber, waterStatus } from "./classes.ts";
import { checkedItem, classifyParameter, limitsFor } from "./classify.ts";
import {
  compareDecimal,
  decimalOfNumber,
  parseDecimal,
  relativeExcess,
  roundedRelativeExcess,
} from "./decimal.ts";
import { ASSESSED_ITEM_COUNT, GB3838_ITEMS } from "./gb3838-table.ts";
import type { MainPollutant, PollutantCandidate } from "./main-pollutants.ts";
import { selectMainPollutants } from "./main-pollutants.ts";

/** Which rules produced an assessment (recorded with every computed value). */
export const WATER_ASSESSMENT_STANDARD = "GB 3838-2002 Table 1; 环办〔2011〕22号";

/** Default target class: the Liandu plan wants every section at class III or better (DESIGN.md). */
export const DEFAULT_TARGET_CLASS: TargetClass = "III";

export interface SectionAssessmentInput {
  readonly waterBody: WaterBody;
  /** Target class of the section; default "III". */
  readonly targetClass?: TargetClass;
  /** Values by Qingshan metric id, in the units of GB 3838 (mg/L; fcoli 个/L; temp °C). */
  readonly values: Readonly<Record<string, number>>;
}

export interface SectionAssessment {
  /** Worst class among the assessed items given (single-factor), null if none was given. */
  class: WaterClass | null;
  /** Every given item that has a class, including reference items TN (lake) and fcoli. */
  parameterClasses: Record<string, WaterClass>;
  /** Assessed items whose class equals the section class, in Table 1 order. */
  deciding: string[];
  /** Given reference items (temp, tn, fcoli): reported, never worsen the class. */
  referenceOnly: string[];
  /** Given items with no GB 3838 class (cond, turb). */
  notAssessed: string[];
  /** Class number ≤ the target's; false when no class. */
  meetsTarget: boolean;
  targetClass: TargetClass;
  /** 优/良好/轻度污染/中度污染/重度污染 with colour; null when no class. */
  status: WaterStatus | null;
  /**
   * Exceedance multiple (超标倍数) of the items above class III (never pH, DO, temp):
   * (value − class III limit) / class III limit, rounded to 2 decimals half-even on the exact
   * quotient (EXCEEDANCE_DECIMALS: as water-gb3838.md §4 shows them, "氨氮(1.6)"). A value just
   * above the limit can publish 0.
   */
  exceedance: Record<string, number>;
  /** Main pollutants when the section is worse than class III, at most three. */
  mainPollutants: MainPollutant[];
  /** Which items the class rests on, e.g. "5 of 21 assessed items". */
  basis: string;
  /** The standard and method that produced this assessment. */
  standard: string;
}

const TARGETS: readonly TargetClass[] = ["I", "II", "III", "IV", "V"];

/**
 * Decimal places of a published exceedance multiple. water-gb3838.md §4 states no rounding rule; it
 * shows multiples as published — "氨氮(1.6)、总磷(0.4)、高锰酸盐指数(0.25)" — so two decimals (0.25
 * keeps both; one decimal would publish it as 0.2), trailing zeros dropped, rounded by GB/T 8170
 * (ties to even) on the exact quotient. Provisional: confirm against 环办〔2011〕22号.
 */
export const EXCEEDANCE_DECIMALS = 2;

interface Exceedance {
  /** Rounded to EXCEEDANCE_DECIMALS: the published multiple. */
  readonly published: number;
  /** The unrounded multiple (nearest double), only to order main pollutants of equal published multiples. */
  readonly exact: number;
}

// 环办〔2011〕22号 §3: exceedance multiple against the class III limit, not for temp, pH and DO;
// only for a value above that limit.
function exceedanceOver3(metric: string, value: number, limits: readonly string[] | null): Exceedance | null {
  if (limits === null || metric === "ph" || metric === "do" || metric === "temp") return null;
  const limit = limits[2];
  if (limit === undefined) return null;
  const v = decimalOfNumber(value);
  const l = parseDecimal(limit);
  if (compareDecimal(v, l) <= 0) return null;
  return { published: roundedRelativeExcess(v, l, EXCEEDANCE_DECIMALS), exact: relativeExcess(v, l) };
}

/**
 * Classes a monitoring section by the single-factor method (环办〔2011〕22号): the section class is
 * the worst class among the assessed items given (the 21 Table 1 items other than water
 * temperature, TN and fecal coliform); reference items are classed but never worsen it; conductivity
 * and turbidity are listed as not assessed. A class from fewer than 21 items says so in `basis`.
 *
 * @throws RangeError naming the key for an unknown metric id or a non-finite/negative value
 * @example
 * const a = assessSection({ waterBody: "river", values: { ph: 7.0, do: 5.5, codmn: 7.5, nh3n: 2.6, tp: 0.28 } });
 * a.class          // "劣V"
 * a.deciding       // ["nh3n"]
 * a.mainPollutants // [{ metric: "nh3n", class: "劣V", exceedance: 1.6 }, { metric: "tp", … 0.4 }, { metric: "codmn", … 0.25 }]
 * a.basis          // "5 of 21 assessed items"
 */
export function assessSection(input: SectionAssessmentInput): SectionAssessment {
  const targetClass = input.targetClass ?? DEFAULT_TARGET_CLASS;
  if (!TARGETS.includes(targetClass))
    throw new RangeError(`targetClass: must be I–V, got ${String(targetClass)}`);
  if (input.waterBody !== "river" && input.waterBody !== "lake") {
    throw new RangeError(`waterBody: must be "river" or "lake", got ${String(input.waterBody)}`);
  }
  for (const [metric, value] of Object.entries(input.values)) checkedItem(metric, value);

  const parameterClasses: Record<string, WaterClass> = {};
  const exceedance: Record<string, number> = {};
  const referenceOnly: string[] = [];
  const notAssessed: string[] = [];
  const assessed: PollutantCandidate[] = [];

  // Iterate in Table 1 order so `deciding` and the lists come out in catalogue order.
  GB3838_ITEMS.forEach((row, order) => {
    if (!Object.hasOwn(input.values, row.metric)) return;
    const value = input.values[row.metric];
    if (value === undefined) return;
    const cls = classifyParameter(row.metric, value, input.waterBody);
    const multiple = exceedanceOver3(row.metric, value, limitsFor(row, input.waterBody));
    if (cls !== null) parameterClasses[row.metric] = cls;
    if (multiple !== null) exceedance[row.metric] = multiple.published;
    if (row.role === "reference") referenceOnly.push(row.metric);
    else if (row.role === "none") notAssessed.push(row.metric);
    else if (cls !== null)
      assessed.push({
        metric: row.metric,
        class: cls,
        exceedance: multiple?.published ?? null,
        exactExceedance: multiple?.exact ?? null,
        order,
      });
  });

  const worst = assessed.reduce<number>((max, c) => Math.max(max, waterClassNumber(c.class)), 0);
  const sectionClass =
    worst === 0 ? null : (assessed.find((c) => waterClassNumber(c.class) === worst)?.class ?? null);
  return {
    class: sectionClass,
    parameterClasses,
    deciding:
      sectionClass === null ? [] : assessed.filter((c) => c.class === sectionClass).map((c) => c.metric),
    referenceOnly,
    notAssessed,
    meetsTarget: sectionClass !== null && waterClassNumber(sectionClass) <= waterClassNumber(targetClass),
    targetClass,
    status: sectionClass === null ? null : waterStatus(sectionClass),
    exceedance,
    mainPollutants: selectMainPollutants(sectionClass, assessed),
    basis: `${assessed.length} of ${ASSESSED_ITEM_COUNT} assessed items`,
    standard: WATER_ASSESSMENT_STANDARD,
  };
}
