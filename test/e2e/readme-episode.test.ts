import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../services/cli/src/config.ts";
import { type RunningPipeline, startPipeline } from "../../services/cli/src/start.ts";
import { loopbackEnv } from "./support/loopback-env.ts";

// The README's "To see an episode" command as a new user runs it: the heavy-pollution scenario at
// acceleration 3600 with the default three days of demo history (not switched off, as the other
// end-to-end tests do to save time). The history must end where the replayed week begins: history
// over the same hours made every replayed reading a late duplicate the rules never evaluated, and
// the warning never came.

const root = join(import.meta.dirname, "../..");
const logger = pino({ level: "warn", name: "qingshan-e2e" });
let pipeline: RunningPipeline | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await pipeline?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface AlertSummary {
  readonly ruleId: string;
  readonly level?: string;
}
interface StoredReading {
  readonly ts: string;
  readonly source: string;
}

describe("the README's episode command (qingshan start, heavy-pollution, acceleration 3600, default history)", () => {
  it("raises the heavy-pollution warning, evaluates every replayed reading, and keeps the history before the replay", {
    timeout: 300_000,
  }, async () => {
    dataDir = mkdtempSync(join(tmpdir(), "qingshan-readme-episode-"));
    const env = {
      ...(await loopbackEnv(dataDir)),
      QINGSHAN_SIMULATOR_SCENARIO: "heavy-pollution",
      QINGSHAN_SIMULATOR_ACCELERATION: "3600",
    };
    const config = loadConfig({ root, env });
    expect(config.simulator.backfillDays).toBe(3);
    pipeline = await startPipeline(config, logger, root);
    const { apiUrl, simulator } = pipeline;
    const replayStart = simulator?.run.startAt as number;
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${apiUrl}${path}`);
      expect(response.status, path).toBe(200);
      return (await response.json()) as T;
    };

    const warning = await waitFor(
      async () =>
        (await get<{ alerts: AlertSummary[] }>("/api/v1/alerts?rule=heavy-pollution-warning")).alerts[0],
      { timeoutMs: 240_000, intervalMs: 1_000, what: "the heavy-pollution warning" },
    );
    expect(["yellow", "orange", "red"]).toContain(warning.level);

    const late = await get<{ count: number }>("/api/v1/deadletters?code=window.too_late");
    expect(late.count, "replayed readings the rules did not evaluate").toBe(0);

    // Three days of history end at the replay's first hour; the replay's readings come after it.
    const from = new Date(replayStart - 4 * 86_400_000).toISOString();
    const to = new Date(replayStart + 6 * 3_600_000).toISOString();
    const { readings } = await get<{ readings: StoredReading[] }>(
      `/api/v1/readings?station=ld-aq-01&metric=pm25&from=${from}&to=${to}&limit=10000`,
    );
    const history = readings.filter((r) => r.source === "import");
    const replayed = readings.filter((r) => r.source !== "import");
    expect(history.length).toBeGreaterThan(60);
    expect(replayed.length).toBeGreaterThan(0);
    expect(Math.max(...history.map((r) => Date.parse(r.ts)))).toBeLessThan(replayStart);
    expect(Math.min(...replayed.map((r) => Date.parse(r.ts)))).toBeGreaterThanOrEqual(replayStart);
  });
});
