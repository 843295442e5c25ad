/**
 * GB 3838-2002 Table 1 (基本项目标准限值) as data, in the table's catalogue order, with Qingshan
 * metric ids. Limits are decimal strings (exact comparison, see decimal.ts), for classes I..V.
 * Units mg/L unless stated.
 */

/**
 * - `max`: upper bound, value ≤ limit meets the class (GB 3838-2002 Table 1 "≤").
 * - `min`: lower bound, value ≥ limit meets the class (Table 1 item 3, DO "≥").
 * - `range`: pH, 6–9 for every class (Table 1 item 2).
 * - `none`: no class limits (water temperature, conductivity, turbidity).
 */
export type Gb3838Direction = "max" | "min" | "range" | "none";

/**
 * - `assessed`: one of the 21 items of the section class (环办〔2011〕22号 §2).
 * - `reference`: reported separately, never worsens the class (water temperature, TN, fecal coliform).
 * - `none`: measured at automatic stations but not a GB 3838 item (conductivity, turbidity).
 */
export type Gb3838Role = "assessed" | "reference" | "none";

/** Limits for classes I, II, III, IV, V. */
export type ClassLimits = readonly [string, string, string, string, string];

export interface Gb3838Item {
  /** Qingshan metric id (packages/domain metrics.ts). */
  readonly metric: string;
  /** Key used in shared/standards/water-gb3838.json. */
  readonly key: string;
  /** Item number in GB 3838-2002 Table 1 (null: not a Table 1 item). */
  readonly tableItem: number | null;
  readonly zh: string;
  readonly en: string;
  readonly unit: string;
  readonly direction: Gb3838Direction;
  readonly role: Gb3838Role;
  /** Limits at rivers (null: no limits there). */
  readonly river: ClassLimits | null;
  /** Limits at lakes and reservoirs (null: no limits there). */
  readonly lake: ClassLimits | null;
  /** pH only: inclusive range meeting every class. */
  readonly range?: readonly [string, string];
}

function item(
  metric: string,
  key: string,
  tableItem: number | null,
  zh: string,
  en: string,
  unit: string,
  direction: Gb3838Direction,
  role: Gb3838Role,
  river: ClassLimits | null,
  lake: ClassLimits | null = river,
  range?: readonly [string, string],
): Gb3838Item {
  return Object.freeze({
    metric,
    key,
    tableItem,
    zh,
    en,
    unit,
    direction,
    role,
    river,
    lake,
    ...(range ? { range } : {}),
  });
}

const MGL = "mg/L";

/** Table 1 in catalogue order, then the automatic-station items without a class. */
export const GB3838_ITEMS: readonly Gb3838Item[] = Object.freeze([
  item("temp", "waterTemperature", 1, "水温", "Water temperature", "°C", "none", "reference", null), // GB 3838-2002 Table 1 item 1: man-made change only (rise ≤ 1, fall ≤ 2 weekly mean), no class
  item("ph", "pH", 2, "pH值", "pH", "dimensionless", "range", "assessed", null, null, ["6", "9"]), // GB 3838-2002 Table 1 item 2: 6–9 for every class
  item("do", "DO", 3, "溶解氧", "Dissolved oxygen", MGL, "min", "assessed", ["7.5", "6", "5", "3", "2"]), // GB 3838-2002 Table 1 item 3: ≥ (I: 7.5 or 90 % saturation)
  item("codmn", "CODMn", 4, "高锰酸盐指数", "Permanganate index", MGL, "max", "assessed", [
    "2",
    "4",
    "6",
    "10",
    "15",
  ]), // GB 3838-2002 Table 1 item 4
  item("cod", "COD", 5, "化学需氧量", "Chemical oxygen demand", MGL, "max", "assessed", [
    "15",
    "15",
    "20",
    "30",
    "40",
  ]), // GB 3838-2002 Table 1 item 5
  item("bod5", "BOD5", 6, "五日生化需氧量", "Five-day BOD", MGL, "max", "assessed", [
    "3",
    "3",
    "4",
    "6",
    "10",
  ]), // GB 3838-2002 Table 1 item 6
  item("nh3n", "NH3_N", 7, "氨氮", "Ammonia nitrogen", MGL, "max", "assessed", [
    "0.15",
    "0.5",
    "1.0",
    "1.5",
    "2.0",
  ]), // GB 3838-2002 Table 1 item 7
  item(
    "tp",
    "TP",
    8,
    "总磷",
    "Total phosphorus (as P)",
    MGL,
    "max",
    "assessed",
    ["0.02", "0.1", "0.2", "0.3", "0.4"],
    ["0.01", "0.025", "0.05", "0.1", "0.2"],
  ), // GB 3838-2002 Table 1 item 8: river column; lake/reservoir (湖、库) column
  item("tn", "TN", 9, "总氮", "Total nitrogen (as N)", MGL, "max", "reference", null, [
    "0.2",
    "0.5",
    "1.0",
    "1.5",
    "2.0",
  ]), // GB 3838-2002 Table 1 item 9: lakes and reservoirs only; 环办〔2011〕22号: reference item
  item("cu", "Cu", 10, "铜", "Copper", MGL, "max", "assessed", ["0.01", "1.0", "1.0", "1.0", "1.0"]), // GB 3838-2002 Table 1 item 10
  item("zn", "Zn", 11, "锌", "Zinc", MGL, "max", "assessed", ["0.05", "1.0", "1.0", "2.0", "2.0"]), // GB 3838-2002 Table 1 item 11
  item("f", "fluoride", 12, "氟化物", "Fluoride (as F⁻)", MGL, "max", "assessed", [
    "1.0",
    "1.0",
    "1.0",
    "1.5",
    "1.5",
  ]), // GB 3838-2002 Table 1 item 12
  item("se", "Se", 13, "硒", "Selenium", MGL, "max", "assessed", ["0.01", "0.01", "0.01", "0.02", "0.02"]), // GB 3838-2002 Table 1 item 13
  item("as", "As", 14, "砷", "Arsenic", MGL, "max", "assessed", ["0.05", "0.05", "0.05", "0.1", "0.1"]), // GB 3838-2002 Table 1 item 14
  item("hg", "Hg", 15, "汞", "Mercury", MGL, "max", "assessed", [
    "0.00005",
    "0.00005",
    "0.0001",
    "0.001",
    "0.001",
  ]), // GB 3838-2002 Table 1 item 15
  item("cd", "Cd", 16, "镉", "Cadmium", MGL, "max", "assessed", ["0.001", "0.005", "0.005", "0.005", "0.01"]), // GB 3838-2002 Table 1 item 16
  item("cr6", "Cr6", 17, "铬（六价）", "Chromium (VI)", MGL, "max", "assessed", [
    "0.01",
    "0.05",
    "0.05",
    "0.05",
    "0.1",
  ]), // GB 3838-2002 Table 1 item 17
  item("pb", "Pb", 18, "铅", "Lead", MGL, "max", "assessed", ["0.01", "0.01", "0.05", "0.05", "0.1"]), // GB 3838-2002 Table 1 item 18
  item("cn", "cyanide", 19, "氰化物", "Cyanide", MGL, "max", "assessed", [
    "0.005",
    "0.05",
    "0.2",
    "0.2",
    "0.2",
  ]), // GB 3838-2002 Table 1 item 19
  item("phenol", "volatilePhenol", 20, "挥发酚", "Volatile phenol", MGL, "max", "assessed", [
    "0.002",
    "0.002",
    "0.005",
    "0.01",
    "0.1",
  ]), // GB 3838-2002 Table 1 item 20
  item("oil", "petroleum", 21, "石油类", "Petroleum", MGL, "max", "assessed", [
    "0.05",
    "0.05",
    "0.05",
    "0.5",
    "1.0",
  ]), // GB 3838-2002 Table 1 item 21
  item("las", "LAS", 22, "阴离子表面活性剂", "Anionic surfactant (LAS)", MGL, "max", "assessed", [
    "0.2",
    "0.2",
    "0.2",
    "0.3",
    "0.3",
  ]), // GB 3838-2002 Table 1 item 22
  item("s2", "sulfide", 23, "硫化物", "Sulfide", MGL, "max", "assessed", [
    "0.05",
    "0.1",
    "0.2",
    "0.5",
    "1.0",
  ]), // GB 3838-2002 Table 1 item 23
  item("fcoli", "fecalColiform", 24, "粪大肠菌群", "Fecal coliform", "个/L", "max", "reference", [
    "200",
    "2000",
    "10000",
    "20000",
    "40000",
  ]), // GB 3838-2002 Table 1 item 24; 环办〔2011〕22号: reference item
  item("cond", "conductivity", null, "电导率", "Conductivity", "µS/cm", "none", "none", null), // HJ 915 automatic-station parameter, no GB 3838 class
  item("turb", "turbidity", null, "浊度", "Turbidity", "NTU", "none", "none", null), // HJ 915 automatic-station parameter, no GB 3838 class
]);

const BY_METRIC: ReadonlyMap<string, Gb3838Item> = new Map(GB3838_ITEMS.map((i) => [i.metric, i]));

/** Number of items in the section class (环办〔2011〕22号: Table 1 without temperature, TN, fecal coliform). */
export const ASSESSED_ITEM_COUNT = GB3838_ITEMS.filter((i) => i.role === "assessed").length;

/**
 * The Table 1 row for a Qingshan metric id, or undefined for metrics GB 3838 does not know.
 *
 * @example
 * gb3838Item("hg")?.river?.[0] // "0.00005"
 */
export function gb3838Item(metric: string): Gb3838Item | undefined {
  return BY_METRIC.get(metric);
}
