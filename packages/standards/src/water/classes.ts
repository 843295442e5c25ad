/** Water-quality classes of GB 3838-2002 §4 and their qualitative status (环办〔2011〕22号). */

/** GB 3838-2002 §4: classes I–V, plus 劣V for "worse than class V". */
export type WaterClass = "I" | "II" | "III" | "IV" | "V" | "劣V";

/** A class a section can be targeted at (劣V is never a target). */
export type TargetClass = "I" | "II" | "III" | "IV" | "V";

/** Section type: rivers use the river TP column; lakes and reservoirs (湖、库) the lake column. */
export type WaterBody = "river" | "lake";

/** Qualitative water status (水质状况) and its colour name. */
export interface WaterStatus {
  readonly zh: string;
  readonly en: string;
  readonly color: string;
}

export interface WaterClassInfo {
  readonly class: WaterClass;
  readonly number: number;
  readonly zh: string;
  readonly status: WaterStatus;
}

/** Classes best to worst with status and colour; the method names colours only, no RGB values. */
export const WATER_CLASSES: readonly WaterClassInfo[] = Object.freeze([
  { class: "I", number: 1, zh: "Ⅰ类", status: { zh: "优", en: "excellent", color: "blue" } }, // 环办〔2011〕22号 §3: I–II 优, blue
  { class: "II", number: 2, zh: "Ⅱ类", status: { zh: "优", en: "excellent", color: "blue" } }, // 环办〔2011〕22号 §3: I–II 优, blue
  { class: "III", number: 3, zh: "Ⅲ类", status: { zh: "良好", en: "good", color: "green" } }, // 环办〔2011〕22号 §3: III 良好, green
  { class: "IV", number: 4, zh: "Ⅳ类", status: { zh: "轻度污染", en: "lightly polluted", color: "yellow" } }, // 环办〔2011〕22号 §3: IV 轻度污染, yellow
  {
    class: "V",
    number: 5,
    zh: "Ⅴ类",
    status: { zh: "中度污染", en: "moderately polluted", color: "orange" },
  }, // 环办〔2011〕22号 §3: V 中度污染, orange
  { class: "劣V", number: 6, zh: "劣Ⅴ类", status: { zh: "重度污染", en: "heavily polluted", color: "red" } }, // 环办〔2011〕22号 §3: 劣V 重度污染, red
] as const satisfies readonly WaterClassInfo[]);

/** Classes in order, index = class number − 1. */
export const WATER_CLASS_ORDER: readonly WaterClass[] = Object.freeze(WATER_CLASSES.map((c) => c.class));

/**
 * The class number: I=1 … V=5, 劣V=6.
 *
 * @example
 * waterClassNumber("III") // 3
 * waterClassNumber("劣V") // 6
 */
export function waterClassNumber(c: WaterClass): number {
  const index = WATER_CLASS_ORDER.indexOf(c);
  if (index < 0) throw new RangeError(`unknown water class: ${String(c)}`);
  return index + 1;
}

/**
 * The qualitative status (优/良好/轻度污染/中度污染/重度污染) and colour of a class.
 *
 * @example
 * waterStatus("IV") // { zh: "轻度污染", en: "lightly polluted", color: "yellow" }
 */
export function waterStatus(c: WaterClass): WaterStatus {
  const info = WATER_CLASSES[waterClassNumber(c) - 1];
  if (info === undefined) throw new RangeError(`unknown water class: ${String(c)}`);
  return { ...info.status };
}
