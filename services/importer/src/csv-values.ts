import { toBeijingIso, WireObservationSchema } from "@qingshan/domain";

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const EPOCH_MS = /^\d{11,13}$/;
const EPOCH_S = /^\d{10}$/;
// HJ 212-2017 DataTime (YYYYMMDDhhmmss, Beijing time; standards/hj212.md §1.1), as exports of HJ 212 platforms
// give it, also without its seconds (YYYYMMDDhhmm).
const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/;
const LOCAL = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
// Anything that ends like an offset ("Z", "z", "+08:00", "+0800", "+08"): the wire's rule decides.
const OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
// The wire contract's ts text (packages/domain wire.ts): ISO 8601 with seconds and an offset, Z or ±hh:mm.
const WIRE_TS_TEXT = WireObservationSchema.shape.ts.options[0];

/**
 * A CSV cell as a wire value: numeric text becomes a number; anything else is passed on as text
 * so the wire decoder rejects it with its usual reason (value.not_number).
 *
 * @example
 * cellValue(" 35.5 ") // 35.5
 * cellValue("n/a")    // "n/a"
 */
export function cellValue(cell: string): number | string {
  const text = cell.trim();
  return NUMBER.test(text) ? Number(text) : text;
}

const pad = (n: string) => n.padStart(2, "0");

/**
 * One spelling per instant, so rows giving the same time differently ("Z", "+0800", no offset)
 * still group into one observation: Beijing-time ISO, or UTC ISO when there are milliseconds.
 */
function canonical(ms: number): string | undefined {
  if (Number.isNaN(ms)) return undefined;
  return ms % 1000 === 0 ? toBeijingIso(ms) : new Date(ms).toISOString();
}

/** A Beijing-time date and time as canonical() gives it; undefined for a date that does not exist (Date.parse rolls 02-30 over to 03-02). */
function beijingLocal(date: string, time: string): string | undefined {
  // The date must exist; the time may be 24:00 (the end of the day, as some exports label the last hour).
  const day = Date.parse(`${date}T00:00:00+08:00`);
  if (Number.isNaN(day) || toBeijingIso(day).slice(0, 10) !== date) return undefined;
  return canonical(Date.parse(`${date}T${time}+08:00`));
}

/**
 * A CSV timestamp as a wire `ts`: ISO 8601 with an offset, as the wire contract takes it (seconds,
 * `Z` or `±hh:mm`: not `+0800` nor `z`), keeps its instant; "YYYY-MM-DD HH:mm[:ss]"
 * (space or "T")
 * without an offset is read as **Beijing time** (the convention of Chinese monitoring exports);
 * 13 digits (11–13) are epoch milliseconds, 10 digits epoch **seconds** (Unix time: as milliseconds
 * they would be early 1970); 14 digits are HJ 212's DataTime "YYYYMMDDhhmmss" and 12 "YYYYMMDDhhmm",
 * Beijing time. A date that does not exist (2026-02-30) is none of these. Returns undefined when the
 * text is none of these.
 *
 * @example
 * csvTimestamp("2026-11-28 10:00")          // "2026-11-28T10:00:00+08:00"
 * csvTimestamp("2026-11-28T02:00:00Z")      // "2026-11-28T10:00:00+08:00"
 * csvTimestamp("1795831200000")             // 1795831200000
 * csvTimestamp("1795831200")                // 1795831200000
 * csvTimestamp("20261128100000")            // "2026-11-28T10:00:00+08:00"
 * csvTimestamp("2026-11-28T10:00:00+0800")  // undefined, as on the wire (csvTimestampHint)
 */
export function csvTimestamp(cell: string): string | number | undefined {
  const text = cell.trim();
  if (EPOCH_S.test(text)) return Number(text) * 1000;
  const compact = COMPACT.exec(text);
  if (compact) {
    const [, y, mo, d, h, mi, s] = compact as unknown as string[];
    return beijingLocal(`${y}-${mo}-${d}`, `${h}:${mi}:${s ?? "00"}`);
  }
  if (EPOCH_MS.test(text)) return Number(text);
  const local = LOCAL.exec(text);
  if (local) {
    const [, y, mo, d, h, mi, s, frac] = local as unknown as string[];
    return beijingLocal(
      `${y}-${pad(mo as string)}-${pad(d as string)}`,
      `${pad(h as string)}:${mi}:${s ?? "00"}${frac ?? ""}`,
    );
  }
  // With an offset, exactly what an MQTT message may send (one rule on both paths): "+0800", "z"
  // and a time without seconds are refused here as there (csvTimestampHint says why).
  if (OFFSET.test(text) && WIRE_TS_TEXT.safeParse(text).success) return canonical(Date.parse(text));
  return undefined;
}

/**
 * Why csvTimestamp refused an ISO 8601 text with an offset that the wire contract does not take
 * (the reason appended to `ts.invalid`), or undefined.
 *
 * @example
 * csvTimestampHint("2026-11-28T10:00:00+0800") // "the offset needs a colon, +08:00, as in MQTT messages (the wire contract)"
 */
export function csvTimestampHint(cell: string): string | undefined {
  const text = cell.trim();
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d/.test(text) || !OFFSET.test(text)) return undefined;
  const wire = "as in MQTT messages (the wire contract)";
  const compact = /([+-])(\d{2})(\d{2})$/.exec(text);
  if (compact) return `the offset needs a colon, ${compact[1]}${compact[2]}:${compact[3]}, ${wire}`;
  if (/[+-]\d{2}$/.test(text)) return `the offset needs its minutes, ${text.slice(-3)}:00, ${wire}`;
  if (text.endsWith("z")) return `UTC is an upper-case Z, ${wire}`;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text))
    return `with an offset, date and time are joined by an upper-case T, ${wire}`;
  if (!/T\d{2}:\d{2}:\d{2}/.test(text))
    return `with an offset, the time needs its seconds, hh:mm:ss, ${wire}`;
  return undefined;
}
