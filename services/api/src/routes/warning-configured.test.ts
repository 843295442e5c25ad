// GET /warning says whether the rules file in force has the warning rule: after the rule is removed
// from the file, the endpoint must not go on presenting its levels as if the district were watched.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createStationRegistry, type StationInput } from "@qingshan/domain";
import { loadRulesFile, type Rule } from "@qingshan/rules";
import { createDuckDbStore, type TimeSeriesStore } from "@qingshan/store";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../index.ts";
import stationsJson from "../testdata/stations.json" with { type: "json" };

const RULES_FILE = resolve(fileURLToPath(new URL("../../../../config/rules.yaml", import.meta.url)));
const registry = createStationRegistry(stationsJson as StationInput[]);

let dir: string;
let store: TimeSeriesStore;
const apps: FastifyInstance[] = [];

const shipped = loadRulesFile(RULES_FILE);

async function warning(rules?: readonly Rule[]) {
  const app = createApp({
    store,
    registry,
    ...(rules ? { rules } : {}),
    metricsRegistry: new Registry(),
    defaultMetrics: false,
  });
  apps.push(app);
  const res = await app.inject({ method: "GET", url: "/api/v1/warning" });
  expect(res.statusCode).toBe(200);
  return res.json() as {
    ruleId: string;
    configured: boolean | null;
    district: { zh: string; en: string; source: string };
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "qingshan-api-warning-configured-"));
  store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
  await store.start();
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await store.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("GET /warning and the rules file in force", () => {
  it("with the shipped rules file: the warning rule is configured", async () => {
    const body = await warning(shipped);
    expect(body).toMatchObject({ ruleId: "heavy-pollution-warning", configured: true });
    expect(body.district).toMatchObject({ en: "No warning", source: "none" });
  });

  it("with the warning rule removed from the file: says there is no warning rule", async () => {
    const body = await warning(shipped.filter((r) => r.id !== "heavy-pollution-warning"));
    expect(body.configured).toBe(false);
    expect(body.district).toMatchObject({
      zh: "规则文件中没有重污染预警规则",
      en: "No heavy-pollution warning rule in the rules file",
      source: "none",
    });
  });

  it("with the warning rule under another id: follows that rule", async () => {
    const body = await warning(
      shipped.map((r) => (r.id === "heavy-pollution-warning" ? { ...r, id: "liandu-warning" } : r)),
    );
    expect(body).toMatchObject({ ruleId: "liandu-warning", configured: true });
  });

  it("without the rules file: unknown (null)", async () => {
    expect((await warning()).configured).toBeNull();
  });
});
