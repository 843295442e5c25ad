/**
 * The metric catalogue: every quantity Qingshan accepts, with its canonical unit and the range a
 * working instrument can physically report. Values outside `instrumentRange` are rejected at
 * ingest as physically impossible (they are instrument or transmission faults, not pollution).
 */

export const STATION_KINDS = ["air", "water", "noi"] as const;
export type StationKind = (typeof STATION_KINDS)[number];

export const AIR_METRICS = ["pm25", "pm10", "so2", "no2", "co", "o3"] as const;
// GB 3838-2002 Table 1 basic items (water temperature is `temp`).
export const WATER_METRICS = [
  "ph",
  "do",
  "codmn",
  "cod",
  "bod5",
  "nh3n",
  "tp",
  "tn",
  "cu",
  "zn",
  "f",
  "se",
  "as",
  "hg",
  "cd",
  "cr6",
  "pb",
  "cn",
  "phenol",
  "oil",
  "las",
  "s2",
  "fcoli",
  "cond",
  "turb",
  "temp",
] as const;
export const NOI_METRICS = ["noi", "temp", "rh"] as const;

export const METRIC_IDS = [
  ...AIR_METRICS,
  ...WATER_METRICS.filter((m) => m !== "temp"),
  "noi",
  "temp",
  "rh",
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

export interface MetricDefinition {
  readonly id: MetricId;
  readonly zh: string;
  readonly en: string;
  /** Canonical unit; readings are stored in this unit. */
  readonly unit: string;
  /** Physically possible instrument output, inclusive. */
  readonly instrumentRange: readonly [min: number, max: number];
  /** Station kinds at which this metric may be reported. */
  readonly kinds: readonly StationKind[];
}

const UG = "µg/m³";
const MGL = "mg/L";

function metric(
  id: MetricId,
  zh: string,
  en: string,
  unit: string,
  instrumentRange: readonly [number, number],
  kinds: readonly StationKind[],
): MetricDefinition {
  return Object.freeze({ id, zh, en, unit, instrumentRange, kinds });
}

/**
 * A metric's English name inside a sentence: the pollutant's symbol for PM2.5, PM10 and O3, else
 * the catalogue name with an ordinary word's capital lowered.
 *
 * @example
 * metricInSentence("pm25") // "PM2.5"
 * metricInSentence("nh3n") // "ammonia nitrogen"
 * metricInSentence("ph")   // "pH"
 */
export function metricInSentence(metric: MetricId): string {
  if (metric === "pm25") return "PM2.5";
  if (metric === "pm10") return "PM10";
  if (metric === "o3") return "O3";
  const en = METRICS[metric].en;
  return /^[A-Z][a-z]/.test(en) ? en.charAt(0).toLowerCase() + en.slice(1) : en;
}

/**
 * The catalogue, keyed by metric id.
 *
 * @example
 * METRICS.pm25.unit // "µg/m³"
 * METRICS.co.unit   // "mg/m³" (CO is in mg/m³ in every GB 3095 / HJ 633 table)
 */
export const METRICS: Readonly<Record<MetricId, MetricDefinition>> = Object.freeze({
  pm25: metric("pm25", "细颗粒物(PM2.5)", "Fine particulate matter (PM2.5)", UG, [0, 3000], ["air", "noi"]),
  pm10: metric("pm10", "可吸入颗粒物(PM10)", "Inhalable particulate matter (PM10)", UG, [0, 5000], ["air"]),
  so2: metric("so2", "二氧化硫", "Sulphur dioxide", UG, [0, 10000], ["air"]),
  no2: metric("no2", "二氧化氮", "Nitrogen dioxide", UG, [0, 5000], ["air"]),
  co: metric("co", "一氧化碳", "Carbon monoxide", "mg/m³", [0, 200], ["air"]),
  o3: metric("o3", "臭氧", "Ozone", UG, [0, 2000], ["air", "noi"]),
  ph: metric("ph", "pH值", "pH", "dimensionless", [0, 14], ["water"]),
  do: metric("do", "溶解氧", "Dissolved oxygen", MGL, [0, 25], ["water"]),
  codmn: metric("codmn", "高锰酸盐指数", "Permanganate index", MGL, [0, 200], ["water"]),
  cod: metric("cod", "化学需氧量", "Chemical oxygen demand", MGL, [0, 2000], ["water"]),
  bod5: metric("bod5", "五日生化需氧量", "Five-day biochemical oxygen demand", MGL, [0, 1000], ["water"]),
  nh3n: metric("nh3n", "氨氮", "Ammonia nitrogen", MGL, [0, 300], ["water"]),
  tp: metric("tp", "总磷", "Total phosphorus", MGL, [0, 50], ["water"]),
  tn: metric("tn", "总氮", "Total nitrogen", MGL, [0, 300], ["water"]),
  cu: metric("cu", "铜", "Copper", MGL, [0, 100], ["water"]),
  zn: metric("zn", "锌", "Zinc", MGL, [0, 100], ["water"]),
  f: metric("f", "氟化物", "Fluoride", MGL, [0, 100], ["water"]),
  se: metric("se", "硒", "Selenium", MGL, [0, 10], ["water"]),
  as: metric("as", "砷", "Arsenic", MGL, [0, 10], ["water"]),
  hg: metric("hg", "汞", "Mercury", MGL, [0, 1], ["water"]),
  cd: metric("cd", "镉", "Cadmium", MGL, [0, 10], ["water"]),
  cr6: metric("cr6", "铬(六价)", "Chromium (VI)", MGL, [0, 10], ["water"]),
  pb: metric("pb", "铅", "Lead", MGL, [0, 10], ["water"]),
  cn: metric("cn", "氰化物", "Cyanide", MGL, [0, 10], ["water"]),
  phenol: metric("phenol", "挥发酚", "Volatile phenol", MGL, [0, 100], ["water"]),
  oil: metric("oil", "石油类", "Petroleum", MGL, [0, 1000], ["water"]),
  las: metric("las", "阴离子表面活性剂", "Anionic surfactant (LAS)", MGL, [0, 100], ["water"]),
  s2: metric("s2", "硫化物", "Sulfide", MGL, [0, 100], ["water"]),
  fcoli: metric("fcoli", "粪大肠菌群", "Fecal coliform", "个/L", [0, 1e9], ["water"]),
  cond: metric("cond", "电导率", "Conductivity", "µS/cm", [0, 100000], ["water"]),
  turb: metric("turb", "浊度", "Turbidity", "NTU", [0, 4000], ["water"]),
  noi: metric("noi", "空气负氧离子", "Negative oxygen ions", "ions/cm³", [0, 1000000], ["noi"]),
  temp: metric("temp", "温度", "Temperature", "°C", [-40, 60], ["water", "noi"]),
  rh: metric("rh", "相对湿度", "Relative humidity", "%", [0, 100], ["noi"]),
});

export function isMetricId(value: string): value is MetricId {
  return Object.hasOwn(METRICS, value);
}

/** Metrics a station of `kind` may report. */
export function metricsForKind(kind: StationKind): readonly MetricId[] {
  return METRIC_IDS.filter((id) => METRICS[id].kinds.includes(kind));
}
