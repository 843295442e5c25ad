import { toBeijingIso } from "@qingshan/domain";

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const EPOCH_MS = /^\d{10,14}$/;
const LOCAL = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
const OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

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

/**
 * A CSV timestamp as a wire `ts`: ISO 8601 with an offset keeps its instant; "YYYY-MM-DD HH:mm[:ss]"
 * (space or "T")
 * without an offset is read as **Beijing time** (the convention of Chinese monitoring exports);
 * 10–14 digits are epoch milliseconds. Returns undefined when the text is none of these.
 *
 * @example
 * csvTimestamp("2026-11-28 10:00")          // "2026-11-28T10:00:00+08:00"
 * csvTimestamp("2026-11-28T02:00:00Z")      // "2026-11-28T10:00:00+08:00"
 * csvTimestamp("1795831200000")             // 1795831200000
 */
export function csvTimestamp(cell: string): string | number | undefined {
  const text = cell.trim();
  if (EPOCH_MS.test(text)) return Number(text);
  const local = LOCAL.exec(text);
  if (local) {
    const [, y, mo, d, h, mi, s, frac] = local as unknown as string[];
    const iso = `${y}-${pad(mo as string)}-${pad(d as string)}T${pad(h as string)}:${mi}:${s ?? "00"}${frac ?? ""}+08:00`;
    return canonical(Date.parse(iso));
  }
  if (OFFSET.test(text) && text.includes("T")) return canonical(Date.parse(text));
  return undefined;
}
