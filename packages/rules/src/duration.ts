/**
 * Durations in rule files: "0", or a whole number followed by m (minutes), h (hours) or d (days),
 * e.g. "45m", "36h", "7d".
 *
 * @example
 * parseDuration("36h") // 129_600_000
 * parseDuration("2x")  // undefined
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const match = /^(\d+)(m|h|d)$/.exec(text);
  if (match === null) return undefined;
  const n = Number(match[1]);
  const unit = match[2] === "m" ? 60_000 : match[2] === "h" ? 3_600_000 : 86_400_000;
  return n * unit;
}

/**
 * Human text of a duration in ms, the inverse of parseDuration for whole units.
 *
 * @example
 * formatDuration(129_600_000) // "36h"
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.round(ms / 60_000)}m`;
}
