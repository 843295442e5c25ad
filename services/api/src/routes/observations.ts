import { stationTopic } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { ApiError, errorResponseSchema } from "../http/errors.ts";
import { requireStation } from "../http/load.ts";
import { jsonOnly, observationsAccepted } from "../http/response-schemas.ts";
import { observationsBody, observationsQuery, stationParams } from "../http/schemas.ts";

/**
 * POST /stations/:id/observations: hands a wire payload to ingest as if it had arrived on the
 * station's MQTT topic (source "import"). The body is passed on as raw text, so malformed JSON
 * is dead-lettered by ingest like any other bad input.
 */
export function observationRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Raw text of any content type, for this route only (the plugin scope keeps the other routes
  // on Fastify's JSON parser): ingest decodes it, so malformed JSON is dead-lettered, not lost.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, function rawBody(_request, body, done) {
    done(null, body);
  });

  app.post<{ Params: { id: string }; Querystring: { backfill: boolean }; Body: string }>(
    "/stations/:id/observations",
    {
      schema: {
        summary: "Submit observations (import / backfill)",
        description:
          "Body: the MQTT wire payload (one observation or an array). 202 with the accepted count and any rejections; 400 when nothing was accepted. Rejected values are dead-lettered.",
        tags: ["stations"],
        params: stationParams,
        querystring: observationsQuery,
        response: {
          202: jsonOnly(
            "Some observations were accepted; the rejections (if any) were dead-lettered",
            observationsAccepted,
          ),
          400: errorResponseSchema,
          404: errorResponseSchema,
          503: errorResponseSchema,
        },
      },
      config: { openapiBody: observationsBody },
    },
    async function submitObservations(request, reply) {
      const station = requireStation(ctx, request.params.id, undefined, "id");
      if (!ctx.submit) {
        throw new ApiError("submit.unavailable", "this API instance was started without an ingest path");
      }
      const text = typeof request.body === "string" ? request.body : "";
      const result = await ctx.submit(stationTopic(station.id, station.kind), text, {
        source: "import",
        backfill: request.query.backfill,
      });
      const summary = {
        station: station.id,
        backfill: request.query.backfill,
        accepted: result.accepted,
        rejected: result.rejections.length,
        rejections: result.rejections,
      };
      if (result.accepted === 0 && result.rejections.length > 0) {
        const first = result.rejections[0];
        throw new ApiError(
          "observations.rejected",
          `no observation was accepted: ${result.rejections.length} rejection(s), first: ${first?.message}`,
          { details: summary },
        );
      }
      return reply.status(202).send(summary);
    },
  );
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Body schema published in the OpenAPI document without being validated by Fastify. */
    openapiBody?: unknown;
  }
}
