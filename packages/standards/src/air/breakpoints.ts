import type { AqiStandard } from "./types.ts";

/** A breakpoint column of HJ 633 (the 1-h PM indicators are indexed on the 24-h columns). */
export type BreakpointColumn =
  | "so2_24h"
  | "so2_1h"
  | "no2_24h"
  | "no2_1h"
  | "pm10_24h"
  | "co_24h"
  | "co_1h"
  | "o3_1h"
  | "o3_8h"
  | "pm25_24h";

export const BREAKPOINT_COLUMNS: readonly BreakpointColumn[] = [
  "so2_24h",
  "so2_1h",
  "no2_24h",
  "no2_1h",
  "pm10_24h",
  "co_24h",
  "co_1h",
  "o3_1h",
  "o3_8h",
  "pm25_24h",
];

/** One row of the IAQI table: concentrations (µg/m³; CO mg/m³) at which the IAQI takes `iaqi`. */
export type BreakpointRow = { readonly iaqi: number } & {
  readonly [C in BreakpointColumn]: number | null;
};

// null = no breakpoint: SO2 1-h above 800 and O3 8-h above 800 fall under special rules instead.
/** HJ 633-2012 Table 1 (空气质量分指数及对应的污染物项目浓度限值). */
// biome-ignore format: one table row per line, as in the standard
export const HJ633_2012_TABLE: readonly BreakpointRow[] = [
  // HJ 633-2012 Table 1, IAQI 0
  { iaqi: 0, so2_24h: 0, so2_1h: 0, no2_24h: 0, no2_1h: 0, pm10_24h: 0, co_24h: 0, co_1h: 0, o3_1h: 0, o3_8h: 0, pm25_24h: 0 },
  // HJ 633-2012 Table 1, IAQI 50
  { iaqi: 50, so2_24h: 50, so2_1h: 150, no2_24h: 40, no2_1h: 100, pm10_24h: 50, co_24h: 2, co_1h: 5, o3_1h: 160, o3_8h: 100, pm25_24h: 35 },
  // HJ 633-2012 Table 1, IAQI 100
  { iaqi: 100, so2_24h: 150, so2_1h: 500, no2_24h: 80, no2_1h: 200, pm10_24h: 150, co_24h: 4, co_1h: 10, o3_1h: 200, o3_8h: 160, pm25_24h: 75 },
  // HJ 633-2012 Table 1, IAQI 150
  { iaqi: 150, so2_24h: 475, so2_1h: 650, no2_24h: 180, no2_1h: 700, pm10_24h: 250, co_24h: 14, co_1h: 35, o3_1h: 300, o3_8h: 215, pm25_24h: 115 },
  // HJ 633-2012 Table 1, IAQI 200
  { iaqi: 200, so2_24h: 800, so2_1h: 800, no2_24h: 280, no2_1h: 1200, pm10_24h: 350, co_24h: 24, co_1h: 60, o3_1h: 400, o3_8h: 265, pm25_24h: 150 },
  // HJ 633-2012 Table 1, IAQI 300 (SO2 1-h: note 2)
  { iaqi: 300, so2_24h: 1600, so2_1h: null, no2_24h: 565, no2_1h: 2340, pm10_24h: 420, co_24h: 36, co_1h: 90, o3_1h: 800, o3_8h: 800, pm25_24h: 250 },
  // HJ 633-2012 Table 1, IAQI 400 (SO2 1-h: note 2; O3 8-h: note 3)
  { iaqi: 400, so2_24h: 2100, so2_1h: null, no2_24h: 750, no2_1h: 3090, pm10_24h: 500, co_24h: 48, co_1h: 120, o3_1h: 1000, o3_8h: null, pm25_24h: 350 },
  // HJ 633-2012 Table 1, IAQI 500 (SO2 1-h: note 2; O3 8-h: note 3)
  { iaqi: 500, so2_24h: 2620, so2_1h: null, no2_24h: 940, no2_1h: 3840, pm10_24h: 600, co_24h: 60, co_1h: 150, o3_1h: 1200, o3_8h: null, pm25_24h: 500 },
];

/** HJ 633-2026 Table 3: identical to 2012 except the IAQI-100 points of PM10 (120) and PM2.5 (60). */
// biome-ignore format: one table row per line, as in the standard
export const HJ633_2026_TABLE: readonly BreakpointRow[] = [
  // HJ 633-2026 Table 3, IAQI 0
  { iaqi: 0, so2_24h: 0, so2_1h: 0, no2_24h: 0, no2_1h: 0, pm10_24h: 0, co_24h: 0, co_1h: 0, o3_1h: 0, o3_8h: 0, pm25_24h: 0 },
  // HJ 633-2026 Table 3, IAQI 50
  { iaqi: 50, so2_24h: 50, so2_1h: 150, no2_24h: 40, no2_1h: 100, pm10_24h: 50, co_24h: 2, co_1h: 5, o3_1h: 160, o3_8h: 100, pm25_24h: 35 },
  // HJ 633-2026 Table 3, IAQI 100 (PM10 120, PM2.5 60: new in 2026)
  { iaqi: 100, so2_24h: 150, so2_1h: 500, no2_24h: 80, no2_1h: 200, pm10_24h: 120, co_24h: 4, co_1h: 10, o3_1h: 200, o3_8h: 160, pm25_24h: 60 },
  // HJ 633-2026 Table 3, IAQI 150
  { iaqi: 150, so2_24h: 475, so2_1h: 650, no2_24h: 180, no2_1h: 700, pm10_24h: 250, co_24h: 14, co_1h: 35, o3_1h: 300, o3_8h: 215, pm25_24h: 115 },
  // HJ 633-2026 Table 3, IAQI 200
  { iaqi: 200, so2_24h: 800, so2_1h: 800, no2_24h: 280, no2_1h: 1200, pm10_24h: 350, co_24h: 24, co_1h: 60, o3_1h: 400, o3_8h: 265, pm25_24h: 150 },
  // HJ 633-2026 Table 3, IAQI 300 (SO2 1-h above 800 counts as 200: note a)
  { iaqi: 300, so2_24h: 1600, so2_1h: null, no2_24h: 565, no2_1h: 2340, pm10_24h: 420, co_24h: 36, co_1h: 90, o3_1h: 800, o3_8h: 800, pm25_24h: 250 },
  // HJ 633-2026 Table 3, IAQI 400 (O3 8-h above 800 counts as 300: note b)
  { iaqi: 400, so2_24h: 2100, so2_1h: null, no2_24h: 750, no2_1h: 3090, pm10_24h: 500, co_24h: 48, co_1h: 120, o3_1h: 1000, o3_8h: null, pm25_24h: 350 },
  // HJ 633-2026 Table 3, IAQI 500
  { iaqi: 500, so2_24h: 2620, so2_1h: null, no2_24h: 940, no2_1h: 3840, pm10_24h: 600, co_24h: 60, co_1h: 150, o3_1h: 1200, o3_8h: null, pm25_24h: 500 },
];

export const BREAKPOINT_TABLES: Readonly<Record<AqiStandard, readonly BreakpointRow[]>> = {
  "HJ633-2012": HJ633_2012_TABLE,
  "HJ633-2026": HJ633_2026_TABLE,
};

/** One point of a column: concentration `bp` has index `iaqi`. */
export interface Breakpoint {
  readonly bp: number;
  readonly iaqi: number;
}

/**
 * The points of one column of an edition, in ascending order (rows without a value dropped).
 *
 * @example
 * columnPoints("HJ633-2026", "pm25_24h").map((p) => p.bp) // [0, 35, 60, 115, 150, 250, 350, 500]
 */
export function columnPoints(standard: AqiStandard, column: BreakpointColumn): Breakpoint[] {
  const points: Breakpoint[] = [];
  for (const row of BREAKPOINT_TABLES[standard]) {
    const bp = row[column];
    if (bp !== null) points.push({ bp, iaqi: row.iaqi });
  }
  return points;
}
