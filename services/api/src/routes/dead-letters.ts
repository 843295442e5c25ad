import { type DeadLetter, type RejectionCode, toBeijingIso } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { pageOf } from "../http/paging.ts";
import { respond } from "../http/respond.ts";
import { deadLettersResponse, jsonOrCsv } from "../http/response-schemas.ts";
import { deadLettersQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";
import {
  afterCursorInItsMs,
  type DeadLettersCursor,
  decodeDeadLettersCursor,
  encodeDeadLettersCursor,
} from "./dead-letters-cursor.ts";

interface DeadLettersQuery {
  from?: string;
  to?: string;
  station?: string;
  code?: RejectionCode;
  limit: number;
  cursor?: string;
  format?: "json" | "csv";
}

const COLUMNS = [
  "id",
  "receivedAt",
  "source",
  "origin",
  "stationId",
  "code",
  "path",
  "message",
  "payload",
] as const;

/**
 * GET /deadletters: rejected inputs with their reasons, newest first, at most `limit`; when more
 * matched, `next` (and a `Link: <…>; rel="next"` header) continues after the last one returned.
 */
export function deadLetterRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: DeadLettersQuery }>(
    "/deadletters",
    {
      schema: {
        summary: "Dead letters (rejected inputs)",
        description:
          'Every rejected input with its rejection code, field path and message, received in [from, to) (default: the last 24 h), newest first (by receivedAt, then id), at most `limit`. `code` is one of the rejection codes of the catalogue (any other is a 400 listing them). When more matched, `truncated` is true and `next` (JSON) and the Link header (rel="next", JSON and CSV) give the URL of the next page: the same query with `cursor`, which continues exactly after the last dead letter returned. JSON or CSV.',
        tags: ["deadletters"],
        querystring: deadLettersQuery,
        response: {
          200: {
            ...jsonOrCsv(
              "Dead letters, as stored, newest first",
              deadLettersResponse,
              COLUMNS,
              'When more than `limit` dead letters matched, the Link header names the next page (rel="next")',
            ),
            headers: {
              Link: {
                type: "string",
                description:
                  'RFC 8288, only when more than `limit` dead letters matched: `<path?query>; rel="next"`, the same URL as the JSON `next`',
              },
            },
          },
          400: errorResponseSchema,
        },
      },
    },
    async function listDeadLetters(request, reply) {
      const q = request.query;
      const { from, to } = timeRange(q, ctx.now(), 86_400_000);
      const filters = { station: q.station, code: q.code };
      const cursor =
        q.cursor === undefined ? undefined : decodeDeadLettersCursor(q.cursor, { ...filters, from, to });
      const found = await deadLettersFrom(ctx, { ...filters, from, to }, cursor, q.limit);
      const {
        items: letters,
        truncated,
        next,
      } = pageOf(found, q.limit, request, reply, { from, to }, (last) =>
        encodeDeadLettersCursor({ ...filters, receivedAt: last.receivedAt, id: last.id }),
      );
      const rows = letters.map((d) => ({ ...d, receivedAt: toBeijingIso(d.receivedAt) }));
      return respond(
        request,
        reply,
        {
          from: toBeijingIso(from),
          to: toBeijingIso(to),
          count: rows.length,
          truncated,
          ...(next !== undefined ? { next } : {}),
          deadLetters: rows,
        },
        { filename: "deadletters.csv", columns: COLUMNS, rows },
      );
    },
  );
}

/**
 * The dead letters after `cursor` (or the newest from `to`), at most `limit` + 1: whether the
 * extra one comes back says whether more matched. Those received in the cursor's own millisecond
 * are read apart, since one input's rejections share a receivedAt and the cursor may fall among
 * them.
 */
async function deadLettersFrom(
  ctx: ApiContext,
  query: { station: string | undefined; code: string | undefined; from: number; to: number },
  cursor: DeadLettersCursor | undefined,
  limit: number,
): Promise<DeadLetter[]> {
  const base = {
    ...(query.station !== undefined ? { stationId: query.station } : {}),
    ...(query.code !== undefined ? { code: query.code } : {}),
  };
  if (cursor === undefined)
    return ctx.store.queryDeadLetters({ ...base, from: query.from, to: query.to, limit: limit + 1 });
  const sameMs = await ctx.store.queryDeadLetters({
    ...base,
    from: cursor.receivedAt,
    to: cursor.receivedAt + 1,
  });
  const atCursor = afterCursorInItsMs(sameMs, cursor);
  if (atCursor.length > limit || cursor.receivedAt <= query.from) return atCursor;
  const earlier = await ctx.store.queryDeadLetters({
    ...base,
    from: query.from,
    to: cursor.receivedAt,
    limit: limit + 1 - atCursor.length,
  });
  return [...atCursor, ...earlier];
}
