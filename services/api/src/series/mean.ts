/**
 * Significant digits kept in computed means. Binary floating point turns the mean of 24 × 1.2 into
 * 1.2000000000000002, which would cross a class limit of exactly 1.2 or move a half-even rounding
 * tie (HJ 633-2026 §4.2.2: 34.5 → 34); 12 digits is far beyond any instrument's resolution.
 */
export const MEAN_SIGNIFICANT_DIGITS = 12;

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Removes floating-point noise from a computed value: the value rounded to 12 significant digits,
 * exactly `Number(value.toPrecision(12))`.
 */
export function clean(value: number): number {
  // An integer below 10^12 has no noise to remove: the same value without the string round trip
  // (hourly values are often integers, µg/m³; a year of daily AQI cleans ~50 000 hourly means a station). + 0 turns -0 into 0, as toPrecision does.
  if (Number.isInteger(value) && Math.abs(value) < 1e12) return value + 0;
  return cleanByScaling(value) ?? Number(value.toPrecision(MEAN_SIGNIFICANT_DIGITS));
}

/**
 * The 12-digit rounding without the string round trip, where it provably gives the same double:
 * the value scaled by an exact 10^k to 12 integer digits, rounded, and divided back (a correctly
 * rounded division of two exact numbers, as parsing the digits is). The scaled product carries one
 * rounding error below 2^-13, so the integer it rounds to is toPrecision's unless the product is
 * within 10^-3 of a tie; those, and magnitudes whose 10^k is not exact, are left to toPrecision.
 */
function cleanByScaling(value: number): number | undefined {
  const magnitude = Math.abs(value);
  if (!(magnitude >= 1e-10 && magnitude < 1e11)) return undefined;
  let k = MEAN_SIGNIFICANT_DIGITS - 1 - Math.floor(Math.log10(magnitude));
  let scaled = magnitude * (EXACT_POWERS_OF_TEN[k] as number);
  // log10 can miss by one next to a power of ten.
  if (scaled < 1e11) scaled = magnitude * (EXACT_POWERS_OF_TEN[++k] as number);
  else if (scaled >= 1e12) scaled = magnitude * (EXACT_POWERS_OF_TEN[--k] as number);
  const fraction = scaled - Math.floor(scaled);
  if (Math.abs(fraction - 0.5) < 1e-3) return undefined;
  const rounded = Math.round(scaled) / (EXACT_POWERS_OF_TEN[k] as number);
  return value < 0 ? -rounded : rounded;
}

/**
 * Sum of doubles with Neumaier's compensated summation (Neumaier 1974, the improved Kahan–Babuška
 * sum): the rounding error of each addition is carried in a second accumulator and added at the
 * end, so the result is within about one unit in the last place of the exact sum for any realistic
 * series (a year of hourly means), not n roundings away from it as a plain loop is. Four extra
 * floating-point operations per value, no allocation.
 *
 * @example
 * compensatedSum([0.1, 0.2, 0.3]) // 0.6 (a plain loop gives 0.6000000000000001)
 */
export function compensatedSum(values: readonly number[]): number {
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const t = sum + v;
    // The low-order bits lost by t = sum + v: from v when |sum| ≥ |v|, else from sum.
    compensation += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + compensation;
}

/**
 * A period average (a day's from its hourly means, a month's from its daily means), rounded to 12
 * significant digits, with the same average before that rounding as `unrounded`. A longer
 * period's average must be taken on the unrounded averages of its parts: averaging averages that
 * were each rounded to 12 digits rounds twice, and the result then misses the correctly rounded
 * value in its last digit (the monthly mean of 31 daily means of 1-decimal hourly PM2.5: about 3 %
 * of months, 49.1008333334 for an exact 49.100833333333…).
 */
export interface PeriodAverage {
  (values: readonly number[]): number | null;
  /** The same average before the 12-digit rounding (null for no values). */
  readonly unrounded: (values: readonly number[]) => number | null;
}

function periodAverage(unrounded: (values: readonly number[]) => number | null): PeriodAverage {
  const rounded = (values: readonly number[]): number | null => {
    const value = unrounded(values);
    return value === null ? null : clean(value);
  };
  return Object.assign(rounded, { unrounded });
}

/**
 * The unrounded form of an average: `unrounded` of a PeriodAverage, else the function itself.
 *
 * @example
 * unroundedOf(mean)([1.2, 1.2]) // 1.2 (the compensated sum / n, before clean)
 */
export function unroundedOf(
  average: ((values: readonly number[]) => number | null) & {
    readonly unrounded?: PeriodAverage["unrounded"];
  },
): (values: readonly number[]) => number | null {
  return average.unrounded ?? average;
}

/**
 * Arithmetic mean, correctly rounded to 12 significant digits for realistic data: the compensated
 * sum of the values (compensatedSum) divided by their number, then cleaned of floating-point
 * noise; null for no values. `mean.unrounded` is the mean before the rounding.
 *
 * @example
 * mean(Array(24).fill(1.2)) // 1.2 (not 1.2000000000000002)
 */
export const mean: PeriodAverage = periodAverage(function unroundedMean(values) {
  if (values.length === 0) return null;
  return compensatedSum(values) / values.length;
});

/**
 * Mean of pH values through the hydrogen-ion concentration: −log10 of the mean of 10^−pH, cleaned
 * of floating-point noise; null for no values. pH is a logarithm, so an arithmetic mean of pH
 * understates short acid or alkaline spells (5.5 and 9.4 average to 7.45 arithmetically, to 5.80
 * through [H+]). `hydrogenIonMeanPh.unrounded` is the value before the rounding.
 *
 * @example
 * hydrogenIonMeanPh([5.5, 9.4]) // 5.80098… = −log10((10^−5.5 + 10^−9.4) / 2)
 */
export const hydrogenIonMeanPh: PeriodAverage = periodAverage(function unroundedHydrogenIonMeanPh(values) {
  if (values.length === 0) return null;
  return -Math.log10(compensatedSum(values.map((v) => 10 ** -v)) / values.length);
});
