// Pure helpers of the compliance view's annual air assessment table (HJ 663 年评价, the API's
// /compliance/air-annual; no DOM): unit-tested in services/dashboard/src/air-annual.test.ts.

import { displayMeasure } from "./format.js";

/**
 * A statistic's value as the table shows it: as the alert messages show values (displayMeasure: one
 * decimal from 1 up, else three significant digits), with more digits only where that rounding
 * would put it on the other side of its limit from the unrounded value (35.04 against 35 reads
 * "35.04", not "35", beside "exceeds": the API compares unrounded values, air-aqi.md §8 / HJ 663
 * gives no rounding rule for assessed statistics). "—" without a value.
 *
 * @example annualValueText(40.318, 35) // "40.3"
 * @example annualValueText(35.04, 35) // "35.04"
 */
export function annualValueText(value, limit) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const text = displayMeasure(value);
  if (limit === null || limit === undefined) return text;
  const above = value > limit;
  if (Number(text) > limit === above) return text;
  for (let digits = 2; digits <= 17; digits++) {
    const more = String(Number(value.toPrecision(digits)));
    if (Number(more) > limit === above) return more;
  }
  return String(value);
}

/**
 * What a statistic's cell says of it: "in_progress" while the year runs (no verdict), else
 * "insufficient_data" without enough valid days (GB 3095 Table 4: such data must not be used — not a
 * pass), else "exceeds" or "within" its GB 3095 limit, "no_limit" when there is none.
 *
 * @example annualVerdict({ sufficientData: true, exceedsLimit: true }, false) // "exceeds"
 */
export function annualVerdict(statistic, inProgress) {
  if (inProgress) return "in_progress";
  if (!statistic.sufficientData) return "insufficient_data";
  if (statistic.exceedsLimit === true) return "exceeds";
  if (statistic.exceedsLimit === false) return "within";
  return "no_limit";
}

/**
 * The texts of one statistic's cell: its value (annualValueText) and the unrounded value for the
 * tooltip, its limit, verdict (annualVerdict) and valid days against the days of the year so far.
 *
 * @example
 * annualCell({ value: 40.318, limit: { value: 35 }, validDays: 360, sufficientData: true, exceedsLimit: true }, { inProgress: false, elapsedDays: 365 })
 * // { value: "40.3", exact: "40.318", limit: "35", verdict: "exceeds", days: "360 / 365" }
 */
export function annualCell(statistic, { inProgress, elapsedDays }) {
  const limit = statistic.limit?.value ?? null;
  return {
    value: annualValueText(statistic.value, limit),
    exact: statistic.value === null || statistic.value === undefined ? "" : String(statistic.value),
    limit: limit === null ? "—" : String(limit),
    verdict: annualVerdict(statistic, inProgress),
    days: `${statistic.validDays} / ${elapsedDays}`,
  };
}
