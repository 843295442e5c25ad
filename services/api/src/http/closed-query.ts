import { distance } from "fastest-levenshtein";
import type { FastifyRequest, RouteOptions } from "fastify";
import { ApiError } from "./errors.ts";

/**
 * `onRoute` hook of the /api/v1 scope: each route's query-string schema (an empty one for a route
 * without) gets `additionalProperties: false`, so a parameter the route does not declare is a 400
 * (`unknownParameters`) instead of being ignored — `/series?period=1d` answered hourly values.
 * Needs Ajv's `removeAdditional` off (createApp), which would otherwise strip such parameters
 * silently.
 *
 * @example
 * scope.addHook("onRoute", closeQueryStrings);
 */
export function closeQueryStrings(route: RouteOptions): void {
  const schema = route.schema ?? {};
  const query = (schema.querystring ?? { type: "object", properties: {} }) as Record<string, unknown>;
  route.schema = { ...schema, querystring: { ...query, additionalProperties: false } };
}

/**
 * Names a route family calls differently: the calendar step is `every` on /series but `period` on
 * /aqi, /water/class and /noi/grade; and names clients commonly send for a declared one.
 */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  period: ["every"],
  every: ["period"],
  start: ["from"],
  begin: ["from"],
  since: ["from"],
  end: ["to"],
  until: ["to"],
  stationid: ["station"],
  station_id: ["station"],
  stations: ["station"],
};

const FAMILY_NOTE: Readonly<Record<string, string>> = {
  every: "/series calls the calendar step every; /aqi, /water/class and /noi/grade call it period",
  period: "/aqi, /water/class and /noi/grade call the period period; /series calls it every",
};

/**
 * The declared parameter `name` was most likely meant as: the other route family's name, a common
 * alias, the same name in another case, or a near spelling (one edit for names up to 4 letters,
 * two otherwise). Undefined when none is close.
 *
 * @example
 * suggestParameter("period", ["station", "metric", "from", "to", "every"]) // "every"
 */
export function suggestParameter(name: string, declared: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const alias = (ALIASES[lower] ?? []).find((a) => declared.includes(a));
  if (alias !== undefined) return alias;
  const sameCase = declared.find((d) => d.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  let best: { name: string; distance: number } | undefined;
  for (const d of declared) {
    const dist = distance(lower, d.toLowerCase());
    const allowed = Math.min(d.length, lower.length) <= 4 ? 1 : 2;
    if (dist <= allowed && (best === undefined || dist < best.distance)) best = { name: d, distance: dist };
  }
  return best?.name;
}

/** The query parameters of `request` that its route does not declare, in URL order. */
export function unknownParameters(request: FastifyRequest): { unknown: string[]; declared: string[] } {
  const query = request.routeOptions.schema?.querystring as
    | { properties?: Record<string, unknown> }
    | undefined;
  const declared = Object.keys(query?.properties ?? {});
  const names = [...new URL(request.url, "http://localhost").searchParams.keys()];
  const unknown = [...new Set(names.filter((n) => !declared.includes(n)))];
  return { unknown, declared };
}

/**
 * A 400 `query.invalid` naming the first parameter the route does not declare, with the value
 * received, what the route takes and a suggestion; `details` lists every unknown parameter.
 *
 * @example
 * // GET /api/v1/series?station=aq1&metric=pm25&period=1d
 * // → parameter "period", expected "a parameter of GET /api/v1/series: station, metric, from, …
 * //   (did you mean every? /series calls the calendar step every; …)"
 */
export function unknownParameterError(
  request: FastifyRequest,
  unknown: readonly string[],
  declared: readonly string[],
): ApiError {
  const [parameter = ""] = unknown;
  const values = new URL(request.url, "http://localhost").searchParams.getAll(parameter);
  const received = values.length === 1 ? values[0] : values;
  const suggestion = suggestParameter(parameter, declared);
  const note = suggestion === undefined ? undefined : FAMILY_NOTE[suggestion];
  const path = request.routeOptions.url ?? request.url.split("?")[0];
  const takes =
    declared.length === 0
      ? `no query parameter (${request.method} ${path} takes none)`
      : `a parameter of ${request.method} ${path}: ${declared.join(", ")}`;
  const hint =
    suggestion === undefined ? "" : ` (did you mean ${suggestion}?${note === undefined ? "" : ` ${note}`})`;
  const expected = `${takes}${hint}`;
  const names = unknown.map((n) => `"${n}"`).join(", ");
  return new ApiError(
    "query.invalid",
    `unknown query parameter${unknown.length > 1 ? "s" : ""} ${names}, expected ${expected}`,
    {
      parameter,
      received,
      expected,
      details: {
        unknown,
        declared,
        ...(suggestion === undefined ? {} : { didYouMean: suggestion }),
      },
    },
  );
}
