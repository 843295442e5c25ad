import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { startTestApi } from "./testing/api-service.ts";
import { repoRoot } from "./testing/cli-process.ts";
import { readShippedConfig, writeShippedConfig } from "./testing/shipped-config.ts";

const cleanups = cleanupsAfterEach();

/** GET /api/v1/water/class's phAveraging from the API `qingshan` starts with `water` in its file. */
async function phAveraging(water: Record<string, unknown> | undefined) {
  const { water: _shipped, ...rest } = readShippedConfig();
  const { file, dataDir } = writeShippedConfig(cleanups, water === undefined ? rest : { water });
  const api = await startTestApi(cleanups, { dataDir, file });
  const response = await fetch(`${api.url}/api/v1/water/class?station=ld-wq-03&period=1d`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { phAveraging: { method: string; provisional: boolean } }).phAveraging;
}

describe("water.phAveraging of the qingshan configuration", () => {
  it("reaches the API: hydrogen-ion as shipped and when left out, arithmetic when set; provisional either way", async () => {
    expect(readShippedConfig().water).toEqual({ phAveraging: "hydrogen-ion" });
    expect(await phAveraging({ phAveraging: "arithmetic" })).toMatchObject({
      method: "arithmetic",
      provisional: true,
    });
    expect(await phAveraging(undefined)).toMatchObject({ method: "hydrogen-ion", provisional: true });
  });

  it("refuses another value, naming the setting", () => {
    const { file } = writeShippedConfig(cleanups, { water: { phAveraging: "geometric" } });
    expect(() => loadConfig({ root: repoRoot, file, env: {} })).toThrow(/water\.phAveraging/);
  });
});
