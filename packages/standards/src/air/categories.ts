import type { AqiLevel } from "./types.ts";

/** One AQI level with its names and colour (HJ 633-2012 Table 2 / HJ 633-2026 Table 4, Appendix A). */
export interface AqiCategory {
  readonly level: AqiLevel;
  /** Highest AQI of the level (Infinity for level 6). */
  readonly maxAqi: number;
  /** Level name, e.g. 一级. */
  readonly grade: string;
  /** Category (类别), e.g. 优. */
  readonly zh: string;
  /** Usual English translation (not official). */
  readonly en: string;
  /** Hex colour, e.g. #99004C. */
  readonly color: string;
  readonly colorName: { readonly zh: string; readonly en: string };
  readonly rgb: readonly [number, number, number];
  readonly cmyk: readonly [number, number, number, number];
}

/** The six levels; colours are identical in both editions (normative Appendix A). */
// biome-ignore format: one level per line, as in the standard
export const AQI_CATEGORIES: readonly AqiCategory[] = [
  // HJ 633-2012 Table 2 / HJ 633-2026 Table 4: 0–50 (2026: 1–50) 一级 优, green
  { level: 1, maxAqi: 50, grade: "一级", zh: "优", en: "Excellent", color: "#00E400", colorName: { zh: "绿色", en: "green" }, rgb: [0, 228, 0], cmyk: [40, 0, 100, 0] },
  // HJ 633-2012 Table 2 / HJ 633-2026 Table 4: 51–100 二级 良, yellow
  { level: 2, maxAqi: 100, grade: "二级", zh: "良", en: "Good", color: "#FFFF00", colorName: { zh: "黄色", en: "yellow" }, rgb: [255, 255, 0], cmyk: [0, 0, 100, 0] },
  // HJ 633-2012 Table 2 / HJ 633-2026 Table 4: 101–150 三级 轻度污染, orange
  { level: 3, maxAqi: 150, grade: "三级", zh: "轻度污染", en: "Lightly polluted", color: "#FF7E00", colorName: { zh: "橙色", en: "orange" }, rgb: [255, 126, 0], cmyk: [0, 52, 100, 0] },
  // HJ 633-2012 Table 2 / HJ 633-2026 Table 4: 151–200 四级 中度污染, red
  { level: 4, maxAqi: 200, grade: "四级", zh: "中度污染", en: "Moderately polluted", color: "#FF0000", colorName: { zh: "红色", en: "red" }, rgb: [255, 0, 0], cmyk: [0, 100, 100, 0] },
  // HJ 633-2012 Table 2 / HJ 633-2026 Table 4: 201–300 五级 重度污染, purple 153,0,76 (not the EPA purple)
  { level: 5, maxAqi: 300, grade: "五级", zh: "重度污染", en: "Heavily polluted", color: "#99004C", colorName: { zh: "紫色", en: "purple" }, rgb: [153, 0, 76], cmyk: [10, 100, 40, 30] },
  // HJ 633-2012 Table 2 / HJ 633-2026 Table 4: > 300 六级 严重污染, maroon
  { level: 6, maxAqi: Number.POSITIVE_INFINITY, grade: "六级", zh: "严重污染", en: "Severely polluted", color: "#7E0023", colorName: { zh: "褐红色", en: "maroon" }, rgb: [126, 0, 35], cmyk: [30, 100, 100, 30] },
];

/**
 * The level, names and colour of an AQI value. Throws RangeError for a negative or non-finite AQI.
 *
 * @example
 * aqiCategory(201) // { level: 5, zh: "重度污染", en: "Heavily polluted", color: "#99004C", … }
 * aqiCategory(50)  // level 1 (优)
 */
export function aqiCategory(aqi: number): AqiCategory {
  if (typeof aqi !== "number" || !Number.isFinite(aqi) || aqi < 0)
    throw new RangeError(`AQI must be a finite number ≥ 0, got ${String(aqi)}`);
  const found = AQI_CATEGORIES.find((c) => aqi <= c.maxAqi);
  if (found === undefined) throw new RangeError(`no AQI category for ${aqi}`);
  return found;
}
