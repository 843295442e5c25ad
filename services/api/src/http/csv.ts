/**
 * RFC 4180 CSV: CRLF line ends, a header row, fields quoted when they hold a comma, a double
 * quote, CR or LF, and quotes doubled inside quoted fields. null/undefined → empty field;
 * objects and arrays → JSON text; arrays of strings → joined with ";". A text field (anything but
 * a number) starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so a spreadsheet shows
 * it as text instead of evaluating it (OWASP CSV injection; a dead letter's payload is whatever
 * was published); numbers, negative ones included, are written as they are.
 *
 * @example
 * toCsv(["a", "b"], [{ a: 1, b: 'say "hi"' }]) // 'a,b\r\n1,"say ""hi"""\r\n'
 */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const lines = [columns.map(csvField).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * U+FEFF, written first on `?bom=true`: Excel reads a CSV without it in the system's legacy code
 * page (GBK on Chinese Windows), which garbles UTF-8 text such as 莲都; scripts mostly do not want it.
 */
export const UTF8_BOM = "\uFEFF";

/** What a spreadsheet takes for the start of a formula in a cell, even a quoted one. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field. */
export function csvField(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (Array.isArray(value) && value.every((v) => typeof v === "string")) text = value.join(";");
  else if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  if (typeof value !== "number" && typeof value !== "bigint" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
