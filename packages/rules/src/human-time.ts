import { BEIJING_OFFSET_MS } from "@qingshan/domain";

const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * An instant as people read it in alert messages, in Beijing time: "11月30日 05:00" /
 * "30 Nov 05:00", with the year when it is not the Beijing year of `reference` (the event's own
 * time). Machine fields (`startedAt`, `at`, …) stay ISO 8601.
 *
 * @example
 * beijingHumanTime(Date.parse("2026-11-29T21:00:00Z"), Date.parse("2026-11-30T08:00:00+08:00"))
 * // { zh: "11月30日 05:00", en: "30 Nov 05:00" }
 * beijingHumanTime(Date.parse("2026-12-31T23:00:00+08:00"), Date.parse("2027-01-01T05:00:00+08:00"))
 * // { zh: "2026年12月31日 23:00", en: "31 Dec 2026 23:00" }
 */
export function beijingHumanTime(t: number, reference: number): { zh: string; en: string } {
  const d = new Date(t + BEIJING_OFFSET_MS);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const day = d.getUTCDate();
  const clock = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
  const withYear = year !== new Date(reference + BEIJING_OFFSET_MS).getUTCFullYear();
  return {
    zh: `${withYear ? `${year}年` : ""}${month + 1}月${day}日 ${clock}`,
    en: `${day} ${MONTHS_EN[month]}${withYear ? ` ${year}` : ""} ${clock}`,
  };
}
