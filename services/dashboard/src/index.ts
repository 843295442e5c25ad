import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Absolute path of the dashboard's static files (plain ES modules, CSS, HTML; no build step).
 * The API serves this folder at `/dashboard/`.
 *
 * @example
 * app.register(fastifyStatic, { root: DASHBOARD_PUBLIC_DIR, prefix: "/dashboard/" });
 */
export const DASHBOARD_PUBLIC_DIR = fileURLToPath(new URL("../public/", import.meta.url));

/**
 * Absolute path of ECharts' minified browser bundle from the `echarts` npm package
 * (node_modules/echarts/dist/echarts.min.js). Its CommonJS entry is dist/echarts.js, so the
 * bundle sits beside it.
 *
 * @example
 * reply.type("text/javascript").send(createReadStream(ECHARTS_BUNDLE_PATH));
 */
export const ECHARTS_BUNDLE_PATH = join(
  dirname(createRequire(import.meta.url).resolve("echarts")),
  "echarts.min.js",
);

/**
 * The bundled GeoJSON of Liandu's district outline, townships and rivers (seeds/liandu/geo), drawn
 * by the network map without internet tiles.
 *
 * @example
 * readFileSync(join(LIANDU_GEO_DIR, "townships.geojson"), "utf8")
 */
export const LIANDU_GEO_DIR = fileURLToPath(new URL("../../../seeds/liandu/geo/", import.meta.url));

/** The GeoJSON layers the map loads, by file name (without `.geojson`). */
export const GEO_LAYERS = ["district", "townships", "rivers"] as const;
export type GeoLayer = (typeof GEO_LAYERS)[number];
