import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import { DASHBOARD_PUBLIC_DIR, ECHARTS_BUNDLE_PATH, GEO_LAYERS, LIANDU_GEO_DIR } from "@qingshan/dashboard";
import { beijingDate, DATA_FLAG_MEANINGS, METRICS } from "@qingshan/domain";
import {
  AQI_CATEGORIES,
  GB3095_2026_FINAL_FROM,
  GB3095_2026_FROM,
  GB3838_ITEMS,
  type Gb3095Phase,
  gb3095Limit,
  LIANDU_PM25_ANNUAL_TARGET,
  WATER_CLASSES,
} from "@qingshan/standards";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { ApiError } from "../http/errors.ts";
import { WARNING_LEVELS } from "./warning.ts";

export interface DashboardOptions {
  /** Folder holding district.geojson, townships.geojson and rivers.geojson. Default seeds/liandu/geo. */
  readonly geoDir?: string;
}

const AIR_POLLUTANTS = ["pm25", "pm10", "so2", "no2", "co", "o3"] as const;
const GB3095_AVERAGING = ["annual", "24h", "1h", "dailyMax8h"] as const;

/** GB 3095 limits by grade, pollutant and averaging time in force on a Beijing date. */
function gb3095LimitsOn(date: string): Record<string, Record<string, Record<string, number>>> {
  const gb3095: Record<string, Record<string, Record<string, number>>> = {};
  for (const grade of ["I", "II"] as const) {
    const byPollutant: Record<string, Record<string, number>> = {};
    for (const p of AIR_POLLUTANTS) {
      const byAvg: Record<string, number> = {};
      for (const a of GB3095_AVERAGING) {
        const limit = gb3095Limit(date, grade, p, a);
        if (limit) byAvg[a] = limit.value;
      }
      byPollutant[p] = byAvg;
    }
    gb3095[grade] = byPollutant;
  }
  return gb3095;
}

/** The day before a Beijing date ("2026-03-01" → "2026-02-28"). */
function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/**
 * Every GB 3095 limit set with the Beijing dates it is in force (`from` inclusive, `to` exclusive;
 * null = open), so a chart over history draws the limits of the edition in force on each date
 * (air-aqi.md §6.1, §6.2). Values from `gb3095Limit` on a date of each set.
 *
 * @example
 * gb3095Editions()[0] // { phase: "2012", edition: "GB 3095-2012", from: null, to: "2026-03-01", … }
 */
export function gb3095Editions() {
  const spans: { phase: Gb3095Phase; from: string | null; to: string | null; on: string }[] = [
    { phase: "2012", from: null, to: GB3095_2026_FROM, on: dayBefore(GB3095_2026_FROM) },
    { phase: "2026-transition", from: GB3095_2026_FROM, to: GB3095_2026_FINAL_FROM, on: GB3095_2026_FROM },
    { phase: "2026-final", from: GB3095_2026_FINAL_FROM, to: null, on: GB3095_2026_FINAL_FROM },
  ];
  return spans.map(({ phase, from, to, on }) => {
    const limit = gb3095Limit(on, "II", "pm25", "24h");
    if (limit?.phase !== phase)
      throw new Error(`GB 3095 phase on ${on} is ${limit?.phase}, expected ${phase}`);
    return { phase, edition: limit.edition, from, to, source: limit.source, limits: gb3095LimitsOn(on) };
  });
}

/**
 * The reference data the dashboard draws with, taken from @qingshan/standards so the browser never
 * restates a colour or a limit: AQI categories (HJ 633 Appendix A colours), GB 3095 limits in force
 * today and every GB 3095 limit set with its dates (`gb3095Editions`, for charts over history),
 * GB 3838 class limits, NOI grades, the PM2.5 target, warning levels, metric names and units, the
 * HJ 212 data flags' meanings.
 */
export function dashboardStandards(ctx: ApiContext) {
  const today = beijingDate(ctx.now());
  const gb3095 = gb3095LimitsOn(today);
  // The table in force: the one the network map's grades and the NOI alerts use.
  const scheme = ctx.noiScheme;
  return {
    date: today,
    gb3095Source: gb3095Limit(today, "II", "pm25", "annual")?.source ?? "",
    gb3095,
    gb3095Editions: gb3095Editions(),
    aqiCategories: AQI_CATEGORIES.map((c) => ({
      level: c.level,
      maxAqi: Number.isFinite(c.maxAqi) ? c.maxAqi : null,
      grade: c.grade,
      zh: c.zh,
      en: c.en,
      color: c.color,
    })),
    waterClasses: WATER_CLASSES.map((c) => ({ class: c.class, zh: c.zh, status: c.status })),
    gb3838: GB3838_ITEMS.filter((i) => i.river !== null || i.lake !== null).map((i) => ({
      metric: i.metric,
      zh: i.zh,
      en: i.en,
      unit: i.unit,
      direction: i.direction,
      river: i.river?.map(Number) ?? null,
      lake: i.lake?.map(Number) ?? null,
    })),
    noi: {
      id: scheme.id,
      ...(scheme.title ? { title: scheme.title } : {}),
      provisional: scheme.provisional,
      source: scheme.source,
      grades: scheme.grades,
    },
    pm25Target: { value: ctx.alerting.pm25AnnualTarget, source: LIANDU_PM25_ANNUAL_TARGET.source },
    warningLevels: WARNING_LEVELS,
    metrics: Object.fromEntries(
      Object.entries(METRICS).map(([id, m]) => [id, { unit: m.unit, kinds: m.kinds, zh: m.zh, en: m.en }]),
    ),
    // HJ 212-2017 Table 8 data flags, for the flag column's hover text.
    flags: DATA_FLAG_MEANINGS,
  };
}

/**
 * The web dashboard: `/` redirects to `/dashboard/`, which serves services/dashboard/public; plus
 * `/dashboard/vendor/echarts.min.js` (from the echarts package), `/dashboard/geo/{layer}.geojson`
 * and `/dashboard/standards.json`.
 */
export function dashboardRoutes(app: FastifyInstance, ctx: ApiContext, options: DashboardOptions = {}): void {
  const geoDir = options.geoDir ?? LIANDU_GEO_DIR;
  app.get("/", { schema: { hide: true } }, async function toDashboard(_request, reply) {
    return reply.redirect("/dashboard/", 302);
  });
  app.get(
    "/dashboard/vendor/echarts.min.js",
    { schema: { hide: true } },
    async function echarts(_request, reply) {
      return reply
        .type("text/javascript; charset=utf-8")
        .header("cache-control", "public, max-age=86400")
        .send(createReadStream(ECHARTS_BUNDLE_PATH));
    },
  );
  app.get<{ Params: { layer: string } }>(
    "/dashboard/geo/:layer",
    { schema: { hide: true } },
    async function geoLayer(request, reply) {
      const layer = request.params.layer.replace(/\.geojson$/, "");
      if (!(GEO_LAYERS as readonly string[]).includes(layer)) {
        throw new ApiError(
          "route.not_found",
          `no geo layer "${layer}" (expected one of ${GEO_LAYERS.join(", ")})`,
        );
      }
      const text = await readFile(join(geoDir, `${layer}.geojson`), "utf8");
      return reply.type("application/geo+json; charset=utf-8").send(text);
    },
  );
  app.get("/dashboard/standards.json", { schema: { hide: true } }, async function standards() {
    return dashboardStandards(ctx);
  });
  app.register(fastifyStatic, {
    root: DASHBOARD_PUBLIC_DIR,
    prefix: "/dashboard/",
    // The route below serves the index: with the router's ignoreTrailingSlash, "/dashboard" and
    // "/dashboard/" are one route, and only the latter resolves the page's relative links.
    index: false,
    redirect: false,
    schemaHide: true,
  });
  app.get("/dashboard/", { schema: { hide: true } }, async function dashboardIndex(request, reply) {
    if (!request.url.split("?")[0]?.endsWith("/")) return reply.redirect("/dashboard/", 302);
    return reply.header("cache-control", "no-cache").sendFile("index.html");
  });
}
