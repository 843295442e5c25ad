import {
  type AlertDetail,
  type AlertState,
  beijingHumanTime,
  DATA_FLAG_MEANINGS,
  type DataFlag,
  isMetricId,
  METRICS,
  reportingIntervalOf,
  type Station,
  shortNumber,
} from "@qingshan/domain";
import type { QualityCheck } from "@qingshan/rules";

type Bilingual = { readonly zh: string; readonly en: string };

// The notes packages/rules observeQuality writes on each detail, by check. They are English and
// machine-like ("8 identical consecutive values since 2026-11-28T02:00:00+08:00"); duty officers
// read the texts qualityDetailText makes of them.
const STUCK_NOTE = /^(\d+) identical consecutive values\b/;
const FLAG_NOTE = /^flag (\S+) for (\S+) h\b/;
const RANGE_NOTE = /^outside \[(\S+), (\S+)\]$/;
const FLAG_T_NOTE = "flag T";

/**
 * Which data-quality check raised an alert: a silent station (`metric: silence`), else what its
 * details' notes say (packages/rules observeQuality); undefined for any other alert.
 *
 * @example
 * qualityCheckOf({ metric: "pm10", details: [{ metric: "pm10", value: 61, note: "8 identical consecutive values since 2026-11-28T03:00:00+08:00" }] }) // "stuck"
 */
export function qualityCheckOf(s: Pick<AlertState, "metric" | "details">): QualityCheck | undefined {
  if (s.metric === "silence") return "silent";
  const notes = (s.details ?? []).map((d) => d.note ?? "");
  if (notes.length === 0) return undefined;
  if (notes.every((n) => STUCK_NOTE.test(n))) return "stuck";
  if (notes.every((n) => FLAG_NOTE.test(n))) return "flag_duration";
  if (notes.every((n) => RANGE_NOTE.test(n) || n.startsWith(FLAG_T_NOTE))) return "out_of_range";
  return undefined;
}

/** The checks' names for a subject: what is wrong, before which metrics. */
export const QUALITY_CHECK_NAMES: Readonly<Record<QualityCheck, Bilingual>> = {
  silent: { zh: "站点无数据", en: "station silent" },
  stuck: { zh: "读数卡滞", en: "stuck sensor" },
  out_of_range: { zh: "超出量程", en: "out of range" },
  flag_duration: { zh: "标记持续过久", en: "flag lasting too long" },
};

/**
 * When a detail's metric's run began: its `since` (packages/rules observeQuality), or for events
 * stored before details carried it, the "since <ISO 8601>" its note ends with.
 */
export function runStartOf(detail: Pick<AlertDetail, "since" | "note">): number | undefined {
  const text = detail.since ?? /since (\S+)$/.exec(detail.note ?? "")?.[1];
  const t = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * A duration as people read it: minutes below 2 h, else hours with at most one decimal, days
 * from 2 days on ("90 分钟" / "90 min", "8 小时" / "8 h", "3 天" / "3 d").
 */
export function durationText(ms: number): Bilingual {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return { zh: `${minutes} 分钟`, en: `${minutes} min` };
  const hours = Math.round((minutes / 60) * 10) / 10;
  if (hours < 48) return { zh: `${hours} 小时`, en: `${hours} h` };
  const days = Math.round((hours / 24) * 10) / 10;
  return { zh: `${days} 天`, en: `${days} d` };
}

function unitText(metric: string): string {
  if (!isMetricId(metric)) return "";
  const unit = METRICS[metric].unit;
  return unit === "dimensionless" ? "" : ` ${unit}`;
}

function flagName(flag: string): Bilingual {
  const meaning = (DATA_FLAG_MEANINGS as Record<string, Bilingual | undefined>)[flag as DataFlag];
  return meaning === undefined
    ? { zh: `标记 ${flag}`, en: `flag ${flag}` }
    : { zh: `标记 ${flag}（${meaning.zh}）`, en: `flag ${flag} (${meaning.en})` };
}

/**
 * A data-quality detail as the duty officer reads it, in Chinese and English with Beijing times,
 * instead of its English note with an ISO time: a stuck sensor's value, since when and for how
 * long (its identical readings × the metric's reporting interval at the station: the run the rule
 * counted), a flag's name, since when and for how long, a range left. Undefined for any other
 * detail (the Detail row then shows its note as it is).
 *
 * @example
 * qualityDetailText({ metric: "pm10", value: 61, note: "8 identical consecutive values since 2026-11-28T03:00:00+08:00", since: "2026-11-28T03:00:00+08:00" }, station, at)
 * // { zh: "读数卡在 61 µg/m³：自 11月28日 03:00（北京时间）起连续 8 次相同，已持续 8 小时",
 * //   en: "stuck at 61 µg/m³: 8 identical readings in a row since 28 Nov 03:00 (Beijing time), for 8 h" }
 */
export function qualityDetailText(
  detail: AlertDetail,
  station: Station | undefined,
  reference: number,
): Bilingual | undefined {
  const note = detail.note ?? "";
  const value = `${shortNumber(detail.value)}${unitText(detail.metric)}`;
  const since = runStartOf(detail);
  const sinceText = since === undefined ? undefined : beijingHumanTime(since, reference);
  const stuck = STUCK_NOTE.exec(note);
  if (stuck !== null) {
    const repeats = Number(stuck[1]);
    const interval =
      station === undefined || !isMetricId(detail.metric)
        ? undefined
        : reportingIntervalOf(station, detail.metric);
    const lasting = interval === undefined ? undefined : durationText(repeats * interval);
    return {
      zh: `读数卡在 ${value}：${sinceText ? `自 ${sinceText.zh}（北京时间）起` : ""}连续 ${repeats} 次相同${lasting ? `，已持续 ${lasting.zh}` : ""}`,
      en: `stuck at ${value}: ${repeats} identical readings in a row${sinceText ? ` since ${sinceText.en} (Beijing time)` : ""}${lasting ? `, for ${lasting.en}` : ""}`,
    };
  }
  if (note.startsWith(FLAG_T_NOTE)) {
    // The instrument's own flag: its range, not the catalogue's (the detail's limit), was left.
    const t = DATA_FLAG_MEANINGS.T;
    return { zh: `${value}，仪器标记 T（${t.zh}）`, en: `${value}, flagged T by the instrument (${t.en})` };
  }
  const flag = FLAG_NOTE.exec(note);
  if (flag !== null) {
    const name = flagName(flag[1] ?? "");
    const hours = flag[2] ?? "";
    return {
      zh: `${name.zh}${sinceText ? ` 自 ${sinceText.zh}（北京时间）起` : ""}已持续 ${hours} 小时，最新读数 ${value}`,
      en: `${name.en} for ${hours} h${sinceText ? ` since ${sinceText.en} (Beijing time)` : ""}, latest reading ${value}`,
    };
  }
  const range = RANGE_NOTE.exec(note);
  if (range !== null) {
    const r = `[${range[1]}, ${range[2]}]${unitText(detail.metric)}`;
    return { zh: `${value} 超出量程 ${r}`, en: `${value} outside the range ${r}` };
  }
  return undefined;
}
