import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from "prom-client";

/** Removes a metric of this name from the registry so a new app can register it again. */
function fresh(registry: Registry, name: string): void {
  if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
}

export interface MetricsOptions {
  readonly registry: Registry;
  readonly defaultMetrics: boolean;
  readonly busDepth: (() => Readonly<Record<string, number>>) | undefined;
}

/**
 * GET /metrics in Prometheus text format, the `qingshan_bus_queue_depth{topic}` gauge read from
 * `busDepth()` at scrape time, and HTTP request counters/durations per route. Call on the root
 * instance so the request hook sees every route, after registering @fastify/swagger.
 */
export function metricsRoutes(app: FastifyInstance, options: MetricsOptions): void {
  const { registry } = options;
  // Default process metrics are registered once per registry (a second call would throw).
  if (options.defaultMetrics && !registry.getSingleMetric("process_cpu_user_seconds_total")) {
    collectDefaultMetrics({ register: registry });
  }
  const busDepth = options.busDepth;
  fresh(registry, "qingshan_bus_queue_depth");
  new Gauge({
    name: "qingshan_bus_queue_depth",
    help: "Messages published but not yet acknowledged by every consumer group, per bus topic",
    labelNames: ["topic"],
    registers: [registry],
    collect() {
      if (!busDepth) return;
      for (const [topic, depth] of Object.entries(busDepth())) this.set({ topic }, depth);
    },
  });
  fresh(registry, "qingshan_api_requests_total");
  const requests = new Counter({
    name: "qingshan_api_requests_total",
    help: "HTTP requests answered, by method, route and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  fresh(registry, "qingshan_api_request_duration_seconds");
  const duration = new Histogram({
    name: "qingshan_api_request_duration_seconds",
    help: "HTTP request duration by route",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook("onResponse", async function countRequest(request, reply) {
    const route = request.routeOptions.url ?? "unmatched";
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  // A plugin, loaded after @fastify/swagger, so the OpenAPI document lists the route.
  app.register(async function metricsEndpoint(scope) {
    scope.get(
      "/metrics",
      {
        schema: {
          summary: "Prometheus metrics",
          description:
            "Prometheus text exposition format: qingshan_bus_queue_depth{topic}, qingshan_api_requests_total{method,route,status}, qingshan_api_request_duration_seconds{method,route} and, unless disabled, the Node.js process metrics.",
          tags: ["ops"],
          response: {
            200: {
              description: "Metrics in the Prometheus text format (version 0.0.4)",
              content: { "text/plain": { schema: { type: "string" } } },
            },
          },
        },
      },
      async function scrape(_request, reply) {
        const text = await registry.metrics();
        return reply.header("content-type", registry.contentType).send(text);
      },
    );
  });
}
