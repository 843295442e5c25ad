import type { WaterBody, WaterClass } from "./classes.ts";
import { WATER_CLASS_ORDER } from "./classes.ts";
import type { Decimal } from "./decimal.ts";
import { compareDecimal, decimalOfNumber, parseDecimal } from "./decimal.ts";
import type { ClassLimits, Gb3838Item } from "./gb3838-table.ts";
import { gb3838Item } from "./gb3838-table.ts";

/**
 * The Table 1 row for `metric`, after checking the metric is known and the value usable.
 * Water temperature may be below 0 °C; every other item must be non-negative.
 *
 * @throws RangeError naming the metric
 * @example
 * checkedItem("nh3n", 0.5).tableItem // 7
 * checkedItem("pm25", 1)             // throws RangeError "pm25: not a GB 3838 metric id"
 */
export function checkedItem(metric: string, value: number): Gb3838Item {
  const row = gb3838Item(metric);
  if (row === undefined) throw new RangeError(`${metric}: not a GB 3838 metric id`);
  if (!Number.isFinite(value)) throw new RangeError(`${metric}: value must be a finite number, got ${value}`);
  if (value < 0 && metric !== "temp")
    throw new RangeError(`${metric}: value must not be negative, got ${value}`);
  return row;
}

/**
 * The limits that apply at this kind of water body, or null when the item has no class there.
 *
 * @example
 * limitsFor(checkedItem("tp", 0.1), "lake") // ["0.01", "0.025", "0.05", "0.1", "0.2"]
 */
export function limitsFor(row: Gb3838Item, waterBody: WaterBody): ClassLimits | null {
  return waterBody === "lake" ? row.lake : row.river;
}

function classIndex(index: number): WaterClass {
  const c = WATER_CLASS_ORDER[index];
  if (c === undefined) throw new RangeError(`class index out of range: ${index}`);
  return c;
}

// GB 3838-2002 Table 1 "≤": the best class whose limit is ≥ the value; shared limits pick the
// better class because the search runs from class I; above class V → 劣V (GB 3838-2002 §4).
function classifyUpper(value: Decimal, limits: ClassLimits): WaterClass {
  const index = limits.findIndex((limit) => compareDecimal(value, parseDecimal(limit)) <= 0);
  return index < 0 ? "劣V" : classIndex(index);
}

// GB 3838-2002 Table 1 item 3 (DO "≥"): the best class whose limit is ≤ the value; below 2 → 劣V.
function classifyLower(value: Decimal, limits: ClassLimits): WaterClass {
  const index = limits.findIndex((limit) => compareDecimal(value, parseDecimal(limit)) >= 0);
  return index < 0 ? "劣V" : classIndex(index);
}

// GB 3838-2002 Table 1 item 2: 6–9 for every class, ends included → class I; outside → 劣V
// (water-gb3838.md §3: the usual reading, a pH outside 6–9 fails every class).
function classifyRange(value: Decimal, range: readonly [string, string]): WaterClass {
  const inside =
    compareDecimal(value, parseDecimal(range[0])) >= 0 && compareDecimal(value, parseDecimal(range[1])) <= 0;
  return inside ? "I" : "劣V";
}

/**
 * Classes one parameter value by GB 3838-2002 Table 1 (single factor, 单因子). A value equal to a
 * limit belongs to that class; DO is a lower bound; pH 6–9 (inclusive) is class I, else 劣V; lakes
 * and reservoirs use the lake TP column; TN has a class at lakes only. Comparison is exact on the
 * value's shortest decimal form.
 *
 * @returns the class, or null when the item has no class (temp, cond, turb, TN at a river)
 * @throws RangeError for an unknown metric id, a non-finite value or a negative value (temp excepted)
 * @example
 * classifyParameter("do", 5.8, "river")   // "III"
 * classifyParameter("tp", 0.04, "lake")   // "III"
 * classifyParameter("tp", 0.04, "river")  // "II"
 * classifyParameter("hg", 0.00005, "river") // "I"
 * classifyParameter("tn", 1.2, "river")   // null
 */
export function classifyParameter(metric: string, value: number, waterBody: WaterBody): WaterClass | null {
  const row = checkedItem(metric, value);
  if (row.direction === "none") return null;
  const decimal = decimalOfNumber(value);
  if (row.direction === "range") {
    if (row.range === undefined) throw new RangeError(`${metric}: range item without a range`);
    return classifyRange(decimal, row.range);
  }
  const limits = limitsFor(row, waterBody);
  if (limits === null) return null;
  return row.direction === "min" ? classifyLower(decimal, limits) : classifyUpper(decimal, limits);
}
