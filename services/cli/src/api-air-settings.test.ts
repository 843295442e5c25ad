import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { startTestApi } from "./testing/api-service.ts";
import { repoRoot } from "./testing/cli-process.ts";
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
