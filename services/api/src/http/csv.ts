/**
 * RFC 4180 CSV: CRLF line ends, a header row, fields quoted when they hold a comma, a double
 * quote, CR or LF, and quotes doubled inside quoted fields. null/undefined → empty field;
 * objects and arrays → JSON text; arrays of strings → joined with ";".
 *
 * @example
 * toCsv(["a", "b"], [{ a: 1, b: 'say "hi"' }]) // 'a,b\r\n1,"say ""hi"""\r\n'
 */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const lines = [columns.map(csvField).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** One CSV field. */
export function csvField(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (Array.isArray(value) && value.every((v) => typeof v === "string")) text = value.join(";");
  else if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
