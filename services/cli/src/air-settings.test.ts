import { HOUR_MS, type Reading } from "@qingshan/domain";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { startTestApi } from "./testing/api-service.ts";
import { repoRoot } from "./testing/cli-process.ts";
import { alertsForReading } from "./testing/evaluate-reading.ts";
import { readShippedConfig, writeShippedConfig } from "./testing/shipped-config.ts";

const cleanups = cleanupsAfterEach();

/** GET /api/v1/aqi for one 2025 hour (HJ 633-2012) from the API `qingshan` starts with `air` in its file. */
async function aqiHour(air: Record<string, unknown> | undefined) {
  const { air: _shipped, ...rest } = readShippedConfig();
  const { file, dataDir } = writeShippedConfig(cleanups, air === undefined ? rest : { air });
  const api = await startTestApi(cleanups, { dataDir, file });
  const response = await fetch(
    `${api.url}/api/v1/aqi?station=ld-aq-01&period=hour&from=2025-06-01T11:00:00%2B08:00&to=2025-06-01T12:00:00%2B08:00`,
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: { pmBasis: string; missing: string[] }[] }).results[0];
}

describe("air.pmRealtimeBasis2012 of the qingshan configuration (air-aqi.md §3.1)", () => {
  it("reaches the API: auto as shipped and when left out (1-h PM in 2025), rolling24h when set", async () => {
    expect(readShippedConfig().air).toMatchObject({ pmRealtimeBasis2012: "auto" });
    expect(await aqiHour(undefined)).toMatchObject({ pmBasis: "hourly" });
    const rolling = await aqiHour({ pmRealtimeBasis2012: "rolling24h" });
    expect(rolling).toMatchObject({ pmBasis: "rolling24h" });
    expect(rolling?.missing).toEqual(expect.arrayContaining(["pm10_24h", "pm25_24h"]));
  });

  it("refuses another value, naming the setting", () => {
    const { file } = writeShippedConfig(cleanups, { air: { pmRealtimeBasis2012: "daily" } });
    expect(() => loadConfig({ root: repoRoot, file, env: {} })).toThrow(/air\.pmRealtimeBasis2012/);
  });
});

/** The configuration with `air` replaced (or left out), its data in a new temp directory. */
function configWith(air: Record<string, unknown> | undefined) {
  const { air: _shipped, ...rest } = readShippedConfig();
  return writeShippedConfig(cleanups, air === undefined ? rest : { air });
}

describe("air.concentrationRounding2026 of the qingshan configuration (provisional)", () => {
  it("reaches the API: /aqi's 2026 rows state half-even as shipped and when left out, truncate when set", async () => {
    expect(readShippedConfig().air).toMatchObject({ concentrationRounding2026: "half-even" });
    const rounding = async (air: Record<string, unknown> | undefined) => {
      const { file, dataDir } = configWith(air);
      const api = await startTestApi(cleanups, { dataDir, file });
      const response = await fetch(
        `${api.url}/api/v1/aqi?station=ld-aq-01&period=day&from=2026-11-20T00:00:00%2B08:00&to=2026-11-21T00:00:00%2B08:00`,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { results: { concentrationRounding: unknown }[] };
      return body.results[0]?.concentrationRounding;
    };
    expect(await rounding(undefined)).toMatchObject({ mode: "half-even", provisional: true });
    expect(await rounding({ concentrationRounding2026: "truncate" })).toMatchObject({
      mode: "truncate",
      provisional: true,
    });
  });

  it("reaches the evaluator: PM2.5 150.6 µg/m³ in the last hour raises the hourly AQI alert (151, AQI 201) under half-even, not under truncate (150, AQI 200)", async () => {
    const hourlyAlerts = async (air: Record<string, unknown>) => {
      const { file, dataDir } = configWith(air);
      // The hour just completed (HJ 633-2026: every hour from 2026-03-01 on).
      const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
      const reading: Reading = {
        stationId: "ld-aq-01",
        metric: "pm25",
        ts: hour,
        periodMs: HOUR_MS,
        value: 150.6,
        flag: "N",
        source: "mqtt-json",
        receivedAt: hour + HOUR_MS,
      };
      const alerts = await alertsForReading(cleanups, { file, dataDir, reading });
      return alerts.filter((e) => e.ruleId === "aqi-hourly-heavy").map((e) => [e.type, e.value]);
    };
    expect(await hourlyAlerts({ concentrationRounding2026: "half-even" })).toEqual([["raised", 201]]);
    expect(await hourlyAlerts({ concentrationRounding2026: "truncate" })).toEqual([]);
  });

  it("refuses another value, naming the setting", () => {
    const { file } = writeShippedConfig(cleanups, { air: { concentrationRounding2026: "ceiling" } });
    expect(() => loadConfig({ root: repoRoot, file, env: {} })).toThrow(/air\.concentrationRounding2026/);
  });
});
