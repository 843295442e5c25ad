import { type DataFlag, HOUR_MS } from "@qingshan/domain";
import type { HourlyAggregate } from "@qingshan/store";

/**
 * What one stored hour says about a quality tracker's run that reaches past it (judged from the
 * hour's aggregate alone): `in` — every reading of the hour belongs to the run; `edge` — the hour
 * breaks the run, but its last readings may still belong to it; `out` — none does.
 */
export type RunHour = "in" | "edge" | "out";

/**
 * Where a run reaching `recentFrom` may start: the start of the earliest stored hour before
 * `recentFrom` that `hour` does not call `out`, walking back from `recentFrom` while it calls them
 * `in` (hours without readings are skipped: a gap does not break a tracker's run). Not before
 * `bound`; undefined when the run does not reach back past `recentFrom`.
 *
 * @example
 * runStart(hourly, bound, recentFrom, flaggedHour(["N"])) // start of the first hour of a C/M run, or undefined
 */
export function runStart(
  hourly: readonly HourlyAggregate[],
  bound: number,
  recentFrom: number,
  hour: (agg: HourlyAggregate) => RunHour,
): number | undefined {
  let from: number | undefined;
  for (let i = hourly.length - 1; i >= 0; i--) {
    const agg = hourly[i] as HourlyAggregate;
    if (agg.hourEnd > recentFrom || agg.totalCount === 0) continue;
    if (agg.hourEnd <= bound) break;
    const verdict = hour(agg);
    if (verdict !== "out") from = agg.hourEnd - HOUR_MS;
    if (verdict !== "in") break;
  }
  return from;
}

/**
 * A run of identical values (flag N; the stuck-sensor check) equal to `value` (the run's value
 * after the hours walked; undefined: that of the latest stored hour): an hour of N readings all
 * equal to it has min = max = value and validCount = totalCount; an hour whose range holds the
 * value may end with some of the run.
 */
export function identicalHour(value: number | undefined): (agg: HourlyAggregate) => RunHour {
  let v = value;
  return (agg) => {
    v ??= agg.max ?? undefined;
    if (agg.validCount === agg.totalCount && agg.min === v && agg.max === v) return "in";
    const holds = agg.min !== null && agg.max !== null && v !== undefined && agg.min <= v && v <= agg.max;
    return holds ? "edge" : "out";
  };
}

/**
 * A run of flags other than N (C calibration, M maintenance, …; the flag-duration check): an hour
 * with no valid reading has none flagged N; an hour with some invalid ones may end with the run.
 * With `validFlags` other than N valid readings may be flagged too, so such hours are read. The
 * aggregates do not tell one flag from another: a run of C then M is read from the C's start (the
 * tracker restarts the run at the M, as live).
 */
export function flaggedHour(validFlags: readonly DataFlag[]): (agg: HourlyAggregate) => RunHour {
  const onlyN = validFlags.every((f) => f === "N");
  return (agg) => {
    if (agg.validCount === 0 || !onlyN) return "in";
    return agg.validCount < agg.totalCount ? "edge" : "out";
  };
}
