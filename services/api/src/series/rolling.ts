import { HOUR_MS } from "@qingshan/domain";
import { validMean } from "./hourly-validity.ts";
import { clean } from "./mean.ts";
import type { HourSeries } from "./types.ts";

/** A windowed mean with the number of valid hourly means it was built from. */
export interface WindowMean {
  readonly value: number | null;
  readonly validHours: number;
}

/**
 * Mean of the valid hourly means labelled `end − (hours − 1) h … end`, or null with fewer than
 * `minValid` of them. The 8-h O3 rolling mean is `rollingMean(o3, t, 8, 6)` (GB 3095 Table 4,
 * air-aqi.md §8); a 24-h rolling mean is `rollingMean(s, t, 24, 20)`.
 *
 * @example
 * rollingMean(o3, Date.parse("2026-11-29T08:00+08:00"), 8, 6) // { value: 96.5, validHours: 8 }
 */
export function rollingMean(series: HourSeries, end: number, hours: number, minValid: number): WindowMean {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < hours; i++) {
    const v = validMean(series, end - i * HOUR_MS);
    if (v !== undefined) {
      sum += v;
      n++;
    }
  }
  return { value: n >= minValid && n > 0 ? clean(sum / n) : null, validHours: n };
}
