import { METRIC_IDS, METRICS, type Station, toBeijingIso } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { requireStation, stationMetrics } from "../http/load.ts";
import { jsonOnly, stationResponse, stationsResponse } from "../http/response-schemas.ts";
import { stationParams } from "../http/schemas.ts";

/** The public description of a station (no HJ 212 device units). */
export function describeStation(station: Station) {
  return {
    id: station.id,
    name: station.name,
    kind: station.kind,
    location: station.location,
    township: station.township,
    metrics: stationMetrics(station, METRIC_IDS),
    reportingIntervalMs: station.reportingIntervalMs,
    ...(station.metricReportingIntervalMs
      ? { metricReportingIntervalMs: station.metricReportingIntervalMs }
      : {}),
    ...(station.airArea ? { airArea: station.airArea } : {}),
    ...(station.water ? { water: station.water } : {}),
    ...(station.hj212 ? { hj212: { mn: station.hj212.mn, dataTimeMarks: station.hj212.dataTimeMarks } } : {}),
    demo: station.demo,
  };
}

/** GET /stations and GET /stations/:id (with the latest reading of each metric). */
export function stationRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    "/stations",
    {
      schema: {
        summary: "List stations",
        description: "Every registered station: location, kind, township, metrics, water target class.",
        tags: ["stations"],
        response: { 200: jsonOnly("The registered stations", stationsResponse) },
      },
    },
    async function listStations() {
      return { stations: ctx.registry.stations.map(describeStation) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/stations/:id",
    {
      schema: {
        summary: "One station with its latest readings",
        tags: ["stations"],
        params: stationParams,
        response: {
          200: jsonOnly("The station and its latest reading of each metric", stationResponse),
          404: errorResponseSchema,
        },
      },
    },
    async function getStation(request) {
      const station = requireStation(ctx, request.params.id, undefined, "id");
      const latest = await ctx.store.latest(station.id);
      return {
        station: describeStation(station),
        latest: latest.map((r) => ({
          metric: r.metric,
          ts: toBeijingIso(r.ts),
          value: r.value,
          unit: METRICS[r.metric].unit,
          flag: r.flag,
          periodMs: r.periodMs,
        })),
      };
    },
  );
}
