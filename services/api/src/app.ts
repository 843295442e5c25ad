import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import {
  assertAqiSettings,
  DEFAULT_CONCENTRATION_ROUNDING_2026,
  DEFAULT_NOI_SCHEME,
  DEFAULT_WARNING_PRESET,
  LIANDU_PM25_ANNUAL_TARGET,
  noiSchemeOf,
} from "@qingshan/standards";
import { storeValidFlags } from "@qingshan/store";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { register as globalRegister } from "prom-client";
import type { ApiContext, ApiDeps, ReadinessCheck } from "./deps.ts";
import { closeQueryStrings } from "./http/closed-query.ts";
import { errorHandler } from "./http/error-handler.ts";
import { ApiError } from "./http/errors.ts";
import { healthRoutes } from "./ops/health.ts";
import { metricsRoutes } from "./ops/metrics.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { createAlertFeed, registerAlertFeed } from "./routes/alerts-feed.ts";
import { aqiRoutes } from "./routes/aqi.ts";
import { complianceRoutes } from "./routes/compliance.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { networkRoutes } from "./routes/dashboard-network.ts";
import { deadLetterRoutes } from "./routes/dead-letters.ts";
import { noiRoutes } from "./routes/noi.ts";
import { observationRoutes } from "./routes/observations.ts";
import { readingRoutes } from "./routes/readings.ts";
import { ruleRoutes } from "./routes/rules.ts";
import { seriesRoutes } from "./routes/series.ts";
import { stationRoutes } from "./routes/stations.ts";
import { warningRoutes } from "./routes/warning.ts";
import { waterRoutes } from "./routes/water.ts";
import { DEFAULT_PH_AVERAGING } from "./series/water-class.ts";

/** Settings with their defaults (see README). */
export const API_DEFAULTS = Object.freeze({
  readinessTimeoutMs: 2_000,
  maxPeriods: 10_000,
  pmRealtimeBasis2012: "auto" as const,
  concentrationRounding2026: DEFAULT_CONCENTRATION_ROUNDING_2026,
  defaultMetrics: true,
  warningRuleId: "heavy-pollution-warning",
  warningPreset: DEFAULT_WARNING_PRESET,
  heartbeatMs: 15_000,
  replayMs: 24 * 3_600_000,
  pm25AnnualTarget: LIANDU_PM25_ANNUAL_TARGET.value,
  silentAfterIntervals: 3,
  phAveraging: DEFAULT_PH_AVERAGING,
  noiScheme: DEFAULT_NOI_SCHEME,
});

/**
 * Builds the Fastify app (not listening): routes under /api/v1, OpenAPI at /api/openapi.json,
 * Swagger UI at /api/docs, /metrics, /healthz, /readyz, the web dashboard at /dashboard/ (and a
 * redirect from /). With `deps.bus`, the live alert feed subscribes when the app is ready. Test it with `app.inject`, serve it with
 * `startApi`.
 *
 * @example
 * const app = createApp({ store, registry, submit: ingest.submit, busDepth: () => bus.depth() });
 * const res = await app.inject({ url: "/api/v1/stations" });
 */
export function createApp(deps: ApiDeps): FastifyInstance {
  const options: FastifyServerOptions = {
    // Query arrays are not part of the API: "a=1&a=2" is refused by the schema as not a string.
    routerOptions: { ignoreTrailingSlash: true },
    // Fastify's Ajv default, removeAdditional: true, silently strips what `additionalProperties:
    // false` refuses: an unknown query parameter (`period` on /series) would be dropped and the
    // default answered. Off, it is a 400 naming the parameter (closeQueryStrings).
    ajv: { customOptions: { removeAdditional: false } },
  };
  const app =
    typeof deps.logger === "object"
      ? Fastify({ ...options, loggerInstance: deps.logger })
      : Fastify({ ...options, logger: deps.logger ?? false });

  assertAqiSettings({
    ...(deps.pmRealtimeBasis2012 ? { pmRealtimeBasis2012: deps.pmRealtimeBasis2012 } : {}),
    ...(deps.concentrationRounding2026 ? { concentrationRounding2026: deps.concentrationRounding2026 } : {}),
  });
  const alertFeed = deps.bus ? createAlertFeed(deps.bus, deps.store) : undefined;
  const ctx: ApiContext = Object.freeze({
    store: deps.store,
    validFlags: storeValidFlags(deps.store),
    registry: deps.registry,
    submit: deps.submit,
    now: deps.now ?? Date.now,
    pmRealtimeBasis2012: deps.pmRealtimeBasis2012 ?? API_DEFAULTS.pmRealtimeBasis2012,
    concentrationRounding2026: deps.concentrationRounding2026 ?? API_DEFAULTS.concentrationRounding2026,
    maxPeriods: deps.maxPeriods ?? API_DEFAULTS.maxPeriods,
    // Checked here, so a bad table stops the start rather than the first request.
    noiScheme: noiSchemeOf(deps.noiScheme ?? API_DEFAULTS.noiScheme),
    water: Object.freeze({ phAveraging: deps.water?.phAveraging ?? API_DEFAULTS.phAveraging }),
    bus: deps.bus,
    publicUrl: deps.publicUrl,
    alerting: Object.freeze({
      // The rules file's warning rule when it has one under another id.
      warningRuleId:
        deps.alerting?.warningRuleId ??
        (deps.rules?.some((r) => r.id === API_DEFAULTS.warningRuleId)
          ? undefined
          : deps.rules?.find((r) => r.warning !== undefined)?.id) ??
        API_DEFAULTS.warningRuleId,
      warningPreset: deps.alerting?.warningPreset ?? API_DEFAULTS.warningPreset,
      heartbeatMs: deps.alerting?.heartbeatMs ?? API_DEFAULTS.heartbeatMs,
      replayMs: deps.alerting?.replayMs ?? API_DEFAULTS.replayMs,
      pm25AnnualTarget: deps.alerting?.pm25AnnualTarget ?? API_DEFAULTS.pm25AnnualTarget,
      silentAfterIntervals: deps.alerting?.silentAfterIntervals ?? API_DEFAULTS.silentAfterIntervals,
    }),
    rules: deps.rules ? new Map(deps.rules.map((rule) => [rule.id, rule])) : undefined,
    alertFeed,
  });
  if (alertFeed) registerAlertFeed(app, alertFeed);
  const checks: Record<string, ReadinessCheck> = {
    store: () => deps.store.health(),
    ...deps.readiness,
  };

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(function notFound(request, reply) {
    const error = new ApiError("route.not_found", `no route ${request.method} ${request.url.split("?")[0]}`);
    return reply.status(error.status).send({ error: error.body });
  });

  // Swagger must be registered before the routes so its onRoute hook sees them.
  app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Qingshan API",
        description:
          "Time series, AQI (HJ 633-2012/2026), GB 3838 water class and NOI grades of the Qingshan monitoring network. Times are ISO 8601; responses use Beijing time (+08:00).",
        version: "0.1.0",
      },
      tags: [
        { name: "stations" },
        { name: "readings" },
        { name: "series" },
        { name: "aqi" },
        { name: "water" },
        { name: "noi" },
        { name: "deadletters" },
        { name: "alerts" },
        { name: "compliance" },
        { name: "ops" },
      ],
    },
    transform: function addDocumentedBody({ schema, url, route }) {
      const body = route.config?.openapiBody;
      return { schema: body ? ({ ...schema, body } as typeof schema) : schema, url };
    },
  });
  // On the root instance, so its request hook counts every route; after swagger, so /metrics is documented.
  metricsRoutes(app, {
    registry: deps.metricsRegistry ?? globalRegister,
    defaultMetrics: deps.defaultMetrics ?? API_DEFAULTS.defaultMetrics,
    busDepth: deps.busDepth,
  });
  app.register(swaggerUi, { routePrefix: "/api/docs" });
  app.register(async function openapiDocument(scope) {
    scope.get("/api/openapi.json", { schema: { hide: true } }, async function openapi() {
      return app.swagger();
    });
  });

  app.register(
    async function apiV1(scope) {
      // Before the routes: every /api/v1 route refuses query parameters it does not declare.
      scope.addHook("onRoute", closeQueryStrings);
      stationRoutes(scope, ctx);
      readingRoutes(scope, ctx);
      seriesRoutes(scope, ctx);
      aqiRoutes(scope, ctx);
      waterRoutes(scope, ctx);
      noiRoutes(scope, ctx);
      deadLetterRoutes(scope, ctx);
      alertRoutes(scope, ctx);
      warningRoutes(scope, ctx);
      ruleRoutes(scope, ctx);
      complianceRoutes(scope, ctx);
      networkRoutes(scope, ctx);
      scope.register(async function observations(inner) {
        observationRoutes(inner, ctx);
      });
    },
    { prefix: "/api/v1" },
  );
  healthRoutes(app, checks, deps.readinessTimeoutMs ?? API_DEFAULTS.readinessTimeoutMs);
  const dashboardOptions = deps.dashboard;
  if (dashboardOptions !== false) {
    app.register(async function dashboard(scope) {
      dashboardRoutes(scope, ctx, dashboardOptions ?? {});
    });
  }
  return app;
}

/**
 * Listens on host:port; resolves with the bound address (port 0 picks a free port).
 *
 * @example
 * const { url } = await startApi(app, { port: 8080, host: "0.0.0.0" });
 */
export async function startApi(
  app: FastifyInstance,
  options: { port: number; host?: string },
): Promise<{ url: string; port: number }> {
  const url = await app.listen({ port: options.port, host: options.host ?? "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return { url, port };
}
