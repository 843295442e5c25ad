import { compareDecimal, decimalOf, relativeDifference } from "./decimal.ts";
import { assertBeijingDate } from "./edition.ts";
import type { Pollutant } from "./types.ts";

/** GB 3095 functional-area grade: Grade I for class 1 areas, Grade II for class 2 areas (§4.1). */
export type Gb3095Grade = "I" | "II";
/** Table 1 pollutants plus the Table 2 items NOx, TSP, Pb and BaP. */
export type Gb3095Pollutant = Pollutant | "nox" | "tsp" | "pb" | "bap";
/** Averaging time; `dailyMax8h` is the daily maximum 8-h mean (O3). */
export type Gb3095Averaging = "annual" | "quarterly" | "24h" | "dailyMax8h" | "1h";
/** Limit set in force: GB 3095-2012, or GB 3095-2026 transition (2026-03-01…2030-12-31) / final (2031-). */
export type Gb3095Phase = "2012" | "2026-transition" | "2026-final";

interface LimitRow {
  readonly pollutant: Gb3095Pollutant;
  readonly averaging: Gb3095Averaging;
  readonly gradeI: number;
  readonly gradeII: number;
}

const row = (
  pollutant: Gb3095Pollutant,
  averaging: Gb3095Averaging,
  gradeI: number,
  gradeII: number,
): LimitRow => ({ pollutant, averaging, gradeI, gradeII });

/** Limits (µg/m³; CO mg/m³) by phase. Gases at 298.15 K / 1013.25 hPa, particulates at actual conditions. */
// biome-ignore format: one table row per line, as in the standard
export const GB3095_LIMITS: Readonly<Record<Gb3095Phase, readonly LimitRow[]>> = {
  "2012": [
    row("so2", "annual", 20, 60), // GB 3095-2012 Table 1
    row("so2", "24h", 50, 150), // GB 3095-2012 Table 1
    row("so2", "1h", 150, 500), // GB 3095-2012 Table 1
    row("no2", "annual", 40, 40), // GB 3095-2012 Table 1
    row("no2", "24h", 80, 80), // GB 3095-2012 Table 1
    row("no2", "1h", 200, 200), // GB 3095-2012 Table 1
    row("co", "24h", 4, 4), // GB 3095-2012 Table 1 (mg/m³)
    row("co", "1h", 10, 10), // GB 3095-2012 Table 1 (mg/m³)
    row("o3", "dailyMax8h", 100, 160), // GB 3095-2012 Table 1
    row("o3", "1h", 160, 200), // GB 3095-2012 Table 1
    row("pm10", "annual", 40, 70), // GB 3095-2012 Table 1
    row("pm10", "24h", 50, 150), // GB 3095-2012 Table 1
    row("pm25", "annual", 15, 35), // GB 3095-2012 Table 1
    row("pm25", "24h", 35, 75), // GB 3095-2012 Table 1
    row("tsp", "annual", 80, 200), // GB 3095-2012 Table 2
    row("tsp", "24h", 120, 300), // GB 3095-2012 Table 2
    row("nox", "annual", 50, 50), // GB 3095-2012 Table 2
    row("nox", "24h", 100, 100), // GB 3095-2012 Table 2
    row("nox", "1h", 250, 250), // GB 3095-2012 Table 2
    row("pb", "annual", 0.5, 0.5), // GB 3095-2012 Table 2
    row("pb", "quarterly", 1, 1), // GB 3095-2012 Table 2
    row("bap", "annual", 0.001, 0.001), // GB 3095-2012 Table 2
    row("bap", "24h", 0.0025, 0.0025), // GB 3095-2012 Table 2
  ],
  "2026-transition": [
    row("so2", "annual", 20, 60), // GB 3095-2026 Table 1, 2026-03-01…2030-12-31
    row("so2", "24h", 50, 150), // GB 3095-2026 Table 1, transition
    row("so2", "1h", 150, 500), // GB 3095-2026 Table 1, transition
    row("no2", "annual", 40, 40), // GB 3095-2026 Table 1, transition
    row("no2", "24h", 80, 80), // GB 3095-2026 Table 1, transition
    row("no2", "1h", 200, 200), // GB 3095-2026 Table 1, transition
    row("co", "24h", 4, 4), // GB 3095-2026 Table 1, transition (mg/m³)
    row("co", "1h", 10, 10), // GB 3095-2026 Table 1, transition (mg/m³)
    row("o3", "dailyMax8h", 100, 160), // GB 3095-2026 Table 1, transition
    row("o3", "1h", 160, 200), // GB 3095-2026 Table 1, transition
    row("pm10", "annual", 40, 60), // GB 3095-2026 Table 1, transition
    row("pm10", "24h", 50, 120), // GB 3095-2026 Table 1, transition
    row("pm25", "annual", 15, 30), // GB 3095-2026 Table 1, transition
    row("pm25", "24h", 35, 60), // GB 3095-2026 Table 1, transition
    row("tsp", "annual", 80, 200), // GB 3095-2026 Table 2
    row("tsp", "24h", 120, 300), // GB 3095-2026 Table 2
    row("nox", "annual", 50, 50), // GB 3095-2026 Table 2, transition
    row("nox", "24h", 100, 100), // GB 3095-2026 Table 2, transition
    row("nox", "1h", 250, 250), // GB 3095-2026 Table 2
    row("pb", "annual", 0.5, 0.5), // GB 3095-2026 Table 2
    row("pb", "quarterly", 1, 1), // GB 3095-2026 Table 2
    row("bap", "annual", 0.001, 0.001), // GB 3095-2026 Table 2
    row("bap", "24h", 0.0025, 0.0025), // GB 3095-2026 Table 2
  ],
  "2026-final": [
    row("so2", "annual", 20, 20), // GB 3095-2026 Table 1, from 2031-01-01
    row("so2", "24h", 50, 50), // GB 3095-2026 Table 1, from 2031-01-01
    row("so2", "1h", 150, 150), // GB 3095-2026 Table 1, from 2031-01-01
    row("no2", "annual", 30, 30), // GB 3095-2026 Table 1, from 2031-01-01
    row("no2", "24h", 50, 50), // GB 3095-2026 Table 1, from 2031-01-01
    row("no2", "1h", 200, 200), // GB 3095-2026 Table 1, from 2031-01-01
    row("co", "24h", 4, 4), // GB 3095-2026 Table 1, from 2031-01-01 (mg/m³)
    row("co", "1h", 10, 10), // GB 3095-2026 Table 1, from 2031-01-01 (mg/m³)
    row("o3", "dailyMax8h", 100, 160), // GB 3095-2026 Table 1, from 2031-01-01
    row("o3", "1h", 160, 200), // GB 3095-2026 Table 1, from 2031-01-01
    row("pm10", "annual", 20, 50), // GB 3095-2026 Table 1, from 2031-01-01
    row("pm10", "24h", 50, 100), // GB 3095-2026 Table 1, from 2031-01-01
    row("pm25", "annual", 10, 25), // GB 3095-2026 Table 1, from 2031-01-01
    row("pm25", "24h", 25, 50), // GB 3095-2026 Table 1, from 2031-01-01
    row("tsp", "annual", 80, 200), // GB 3095-2026 Table 2
    row("tsp", "24h", 120, 300), // GB 3095-2026 Table 2
    row("nox", "annual", 40, 40), // GB 3095-2026 Table 2, from 2031-01-01
    row("nox", "24h", 70, 70), // GB 3095-2026 Table 2, from 2031-01-01
    row("nox", "1h", 250, 250), // GB 3095-2026 Table 2
    row("pb", "annual", 0.5, 0.5), // GB 3095-2026 Table 2
    row("pb", "quarterly", 1, 1), // GB 3095-2026 Table 2
    row("bap", "annual", 0.001, 0.001), // GB 3095-2026 Table 2
    row("bap", "24h", 0.0025, 0.0025), // GB 3095-2026 Table 2
  ],
};

/** GB 3095-2026: in force 2026-03-01; final (tightened) limits from 2031-01-01 (Table 1). */
export const GB3095_2026_FROM = "2026-03-01";
export const GB3095_2026_FINAL_FROM = "2031-01-01";

/**
 * The limit set in force on a Beijing date. Dates before 2026-03-01 use GB 3095-2012 (which was
 * enforced nationwide from 2016-01-01 and applied earlier in first-phase cities).
 *
 * @example
 * gb3095Phase("2030-12-31") // "2026-transition"
 */
export function gb3095Phase(beijingDate: string): Gb3095Phase {
  assertBeijingDate(beijingDate);
  if (beijingDate < GB3095_2026_FROM) return "2012";
  return beijingDate < GB3095_2026_FINAL_FROM ? "2026-transition" : "2026-final";
}

export interface Gb3095Limit {
  readonly value: number;
  readonly unit: "µg/m³" | "mg/m³";
  readonly edition: "GB 3095-2012" | "GB 3095-2026";
  readonly phase: Gb3095Phase;
  readonly grade: Gb3095Grade;
  readonly pollutant: Gb3095Pollutant;
  readonly averaging: Gb3095Averaging;
  /** e.g. "GB 3095-2026 Table 1 (transition 2026-03-01…2030-12-31), Grade II". */
  readonly source: string;
}

const TABLE_2_ITEMS: ReadonlySet<Gb3095Pollutant> = new Set(["nox", "tsp", "pb", "bap"]);
const PHASE_LABEL: Record<Gb3095Phase, string> = {
  "2012": "",
  "2026-transition": " (transition 2026-03-01…2030-12-31)",
  "2026-final": " (from 2031-01-01)",
};

/**
 * The GB 3095 concentration limit for a Beijing date, grade, pollutant and averaging time, or
 * null when the standard sets none (e.g. CO annual). Throws RangeError on a bad date or grade.
 *
 * @example
 * gb3095Limit("2026-11-29", "II", "pm25", "24h")?.value // 60
 * gb3095Limit("2031-01-01", "II", "pm25", "annual")?.value // 25
 * gb3095Limit("2020-06-01", "II", "pm25", "annual")?.value // 35
 */
export function gb3095Limit(
  beijingDate: string,
  grade: Gb3095Grade,
  pollutant: Gb3095Pollutant,
  averaging: Gb3095Averaging,
): Gb3095Limit | null {
  if (grade !== "I" && grade !== "II")
    throw new RangeError(`grade: expected "I" or "II", got ${String(grade)}`);
  const phase = gb3095Phase(beijingDate);
  const found = GB3095_LIMITS[phase].find((r) => r.pollutant === pollutant && r.averaging === averaging);
  if (found === undefined) return null;
  const edition = phase === "2012" ? "GB 3095-2012" : "GB 3095-2026";
  const table = TABLE_2_ITEMS.has(pollutant) ? "Table 2" : "Table 1";
  return {
    value: grade === "I" ? found.gradeI : found.gradeII,
    unit: pollutant === "co" ? "mg/m³" : "µg/m³",
    edition,
    phase,
    grade,
    pollutant,
    averaging,
    source: `${edition} ${table}${PHASE_LABEL[phase]}, Grade ${grade}`,
  };
}

/**
 * Exceedance multiple (超标倍数) `(C − limit) / limit`, computed exactly and rounded once;
 * ≤ 0 means within the limit. Throws RangeError for a negative or non-finite input or a zero limit.
 *
 * @example
 * exceedanceMultiple(90, 60)  // 0.5
 * exceedanceMultiple(0.28, 0.2) // 0.4 (not 0.4000000000000001)
 */
export function exceedanceMultiple(concentration: number, limit: number): number {
  return relativeDifference(decimalOf(concentration, "concentration"), decimalOf(limit, "limit"));
}

/**
 * True when a concentration exceeds (is strictly above) the limit, compared exactly.
 *
 * @example
 * exceedsLimit(60, 60) // false — equal to the limit complies
 */
export function exceedsLimit(concentration: number, limit: number): boolean {
  return compareDecimal(decimalOf(concentration, "concentration"), decimalOf(limit, "limit")) > 0;
}
