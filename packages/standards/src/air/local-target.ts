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
 * 2018, as quoted in DESIGN.md; not independently verified). Looser than GB 3095-2026 Grade II
 * (30 in 2026–2030, 25 from 2031); an annual mean needs ≥ 324 valid days (GB 3095 Table 4).
 *
 * @example
 * LIANDU_PM25_ANNUAL_TARGET.value // 32
 */
export const LIANDU_PM25_ANNUAL_TARGET: LocalTarget = {
  pollutant: "pm25",
  averaging: "annual",
  value: 32, // Liandu 2018 action plan (via DESIGN.md): annual mean PM2.5 ≤ 32 µg/m³ by 2020
  unit: "µg/m³",
  by: 2020,
  source: "Liandu District Ecological Civilization Demonstration Action Plan (2018), as quoted in DESIGN.md",
  authority: "local default (not authority)",
  note: "Looser than the GB 3095-2026 Grade II annual limit (30, and 25 from 2031): show the national limit beside it.",
};
