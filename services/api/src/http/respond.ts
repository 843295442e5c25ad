import type { FastifyReply, FastifyRequest } from "fastify";
import { toCsv } from "./csv.ts";

/** Whether the client asked for CSV: `?format=csv`, or `Accept: text/csv` without `format`. */
export function wantsCsv(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format !== undefined) return format === "csv";
  return /\btext\/csv\b/.test(request.headers.accept ?? "");
}

/**
 * Sends `json` as JSON, or `rows` under `columns` as RFC 4180 CSV when the client asked for it.
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
    return reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="${csv.filename}"`)
      .send(toCsv(csv.columns, csv.rows));
  }
  return reply.send(json);
}
