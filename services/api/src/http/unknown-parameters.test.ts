import { describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

// A query parameter a route does not declare was ignored (Fastify's Ajv strips it by default):
// /series?period=1d answered hourly values, /aqi?every=1d the hourly AQI. Now a 400 naming it.
const fixture = useApiFixture({
  name: "unknown-parameters",
  stations: [TEST_STATION.aq1, TEST_STATION.wq1, TEST_STATION.noi1],
  readings: [],
  now: T("2026-11-29T12:00:00+08:00"),
});

async function get(url: string) {
  const res = await fixture.app.inject({ url });
  return { status: res.statusCode, error: res.json().error };
}

describe("a query parameter the route does not declare", () => {
  it("/series?period=1d is a 400 naming period, suggesting every", async () => {
    const { status, error } = await get("/api/v1/series?station=aq1&metric=pm25&period=1d");
    expect(status).toBe(400);
    expect(error).toEqual({
      code: "query.invalid",
      message:
        'unknown query parameter "period", expected a parameter of GET /api/v1/series: station, metric, from, to, every, fn, format, bom (did you mean every? /series calls the calendar step every; /aqi, /water/class and /noi/grade call it period)',
      parameter: "period",
      received: "1d",
      expected:
        "a parameter of GET /api/v1/series: station, metric, from, to, every, fn, format, bom (did you mean every? /series calls the calendar step every; /aqi, /water/class and /noi/grade call it period)",
      details: {
        unknown: ["period"],
        declared: ["station", "metric", "from", "to", "every", "fn", "format", "bom"],
        didYouMean: "every",
      },
    });
  });

  it.each([
    ["/api/v1/aqi?station=aq1&every=1d", "/aqi"],
    ["/api/v1/water/class?station=wq1&every=1mo", "/water/class"],
    ["/api/v1/noi/grade?station=noi1&every=1d", "/noi/grade"],
  ])("%s is a 400 naming every, suggesting period", async (url, route) => {
    const { status, error } = await get(url);
    expect(status).toBe(400);
    expect(error).toMatchObject({
      code: "query.invalid",
      parameter: "every",
      details: { unknown: ["every"], didYouMean: "period" },
    });
    expect(error.expected).toContain(`a parameter of GET /api/v1${route}: station, from, to, period`);
    expect(error.expected).toContain("(did you mean period? /aqi, /water/class and /noi/grade call");
  });

  it("is named before a required parameter it may have stood for is missing", async () => {
    const { error } = await get("/api/v1/readings?stationId=aq1");
    expect(error).toMatchObject({
      parameter: "stationId",
      received: "aq1",
      details: { didYouMean: "station" },
    });
  });

  it("every unknown parameter is listed; near spellings are suggested, others not", async () => {
    const { error } = await get("/api/v1/deadletters?limt=5&_=1700000000000");
    expect(error.message).toContain('unknown query parameters "limt", "_"');
    expect(error).toMatchObject({ parameter: "limt", received: "5", details: { unknown: ["limt", "_"] } });
    expect(error.details.didYouMean).toBe("limit");
    const far = await get("/api/v1/deadletters?cachebuster=1");
    expect(far.error.details).not.toHaveProperty("didYouMean");
    expect(far.error.expected).not.toContain("did you mean");
  });

  it("a route without parameters says it takes none", async () => {
    const { status, error } = await get("/api/v1/warning?station=aq1");
    expect(status).toBe(400);
    expect(error).toMatchObject({
      parameter: "station",
      received: "aq1",
      expected: "no query parameter (GET /api/v1/warning takes none)",
    });
  });

  it("declared parameters still work, and the defaults still apply", async () => {
    const res = await fixture.app.inject({ url: "/api/v1/series?station=aq1&metric=pm25&every=1d" });
    expect(res.statusCode).toBe(200);
    const aqi = await fixture.app.inject({ url: "/api/v1/aqi?station=aq1" });
    expect(aqi.statusCode).toBe(200);
  });
});

describe("every /api/v1 GET route refuses an undeclared parameter", async () => {
  it("each route of the OpenAPI document answers 400 naming it", async () => {
    const doc = (await fixture.app.inject({ url: "/api/openapi.json" })).json() as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string; required?: boolean }[] }>
      >;
    };
    const sample: Record<string, string> = { station: "aq1", metric: "pm25" };
    const routes = Object.entries(doc.paths).filter(([path, ops]) => path.startsWith("/api/v1/") && ops.get);
    expect(routes.length).toBeGreaterThanOrEqual(18);
    for (const [path, ops] of routes) {
      const required = (ops.get?.parameters ?? []).filter((p) => p.in === "query" && p.required);
      const query = new URLSearchParams(
        required.map((p): [string, string] => [p.name, sample[p.name] ?? "x"]),
      );
      query.set("undeclared", "1");
      const url = `${path.replace("{id}", "aq1").replace("{alertId}", "a1")}?${query}`;
      const { status, error } = await get(url);
      expect({ url, status, parameter: error?.parameter }).toEqual({
        url,
        status: 400,
        parameter: "undeclared",
      });
    }
  });
});
