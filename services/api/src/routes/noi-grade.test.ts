import { DAY_MS, type Reading } from "@qingshan/domain";
import { loadRulesFile } from "@qingshan/rules";
import type { NoiScheme } from "@qingshan/standards";
import { describe, expect, it } from "vitest";
import { createApp } from "../index.ts";
import { hourlyReadings, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

// GET /noi/grade, /network and the dashboard's reference data grade by one table, the one in force
// (ApiDeps.noiScheme, in qingshan the file's noi.scheme, which the evaluator gets too), and answer
// which table it is and whether it is provisional (negative-oxygen-ions.md §2, §5.2). Annual means
// (period=1y) come from the valid daily means, valid with ≥ 324 of them (§3).

/** `n` consecutive Beijing days from `date`, each with 24 hourly NOI means of `value`. */
function days(date: string, n: number, value: number): Reading[] {
  return Array.from({ length: n }, (_, d) =>
    hourlyReadings(
      "noi1",
      "noi",
      new Date(T(`${date}T00:00:00+08:00`) + d * DAY_MS).toISOString(),
      value,
      24,
    ),
  ).flat();
}

const BUREAU: NoiScheme = {
  id: "lishui-fresh-air",
  source: "丽水市清新空气分级 (bureau table)",
  title: { zh: "丽水清新空气三级", en: "Lishui fresh-air three grades" },
  provisional: false,
  grades: [
    { grade: "very-fresh", min: 2100, zh: "非常清新", en: "very fresh", color: "#00a651" },
    { grade: "fresh", min: 900, zh: "较清新", en: "rather fresh", color: "#8dc63f" },
    { grade: "ordinary", min: 0, zh: "一般", en: "ordinary", color: "#ffd700" },
  ],
};

const api = useApiFixture({
  name: "noi-grade",
  stations: [TEST_STATION.noi1],
  readings: [
    // 2024 (leap year): 323 valid days, one short of an annual mean.
    ...days("2024-01-01", 323, 800),
    // 2025: the first Beijing day has exactly 20 valid hours (00:00–20:00 +08:00, so a UTC year
    // would see 12 of them) of 3000, then 323 whole days of 1000: 324 valid days. A 325th day has
    // 19 hours of 100 000 (not a valid day, left out). Mean of the daily means:
    // (3000 + 323 × 1000) / 324 = 1006.17…; the mean of the hours would be 1036.5.
    ...hourlyReadings("noi1", "noi", "2025-01-01T00:00:00+08:00", 3000, 20),
    ...days("2025-01-02", 323, 1000),
    ...hourlyReadings("noi1", "noi", "2025-12-01T00:00:00+08:00", 100_000, 19),
    // 2026-11-28: a day of 1000 (II under candidate A, III under candidate B, "rather fresh" in
    // the bureau table); the hours of 2026-11-29 up to now (12:00).
    ...days("2026-11-28", 1, 1000),
    ...hourlyReadings("noi1", "noi", "2026-11-29T00:00:00+08:00", 2500, 12),
  ],
  now: T("2026-11-29T12:00:00+08:00"),
  app: { dashboard: false },
});

async function get(app: ReturnType<typeof createApp>, url: string) {
  const res = await app.inject({ url });
  return { status: res.statusCode, body: res.json(), res };
}

const DAY_28 = "station=noi1&period=1d&from=2026-11-28T00:00:00%2B08:00&to=2026-11-29T00:00:00%2B08:00";

describe("/noi/grade, /network and the dashboard grade by the table in force", () => {
  it("candidate A by default: the answer names the table and says provisional", async () => {
    const { status, body } = await get(api.app, `/api/v1/noi/grade?${DAY_28}`);
    expect(status).toBe(200);
    expect(body.scheme).toEqual({
      id: "candidate-a",
      title: { zh: "QX/T 380-2017 四级", en: "QX/T 380-2017, four grades" },
      source: "QX/T 380-2017 空气负（氧）离子浓度等级, four grades (provisional 暂行)",
      provisional: true,
      inForce: true,
    });
    expect(body.results[0].grade).toMatchObject({ grade: "II", scheme: "candidate-a", provisional: true });
  });

  it("candidate-b set: /noi/grade, /network and standards.json all use it", async () => {
    const rules = loadRulesFile(new URL("../../../../config/rules.yaml", import.meta.url).pathname);
    const app = api.appWith({ noiScheme: "candidate-b", rules });
    const { body } = await get(app, `/api/v1/noi/grade?${DAY_28}`);
    expect(body.scheme).toMatchObject({ id: "candidate-b", provisional: true, inForce: true });
    expect(body.results[0]).toMatchObject({ value: 1000, grade: { grade: "III", scheme: "candidate-b" } });
    const network = await get(app, "/api/v1/network");
    const noi = network.body.stations.find((s: { id: string }) => s.id === "noi1");
    expect(noi.state).toMatchObject({
      type: "noi",
      value: 2500,
      grade: { grade: "II", scheme: "candidate-b" },
    });
    const standards = await get(app, "/dashboard/standards.json");
    expect(standards.body.noi).toMatchObject({ id: "candidate-b", provisional: true });
    expect(standards.body.noi.grades).toHaveLength(6);
    // GET /rules names the table the shipped noi-grade rule grades by (the evaluator gets the same).
    const listed = (await get(app, "/api/v1/rules")).body.rules.find(
      (r: { id: string }) => r.id === "noi-grade",
    );
    expect(listed.subject).toEqual({ index: "noi_grade", scheme: "candidate-b" });
  });

  it("a bureau table: its grades everywhere, not provisional when it says so; CSV names it on every row", async () => {
    const app = api.appWith({ noiScheme: BUREAU });
    const { body } = await get(app, `/api/v1/noi/grade?${DAY_28}`);
    expect(body.scheme).toEqual({
      id: "lishui-fresh-air",
      title: BUREAU.title,
      source: BUREAU.source,
      provisional: false,
      inForce: true,
    });
    expect(body.results[0].grade).toEqual({
      grade: "fresh",
      zh: "较清新",
      en: "rather fresh",
      color: "#8dc63f",
      scheme: "lishui-fresh-air",
      provisional: false,
    });
    const network = await get(app, "/api/v1/network");
    expect(network.body.stations[0].state.grade).toMatchObject({ grade: "very-fresh" });
    expect((await get(app, "/dashboard/standards.json")).body.noi).toMatchObject({
      id: "lishui-fresh-air",
      provisional: false,
      grades: BUREAU.grades,
    });
    // The hours of 2026-11-29 so far: not a valid day yet, still the table is named.
    const csv = await app.inject({
      url: "/api/v1/noi/grade?station=noi1&period=1d&from=2026-11-28T00:00:00%2B08:00&format=csv",
    });
    const [header, ...rows] = csv.body.trim().split("\r\n");
    const columns = header?.split(",") ?? [];
    const at = (row: string, column: string) => row.split(",")[columns.indexOf(column)];
    expect(rows.map((r) => [at(r, "grade"), at(r, "scheme"), at(r, "gradeProvisional")])).toEqual([
      ["fresh", "lishui-fresh-air", "false"],
      ["", "lishui-fresh-air", "false"],
    ]);
  });

  it("?scheme= grades by another table for comparison, marked not in force; an unknown one is a 400", async () => {
    const app = api.appWith({ noiScheme: BUREAU });
    const { body } = await get(app, `/api/v1/noi/grade?${DAY_28}&scheme=candidate-b`);
    expect(body.scheme).toMatchObject({ id: "candidate-b", provisional: true, inForce: false });
    expect(body.results[0].grade).toMatchObject({ grade: "III", scheme: "candidate-b" });
    expect((await get(app, `/api/v1/noi/grade?${DAY_28}&scheme=lishui-fresh-air`)).body.scheme.inForce).toBe(
      true,
    );
    const bad = await get(app, `/api/v1/noi/grade?${DAY_28}&scheme=candidate-c`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "query.invalid", parameter: "scheme" });
    expect(bad.body.error.message).toContain("candidate-a, candidate-b, lishui-fresh-air");
    // The OpenAPI document lists the tables a request may name.
    const docs = (await get(app, "/api/openapi.json")).body;
    const param = docs.paths["/api/v1/noi/grade"].get.parameters.find(
      (p: { name: string }) => p.name === "scheme",
    );
    expect(param.schema.enum).toEqual(["candidate-a", "candidate-b", "lishui-fresh-air"]);
  });

  it("an invalid table stops createApp, naming the problem", () => {
    expect(() =>
      createApp({
        store: api.store,
        registry: api.registry,
        noiScheme: { ...BUREAU, grades: [...BUREAU.grades].reverse() },
      }),
    ).toThrow("NOI scheme lishui-fresh-air: grades[1].min must be below grades[0].min (best grade first)");
  });
});

describe("/noi/grade?period=1y: annual means from the valid daily means (≥ 324 days, Beijing years)", () => {
  it("a year with 324 valid days is graded on the mean of its daily means; 323 are not enough", async () => {
    const { status, body } = await get(
      api.app,
      "/api/v1/noi/grade?station=noi1&period=1y&from=2024-06-01T00:00:00%2B08:00&to=2026-01-01T00:00:00%2B08:00",
    );
    expect(status).toBe(200);
    expect(body.period).toBe("1y");
    const [y2024, y2025] = body.results;
    expect(body.results).toHaveLength(2);
    expect(y2024).toEqual({
      label: "2024",
      start: "2024-01-01T00:00:00+08:00",
      end: "2025-01-01T00:00:00+08:00",
      inProgress: false,
      value: null,
      valid: false,
      reason: "323 valid daily means; needs ≥ 324",
      validCount: 323,
      totalCount: 366,
      rule: "local rule (air-quality minimums, GB 3095 Table 4 / HJ 663, applied to negative oxygen ions): annual mean of the valid daily means needs ≥ 324 of them (each ≥ 20 valid hourly means)",
      provisional: false,
      grade: null,
    });
    expect(y2025).toMatchObject({
      label: "2025",
      start: "2025-01-01T00:00:00+08:00",
      end: "2026-01-01T00:00:00+08:00",
      valid: true,
      validCount: 324,
      totalCount: 365,
      grade: { grade: "II", scheme: "candidate-a", provisional: true },
    });
    // (3000 + 323 × 1000) / 324 = 1006.172839506…, to 12 significant digits as every mean (mean.ts).
    expect(y2025.value).toBe(1006.17283951);
  });

  it("the year in progress is marked; by default the range is this Beijing year; CSV labels the year", async () => {
    const { body } = await get(api.app, "/api/v1/noi/grade?station=noi1&period=1y");
    expect(body.results).toEqual([
      expect.objectContaining({ label: "2026", inProgress: true, valid: false, validCount: 1, grade: null }),
    ]);
    expect(body.scheme).toMatchObject({ id: "candidate-a", provisional: true });
    const csv = await api.app.inject({
      url: "/api/v1/noi/grade?station=noi1&period=1y&from=2025-01-01T00:00:00%2B08:00&to=2026-01-01T00:00:00%2B08:00&format=csv",
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.split("\r\n")[1]).toMatch(
      /^2025,2025-01-01T00:00:00\+08:00,2026-01-01T00:00:00\+08:00,1006\.17/,
    );
  });

  it("another step is still refused", async () => {
    const bad = await get(api.app, "/api/v1/noi/grade?station=noi1&period=2y");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ parameter: "period" });
    expect(bad.body.error.message).toContain("1h, 1d, 1mo, 1y");
  });
});
