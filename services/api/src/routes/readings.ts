import { METRICS, type MetricId, toBeijingIso } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { requireMetricAt, requireStation } from "../http/load.ts";
import { respond } from "../http/respond.ts";
import { jsonOrCsv, readingsResponse } from "../http/response-schemas.ts";
import { readingsQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";

interface ReadingsQuery {
  station: string;
  metric?: MetricId;
  from?: string;
  to?: string;
  limit: number;
  format?: "json" | "csv";
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

/** GET /readings: raw readings (every flag) of a station in [from, to), oldest first. */
export function readingRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: ReadingsQuery }>(
    "/readings",
    {
      schema: {
        summary: "Raw readings",
        description:
          "Raw readings of a station (all flags, as stored) with ts in [from, to), oldest first. JSON or CSV.",
        tags: ["readings"],
        querystring: readingsQuery,
        response: {
          200: jsonOrCsv("Raw readings, oldest first", readingsResponse, COLUMNS),
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
      // One more than asked: whether it comes back says whether more readings matched.
      const found = await ctx.store.queryReadings({
        stationId: station.id,
        ...(q.metric ? { metric: q.metric } : {}),
        from,
        to,
        limit: q.limit + 1,
      });
      const truncated = found.length > q.limit;
      const readings = truncated ? found.slice(0, q.limit) : found;
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
          readings: rows,
        },
        { filename: `readings-${station.id}.csv`, columns: COLUMNS, rows },
      );
    },
  );
}
