import type { WaterClass } from "./classes.ts";
import { waterClassNumber } from "./classes.ts";

/** One main pollutant (主要污染指标) with its class and exceedance multiple (null for pH and DO). */
export interface MainPollutant {
  readonly metric: string;
  readonly class: WaterClass;
  readonly exceedance: number | null;
}

/**
 * Items that take precedence as main pollutants when they exceed class III: cyanide and heavy
 * metals (环办〔2011〕22号 §3, "氰化物或铅、铬等重金属超标时，优先作为主要污染指标"). The method
 * names lead and chromium "among others"; which further metals count is our reading (Cu, Zn, As,
 * Hg, Cd) and is provisional.
 */
export const PRIORITY_POLLUTANTS: readonly string[] = Object.freeze([
  "cn",
  "cu",
  "zn",
  "as",
  "hg",
  "cd",
  "cr6",
  "pb",
]);

/** Maximum number of main pollutants (环办〔2011〕22号 §3: the first three items). */
export const MAX_MAIN_POLLUTANTS = 3;

export interface PollutantCandidate {
  readonly metric: string;
  readonly class: WaterClass;
  /** The published (rounded) multiple, as output. */
  readonly exceedance: number | null;
  /** The unrounded multiple, which orders items of the same class (default: `exceedance`). */
  readonly exactExceedance?: number | null;
  /** Position in GB 3838-2002 Table 1, the final tie-break. */
  readonly order: number;
}

/**
 * Picks the main pollutants of a section worse than class III (环办〔2011〕22号 §3): only items
 * worse than class III; cyanide and heavy metals first; then worst class first; within a class,
 * larger exceedance multiple first — the unrounded one, so 0.666 goes before 0.665 although both
 * publish 0.67 (items without a multiple, pH and DO, after those with one);
 * then Table 1 order; at most three.
 *
 * @example
 * selectMainPollutants("劣V", [
 *   { metric: "nh3n", class: "劣V", exceedance: 1.6, order: 7 },
 *   { metric: "tp", class: "IV", exceedance: 0.4, order: 8 },
 *   { metric: "codmn", class: "IV", exceedance: 0.25, order: 4 },
 * ]) // nh3n(1.6), tp(0.4), codmn(0.25)
 */
export function selectMainPollutants(
  sectionClass: WaterClass | null,
  candidates: readonly PollutantCandidate[],
): MainPollutant[] {
  if (sectionClass === null || waterClassNumber(sectionClass) <= 3) return [];
  const rankOf = (c: PollutantCandidate) =>
    (c.exactExceedance !== undefined ? c.exactExceedance : c.exceedance) ?? Number.NEGATIVE_INFINITY;
  const priority = (c: PollutantCandidate) => (PRIORITY_POLLUTANTS.includes(c.metric) ? 0 : 1);
  return candidates
    .filter((c) => waterClassNumber(c.class) > 3)
    .sort(
      (a, b) =>
        priority(a) - priority(b) ||
        waterClassNumber(b.class) - waterClassNumber(a.class) ||
        rankOf(b) - rankOf(a) ||
        a.order - b.order,
    )
    .slice(0, MAX_MAIN_POLLUTANTS)
    .map((c) => ({ metric: c.metric, class: c.class, exceedance: c.exceedance }));
}
