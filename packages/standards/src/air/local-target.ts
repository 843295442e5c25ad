/**
 * A local target from the bureau's plan: a configurable default, not a national standard.
 */
export interface LocalTarget {
  readonly pollutant: "pm25";
  readonly averaging: "annual";
  readonly value: number;
  readonly unit: "µg/m³";
  readonly by: number;
  readonly source: string;
  /** Always "local default (not authority)": show the GB 3095 limit beside it. */
  readonly authority: "local default (not authority)";
  readonly note: string;
}

/**
 * Liandu District's annual mean PM2.5 target, 32 µg/m³ by 2020 (莲都区生态文明示范创建行动实施方案,
 * 莲政办发〔2018〕113号, 一(二) 主要目标 "空气环境质量": "到2020年,市区细颗粒物(PM2.5)年均浓度达到
 * 32微克/立方米", checked against the district government's published text). The notice's page
 * lists it repealed on 2020-11-27 (废止时间); it stays the default until the bureau sets another
 * target. Looser than GB 3095-2026 Grade II
 * (30 in 2026–2030, 25 from 2031); an annual mean needs ≥ 324 valid days (GB 3095 Table 4).
 *
 * @example
 * LIANDU_PM25_ANNUAL_TARGET.value // 32
 */
export const LIANDU_PM25_ANNUAL_TARGET: LocalTarget = {
  pollutant: "pm25",
  averaging: "annual",
  value: 32, // 莲政办发〔2018〕113号 一(二): 到2020年 市区 PM2.5 年均浓度达到 32 µg/m³
  unit: "µg/m³",
  by: 2020,
  source:
    "莲都区生态文明示范创建行动实施方案 Liandu District Ecological Civilization Demonstration Action Plan (莲政办发〔2018〕113号), 一(二) main targets: PM2.5 annual mean 32 µg/m³ by 2020",
  authority: "local default (not authority)",
  note: "Looser than the GB 3095-2026 Grade II annual limit (30, and 25 from 2031): show the national limit beside it.",
};
