import { badParameter } from "./errors.ts";

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export const TIME_EXPECTED =
  'ISO 8601 with an offset (e.g. "2026-11-29T00:00:00+08:00") or epoch milliseconds';

/**
 * Parses a time query parameter: ISO 8601 with an offset or epoch milliseconds. A time without
 * an offset is refused rather than guessed (is it UTC or Beijing time?).
 *
 * @example
 * parseTimeParam("from", "2026-11-29T00:00:00+08:00") // 1_796_400_000_000
 * parseTimeParam("from", "1796400000000")             // 1_796_400_000_000
 */
export function parseTimeParam(parameter: string, raw: string): number {
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  if (ISO_WITH_OFFSET.test(raw)) {
    const ms = Date.parse(raw);
    if (!Number.isNaN(ms)) return ms;
  }
  throw badParameter(parameter, raw, TIME_EXPECTED);
}

export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The [from, to) range of a query; defaults: `to` = now, `from` = `to` − `defaultSpanMs`.
 *
 * @example
 * timeRange({ from: "2026-11-29T00:00:00+08:00", to: "2026-11-30T00:00:00+08:00" }, Date.now(), 86_400_000)
 */
export function timeRange(
  query: { from?: string | undefined; to?: string | undefined },
  now: number,
  defaultSpanMs: number,
): TimeRange {
  const to = query.to === undefined ? now : parseTimeParam("to", query.to);
  const from = query.from === undefined ? to - defaultSpanMs : parseTimeParam("from", query.from);
  if (to <= from) throw badParameter("to", query.to ?? new Date(to).toISOString(), `a time after "from"`);
  return { from, to };
}
