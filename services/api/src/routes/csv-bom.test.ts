import { beforeAll, describe, expect, it } from "vitest";
import { hourlyReadings, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const NOW = T("2026-11-29T12:00:00+08:00");

const api = useApiFixture({
  name: "csv-bom",
  stations: [TEST_STATION.aq1, TEST_STATION.wq1, TEST_STATION.noi1],
  now: NOW,
  readings: [
    ...hourlyReadings("aq1", "pm25", "2026-11-29T08:00:00+08:00", 35, 3),
    ...hourlyReadings("wq1", "do", "2026-11-29T08:00:00+08:00", 7, 3),
    ...hourlyReadings("noi1", "noi", "2026-11-29T08:00:00+08:00", 1200, 3),
  ],
});

beforeAll(async () => {
  await api.store.writeDeadLetters([
    {
      id: "dl-zh",
      receivedAt: T("2026-11-29T09:00:00+08:00"),
      source: "mqtt",
      origin: "stations/aq1/air",
      code: "payload.malformed",
      path: "",
      message: "payload.malformed: not JSON",
      payload: "莲都测试站",
    },
  ]);
});

// Every CSV route answers through respond.ts: one check per route that `bom` reaches it.
const CSV_ROUTES = [
  "/api/v1/readings?station=aq1",
  "/api/v1/series?station=aq1&metric=pm25",
  "/api/v1/aqi?station=aq1",
  "/api/v1/water/class?station=wq1",
  "/api/v1/noi/grade?station=noi1",
  "/api/v1/deadletters?",
  "/api/v1/alerts?",
  "/api/v1/compliance/pm25?",
  "/api/v1/compliance/water?",
  "/api/v1/compliance/aqi-days?",
];

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await api.app.inject({ url, headers });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res;
};

// Excel reads a UTF-8 CSV without a byte order mark in the legacy code page and garbles Chinese.
describe("?bom=true starts a CSV with U+FEFF", () => {
  it.each(CSV_ROUTES)("%s: with bom=true, else without; an attachment either way", async (route) => {
    const plain = await get(`${route}&format=csv`);
    const withBom = await get(`${route}&format=csv&bom=true`);
    expect(plain.rawPayload[0]).not.toBe(0xef);
    expect([...withBom.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(withBom.body).toBe(`\uFEFF${plain.body}`);
    expect((await get(`${route}&format=csv&bom=false`)).body).toBe(plain.body);
    for (const res of [plain, withBom]) {
      expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
      expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="[^"]+\.csv"$/);
    }
  });

  it("Chinese text survives, after the mark; CSV by Accept too", async () => {
    const res = await get("/api/v1/deadletters?bom=true", { accept: "text/csv" });
    expect(res.rawPayload.subarray(0, 3).toString("hex")).toBe("efbbbf");
    expect(res.rawPayload.subarray(3).toString("utf8")).toContain(",莲都测试站");
  });

  it("JSON ignores it", async () => {
    const res = await get("/api/v1/deadletters?bom=true");
    expect(res.headers["content-type"]).toContain("application/json");
    expect(res.body.startsWith("{")).toBe(true);
  });

  it.each(["yes", "TRUE", "1", ""])("bom=%s is a 400 naming bom", async (value) => {
    const res = await api.app.inject({ url: `/api/v1/readings?station=aq1&format=csv&bom=${value}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: "query.invalid",
      parameter: "bom",
      expected: "true or false",
    });
  });

  it("the OpenAPI document lists bom on every CSV route", async () => {
    const body = (await api.app.inject({ url: "/api/openapi.json" })).json();
    for (const route of CSV_ROUTES) {
      const path = route.split("?")[0] ?? "";
      const bom = body.paths[path].get.parameters.find((p: { name: string }) => p.name === "bom");
      expect(bom, path).toMatchObject({ in: "query", schema: { type: "boolean", default: false } });
    }
  });
});
