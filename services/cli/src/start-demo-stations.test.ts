/**
 * `qingshan start`'s demo feed on a registry with real stations (no `"demo": true`): it generates
 * history and publishes only for the stations marked demo, says which at start, and with no demo
 * station feeds none — a real station never gets made-up readings (same station, metric and time
 * would replace its real ones). Real DuckDB, embedded broker, the API.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DAY_MS } from "@qingshan/domain";
import { createDuckDbStore } from "@qingshan/store";
import { freePort } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { startPipeline } from "./start.ts";

const root = join(import.meta.dirname, "../../..");
const cleanups = cleanupsAfterEach();

interface LogLine {
  msg: string;
  [field: string]: unknown;
}

/** The Liandu registry with `real` stations not marked demo (the key left out, as a real registry has it). */
function registryWithReal(dir: string, real: (id: string) => boolean): string {
  const stations = JSON.parse(readFileSync(join(root, "seeds/liandu/stations.json"), "utf8")) as Array<
    Record<string, unknown>
  >;
  const file = join(dir, "stations.json");
  writeFileSync(
    file,
    JSON.stringify(
      stations.map(({ demo, ...station }) => (real(station.id as string) ? station : { ...station, demo })),
    ),
  );
  return file;
}

async function start(dir: string, stations: string) {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const config = loadConfig({
    root,
    env: {
      QINGSHAN_STATIONS: stations,
      QINGSHAN_DATA_DIR: join(dir, "data"),
      QINGSHAN_SIMULATOR: "on",
      QINGSHAN_BACKFILL_DAYS: "1",
      QINGSHAN_MQTT_PORT: String(await freePort()),
      QINGSHAN_HTTP_PORT: String(await freePort()),
      QINGSHAN_HTTP_HOST: "127.0.0.1",
      QINGSHAN_HJ212_PORT: "0",
    },
  });
  const pipeline = await startPipeline(config, logger, root);
  let stopped = false;
  cleanups.push(async () => {
    if (!stopped) await pipeline.stop();
  });
  /** Stops the pipeline (the writer stores everything acknowledged), then counts each station's stored readings. */
  const storedCounts = async (stationIds: readonly string[]): Promise<Record<string, number>> => {
    stopped = true;
    await pipeline.stop();
    const store = createDuckDbStore({ path: join(dir, "data", "qingshan.duckdb"), threads: 1 });
    await store.start();
    try {
      const now = Date.now();
      const counts: Record<string, number> = {};
      for (const id of stationIds) {
        counts[id] = (
          await store.queryReadings({ stationId: id, from: now - 3 * DAY_MS, to: now + DAY_MS })
        ).length;
      }
      return counts;
    } finally {
      await store.stop();
    }
  };
  return { pipeline, lines, storedCounts };
}

describe("qingshan start: the demo feed feeds only stations marked demo", { timeout: 120_000 }, () => {
  it("generates no history for a real station and says which stations it feeds", async () => {
    const dir = tempDir(cleanups, "qingshan-demo-stations-");
    const { pipeline, lines, storedCounts } = await start(
      dir,
      registryWithReal(dir, (id) => id === "ld-aq-01"),
    );
    const said = lines.find((l) => l.msg.startsWith("demo feed:"));
    expect(said?.msg).toMatch(
      /^demo feed: feeds the 22 demo stations ld-aq-02, .*; not the 1 station not marked "demo": true$/,
    );
    expect(said?.msg).not.toContain("ld-aq-01");
    expect(pipeline.demoStations).toHaveLength(22);
    expect(pipeline.demoStations).not.toContain("ld-aq-01");
    const counts = await storedCounts(["ld-aq-01", "ld-aq-02"]);
    expect(counts["ld-aq-02"]).toBeGreaterThan(0);
    expect(counts["ld-aq-01"]).toBe(0);
  });

  it("feeds none when no station is marked demo", async () => {
    const dir = tempDir(cleanups, "qingshan-demo-stations-");
    const { pipeline, lines, storedCounts } = await start(
      dir,
      registryWithReal(dir, () => true),
    );
    expect(lines.map((l) => l.msg)).toContain(
      'demo feed: feeds no station (none of the 23 stations in the registry is marked "demo": true)',
    );
    expect(lines.some((l) => l.msg.startsWith("demo history:"))).toBe(false);
    expect(pipeline.simulator).toBeUndefined();
    expect(pipeline.demoStations).toEqual([]);
    expect(await storedCounts(["ld-aq-01", "ld-wq-01"])).toEqual({ "ld-aq-01": 0, "ld-wq-01": 0 });
  });
});
