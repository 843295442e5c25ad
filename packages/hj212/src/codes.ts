import type { MetricId } from "@qingshan/domain";

export interface CodeName {
  readonly zh: string;
  readonly en: string;
}

/** System codes (ST) of HJ 212-2017, hj212.md §4. */
export const SYSTEM_CODES_2017: Readonly<Record<string, CodeName>> = Object.freeze({
  "21": { zh: "地表水质量监测", en: "surface water quality monitoring" },
  "22": { zh: "空气质量监测", en: "ambient air quality monitoring" },
  "23": { zh: "声环境质量监测", en: "acoustic environment quality monitoring" },
  "24": { zh: "地下水质量监测", en: "groundwater quality monitoring" },
  "25": { zh: "土壤质量监测", en: "soil quality monitoring" },
  "26": { zh: "海水质量监测", en: "seawater quality monitoring" },
  "27": { zh: "挥发性有机物监测", en: "volatile organic compounds monitoring" },
  "31": { zh: "大气环境污染源", en: "air pollution sources" },
  "32": { zh: "地表水体环境污染源", en: "surface-water pollution sources" },
  "33": { zh: "地下水体环境污染源", en: "groundwater pollution sources" },
  "34": { zh: "海洋环境污染源", en: "marine pollution sources" },
  "35": { zh: "土壤环境污染源", en: "soil pollution sources" },
  "36": { zh: "声环境污染源", en: "noise sources" },
  "37": { zh: "振动环境污染源", en: "vibration sources" },
  "38": { zh: "放射性环境污染源", en: "radioactive sources" },
  "39": { zh: "工地扬尘污染源", en: "construction-site dust" },
  "41": { zh: "电磁环境污染源", en: "electromagnetic sources" },
  "51": { zh: "烟气排放过程监控", en: "flue-gas emission process monitoring" },
  "52": { zh: "污水排放过程监控", en: "waste-water discharge process monitoring" },
  "91": { zh: "系统交互", en: "system interaction (replies)" },
});

/** HJ/T 212-2005 had 21–23, 31–38, 41 and 91 only (hj212.md §4). */
export const SYSTEM_CODES_2005: Readonly<Record<string, CodeName>> = Object.freeze(
  Object.fromEntries(
    Object.entries(SYSTEM_CODES_2017).filter(([code]) =>
      ["21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "38", "41", "91"].includes(code),
    ),
  ),
);

const CONTROL_COMMANDS_2017: ReadonlyArray<readonly [string, string, string]> = [
  ["3011", "零点校准量程校准", "zero/span calibration"],
  ["3012", "即时采样", "instant sampling"],
  ["3013", "启动清洗/反吹", "cleaning / back-blowing"],
  ["3014", "比对采样", "comparison sampling"],
  ["3015", "超标留样", "over-limit sample retention"],
  ["3016", "设置采样时间周期", "set sampling period"],
  ["3017", "提取采样时间周期", "get sampling period"],
  ["3018", "提取出样时间", "get sample output time"],
  ["3019", "提取设备唯一标识", "get device unique id"],
  ["3020", "提取现场机信息", "get field-machine information"],
  ["3021", "设置现场机参数", "set field-machine parameters"],
];

/** Command codes (CN) of HJ 212-2017, hj212.md §3. */
export const COMMAND_CODES_2017: Readonly<Record<string, CodeName>> = Object.freeze({
  "1000": { zh: "设置超时时间及重发次数", en: "set timeout and retry count" },
  "1011": { zh: "提取现场机时间", en: "get / upload field-machine time" },
  "1012": { zh: "设置现场机时间", en: "set field-machine time" },
  "1013": { zh: "现场机时间校准请求", en: "time-calibration request" },
  "1061": { zh: "提取实时数据间隔", en: "get real-time data interval" },
  "1062": { zh: "设置实时数据间隔", en: "set real-time data interval" },
  "1063": { zh: "提取分钟数据间隔", en: "get minute-data interval" },
  "1064": { zh: "设置分钟数据间隔", en: "set minute-data interval" },
  "1072": { zh: "设置现场机访问密码", en: "set field-machine password" },
  "2011": { zh: "实时数据", en: "real-time data" },
  "2012": { zh: "停止察看实时数据", en: "stop real-time data" },
  "2021": { zh: "设备运行状态数据", en: "device running-state data" },
  "2022": { zh: "停止察看设备运行状态", en: "stop device running-state data" },
  "2031": { zh: "日历史数据", en: "daily data" },
  "2041": { zh: "设备运行时间日历史数据", en: "device running-time daily data" },
  "2051": { zh: "分钟数据", en: "minute data" },
  "2061": { zh: "小时数据", en: "hourly data" },
  "2081": { zh: "数采仪开机时间", en: "data collector power-on time" },
  ...Object.fromEntries(CONTROL_COMMANDS_2017.map(([code, zh, en]) => [code, { zh, en }])),
  "9011": { zh: "请求应答", en: "request response (QnRtn)" },
  "9012": { zh: "执行结果", en: "execution result (ExeRtn)" },
  "9013": { zh: "通知应答", en: "notification response" },
  "9014": { zh: "数据应答", en: "data response" },
});

/** Data upload commands that carry pollutant values, with their value field and period (hj212.md §3, §5). */
export const DATA_COMMANDS: Readonly<
  Record<string, { readonly valueField: "Rtd" | "Avg"; readonly periodMs: number }>
> = Object.freeze({
  "2011": { valueField: "Rtd", periodMs: 0 },
  // The minute interval is set by 1063/1064 and not carried in the packet; 1 min is the default.
  "2051": { valueField: "Avg", periodMs: 60_000 },
  "2061": { valueField: "Avg", periodMs: 3_600_000 },
  "2031": { valueField: "Avg", periodMs: 86_400_000 },
});

/**
 * The other data uploads a station sends (hj212.md §3): no pollutant values, so Qingshan stores
 * none of them as readings; each is kept as an `hj212.not_stored` dead letter and, like every data
 * upload, answered with a 9014 when its Flag asks for one. Their names are in
 * {@link COMMAND_CODES_2017}. The other 20xx codes of that table, 2012 and 2022 ("stop real-time
 * data", "stop device running-state data"), are commands of the host, not uploads.
 */
export const UNSTORED_DATA_COMMANDS: readonly string[] = Object.freeze([
  "2021", // device running-state data
  "2041", // device running-time daily data
  "2081", // data collector power-on time
]);

/**
 * Whether `cn` is a data upload (hj212.md §3), stored as readings ({@link DATA_COMMANDS}) or not
 * ({@link UNSTORED_DATA_COMMANDS}).
 *
 * @example
 * isDataUpload("2021") // true
 * isDataUpload("1011") // false
 */
export function isDataUpload(cn: string): boolean {
  return Object.hasOwn(DATA_COMMANDS, cn) || UNSTORED_DATA_COMMANDS.includes(cn);
}

export interface PollutantCode {
  /** The Qingshan metric this code feeds, or null when Qingshan has no such metric. */
  readonly metric: MetricId | null;
  readonly zh: string;
  readonly en: string;
  /** The unit the code is sent in unless the station says otherwise (hj212.md §6). */
  readonly unit?: string;
  /**
   * Not in shared/standards/hj212.md: taken from a public vendor code list that agrees with our
   * reading of Appendix B. Confirm against the standard's text before relying on it.
   */
  readonly provisional?: true;
}

function code(metric: MetricId | null, zh: string, en: string, unit?: string): PollutantCode {
  return Object.freeze(unit === undefined ? { metric, zh, en } : { metric, zh, en, unit });
}

function provisional(metric: MetricId | null, zh: string, en: string, unit: string): PollutantCode {
  return Object.freeze({ metric, zh, en, unit, provisional: true });
}

/**
 * HJ 212-2017 Appendix B pollutant codes (hj212.md §6) mapped to Qingshan metric ids. Entries
 * marked `provisional` are not in hj212.md (see {@link PollutantCode.provisional}).
 *
 * @example
 * POLLUTANT_CODES_2017.a34004 // { metric: "pm25", zh: "细颗粒物(PM2.5)", en: "PM2.5", unit: "µg/m³" }
 */
export const POLLUTANT_CODES_2017: Readonly<Record<string, PollutantCode>> = Object.freeze({
  // hj212.md §6, air
  a34004: code("pm25", "细颗粒物(PM2.5)", "PM2.5", "µg/m³"),
  a34002: code("pm10", "可吸入颗粒物(PM10)", "PM10", "µg/m³"),
  a21026: code("so2", "二氧化硫", "Sulphur dioxide", "µg/m³"),
  a21004: code("no2", "二氧化氮", "Nitrogen dioxide", "µg/m³"),
  a21005: code("co", "一氧化碳", "Carbon monoxide", "mg/m³"),
  a05024: code("o3", "臭氧", "Ozone", "µg/m³"),
  a21002: code(null, "氮氧化物", "Nitrogen oxides (NOx)", "µg/m³"),
  a21003: code(null, "一氧化氮", "Nitric oxide", "µg/m³"),
  a34001: code(null, "总悬浮颗粒物", "Total suspended particulates", "µg/m³"),
  a01001: code("temp", "温度", "Air temperature", "°C"),
  a01002: code("rh", "湿度", "Relative humidity", "%"),
  a01006: code(null, "气压", "Air pressure", "kPa"),
  a01007: code(null, "风速", "Wind speed", "m/s"),
  a01008: code(null, "风向", "Wind direction", "°"),
  // hj212.md §6, water
  w01001: code("ph", "pH值", "pH", "dimensionless"),
  w01009: code("do", "溶解氧", "Dissolved oxygen", "mg/L"),
  w01019: code("codmn", "高锰酸盐指数", "Permanganate index", "mg/L"),
  w01018: code("cod", "化学需氧量", "Chemical oxygen demand", "mg/L"),
  w01017: code("bod5", "五日生化需氧量", "BOD5", "mg/L"),
  w21003: code("nh3n", "氨氮", "Ammonia nitrogen", "mg/L"),
  w21011: code("tp", "总磷", "Total phosphorus", "mg/L"),
  w21001: code("tn", "总氮", "Total nitrogen", "mg/L"),
  w01014: code("cond", "电导率", "Conductivity", "µS/cm"),
  w01003: code("turb", "浊度", "Turbidity", "NTU"),
  w01010: code("temp", "水温", "Water temperature", "°C"),
  w00000: code(null, "流量", "Flow (sources)"),
  // Provisional: shared/standards README "units trap" says Appendix B gives µg/L for water metals.
  w20111: provisional("hg", "总汞", "Total mercury", "µg/L"),
  w20115: provisional("cd", "总镉", "Total cadmium", "µg/L"),
  w20117: provisional("cr6", "六价铬", "Chromium (VI)", "µg/L"),
  w20119: provisional("as", "总砷", "Total arsenic", "µg/L"),
  w20120: provisional("pb", "总铅", "Total lead", "µg/L"),
  w20128: provisional("se", "总硒", "Total selenium", "µg/L"),
  w20122: provisional("cu", "总铜", "Total copper", "mg/L"),
  w20123: provisional("zn", "总锌", "Total zinc", "mg/L"),
  w21016: provisional("cn", "氰化物", "Cyanide", "mg/L"),
  w21017: provisional("f", "氟化物", "Fluoride", "mg/L"),
  w21019: provisional("s2", "硫化物", "Sulfide", "mg/L"),
  w22001: provisional("oil", "石油类", "Petroleum", "mg/L"),
  w23002: provisional("phenol", "挥发酚", "Volatile phenol", "mg/L"),
  w19002: provisional("las", "阴离子表面活性剂", "Anionic surfactant (LAS)", "mg/L"),
  w02003: provisional("fcoli", "粪大肠菌群", "Fecal coliform", "个/L"),
});

/**
 * HJ/T 212-2005 codes (source monitoring only), hj212.md §6 "2005 code" column. Flue-gas codes map
 * to no ambient metric.
 */
export const POLLUTANT_CODES_2005: Readonly<Record<string, PollutantCode>> = Object.freeze({
  "001": code("ph", "pH值", "pH", "dimensionless"),
  "010": code("bod5", "五日生化需氧量", "BOD5", "mg/L"),
  "011": code("cod", "化学需氧量", "Chemical oxygen demand", "mg/L"),
  "060": code("nh3n", "氨氮", "Ammonia nitrogen", "mg/L"),
  "065": code("tn", "总氮", "Total nitrogen", "mg/L"),
  "101": code("tp", "总磷", "Total phosphorus", "mg/L"),
  "02": code(null, "二氧化硫(烟气)", "Sulphur dioxide (flue gas)"),
  "03": code(null, "氮氧化物(烟气)", "Nitrogen oxides (flue gas)"),
  "04": code(null, "一氧化碳(烟气)", "Carbon monoxide (flue gas)"),
  B01: code(null, "流量", "Flow"),
});
