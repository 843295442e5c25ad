import { type AqiLevel, type AqiStandard, aqiStandardFor } from "@qingshan/standards";
import type { AqiResult } from "./aqi.ts";

/**
 * How one daily AQI enters the excellent/good-day ratio (优良天数比例):
 * - `level`: counted at its level; `lowerBound` when pollutants were missing, so the true AQI can
 *   only be higher (a missing pollutant cannot lower a maximum) — still polluted, since AQI > 100;
 * - `incomplete`: pollutants missing and the AQI of the others ≤ 100 — the day may have been
 *   polluted, so it is neither excellent/good nor polluted: out of the ratio;
 * - `na`: no daily AQI could be computed at all.
 */
export type ExcellentGoodClass =
  | { readonly kind: "level"; readonly level: AqiLevel; readonly lowerBound: boolean }
  | { readonly kind: "incomplete"; readonly partialAqi: number }
  | { readonly kind: "na" };

/**
 * Classify a daily AQI for the ratio. A result is complete when `missing` is empty: indicators of
 * pollutants outside the station's programme are in `notInProgramme`, not `missing`
 * (HJ 633-2026 §5.3), and do not make a day incomplete. Same rule under both editions: under
 * HJ 633-2012 §5 the published AQI of a day with missing pollutants is the maximum of the others
 * (it can be 优 while PM2.5 was 200 µg/m³ in too few hours); under HJ 633-2026 §5.3.1 such an AQI
 * ≤ 100 is withheld (`withheld.aqi`).
 *
 * @example
 * excellentGoodClass({ aqi: 25, level: 1, missing: ["pm25_24h"], … }) // { kind: "incomplete", partialAqi: 25 }
 * excellentGoodClass({ aqi: 137, level: 3, missing: ["pm25_24h"], … }) // { kind: "level", level: 3, lowerBound: true }
 */
export function excellentGoodClass(result: AqiResult): ExcellentGoodClass {
  const incomplete = (result.missing?.length ?? 0) > 0;
  const aqi = result.aqi ?? result.withheld?.aqi ?? null;
  if (aqi === null) return { kind: "na" };
  if (incomplete && aqi <= 100) return { kind: "incomplete", partialAqi: aqi };
  if (result.level === null) return { kind: "na" };
  return { kind: "level", level: result.level, lowerBound: incomplete };
}

/** The AQI editions that apply to the Beijing days firstDay … lastDay (air-aqi.md: switch on 2026-03-01). */
export function aqiEditionsIn(firstDay: string, lastDay: string): AqiStandard[] {
  const first = aqiStandardFor(firstDay);
  const last = aqiStandardFor(lastDay);
  return first === last ? [first] : [first, last];
}

const NOTE_2012 =
  "HJ 633-2012 (days before 2026-03-01): a day with pollutants missing still has a published daily AQI, the maximum of the others (HJ 633-2012 §5), which can only be too low — e.g. 优 while PM2.5 was 200 µg/m³ in too few hours for a valid daily mean. Here such a day counts as polluted (levels 3–6, a lower bound; incompletePollutedDays) when that AQI is > 100, and otherwise in incompleteDays, out of the ratio and out of the level counts — not as 优/良 as on /aqi. Counting it by its published category would raise the ratio.";

const NOTE_2026 =
  "HJ 633-2026 (days from 2026-03-01): a day with a pollutant missing has a published AQI only when it is > 100 (§5.3.1) — counted as polluted (a lower bound; incompletePollutedDays); with an AQI ≤ 100 it is withheld (NA on /aqi) and counted in incompleteDays, out of the ratio, not in na.";

const NO_TARGET =
  "The 2018 Liandu plan (莲政办发〔2018〕113号) sets no target for this ratio: shown for information.";

/**
 * `excellentGood` of /compliance/aqi-days: the definition, no plan target, and a note on missing
 * data for the editions in force in the year.
 *
 * @example
 * excellentGoodInfo(["HJ633-2012"]).note // "… HJ 633-2012 (days before 2026-03-01): …"
 */
export function excellentGoodInfo(standards: readonly AqiStandard[]) {
  const notes = standards.map((s) => (s === "HJ633-2012" ? NOTE_2012 : NOTE_2026));
  return {
    definition:
      "优良天数比例 excellent/good-day ratio = excellentGoodDays / validAqiDays. excellentGoodDays: days with a complete daily AQI ≤ 100 (levels 1 优 and 2 良; complete = no indicator of the station's programme missing). validAqiDays: those plus the days with a daily AQI > 100 (levels 3–6), complete or not — a missing pollutant cannot lower a maximum, so such a day was polluted whatever it was. Days with pollutants missing and an AQI ≤ 100 from the others (incompleteDays) and days without any AQI (na) are in neither. The usual national definition otherwise (provisional).",
    target: null,
    standards: [...standards],
    note: `${NO_TARGET} ${notes.join(" ")} Read incompleteDays and na beside the ratio: with them, the ratio could lie anywhere between excellentGoodDays / (validAqiDays + incompleteDays) and (excellentGoodDays + incompleteDays) / (validAqiDays + incompleteDays).`,
  };
}
