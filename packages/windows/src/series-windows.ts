import type { MetricId } from "@qingshan/domain";
import type { SeriesWindows, WindowsOptions } from "./types.ts";

/**
 * Rolling windows of one series (one metric of one station). Implementation in progress.
 *
 * @example
 * const w = createSeriesWindows("pm25", { latenessMs: 2 * 3_600_000 });
 */
export function createSeriesWindows(metric: MetricId, options: WindowsOptions): SeriesWindows {
  throw new Error(`@qingshan/windows: not implemented yet (${metric}, ${JSON.stringify(options)})`);
}
