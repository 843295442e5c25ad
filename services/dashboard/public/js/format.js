// Pure helpers shared by the views (no DOM): unit-tested in services/dashboard/src/format.test.ts.

/** The AQI category ({ level, zh, en, color }) of an AQI value from the standards list. */
export function categoryOf(categories, aqi) {
  if (aqi === null || aqi === undefined) return null;
  return categories.find((c) => c.maxAqi === null || aqi <= c.maxAqi) ?? categories[categories.length - 1];
}

/** Black or white text, whichever contrasts more with a #RRGGBB background (WCAG relative luminance). */
export function textColorOn(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex ?? "");
  if (!m) return "#000";
  const channel = (h) => {
    const c = Number.parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(m[1]) + 0.7152 * channel(m[2]) + 0.0722 * channel(m[3]);
  // Contrast with black (l + 0.05) / 0.05 vs with white 1.05 / (l + 0.05).
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff";
}

/** "3 h 05 min" / "3 小时 5 分" between two epoch-ms times. */
export function formatAge(fromMs, nowMs, lang) {
  const minutes = Math.max(0, Math.floor((nowMs - fromMs) / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (lang === "zh") return `${d > 0 ? `${d} 天 ` : ""}${d > 0 || h > 0 ? `${h} 小时 ` : ""}${m} 分`;
  return `${d > 0 ? `${d} d ` : ""}${d > 0 || h > 0 ? `${h} h ` : ""}${m} min`;
}

/** "2026-11-29 10:00" (Beijing time) from an ISO text with offset. */
export function shortTime(iso) {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");
}

/** "08:42", the Beijing clock time of an epoch-ms time. */
export function clockTime(ms) {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(11, 16);
}

const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * "11月30日 05:00" / "30 Nov 05:00" (Beijing time) from an ISO text with offset, with the year
 * when it is not the Beijing year of `referenceIso` (default: the time itself) — the wording of
 * the alert messages.
 */
export function humanTime(iso, lang, referenceIso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso ?? "";
  const d = new Date(ms + 8 * 3_600_000);
  const ref = Date.parse(referenceIso ?? iso);
  const refYear = Number.isNaN(ref) ? d.getUTCFullYear() : new Date(ref + 8 * 3_600_000).getUTCFullYear();
  const year = d.getUTCFullYear();
  const withYear = year !== refYear;
  const clock = d.toISOString().slice(11, 16);
  if (lang === "zh")
    return `${withYear ? `${year}年` : ""}${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${clock}`;
  return `${d.getUTCDate()} ${MONTHS_EN[d.getUTCMonth()]}${withYear ? ` ${year}` : ""} ${clock}`;
}

/**
 * A message text with its ISO times ("开始于 2026-11-30T05:00:00+08:00", as alerts stored before
 * the messages were reworded still read) written as `humanTime` does.
 */
export function humanizeTimes(text, lang, referenceIso) {
  if (!text) return text ?? "";
  return text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (iso) =>
    humanTime(iso, lang, referenceIso),
  );
}

/** Hex colour of the water status colour names of the 2011 assessment method (blue … red). */
export const WATER_STATUS_HEX = {
  blue: "#1e88e5",
  green: "#2e9d4f",
  yellow: "#f2c500",
  orange: "#ff7e00",
  red: "#d62728",
};

/** Colour for silent stations and missing data. */
export const SILENT_COLOR = "#9e9e9e";

/** Alert order in the console: severity (critical first), then the oldest first. */
export function compareAlerts(a, b) {
  const rank = { critical: 0, warning: 1, info: 2 };
  return (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || Date.parse(a.raisedAt) - Date.parse(b.raisedAt);
}

/**
 * The query range for a range picker value ("24h", "7d", …) ending at `nowMs`, aligned to the
 * hour so a CSV download repeats the same request exactly.
 */
export function rangeOf(value, nowMs) {
  const hour = 3_600_000;
  const to = Math.ceil(nowMs / hour) * hour;
  const span =
    { "24h": 24 * hour, "7d": 7 * 24 * hour, "30d": 30 * 24 * hour, "365d": 365 * 24 * hour }[value] ??
    24 * hour;
  return { from: to - span, to };
}

/** ISO text with +08:00 for a query parameter. */
export function beijingIso(ms) {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

/** A short axis label: "2026-11-29T10:00:00+08:00" → "11-29 10:00"; dates and months unchanged. */
export function axisLabel(label) {
  const m = /^\d{4}-(\d{2}-\d{2})T(\d{2}:\d{2})/.exec(label);
  return m ? `${m[1]} ${m[2]}` : label;
}

/** A measured value for display: four significant digits at most (86.9130434783 → 86.91), integers as they are. */
export function formatMeasure(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "";
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/**
 * A measured value as the alert messages show it (@qingshan/domain displayValue): one decimal from
 * 1 up (61.417 → 61.4), else three significant digits (0.022 → 0.022, 0.1334 → 0.133), so the
 * digits that decide a class show (GB 3838 lake TP Class II is 0.025 mg/L).
 */
export function displayMeasure(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "";
  return String(Math.abs(value) >= 1 ? Math.round(value * 10) / 10 : Number(value.toPrecision(3)));
}

/** A unit as written on screen: none for a dimensionless quantity (pH). */
export function metricUnit(unit) {
  return !unit || unit === "dimensionless" ? "" : unit;
}
