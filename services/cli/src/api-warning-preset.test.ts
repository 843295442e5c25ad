import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { startTestApi } from "./testing/api-service.ts";
import { readShippedConfig, writeShippedConfig } from "./testing/shipped-config.ts";

const cleanups = cleanupsAfterEach();

/** GET /api/v1/warning's levels from the API `qingshan` starts with `evaluator` in its file. */
async function warningLevels(
  evaluator: Record<string, unknown>,
): Promise<{ preset: string; levels: string[] }> {
  const shipped = readShippedConfig();
  const { file, dataDir } = writeShippedConfig(cleanups, {
    evaluator: { ...(shipped.evaluator as object), ...evaluator },
  });
  const api = await startTestApi(cleanups, { dataDir, file });
  const response = await fetch(`${api.url}/api/v1/warning`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { preset: { id: string }; levels: string[] };
  return { preset: body.preset.id, levels: body.levels };
}

describe("GET /warning of the API qingshan starts", () => {
  it("names the levels of the preset the evaluator's warning rule follows (evaluator.warningPreset)", async () => {
    // heavy-pollution-warning.md §2: blue was dropped in 2018; the 2017 documents still had it.
    expect(await warningLevels({ warningPreset: "2017" })).toEqual({
      preset: "2017",
      levels: ["blue", "yellow", "orange", "red"],
    });
    expect(await warningLevels({})).toEqual({ preset: "2024", levels: ["yellow", "orange", "red"] });
  });
});
