import { METRICS, type MetricId, type Reading, toBeijingIso } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { requireMetricAt, requireStation } from "../http/load.ts";
import { pageOf } from "../http/paging.ts";
import { respond } from "../http/respond.ts";
import { jsonOrCsv, readingsResponse } from "../http/response-schemas.ts";
import { readingsQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";
import { decodeCursor, encodeCursor, isAfterCursor, type ReadingsCursor } from "./readings-cursor.ts";

interface ReadingsQuery {
  station: string;
  metric?: MetricId;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
  format?: "json" | "csv";
  bom?: boolean;
}

const COLUMNS = [
  "ts",
  "station",
  "metric",
  "value",
  "unit",
  "flag",
  "periodMs",
  "source",
  "receivedAt",
] as const;

/**
 * GET /readings: raw readings (every flag) of a station in [from, to), oldest first, at most
 * `limit`; when more matched, `next` (and a `Link: <…>; rel="next"` header) continues after the
 * last one returned.
 */
export function readingRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: ReadingsQuery }>(
    "/readings",
    {
      schema: {
        summary: "Raw readings",
        description:
          'Raw readings of a station (all flags, as stored) with ts in [from, to), oldest first (by ts, then metric), at most `limit`. When more matched, `truncated` is true and `next` (JSON) and the Link header (rel="next", JSON and CSV) give the URL of the next page: the same query with `cursor`, which continues exactly after the last reading returned. JSON or CSV.',
        tags: ["readings"],
        querystring: readingsQuery,
        response: {
          200: {
            ...jsonOrCsv(
              "Raw readings, oldest first",
              readingsResponse,
              COLUMNS,
              'When more than `limit` readings matched, the Link header names the next page (rel="next")',
            ),
            headers: {
              Link: {
                type: "string",
                description:
                  'RFC 8288, only when more than `limit` readings matched: `<path?query>; rel="next"`, the same URL as the JSON `next`',
              },
            },
          },
          400: errorResponseSchema,
          404: errorResponseSchema,
        },
      },
    },
    async function listReadings(request, reply) {
      const q = request.query;
      const station = requireStation(ctx, q.station);
      if (q.metric) requireMetricAt(station, q.metric);
      const { from, to } = timeRange(q, ctx.now(), 86_400_000);
      const cursor =
        q.cursor === undefined
          ? undefined
          : decodeCursor(q.cursor, { station: station.id, metricFilter: q.metric, from, to });
      const found = await readingsFrom(
        ctx,
        { stationId: station.id, metric: q.metric, from, to },
        cursor,
        q.limit,
      );
      const {
        items: readings,
        truncated,
        next,
      } = pageOf(found, q.limit, request, reply, { from, to }, (last) =>
        encodeCursor({ station: station.id, metricFilter: q.metric, ts: last.ts, metric: last.metric }),
      );
      const rows = readings.map((r) => ({
        ts: toBeijingIso(r.ts),
        station: r.stationId,
        metric: r.metric,
        value: r.value,
        unit: METRICS[r.metric].unit,
        flag: r.flag,
        periodMs: r.periodMs,
        source: r.source,
        receivedAt: toBeijingIso(r.receivedAt),
      }));
      return respond(
        request,
        reply,
        {
          station: station.id,
          ...(q.metric ? { metric: q.metric } : {}),
          from: toBeijingIso(from),
          to: toBeijingIso(to),
          count: rows.length,
          truncated,
          ...(next !== undefined ? { next } : {}),
          readings: rows,
        },
        { filename: `readings-${station.id}.csv`, columns: COLUMNS, rows },
      );
    },
  );
}

/**
 * The readings after `cursor` (or from `from`), at most `limit` + 1: whether the extra one comes
 * back says whether more matched. Readings at the cursor's own ts are read apart, since the
 * cursor may fall between two metrics of the same instant (the store orders by ts, then metric).
 */
async function readingsFrom(
  ctx: ApiContext,
  query: { stationId: string; metric: MetricId | undefined; from: number; to: number },
  cursor: ReadingsCursor | undefined,
  limit: number,
): Promise<Reading[]> {
  const { stationId, metric, to } = query;
  const base = { stationId, ...(metric ? { metric } : {}) };
  if (cursor === undefined)
    return ctx.store.queryReadings({ ...base, from: query.from, to, limit: limit + 1 });
  const atCursor = (await ctx.store.queryReadings({ ...base, from: cursor.ts, to: cursor.ts + 1 })).filter(
    (r) => isAfterCursor(r, cursor),
  );
  if (atCursor.length > limit || cursor.ts + 1 >= to) return atCursor;
  const later = await ctx.store.queryReadings({
    ...base,
    from: cursor.ts + 1,
    to,
    limit: limit + 1 - atCursor.length,
  });
  return [...atCursor, ...later];
}
