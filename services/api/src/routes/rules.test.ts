import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type AlertEvent, createStationRegistry, type StationInput } from "@qingshan/domain";
import { loadRulesFile } from "@qingshan/rules";
import { createDuckDbStore, type TimeSeriesStore } from "@qingshan/store";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, startApi } from "../index.ts";
import { parseCsv } from "../testdata/csv.ts";
import stationsJson from "../testdata/stations.json" with { type: "json" };

// The shipped rules file, as `qingshan start` hands it to the API.
const RULES_FILE = resolve(fileURLToPath(new URL("../../../../config/rules.yaml", import.meta.url)));
const registry = createStationRegistry(stationsJson as StationInput[]);
const rules = loadRulesFile(RULES_FILE);

const EVENTS: AlertEvent[] = [
  {
    id: "h1-r",
    alertId: "h1",
    type: "raised",
    at: "2026-11-29T08:00:00+08:00",
    ruleId: "aqi-hourly-heavy",
    stationId: "aq1",
    severity: "warning",
    level: "heavy",
    value: 235,
    threshold: 200,
    message: { zh: "【警告】测试站：小时AQI重度污染。", en: "[warning] Test: hourly AQI heavily polluted." },
  },
  {
    // An alert of a rule no longer in the file (aqi-hourly-heavy replaces it).
    id: "s1-r",
    alertId: "s1",
    type: "raised",
    at: "2026-11-28T08:00:00+08:00",
    ruleId: "aqi-hourly-severe",
    stationId: "aq1",
    severity: "critical",
    message: { zh: "严重污染", en: "severely polluted" },
  },
];

let dir: string;
let store: TimeSeriesStore;
let app: FastifyInstance;
let bare: FastifyInstance;
let base: string;
let bareBase: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "qingshan-api-rules-"));
  store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
  await store.start();
  await store.writeAlertEvents(EVENTS);
  app = createApp({ store, registry, rules, metricsRegistry: new Registry(), defaultMetrics: false });
  bare = createApp({ store, registry, metricsRegistry: new Registry(), defaultMetrics: false });
  base = `http://127.0.0.1:${(await startApi(app, { port: 0 })).port}`;
  bareBase = `http://127.0.0.1:${(await startApi(bare, { port: 0 })).port}`;
});

afterAll(async () => {
  await app?.close();
  await bare?.close();
  await store?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  return { status: res.status, body: await res.json() };
}

describe("GET /api/v1/rules (real HTTP)", () => {
  it("lists every rule of the file in order, with its description, kind and conditions", async () => {
    const { status, body } = await getJson(`${base}/api/v1/rules`);
    expect(status).toBe(200);
    expect(body.count).toBe(rules.length);
    expect(body.rules.map((r: { id: string }) => r.id)).toEqual(rules.map((r) => r.id));
    const byId = new Map(body.rules.map((r: { id: string }) => [r.id, r]));
    expect(byId.get("aqi-hourly-heavy")).toEqual({
      id: "aqi-hourly-heavy",
      description: {
        zh: "小时AQI重度及以上污染（AQI > 200）",
        en: "Hourly AQI heavily or severely polluted (above 200)",
      },
      kind: "levels",
      enabled: true,
      appliesTo: { kinds: ["air"] },
      subject: { index: "aqi" },
      window: "1h",
      comparison: ">",
      levels: [
        {
          id: "heavy",
          name: { zh: "重度污染", en: "heavily polluted" },
          threshold: 200,
          clearThreshold: 180,
          severity: "warning",
        },
        {
          id: "severe",
          name: { zh: "严重污染", en: "severely polluted" },
          threshold: 300,
          clearThreshold: 280,
          severity: "critical",
        },
      ],
      for: "1h",
      clear: { for: "2h" },
      stepDownFor: "2h",
      damping: "3h",
      severity: "warning",
      standard: "AQI categories 201–300 重度污染, > 300 严重污染",
      routes: ["duty"],
      tier: 0,
      replaces: ["aqi-hourly-severe"],
    });
    expect(byId.get("gb3095-24h-pm25")).toMatchObject({
      kind: "gb3095-limit",
      window: "day",
      threshold: { gb3095: { grade: "station", averaging: "24h" } },
      for: "0",
      damping: "0",
    });
    expect(byId.get("heavy-pollution-warning")).toMatchObject({
      kind: "warning-levels",
      window: "24h",
      // preset "default" is the API's warningPreset (2024: blue was dropped in 2018).
      warning: { preset: "2024", levels: ["yellow", "orange", "red"] },
      stepDownFor: "12h",
      clear: { for: "36h" },
    });
    expect(byId.get("water-drinking-source-below-target")).toMatchObject({
      kind: "water-class",
      appliesTo: { kinds: ["water"], drinkingWaterSource: true },
      window: "latest",
      // Durations in whole days read as days (formatDuration): 24h → 1d, 48h → 2d.
      maxAge: "1d",
      comparison: "worse_than_target",
      stepDownFor: "6h",
      damping: "2d",
    });
    expect(byId.get("pm25-annual-target")).toMatchObject({
      kind: "annual-target",
      annualTarget: { target: 32, atRiskMargin: 0.1 },
      clear: { for: "7d" },
    });
    expect(byId.get("dq-station-silent")).toMatchObject({
      kind: "data-quality",
      appliesTo: { kinds: ["air", "water", "noi"] },
      subject: { check: "silent", intervals: 3 },
    });
    expect(byId.get("dq-station-silent")).not.toHaveProperty("window");
    expect(byId.get("dq-station-silent")).not.toHaveProperty("stepDownFor");
    expect(byId.get("dq-flag-too-long")).toMatchObject({
      subject: { check: "flag_duration", maxDuration: expect.stringMatching(/^\d+[mhd]$/) },
    });
  });

  it("noi-grade's standard says provisional only while the NOI table in force (noi.scheme) is", async () => {
    const { body } = await getJson(`${base}/api/v1/rules`);
    // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
    const standardOf = (b: any) => b.rules.find((r: { id: string }) => r.id === "noi-grade")?.standard;
    expect(standardOf(body)).toBe(
      "负氧离子分级 NOI grades, grading scheme named in each alert (provisional 暂行)",
    );
    const bureau = createApp({
      store,
      registry,
      rules,
      metricsRegistry: new Registry(),
      defaultMetrics: false,
      noiScheme: {
        id: "bureau-2027",
        source: "丽水市清新空气分级 (bureau table)",
        provisional: false,
        grades: [
          { grade: "fresh", min: 900, zh: "清新", en: "fresh", color: "#00a651" },
          { grade: "ordinary", min: 0, zh: "一般", en: "ordinary", color: "#ffd700" },
        ],
      },
    });
    try {
      const res = await bureau.inject({ method: "GET", url: "/api/v1/rules" });
      expect(standardOf(res.json())).toBe("负氧离子分级 NOI grades, grading scheme named in each alert");
    } finally {
      await bureau.close();
    }
  });

  it("answers 503 rules.unavailable when the API was started without the rules file", async () => {
    const { status, body } = await getJson(`${bareBase}/api/v1/rules`);
    expect(status).toBe(503);
    expect(body.error.code).toBe("rules.unavailable");
  });
});

describe("alerts carry their rule's description (real HTTP)", () => {
  it("in GET /alerts, GET /alerts/:id and the acknowledgement's answer", async () => {
    const list = await getJson(`${base}/api/v1/alerts`);
    const heavy = list.body.alerts.find((a: { alertId: string }) => a.alertId === "h1");
    expect(heavy.ruleDescription).toEqual({
      zh: "小时AQI重度及以上污染（AQI > 200）",
      en: "Hourly AQI heavily or severely polluted (above 200)",
    });
    // A rule no longer in the file has no description to give.
    const replaced = list.body.alerts.find((a: { alertId: string }) => a.alertId === "s1");
    expect(replaced).not.toHaveProperty("ruleDescription");

    const one = await getJson(`${base}/api/v1/alerts/h1`);
    expect(one.body.alert.ruleDescription.en).toBe("Hourly AQI heavily or severely polluted (above 200)");

    const ack = await fetch(`${base}/api/v1/alerts/h1/ack`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ actor: "值班员" }),
    });
    expect(ack.status).toBe(200);
    expect(
      ((await ack.json()) as { alert: { ruleDescription: { zh: string } } }).alert.ruleDescription.zh,
    ).toBe("小时AQI重度及以上污染（AQI > 200）");

    const without = await getJson(`${bareBase}/api/v1/alerts/h1`);
    expect(without.body.alert).not.toHaveProperty("ruleDescription");
  });

  it("in the CSV, just before the warning path column", async () => {
    const res = await fetch(`${base}/api/v1/alerts?format=csv`);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const csv = parseCsv(await res.text());
    expect(csv.header.slice(-3)).toEqual(["ruleDescription_zh", "ruleDescription_en", "path"]);
    const row = csv.rows.find((r) => r.alertId === "h1");
    expect(row?.ruleDescription_zh).toBe("小时AQI重度及以上污染（AQI > 200）");
    expect(row?.ruleDescription_en).toBe("Hourly AQI heavily or severely polluted (above 200)");
    expect(csv.rows.find((r) => r.alertId === "s1")?.ruleDescription_en).toBe("");
  });

  it("OpenAPI documents GET /rules and ruleDescription on every alert state", async () => {
    const doc = (await getJson(`${base}/api/openapi.json`)).body;
    const json = (path: string, method = "get") =>
      doc.paths[path][method].responses["200"].content["application/json"].schema.properties;
    expect(json("/api/v1/rules").rules.items.properties.description.properties).toHaveProperty("zh");
    expect(doc.paths["/api/v1/rules"].get.responses["503"]).toBeDefined();
    for (const state of [
      json("/api/v1/alerts").alerts.items.properties,
      json("/api/v1/alerts/{alertId}").alert.properties,
      json("/api/v1/alerts/{alertId}/ack", "post").alert.properties,
    ]) {
      expect(state.ruleDescription?.properties).toHaveProperty("en");
    }
    const csvSchema = doc.paths["/api/v1/alerts"].get.responses["200"].content["text/csv"].schema;
    expect(csvSchema.description).toContain("ruleDescription_zh, ruleDescription_en");
  });
});
