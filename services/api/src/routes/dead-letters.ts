import { toBeijingIso } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { respond } from "../http/respond.ts";
import { deadLettersResponse, jsonOrCsv } from "../http/response-schemas.ts";
import { deadLettersQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";

interface DeadLettersQuery {
  from?: string;
  to?: string;
  station?: string;
  code?: string;
  limit: number;
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

/** GET /deadletters: rejected inputs with their reasons. */
export function deadLetterRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: DeadLettersQuery }>(
    "/deadletters",
    {
      schema: {
        summary: "Dead letters (rejected inputs)",
        description:
          "Every rejected input with its rejection code, field path and message, received in [from, to) (default: the last 24 h).",
        tags: ["deadletters"],
        querystring: deadLettersQuery,
        response: {
          200: jsonOrCsv("Dead letters, as stored", deadLettersResponse, COLUMNS),
          400: errorResponseSchema,
        },
      },
    },
    async function listDeadLetters(request, reply) {
      const q = request.query;
      const { from, to } = timeRange(q, ctx.now(), 86_400_000);
      const letters = await ctx.store.queryDeadLetters({
        from,
        to,
        limit: q.limit,
        ...(q.station ? { stationId: q.station } : {}),
        ...(q.code ? { code: q.code } : {}),
      });
      const rows = letters.map((d) => ({ ...d, receivedAt: toBeijingIso(d.receivedAt) }));
      return respond(
        request,
        reply,
        { from: toBeijingIso(from), to: toBeijingIso(to), count: rows.length, deadLetters: rows },
        { filename: "deadletters.csv", columns: COLUMNS, rows },
      );
    },
  );
}
