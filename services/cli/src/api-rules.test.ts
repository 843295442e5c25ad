import { join } from "node:path";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { startTestApi } from "./testing/api-service.ts";
import { repoRoot as root } from "./testing/cli-process.ts";
import { writeShippedConfig } from "./testing/shipped-config.ts";

const cleanups = cleanupsAfterEach();

/** GET /api/v1/rules of the API `qingshan` starts from `root`. */
async function rulesAnswer(from: string): Promise<{ status: number; ids: string[] }> {
  const { file, dataDir } = writeShippedConfig(cleanups, {});
  const api = await startTestApi(cleanups, { dataDir, file, root: from });
  const response = await fetch(`${api.url}/api/v1/rules`);
  const body = (await response.json()) as { rules?: { id: string }[] };
  return { status: response.status, ids: (body.rules ?? []).map((r) => r.id) };
}

describe("GET /rules of the API qingshan starts", () => {
  it("lists the evaluator's rules file (evaluator.rulesFile, relative to the root)", async () => {
    const { status, ids } = await rulesAnswer(root);
    expect(status).toBe(200);
    expect(ids).toContain("aqi-hourly-heavy");
    expect(ids).toContain("dq-station-silent");
  });

  it("answers 503 when the rules file cannot be loaded there, and the API still starts", async () => {
    const { status } = await rulesAnswer(join(root, "no-such-dir"));
    expect(status).toBe(503);
  });
});
