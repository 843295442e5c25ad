import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createStationRegistry,
  type DeadLetter,
  decodeStationMessage,
  HOUR_MS,
  type MetricId,
  type Reading,
  type StationInput,
} from "@qingshan/domain";
import { createDuckDbStore, type TimeSeriesStore } from "@qingshan/store";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type Submit, startApi } from "./index.ts";
import stationsJson from "./testdata/stations.json" with { type: "json" };

const T = (iso: string) => Date.parse(iso);
const NOW = T("2026-11-29T12:00:00+08:00");
const registry = createStationRegistry(stationsJson as StationInput[]);

/** An hourly mean reading for the hour starting at `start` (labelled start + 1 h). */
function hourly(
  stationId: string,
  metric: MetricId,
  start: number,
  value: number,
  flag: Reading["flag"] = "N",
): Reading {
  return { stationId, metric, ts: start, periodMs: HOUR_MS, value, flag, source: "import", receivedAt: NOW };
}

/** 24 hourly means of each metric for the Beijing day `date`. */
function day(stationId: string, date: string, values: Partial<Record<MetricId, number>>): Reading[] {
  const start = T(`${date}T00:00:00+08:00`);
  return Array.from({ length: 24 }, (_, h) =>
    Object.entries(values).map(([m, v]) =>
      hourly(stationId, m as MetricId, start + h * HOUR_MS, v as number),
    ),
  ).flat();
}

let dir: string;
let store: TimeSeriesStore;
let app: FastifyInstance;
let depth = { readings: 3, alerts: 0, deadletters: 1 };
let mqttConnected = true;

const submit: Submit = async function submitToStore(topic, text, options) {
  const result = decodeStationMessage(topic, text, {
    now: NOW,
    lookupStation: (id) => registry.get(id),
    source: "import",
    ...(options.backfill ? { limits: { maxLatenessMs: 10 * 365 * 86_400_000 } } : {}),
  });
  await store.writeReadings(result.readings);
  const letters: DeadLetter[] = result.rejections.map((r, i) => ({
    id: `import-${NOW}-${i}-${r.path}`,
    receivedAt: NOW,
    source: options.source,
    origin: topic,
    ...(result.stationId ? { stationId: result.stationId } : {}),
    code: r.code,
    path: r.path,
    message: r.message,
    payload: text.slice(0, 4096),
  }));
  await store.writeDeadLetters(letters);
  return { accepted: result.readings.length, rejections: result.rejections };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "qingshan-api-"));
  store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
  await store.start();
  await store.writeReadings([
    // HJ 633-2026 worked example 12 (daily): SO2 9, NO2 35, CO 0.9, O3-8h 95, PM10 100, PM2.5 88.
    ...day("aq1", "2026-11-20", { so2: 9, no2: 35, co: 0.9, o3: 95, pm10: 100, pm25: 88 }),
    // HJ 633-2026 worked example 13 (real-time) in the hour labelled 2026-11-21 10:00.
    ...Object.entries({ so2: 900, no2: 80, co: 1.5, o3: 30, pm10: 180, pm25: 130 }).map(([m, v]) =>
      hourly("aq1", m as MetricId, T("2026-11-21T09:00:00+08:00"), v),
    ),
    // A 2012-edition day (air-aqi.md worked example 11): AQI 85, PM10.
    ...day("aq1", "2025-11-20", { so2: 10, no2: 30, co: 0.8, o3: 90, pm10: 120, pm25: 60 }),
    // 19 valid hourly PM2.5 means on 2026-11-29 (Beijing), hours starting 01:00 … 19:00, plus a flagged one.
    ...Array.from({ length: 19 }, (_, i) =>
      hourly("aq1", "pm25", T("2026-11-29T01:00:00+08:00") + i * HOUR_MS, 40),
    ),
    hourly("aq1", "pm25", T("2026-11-29T20:00:00+08:00"), 999, "C"),
    // Water: NH3-N 1.2 (class IV) decides; DO 6.5, CODMn 4, TP 0.1, pH 7.5 are class II or better.
    ...day("wq1", "2026-11-20", { ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.2, tp: 0.1, temp: 14 }),
    // Four instantaneous TN readings within one second, told apart by their milliseconds.
    ...[0, 250, 500, 750].map((ms) => ({
      stationId: "wq1",
      metric: "tn" as const,
      ts: T("2026-11-19T03:16:44+08:00") + ms,
      periodMs: 0,
      value: 1 + ms / 1000,
      flag: "N" as const,
      source: "import" as const,
      receivedAt: NOW,
    })),
    // NOI: 12 five-minute instantaneous readings in each hour of 2026-11-20.
    ...Array.from({ length: 24 * 12 }, (_, i) => ({
      stationId: "noi1",
      metric: "noi" as const,
      ts: T("2026-11-20T00:00:00+08:00") + i * 300_000,
      periodMs: 0,
      value: 1300,
      flag: "N" as const,
      source: "import" as const,
      receivedAt: NOW,
    })),
  ]);
  await store.writeDeadLetters([
    {
      id: "dl-1",
      receivedAt: T("2026-11-29T09:00:00+08:00"),
      source: "mqtt",
      origin: "stations/aq1/air",
      stationId: "aq1",
      code: "value.out_of_range",
      path: "values.pm25",
      message: 'value.out_of_range: "values.pm25" is 9000, expected 0…3000 µg/m³ (instrument range)',
      payload: '{"ts":"2026-11-29T09:00:00+08:00","values":{"pm25":9000}}',
    },
    {
      id: "dl-2",
      receivedAt: T("2026-11-29T09:30:00+08:00"),
      source: "mqtt",
      origin: "stations/zz/air",
      code: "station.unknown",
      path: "",
      message:
        'station.unknown: topic "stations/zz/air" names station "zz", expected a registered station id',
      payload: "{}",
    },
  ]);
  app = createApp({
    store,
    registry,
    submit,
    now: () => NOW,
    metricsRegistry: new Registry(),
    busDepth: () => depth,
    readiness: { mqtt: () => ({ ok: mqttConnected, detail: mqttConnected ? "connected" : "disconnected" }) },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await app.inject({ method: "GET", url, headers });
  return {
    status: res.statusCode,
    body: String(res.headers["content-type"]).includes("json") ? res.json() : res.body,
    res,
  };
};
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe("stations", () => {
  it("lists stations with kind, township, metrics and water target class", async () => {
    const { status, body } = await get("/api/v1/stations");
    expect(status).toBe(200);
    expect(body.stations.map((s: { id: string }) => s.id)).toEqual(["aq1", "wq1", "noi1"]);
    expect(body.stations[1]).toMatchObject({
      kind: "water",
      township: "大港头镇",
      location: { lat: 28.33, lon: 119.75 },
      water: { waterBody: "river", targetClass: "III", drinkingWaterSource: false },
    });
    expect(body.stations[0].metrics).toEqual(["pm25", "pm10", "so2", "no2", "co", "o3"]);
  });
  it("one station with its latest readings; unknown id → 404", async () => {
    const { status, body } = await get("/api/v1/stations/wq1");
    expect(status).toBe(200);
    expect(body.station.id).toBe("wq1");
    expect(body.latest.find((r: { metric: string }) => r.metric === "nh3n")).toMatchObject({
      value: 1.2,
      unit: "mg/L",
      ts: "2026-11-20T23:00:00+08:00",
    });
    const missing = await get("/api/v1/stations/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "station.unknown", parameter: "id", received: "nope" });
  });
});

describe("readings", () => {
  const range = {
    station: "aq1",
    metric: "pm25",
    from: "2026-11-29T00:00:00+08:00",
    to: "2026-11-30T00:00:00+08:00",
  };
  it("returns raw readings with every flag, times in Beijing ISO", async () => {
    const { status, body } = await get(`/api/v1/readings?${q(range)}`);
    expect(status).toBe(200);
    expect(body.count).toBe(20);
    expect(body.readings[0]).toEqual({
      ts: "2026-11-29T01:00:00+08:00",
      station: "aq1",
      metric: "pm25",
      value: 40,
      unit: "µg/m³",
      flag: "N",
      periodMs: HOUR_MS,
      source: "import",
      receivedAt: "2026-11-29T12:00:00+08:00",
    });
    expect(body.readings.at(-1)).toMatchObject({ flag: "C", value: 999 });
  });
  it("accepts epoch ms, honours limit, exports CSV", async () => {
    const { body } = await get(
      `/api/v1/readings?${q({ ...range, from: String(T(range.from)), limit: "2" })}`,
    );
    expect(body.count).toBe(2);
    const csv = await get(`/api/v1/readings?${q({ ...range, limit: "1" })}`, { accept: "text/csv" });
    expect(csv.res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.body).toBe(
      "ts,station,metric,value,unit,flag,periodMs,source,receivedAt\r\n" +
        "2026-11-29T01:00:00+08:00,aq1,pm25,40,µg/m³,N,3600000,import,2026-11-29T12:00:00+08:00\r\n",
    );
  });
  it("times keep their milliseconds when not zero, in JSON and CSV", async () => {
    const within = {
      station: "wq1",
      metric: "tn",
      from: "2026-11-19T03:16:44+08:00",
      to: "2026-11-19T03:16:45+08:00",
    };
    const { body } = await get(`/api/v1/readings?${q(within)}`);
    expect(body.readings.map((r: { ts: string; value: number }) => [r.ts, r.value])).toEqual([
      ["2026-11-19T03:16:44+08:00", 1],
      ["2026-11-19T03:16:44.250+08:00", 1.25],
      ["2026-11-19T03:16:44.500+08:00", 1.5],
      ["2026-11-19T03:16:44.750+08:00", 1.75],
    ]);
    // A shown time is a usable bound: from the third reading on gives the last two.
    const later = await get(`/api/v1/readings?${q({ ...within, from: body.readings[2].ts, format: "csv" })}`);
    expect(later.body.split("\r\n").map((row: string) => row.split(",")[0])).toEqual([
      "ts",
      "2026-11-19T03:16:44.500+08:00",
      "2026-11-19T03:16:44.750+08:00",
      "",
    ]);
  });
  it("400s name the parameter, the value and the expectation", async () => {
    const noStation = await get("/api/v1/readings?metric=pm25");
    expect(noStation.status).toBe(400);
    expect(noStation.body.error).toEqual({
      code: "query.invalid",
      message: 'query parameter "station" is missing, expected a value (the parameter is required)',
      parameter: "station",
      expected: "a value (the parameter is required)",
    });
    const badFrom = await get(`/api/v1/readings?${q({ ...range, from: "yesterday" })}`);
    expect(badFrom.body.error).toMatchObject({
      code: "query.invalid",
      parameter: "from",
      received: "yesterday",
    });
    const badMetric = await get(`/api/v1/readings?${q({ ...range, metric: "pm2.5" })}`);
    expect(badMetric.body.error).toMatchObject({ parameter: "metric", received: "pm2.5" });
    expect(badMetric.body.error.expected).toMatch(/^one of pm25, pm10, /);
    const badLimit = await get(`/api/v1/readings?${q({ ...range, limit: "0" })}`);
    expect(badLimit.body.error).toMatchObject({
      parameter: "limit",
      received: "0",
      expected: "a number ≥ 1",
    });
    const wrongKind = await get(`/api/v1/readings?${q({ ...range, metric: "nh3n" })}`);
    expect(wrongKind.body.error).toMatchObject({
      parameter: "metric",
      expected: "a metric reported by air station aq1",
    });
  });
});

describe("series", () => {
  const url = (params: Record<string, string>) =>
    `/api/v1/series?${q({ station: "aq1", metric: "pm25", ...params })}`;
  it("19 valid hours make an invalid day; a reading at 16:30Z the day before makes it 20 and valid", async () => {
    const range = { from: "2026-11-28T00:00:00+08:00", to: "2026-11-30T00:00:00+08:00", every: "1d" };
    const before = await get(url(range));
    expect(before.status).toBe(200);
    expect(before.body.periods[1]).toEqual({
      label: "2026-11-29",
      start: "2026-11-29T00:00:00+08:00",
      end: "2026-11-30T00:00:00+08:00",
      // NOW is 2026-11-29 12:00: the day has not ended.
      inProgress: true,
      value: null,
      valid: false,
      reason: "19 valid hourly means; needs ≥ 20",
      validCount: 19,
      totalCount: 24,
      rule: "GB 3095 Table 4: daily mean needs ≥ 20 valid hourly means",
      provisional: false,
    });
    // 2026-11-28T16:30Z is 2026-11-29 00:30 Beijing: the hour labelled 01:00 of the 29th.
    await store.writeReadings([
      { ...hourly("aq1", "pm25", T("2026-11-28T16:30:00Z"), 60), periodMs: 0 },
      { ...hourly("aq1", "pm25", T("2026-11-28T15:30:00Z"), 70), periodMs: 0 },
    ]);
    const after = await get(url(range));
    expect(
      after.body.periods.map((p: { label: string; valid: boolean; value: number | null }) => [
        p.label,
        p.valid,
        p.value,
      ]),
    ).toEqual([
      ["2026-11-28", false, null],
      ["2026-11-29", true, 41],
    ]);
    const count = await get(url({ ...range, fn: "count" }));
    expect(count.body.periods.map((p: { value: number }) => p.value)).toEqual([1, 20]);
    expect(count.body.unit).toBe("count");
  });
  it("hourly periods are labelled by their end; flagged hours are invalid with a reason; CSV by Accept", async () => {
    const range = { from: "2026-11-29T19:00:00+08:00", to: "2026-11-29T21:00:00+08:00", every: "1h" };
    const { body } = await get(url(range));
    expect(
      body.periods.map((p: { label: string; value: number | null; reason?: string }) => [
        p.label,
        p.value,
        p.reason,
      ]),
    ).toEqual([
      ["2026-11-29T20:00:00+08:00", 40, undefined],
      ["2026-11-29T21:00:00+08:00", null, "no valid reading in the hour (1 flagged reading excluded)"],
    ]);
    const csv = await get(url(range), { accept: "text/csv" });
    expect(csv.body.split("\r\n")[0]).toBe(
      "label,start,end,value,valid,reason,validCount,totalCount,rule,provisional,in_progress",
    );
    expect(csv.body.split("\r\n")[2]).toBe(
      "2026-11-29T21:00:00+08:00,2026-11-29T20:00:00+08:00,2026-11-29T21:00:00+08:00,,false,no valid reading in the hour (1 flagged reading excluded),0,1,local rule (GB 3095 Table 4's 1-h minimum applied to PM2.5): ≥ 45 min of sampling in the hour,false,true",
    );
  });
  it("monthly periods are provisional; bad every/fn are 400s; too many periods is refused", async () => {
    const month = await get(
      url({ from: "2026-11-01T00:00:00+08:00", to: "2026-12-01T00:00:00+08:00", every: "1mo" }),
    );
    expect(month.body.periods[0]).toMatchObject({
      label: "2026-11",
      valid: false,
      provisional: true,
      totalCount: 30,
    });
    const every = await get(url({ every: "2h" }));
    expect(every.status).toBe(400);
    expect(every.body.error).toEqual({
      code: "query.invalid",
      message: 'query parameter "every" is "2h", expected one of 1h, 1d, 1mo',
      parameter: "every",
      received: "2h",
      expected: "one of 1h, 1d, 1mo",
    });
    expect((await get(url({ fn: "median" }))).body.error.parameter).toBe("fn");
    const huge = await get(url({ from: "2000-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z", every: "1h" }));
    expect(huge.status).toBe(400);
    expect(huge.body.error.code).toBe("range.too_large");
    const reversed = await get(url({ from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z" }));
    expect(reversed.body.error).toMatchObject({ parameter: "to", expected: 'a time after "from"' });
  });
});

describe("aqi", () => {
  const url = (params: Record<string, string>) => `/api/v1/aqi?${q({ station: "aq1", ...params })}`;
  it("daily AQI, HJ 633-2026 worked example 12: 126, PM2.5", async () => {
    const { status, body } = await get(
      url({ from: "2026-11-20T00:00:00+08:00", to: "2026-11-21T00:00:00+08:00", period: "day" }),
    );
    expect(status).toBe(200);
    const [d] = body.results;
    expect(d).toMatchObject({ label: "2026-11-20", standard: "HJ633-2026", aqi: 126 });
    expect(d.primary).toEqual([expect.stringMatching(/^pm25/)]);
    expect(d.concentrations).toEqual({
      so2_24h: 9,
      no2_24h: 35,
      co_24h: 0.9,
      pm10_24h: 100,
      pm25_24h: 88,
      o3_8h: 95,
    });
    expect(d.category).toMatchObject({ zh: "轻度污染" });
  });
  it("real-time AQI, HJ 633-2026 worked example 13: SO2 1-h 900 counts as 200", async () => {
    const { body } = await get(
      url({ from: "2026-11-21T09:00:00+08:00", to: "2026-11-21T10:00:00+08:00", period: "hour" }),
    );
    expect(body.results).toHaveLength(1);
    expect(body.results[0]).toMatchObject({
      label: "2026-11-21T10:00:00+08:00",
      standard: "HJ633-2026",
      aqi: 200,
    });
    expect(body.results[0].primary).toEqual([expect.stringMatching(/^so2/)]);
    expect(body.results[0].concentrations).toEqual({
      so2_1h: 900,
      no2_1h: 80,
      co_1h: 1.5,
      o3_1h: 30,
      pm10_1h: 180,
      pm25_1h: 130,
    });
  });
  it("2012 edition before 2026-03-01: daily (example 11: 85, PM10) and real-time with either PM basis", async () => {
    const daily = await get(
      url({ from: "2025-11-20T00:00:00+08:00", to: "2025-11-21T00:00:00+08:00", period: "day" }),
    );
    expect(daily.body.results[0]).toMatchObject({ standard: "HJ633-2012", aqi: 85 });
    expect(daily.body.results[0].primary).toEqual([expect.stringMatching(/^pm10/)]);
    expect(daily.body.results[0].concentrations).toMatchObject({ o3_1h: 90, o3_8h: 90, pm10_24h: 120 });
    const hour = { from: "2025-11-20T11:00:00+08:00", to: "2025-11-20T12:00:00+08:00", period: "hour" };
    // Published practice from 2014: 1-h PM on the 24-h columns → PM10 120 → 85.
    const hourly = await get(url(hour));
    expect(hourly.body.results[0]).toMatchObject({ standard: "HJ633-2012", pmBasis: "hourly", aqi: 85 });
    // Text of HJ 633-2012: 24-h rolling PM needs 20 of 24 hours; only 12 exist → PM missing, O3 8-h 90 → 45.
    const rolling = await get(url({ ...hour, pmBasis: "rolling24h" }));
    expect(rolling.body.results[0]).toMatchObject({ pmBasis: "rolling24h", aqi: 45, primary: [] });
    expect(rolling.body.results[0].indicators.pm25_24h).toMatchObject({
      value: null,
      reason: "12 valid hourly means; needs ≥ 20",
    });
  });
  it("CSV with ?format=csv; a water station is refused", async () => {
    const csv = await get(
      url({
        from: "2026-11-20T00:00:00+08:00",
        to: "2026-11-21T00:00:00+08:00",
        period: "day",
        format: "csv",
      }),
    );
    const [header, row] = csv.body.split("\r\n");
    expect(header.split(",").slice(0, 6)).toEqual(["label", "start", "end", "standard", "aqi", "level"]);
    expect(row).toMatch(/^2026-11-20,2026-11-20T00:00:00\+08:00,2026-11-21T00:00:00\+08:00,HJ633-2026,126,/);
    const water = await get(url({ station: "wq1" }));
    expect(water.status).toBe(400);
    expect(water.body.error).toMatchObject({ parameter: "station", received: "wq1" });
    expect((await get(url({ period: "week" }))).body.error.parameter).toBe("period");
  });
});

describe("water class", () => {
  it("classes a section from period means; NH3-N decides class IV, target III missed", async () => {
    const { status, body } = await get(
      `/api/v1/water/class?${q({ station: "wq1", from: "2026-11-20T00:00:00+08:00", to: "2026-11-21T00:00:00+08:00", period: "1d" })}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ waterBody: "river", targetClass: "III" });
    const [d] = body.results;
    expect(d).toMatchObject({ label: "2026-11-20", valid: true, class: "IV", meetsTarget: false });
    expect(d.means).toEqual({ ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.2, tp: 0.1, temp: 14 });
    expect(JSON.stringify(d.deciding)).toContain("nh3n");
    const csv = await get(
      `/api/v1/water/class?${q({ station: "wq1", from: "2026-11-20T00:00:00+08:00", to: "2026-11-21T00:00:00+08:00", format: "csv" })}`,
    );
    expect(csv.body).toContain('"{""ph"":7.5,""do"":6.5,""codmn"":4,""nh3n"":1.2,""tp"":0.1,""temp"":14}"');
  });
  it("a period without data is invalid with its reason", async () => {
    const { body } = await get(
      `/api/v1/water/class?${q({ station: "wq1", from: "2026-11-22T00:00:00+08:00", to: "2026-11-23T00:00:00+08:00" })}`,
    );
    expect(body.results[0]).toMatchObject({ valid: false, class: null, meetsTarget: null, means: {} });
    expect(body.results[0].reason).toMatch(
      /^not assessed: ph \(0 valid hourly means; needs ≥ 20\); do \(0 valid/,
    );
  });
});

describe("noi grade", () => {
  it("grades the daily mean of 5-minute instantaneous readings", async () => {
    const { status, body } = await get(
      `/api/v1/noi/grade?${q({ station: "noi1", from: "2026-11-20T00:00:00+08:00", to: "2026-11-22T00:00:00+08:00", period: "1d" })}`,
    );
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({ label: "2026-11-20", value: 1300, valid: true, validCount: 24 });
    expect(body.results[0].grade).toMatchObject({ grade: "I" });
    expect(body.results[1]).toMatchObject({ label: "2026-11-21", valid: false, grade: null });
  });
});

describe("dead letters", () => {
  it("filters by station and code; CSV", async () => {
    const all = await get("/api/v1/deadletters");
    expect(all.body.count).toBe(2);
    const one = await get(`/api/v1/deadletters?${q({ station: "aq1", code: "value.out_of_range" })}`);
    expect(one.body.deadLetters).toEqual([
      expect.objectContaining({ id: "dl-1", receivedAt: "2026-11-29T09:00:00+08:00", path: "values.pm25" }),
    ]);
    const csv = await get("/api/v1/deadletters?format=csv&code=station.unknown");
    expect(csv.body).toContain(
      '"station.unknown: topic ""stations/zz/air"" names station ""zz"", expected a registered station id"',
    );
  });
});

describe("POST observations", () => {
  const post = (id: string, payload: string, query = "") =>
    app.inject({
      method: "POST",
      url: `/api/v1/stations/${id}/observations${query}`,
      headers: { "content-type": "application/json" },
      payload,
    });
  it("202 with accepted count and rejections; the readings are then queryable", async () => {
    const res = await post(
      "aq1",
      JSON.stringify({ ts: "2026-11-29T11:00:00+08:00", values: { pm10: 55, so2: "x" } }),
    );
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ station: "aq1", accepted: 1, rejected: 1, backfill: false });
    expect(res.json().rejections[0]).toMatchObject({ code: "value.not_number", path: "values.so2" });
    const readings = await get(
      `/api/v1/readings?${q({ station: "aq1", metric: "pm10", from: "2026-11-29T11:00:00+08:00", to: "2026-11-29T12:00:00+08:00" })}`,
    );
    expect(readings.body.readings).toEqual([expect.objectContaining({ value: 55, source: "import" })]);
  });
  it("400 listing the rejections when nothing was accepted; backfill lifts the lateness limit", async () => {
    const late = JSON.stringify([{ ts: "2026-10-01T00:00:00+08:00", period: "PT1H", values: { pm25: 30 } }]);
    const res = await post("aq1", late);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "observations.rejected" });
    expect(res.json().error.details.rejections[0]).toMatchObject({ code: "ts.too_late", path: "[0].ts" });
    const backfill = await post("aq1", late, "?backfill=true");
    expect(backfill.statusCode).toBe(202);
    expect(backfill.json()).toMatchObject({ accepted: 1, backfill: true });
    const malformed = await post("aq1", "{not json");
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.details.rejections[0].code).toBe("payload.malformed");
    const dead = await get(
      `/api/v1/deadletters?${q({ code: "payload.malformed", to: "2026-11-29T13:00:00+08:00" })}`,
    );
    expect(dead.body.deadLetters[0]).toMatchObject({ source: "import", payload: "{not json" });
  });
  it("a bad ts is refused saying what was received and what is expected", async () => {
    const res = await post("aq1", JSON.stringify({ ts: "yesterday", values: { pm25: 30 } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.rejections[0]).toMatchObject({
      code: "payload.invalid",
      path: "ts",
      received: "yesterday",
      message:
        'payload.invalid: "ts" is "yesterday", expected an ISO 8601 date-time with an offset such as 2026-11-30T08:00:00+08:00, or epoch milliseconds (a non-negative integer)',
    });
    const badFrom = await get(`/api/v1/readings?${q({ station: "aq1", from: "yesterday" })}`);
    expect(badFrom.body.error.message).toBe(
      'query parameter "from" is "yesterday", expected ISO 8601 with an offset (e.g. "2026-11-29T00:00:00+08:00") or epoch milliseconds',
    );
  });
  it("unknown station 404; bad backfill 400; no ingest path 503", async () => {
    expect((await post("nope", "{}")).statusCode).toBe(404);
    const bad = await post("aq1", "{}", "?backfill=maybe");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ parameter: "backfill", received: "maybe" });
    const readOnly = createApp({ store, registry, metricsRegistry: new Registry() });
    const res = await readOnly.inject({
      method: "POST",
      url: "/api/v1/stations/aq1/observations",
      headers: { "content-type": "application/json" },
      payload: "{}",
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe("submit.unavailable");
    await readOnly.close();
  });
});

describe("OpenAPI, metrics, health", () => {
  it("publishes an OpenAPI document describing every route and its parameters", async () => {
    const { status, body } = await get("/api/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.0.3");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/stations",
        "/api/v1/stations/{id}",
        "/api/v1/readings",
        "/api/v1/series",
        "/api/v1/aqi",
        "/api/v1/water/class",
        "/api/v1/noi/grade",
        "/api/v1/deadletters",
        "/api/v1/stations/{id}/observations",
      ]),
    );
    const every = body.paths["/api/v1/series"].get.parameters.find(
      (p: { name: string }) => p.name === "every",
    );
    expect(every).toMatchObject({ in: "query", schema: { enum: ["1h", "1d", "1mo"] } });
    expect(body.paths["/api/v1/stations/{id}/observations"].post.requestBody).toBeDefined();
    const docs = await app.inject({ url: "/api/docs/" });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers["content-type"]).toContain("text/html");
  });
  it("the documents served at /api/openapi.json and /api/docs/json list /metrics, /healthz and /readyz", async () => {
    for (const url of ["/api/openapi.json", "/api/docs/json"]) {
      const { status, body } = await get(url);
      expect(status, url).toBe(200);
      const metrics = body.paths["/metrics"]?.get;
      expect(metrics?.description, url).toMatch(/Prometheus/);
      expect(metrics?.responses["200"].content["text/plain"].schema).toEqual({ type: "string" });
      const healthz = body.paths["/healthz"]?.get;
      expect(healthz?.summary, url).toBe("Liveness");
      expect(healthz?.responses["200"].content["application/json"].schema.properties.status).toEqual({
        type: "string",
        enum: ["ok"],
      });
      const readyz = body.paths["/readyz"]?.get;
      expect(readyz?.summary, url).toBe("Readiness");
      expect(Object.keys(readyz?.responses ?? {}), url).toEqual(["200", "503"]);
      expect(Object.keys(readyz.responses["503"].content["application/json"].schema.properties)).toEqual([
        "status",
        "notReady",
        "checks",
      ]);
    }
  });
  it("the OpenAPI document has every route that is not hidden on purpose", async () => {
    const probe = createApp({ store, registry, metricsRegistry: new Registry(), dashboard: false });
    const routes: Array<{ method: string; url: string }> = [];
    probe.addHook("onRoute", (route) => {
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      const methods = [route.method].flat().filter((m) => m !== "HEAD");
      if (!hidden)
        for (const method of methods) routes.push({ method: method.toLowerCase(), url: route.url });
    });
    await probe.ready();
    const document = probe.swagger() as { paths: Record<string, Record<string, unknown>> };
    const undocumented = routes
      .filter((r) => !r.url.startsWith("/api/docs"))
      .filter((r) => document.paths[r.url.replace(/:(\w+)/g, "{$1}")]?.[r.method] === undefined);
    expect(routes.map((r) => r.url)).toEqual(expect.arrayContaining(["/metrics", "/healthz", "/readyz"]));
    expect(undocumented).toEqual([]);
    await probe.close();
  });
  it("exposes Prometheus metrics with the bus queue depth per topic", async () => {
    depth = { readings: 7, alerts: 0, deadletters: 2 };
    const { status, body, res } = await get("/metrics");
    expect(status).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(body).toContain('qingshan_bus_queue_depth{topic="readings"} 7');
    expect(body).toContain('qingshan_bus_queue_depth{topic="deadletters"} 2');
    expect(body).toContain("process_cpu_user_seconds_total");
    expect(body).toMatch(
      /qingshan_api_requests_total\{method="GET",route="\/api\/v1\/stations",status="200"\} \d+/,
    );
  });
  it("healthz is up; readyz lists what is not ready", async () => {
    expect((await get("/healthz")).body).toEqual({ status: "ok" });
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.checks.mqtt).toEqual({ ok: true, detail: "connected" });
    mqttConnected = false;
    const notReady = await get("/readyz");
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ status: "not_ready", notReady: ["mqtt"] });
    mqttConnected = true;
  });
  it("a check that throws or does not answer in time is not ready", async () => {
    const probe = createApp({
      store,
      registry,
      metricsRegistry: new Registry(),
      readinessTimeoutMs: 50,
      readiness: {
        broken: () => {
          throw new Error("broker refused the connection");
        },
        stuck: () => new Promise<boolean>(() => {}),
      },
    });
    const res = await probe.inject({ url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      notReady: ["broken", "stuck"],
      checks: {
        store: { ok: true },
        broken: { ok: false, detail: "broker refused the connection" },
        stuck: { ok: false, detail: "no answer within 50 ms" },
      },
    });
    await probe.close();
  });
  it("unknown routes are 404 in the error format", async () => {
    const { status, body } = await get("/api/v1/nothing");
    expect(status).toBe(404);
    expect(body.error.code).toBe("route.not_found");
  });
});

describe("listen", () => {
  it("serves over real HTTP on a free port and closes", async () => {
    const served = createApp({ store, registry, metricsRegistry: new Registry(), defaultMetrics: false });
    try {
      const { port } = await startApi(served, { port: 0, host: "127.0.0.1" });
      expect(port).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/stations/aq1`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { station: { id: string } }).station.id).toBe("aq1");
    } finally {
      await served.close();
    }
    expect(served.server.listening).toBe(false);
  });
});
