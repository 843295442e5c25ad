import { fileURLToPath } from "node:url";
import type { AlertEvent, Reading, Rejection } from "@qingshan/domain";
import { loadRulesFile } from "@qingshan/rules";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { hourlyReadings, reading, T, TEST_STATION, useApiFixture } from "./testdata/api-fixture.ts";

const NOW = T("2026-11-29T12:00:00+08:00");
const RULES = loadRulesFile(fileURLToPath(new URL("../../../config/rules.yaml", import.meta.url)));

const AIR: Reading[] = [
  // A complete day (HJ 633-2026 worked example 12) and a morning without PM2.5 (AQI withheld, §5.3.1).
  ...(["so2", "no2", "co", "o3", "pm10", "pm25"] as const).flatMap((m, i) =>
    hourlyReadings("aq1", m, "2026-11-28T00:00:00+08:00", [9, 35, 0.9, 95, 100, 88][i] as number, 24),
  ),
  ...(["so2", "no2", "co", "o3", "pm10"] as const).flatMap((m, i) =>
    hourlyReadings("aq1", m, "2026-11-29T00:00:00+08:00", [5, 20, 0.4, 40, 30][i] as number, 11),
  ),
];
const WATER = (["ph", "do", "codmn", "nh3n", "tp"] as const).flatMap((m, i) =>
  hourlyReadings("wq1", m, "2026-11-29T00:00:00+08:00", [7.2, 6.5, 3.1, 0.8, 0.1][i] as number, 11),
);
const NOI = Array.from({ length: 120 }, (_, k) =>
  reading("noi1", "noi", T("2026-11-29T02:00:00+08:00") + k * 300_000, 0, 1_500 + k),
);

const EVENTS: AlertEvent[] = [
  {
    id: "w1-r",
    alertId: "w1",
    type: "raised",
    at: "2026-11-29T06:00:05.120+08:00",
    ruleId: "heavy-pollution-warning",
    stationId: "aq1",
    severity: "warning",
    level: "yellow",
    metric: "aqi",
    value: 210,
    startedAt: "2026-11-29T03:00:00+08:00",
    dataTime: "2026-11-29T06:00:00+08:00",
    details: [{ metric: "pm25", value: 160, limit: 150 }],
    message: { zh: "黄色预警", en: "yellow warning" },
    tier: 0,
    routes: ["duty"],
  },
  {
    id: "w1-l",
    alertId: "w1",
    type: "level_changed",
    at: "2026-11-29T09:00:04+08:00",
    ruleId: "heavy-pollution-warning",
    stationId: "aq1",
    severity: "critical",
    level: "orange",
    startedAt: "2026-11-29T03:00:00+08:00",
    dataTime: "2026-11-29T09:00:00+08:00",
    message: { zh: "橙色预警", en: "orange warning" },
  },
  {
    id: "w1-a",
    alertId: "w1",
    type: "acknowledged",
    at: "2026-11-29T09:10:00+08:00",
    ruleId: "heavy-pollution-warning",
    stationId: "aq1",
    severity: "critical",
    actor: "duty officer",
    note: "checking",
    message: { zh: "橙色预警", en: "orange warning" },
  },
];

/**
 * Every response the route schemas serialize, requested from the app as built and from the same
 * app with a plain JSON.stringify serializer: a response schema must not drop, add or coerce
 * anything the route returns.
 */
const REQUESTS: readonly { method?: "GET" | "POST"; url: string; payload?: string; status: number }[] = [
  { url: "/api/v1/stations", status: 200 },
  { url: "/api/v1/stations/aq1", status: 200 },
  { url: "/api/v1/stations/wq1", status: 200 },
  { url: "/api/v1/readings?station=aq1&from=2026-11-29T00:00:00%2B08:00", status: 200 },
  { url: "/api/v1/readings?station=aq1&metric=pm10&limit=3", status: 200 },
  { url: "/api/v1/series?station=aq1&metric=pm10", status: 200 },
  {
    url: "/api/v1/series?station=aq1&metric=o3&every=1d&from=2026-11-27T00:00:00%2B08:00&to=2026-11-30T00:00:00%2B08:00",
    status: 200,
  },
  { url: "/api/v1/series?station=aq1&metric=pm25&every=1mo&fn=count", status: 200 },
  { url: "/api/v1/aqi?station=aq1", status: 200 },
  {
    url: "/api/v1/aqi?station=aq1&period=day&from=2026-11-27T00:00:00%2B08:00&to=2026-11-30T00:00:00%2B08:00",
    status: 200,
  },
  {
    url: "/api/v1/aqi?station=aq1&from=2026-02-27T00:00:00%2B08:00&to=2026-02-27T03:00:00%2B08:00&pmBasis=rolling24h",
    status: 200,
  },
  { url: "/api/v1/water/class?station=wq1&period=1h&from=2026-11-29T00:00:00%2B08:00", status: 200 },
  { url: "/api/v1/water/class?station=wq1&period=1d", status: 200 },
  { url: "/api/v1/compliance/pm25", status: 200 },
  { url: "/api/v1/compliance/pm25?year=2025", status: 200 },
  { url: "/api/v1/compliance/water?period=month", status: 200 },
  { url: "/api/v1/compliance/water?period=year&at=2026-11-01T00:00:00%2B08:00", status: 200 },
  { url: "/api/v1/compliance/aqi-days", status: 200 },
  { url: "/api/v1/noi/grade?station=noi1", status: 200 },
  { url: "/api/v1/noi/grade?station=noi1&period=1d", status: 200 },
  { url: "/api/v1/deadletters", status: 200 },
  { url: "/api/v1/network", status: 200 },
  { url: "/api/v1/alerts", status: 200 },
  { url: "/api/v1/alerts/w1", status: 200 },
  { url: "/api/v1/warning", status: 200 },
  { url: "/api/v1/rules", status: 200 },
  {
    method: "POST",
    url: "/api/v1/stations/aq1/observations?backfill=true",
    payload: JSON.stringify([
      { ts: "2026-11-29T11:00:00+08:00", period: "PT1H", values: { pm10: 44 } },
      { ts: "2026-11-29T11:00:00+08:00", period: "PT1H", values: { pm10: -5 } },
    ]),
    status: 202,
  },
];

const REJECTION: Rejection = {
  code: "value.out_of_range",
  path: "[1].values.pm10",
  received: -5,
  expected: "a value ≥ 0",
  message: "pm10 -5 < 0",
};

const fixture = useApiFixture({
  name: "response-schemas",
  stations: [TEST_STATION.aq1, TEST_STATION.wq1, TEST_STATION.noi1],
  readings: [...AIR, ...WATER, ...NOI],
  now: NOW,
  app: {
    rules: RULES,
    publicUrl: "http://qingshan.example:8080",
    submit: async () => ({
      accepted: 1,
      rejections: [REJECTION],
    }),
  },
});

let plain: FastifyInstance;

beforeAll(async () => {
  await fixture.store.writeAlertEvents(EVENTS);
  await fixture.store.writeDeadLetters([
    {
      id: "dl-1",
      receivedAt: T("2026-11-29T10:00:00+08:00"),
      source: "mqtt",
      origin: "qingshan/air/aq1",
      stationId: "aq1",
      code: "value.out_of_range",
      path: "values.pm10",
      message: "pm10 -5 < 0",
      payload: '{"values":{"pm10":-5}}',
    },
  ]);
  plain = fixture.appWith({
    rules: RULES,
    publicUrl: "http://qingshan.example:8080",
    submit: async () => ({
      accepted: 1,
      rejections: [REJECTION],
    }),
  });
  // Response schemas are ignored: every body is what the route returned, as JSON.stringify writes it.
  plain.setSerializerCompiler(() => (data) => JSON.stringify(data));
});

describe("response schemas", () => {
  it.each(REQUESTS)("$url: the serialized body equals the route's own JSON", async (request) => {
    const options = {
      method: request.method ?? "GET",
      url: request.url,
      ...(request.payload !== undefined
        ? { payload: request.payload, headers: { "content-type": "application/json" } }
        : {}),
    } as const;
    const [served, raw] = await Promise.all([fixture.app.inject(options), plain.inject(options)]);
    expect(raw.statusCode).toBe(request.status);
    expect(served.statusCode).toBe(request.status);
    expect(served.json()).toStrictEqual(raw.json());
  });

  it("the comparison sees a schema that drops a field", async () => {
    const stripping = fixture.appWith({});
    stripping.addHook("onRoute", (route) => {
      if (route.url === "/api/v1/stations") {
        route.schema = {
          ...route.schema,
          response: {
            200: {
              type: "object",
              properties: {
                stations: {
                  type: "array",
                  items: { type: "object", properties: { id: { type: "string" } } },
                },
              },
            },
          },
        };
      }
    });
    const [served, raw] = await Promise.all([
      stripping.inject({ url: "/api/v1/stations" }),
      plain.inject({ url: "/api/v1/stations" }),
    ]);
    expect(served.json().stations[0]).toStrictEqual({ id: "aq1" });
    expect(served.json()).not.toStrictEqual(raw.json());
  });
});

describe("OpenAPI document", () => {
  type Responses = Record<
    string,
    { content?: Record<string, { schema?: { type?: string; properties?: object } }> }
  >;
  const JSON_ONLY = [
    "/api/v1/stations",
    "/api/v1/stations/{id}",
    "/api/v1/network",
    "/api/v1/alerts/{alertId}",
    "/api/v1/warning",
    "/api/v1/rules",
  ];
  const WITH_CSV = [
    "/api/v1/readings",
    "/api/v1/series",
    "/api/v1/aqi",
    "/api/v1/noi/grade",
    "/api/v1/deadletters",
    "/api/v1/alerts",
    "/api/v1/water/class",
    "/api/v1/compliance/pm25",
    "/api/v1/compliance/water",
    "/api/v1/compliance/aqi-days",
  ];

  it("every route documents its success response with a schema, and text/csv wherever it serves CSV", async () => {
    const doc = (await fixture.app.inject({ url: "/api/openapi.json" })).json();
    // Values for the path and query parameters routes require, by name.
    const pathValues: Record<string, string> = { id: "aq1", alertId: "w1" };
    const queryFor: Record<string, string> = {
      "/api/v1/readings": "station=aq1",
      "/api/v1/series": "station=aq1&metric=pm10",
      "/api/v1/aqi": "station=aq1",
      "/api/v1/water/class": "station=wq1",
      "/api/v1/noi/grade": "station=noi1",
    };
    const paths = Object.entries(doc.paths as Record<string, Record<string, { responses?: Responses }>>);
    expect(paths.length).toBeGreaterThan(15);
    let csvRoutes = 0;
    for (const [path, methods] of paths) {
      for (const [method, operation] of Object.entries(methods)) {
        const success = Object.entries(operation.responses ?? {}).find(([code]) => /^2\d\d$/.test(code));
        expect(success, `${method} ${path}: a 2xx response`).toBeDefined();
        const content = success?.[1].content ?? {};
        expect(Object.keys(content).length, `${method} ${path}: a 2xx content`).toBeGreaterThan(0);
        for (const [type, media] of Object.entries(content)) {
          expect(media.schema?.type, `${method} ${path} ${type}: a schema`).toBeDefined();
        }
        if (method !== "get" || path.endsWith("/stream")) continue;
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name] ?? name);
        const query = queryFor[path];
        const res = await fixture.app.inject({
          url: query === undefined ? url : `${url}?${query}`,
          headers: { accept: "text/csv" },
        });
        expect(res.statusCode, `${url}`).toBe(200);
        const servesCsv = String(res.headers["content-type"]).startsWith("text/csv");
        if (servesCsv) csvRoutes += 1;
        expect(content["text/csv"]?.schema?.type, `${path}: text/csv declared iff served`).toBe(
          servesCsv ? "string" : undefined,
        );
        if (servesCsv) {
          // The documented columns are the header served.
          const header = res.body.split("\r\n")[0]?.split(",").join(", ");
          expect(
            (content["text/csv"]?.schema as { description?: string } | undefined)?.description,
            path,
          ).toContain(`columns: ${header}`);
        }
      }
    }
    expect(csvRoutes).toBeGreaterThanOrEqual(10);
  });

  it.each(["/api/openapi.json", "/api/docs/json"])(
    "%s: each route has its success response with a schema, CSV where served",
    async (url) => {
      const doc = (await fixture.app.inject({ url })).json();
      const responsesOf = (path: string, method = "get"): Responses =>
        doc.paths[path]?.[method]?.responses ?? {};
      for (const path of [...JSON_ONLY, ...WITH_CSV]) {
        const ok = responsesOf(path)["200"];
        expect(ok?.content?.["application/json"]?.schema?.type, path).toBe("object");
        expect(
          Object.keys(ok?.content?.["application/json"]?.schema?.properties ?? {}).length,
          path,
        ).toBeGreaterThan(0);
        expect(ok?.content?.["text/csv"]?.schema?.type, path).toBe(
          WITH_CSV.includes(path) ? "string" : undefined,
        );
      }
      const accepted = responsesOf("/api/v1/stations/{id}/observations", "post")["202"];
      expect(accepted?.content?.["application/json"]?.schema?.properties).toHaveProperty("accepted");
      // The CSV columns are documented as served.
      const csv = (await fixture.app.inject({ url: "/api/v1/series?station=aq1&metric=pm10&format=csv" }))
        .body;
      expect(responsesOf("/api/v1/series")["200"]?.content?.["text/csv"]?.schema).toMatchObject({
        description: expect.stringContaining(`columns: ${csv.split("\r\n")[0]?.split(",").join(", ")}`),
      });
    },
  );
});

describe("/network latest[] carries what /stations/:id latest[] does", () => {
  it("periodMs included, every field equal", async () => {
    const network = (await fixture.app.inject({ url: "/api/v1/network" })).json();
    for (const id of ["aq1", "wq1", "noi1"]) {
      const station = (await fixture.app.inject({ url: `/api/v1/stations/${id}` })).json();
      const fromNetwork = network.stations.find((s: { id: string }) => s.id === id);
      expect(station.latest.length, id).toBeGreaterThan(0);
      expect(fromNetwork.latest, id).toEqual(station.latest);
      for (const r of fromNetwork.latest) expect(typeof r.periodMs, id).toBe("number");
    }
  });
});
