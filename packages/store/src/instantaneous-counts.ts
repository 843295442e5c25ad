import { DAY_MS, type DataFlag, DEFAULT_VALID_FLAGS, type MetricId } from "@qingshan/domain";
import { HOUR_MS, hourEndOf } from "./hour.ts";
import type { TimeSeriesStore } from "./store.ts";

/**
 * The flags the store's hourly aggregates count as valid: its `settings.validFlags` (both shipped
 * adapters have them), else the default (N).
 */
export function storeValidFlags(store: object): readonly DataFlag[] {
  const settings = (store as { settings?: { validFlags?: readonly DataFlag[] } }).settings;
  return settings?.validFlags ?? DEFAULT_VALID_FLAGS;
}

/**
 * The number of valid instantaneous readings (no averaging period, flag in `validFlags`) in each
 * hour labelled in `hourEnds` (ascending), counted from the raw readings: the hourly aggregate does
 * not tell them apart from averaged ones (GB 3095 Table 4's 45-min rule credits them the reporting
 * interval each). Hours close together are read in one query. An hour whose raw readings retention
 * has removed counts none.
 *
 * @example
 * await countValidInstantaneous(store, "ld-aq-01", "pm10", [hourEnd], ["N"]) // Map { hourEnd → 9 }
 */
export async function countValidInstantaneous(
  store: Pick<TimeSeriesStore, "queryReadings">,
  stationId: string,
  metric: MetricId,
  hourEnds: readonly number[],
  validFlags: readonly DataFlag[],
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (hourEnds.length === 0) return counts;
  const wanted = new Set(hourEnds);
  for (const { from, to } of readSpans(hourEnds)) {
    for (const r of await store.queryReadings({ stationId, metric, from, to })) {
      if (r.periodMs !== 0 || !validFlags.includes(r.flag)) continue;
      const label = hourEndOf(r.ts);
      if (wanted.has(label)) counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  }
  return counts;
}

/** [from, to) ranges covering the hours labelled `hourEnds` (ascending): gaps ≤ 6 h merged, ≤ 1 day each. */
function readSpans(hourEnds: readonly number[]): Array<{ from: number; to: number }> {
  const spans: Array<{ from: number; to: number }> = [];
  for (const hourEnd of hourEnds) {
    const last = spans.at(-1);
    if (last && hourEnd - HOUR_MS - last.to <= 6 * HOUR_MS && hourEnd - last.from <= DAY_MS)
      last.to = hourEnd;
    else spans.push({ from: hourEnd - HOUR_MS, to: hourEnd });
  }
  return spans;
}
