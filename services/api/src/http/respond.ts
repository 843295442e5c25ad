import type { FastifyReply, FastifyRequest } from "fastify";
import { toCsv, UTF8_BOM } from "./csv.ts";

/**
 * Whether the client asked for CSV: `?format=csv`; without `format`, an `Accept` naming `text/csv`
 * with a q-value above 0 and at least that of JSON (`application/json`, else `application/*`, else
 * `*\/*`; RFC 9110 §12.5.1). Equal q-values give CSV. Without `text/csv`, a `text/*` with a higher
 * q-value than JSON's (or alone) gives CSV, the one text type the API serves.
 *
 * @example
 * // Accept: application/json, text/csv;q=0.1 → false; Accept: application/json, text/csv → true
 */
export function wantsCsv(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format !== undefined) return format === "csv";
  const ranges = parseAccept(request.headers.accept ?? "");
  const json = qualityOf(ranges, ["application/json", "application/*", "*/*"]) ?? 0;
  const csv = qualityOf(ranges, ["text/csv"]);
  if (csv !== undefined) return csv > 0 && csv >= json;
  // RFC 9110 §12.5.1: `text/*` accepts text/csv and not JSON; CSV when it is preferred to JSON.
  const text = qualityOf(ranges, ["text/*"]);
  return text !== undefined && text > json;
}

interface MediaRange {
  readonly type: string;
  readonly q: number;
}

/** The media ranges of an Accept header, lower-cased, each with its q-value (default 1). */
function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [type = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    if (type === "") continue;
    let q = 1;
    for (const param of params) {
      const match = /^q\s*=\s*([0-9.]+)$/.exec(param);
      const value = match ? Number(match[1]) : Number.NaN;
      if (value >= 0 && value <= 1) q = value;
    }
    ranges.push({ type, q });
  }
  return ranges;
}

/** The q-value of the most specific of `types` (most specific first) the header names; undefined if none. */
function qualityOf(ranges: readonly MediaRange[], types: readonly string[]): number | undefined {
  for (const type of types) {
    const named = ranges.filter((r) => r.type === type);
    if (named.length > 0) return Math.max(...named.map((r) => r.q));
  }
  return undefined;
}

/**
 * Sends `json` as JSON, or `rows` under `columns` as RFC 4180 CSV when the client asked for it,
 * as an attachment named `filename`, starting with a UTF-8 BOM with `?bom=true` (the route's
 * query schema declares `bom`).
 *
 * @example
 * return respond(request, reply, body, { filename: "series.csv", columns, rows });
 */
export function respond(
  request: FastifyRequest,
  reply: FastifyReply,
  json: unknown,
  csv: { filename: string; columns: readonly string[]; rows: readonly Record<string, unknown>[] },
): FastifyReply {
  if (wantsCsv(request)) {
    const bom = (request.query as { bom?: boolean } | undefined)?.bom === true;
    return reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="${csv.filename}"`)
      .send(`${bom ? UTF8_BOM : ""}${toCsv(csv.columns, csv.rows)}`);
  }
  return reply.send(json);
}
