import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAY_MS, HOUR_MS, type Reading } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { freePort, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { generateDemoHistory, type RunningPipeline, startPipeline } from "./start.ts";

const root = join(import.meta.dirname, "../../..");
const registry = loadStationRegistry(join(root, "seeds/liandu/stations.json"));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

function tempDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), "qingshan-cli-start-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** `qingshan start` in-process on `dataDir`, free loopback ports, its log lines collected. */
async function start(
  dataDir: string,
  env: Record<string, string>,
): Promise<{ pipeline: RunningPipeline; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: "info" },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  const config = loadConfig({
    root,
    env: {
      QINGSHAN_DATA_DIR: dataDir,
      QINGSHAN_MQTT_PORT: String(await freePort()),
      QINGSHAN_HTTP_PORT: String(await freePort()),
      QINGSHAN_HTTP_HOST: "127.0.0.1",
      QINGSHAN_HJ212_PORT: "0",
      ...env,
    },
  });
  const pipeline = await startPipeline(config, logger, root);
  let stopped = false;
  const stop = pipeline.stop;
  const tracked: RunningPipeline = {
    ...pipeline,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stop();
    },
  };
  cleanups.push(() => tracked.stop());
  return { pipeline: tracked, lines };
}

const historyLines = (lines: LogLine[]) => lines.filter((l) => l.msg.startsWith("demo history:"));

/** Every reading of every demo station in the data directory's store (the pipeline stopped). */
async function storedReadings(dataDir: string): Promise<Map<string, Reading>> {
  const store = createDuckDbStore({ path: join(dataDir, "qingshan.duckdb"), threads: 1 });
  await store.start();
  try {
    const all = new Map<string, Reading>();
    for (const station of registry.stations) {
      const readings = await store.queryReadings({
        stationId: station.id,
        from: 0,
        to: Date.now() + DAY_MS,
        limit: 1_000_000,
      });
      for (const r of readings) all.set(`${r.stationId}/${r.metric}/${r.ts}`, r);
    }
    return all;
  } finally {
    await store.stop();
  }
}

function newestPerStation(readings: Map<string, Reading>): Map<string, number> {
  const newest = new Map<string, number>();
  for (const r of readings.values()) newest.set(r.stationId, Math.max(newest.get(r.stationId) ?? 0, r.ts));
  return newest;
}

async function liveReadingCount(apiUrl: string, stationId: string, from: number): Promise<number> {
  const response = await fetch(
    `${apiUrl}/api/v1/readings?station=${stationId}&from=${new Date(from).toISOString()}&to=${new Date(Date.now() + HOUR_MS).toISOString()}&limit=100000`,
  );
  const body = (await response.json()) as { readings: Array<{ source: string }> };
  return body.readings.filter((r) => r.source !== "import").length;
}

describe("qingshan start's demo history on an existing data directory", () => {
  it("a restart replaces no stored reading: no history is generated again and the feed resumes after the stored readings", {
    timeout: 240_000,
  }, async () => {
    const dataDir = tempDataDir();
    // Accelerated, so live readings arrive within seconds: one simulated hour per second.
    const env = { QINGSHAN_SIMULATOR_ACCELERATION: "3600" };

    // First start on an empty data directory: three days of history ending where the feed begins.
    const first = await start(dataDir, env);
    const startAt = first.pipeline.simulator?.run.startAt as number;
    expect(historyLines(first.lines).map((l) => l.msg)).toEqual(["demo history: 3 days generated"]);
    await waitFor(async () => (await liveReadingCount(first.pipeline.apiUrl, "ld-aq-01", startAt)) >= 4, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: "live readings of the first run",
    });
    await first.pipeline.stop();

    const before = await storedReadings(dataDir);
    const history = [...before.values()].filter((r) => r.source === "import");
    const hourStart = Math.floor(startAt / HOUR_MS) * HOUR_MS;
    expect(Math.min(...history.map((r) => r.ts))).toBeGreaterThanOrEqual(hourStart - 3 * DAY_MS);
    expect(Math.max(...history.map((r) => r.ts))).toBeLessThan(startAt);
    // 72 hours of the hourly air station's PM2.5 (a rare lost message aside).
    const historyPm25 = history.filter((r) => r.stationId === "ld-aq-01" && r.metric === "pm25");
    expect(historyPm25.length).toBeGreaterThan(68);
    const live = [...before.values()].filter((r) => r.source !== "import");
    expect(live.length).toBeGreaterThan(0);
    const newestBefore = newestPerStation(before);

    // Restart on the same directory: nothing generated, and the feed goes on after what is stored.
    const second = await start(dataDir, env);
    expect(historyLines(second.lines)).toHaveLength(1);
    expect(historyLines(second.lines)[0]?.msg).toMatch(
      /^demo history: store already holds data up to \d{4}-\d\d-\d\dT[\d:.]+Z, nothing generated$/,
    );
    const newestAqBefore = newestBefore.get("ld-aq-01") as number;
    await waitFor(
      async () => (await liveReadingCount(second.pipeline.apiUrl, "ld-aq-01", newestAqBefore + 1)) >= 3,
      { timeoutMs: 60_000, intervalMs: 500, what: "live readings of the second run" },
    );
    await second.pipeline.stop();

    const after = await storedReadings(dataDir);
    const replaced = [...before].filter(([key, r]) => {
      const now = after.get(key);
      return (
        now === undefined ||
        now.value !== r.value ||
        now.flag !== r.flag ||
        now.source !== r.source ||
        now.receivedAt !== r.receivedAt
      );
    });
    expect(replaced.map(([key]) => key)).toEqual([]);
    const added = [...after].filter(([key]) => !before.has(key)).map(([, r]) => r);
    expect(added.length).toBeGreaterThan(0);
    expect(added.filter((r) => r.source === "import")).toEqual([]);
    for (const r of added) expect(r.ts).toBeGreaterThan(newestBefore.get(r.stationId) ?? 0);
  });

  it("generates history only after a station's newest stored reading, for the other stations as on a first start", {
    timeout: 120_000,
  }, async () => {
    const dataDir = tempDataDir();
    const to = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    // A reading a station sent before this start, five hours before the history's end.
    const earlier: Reading = {
      stationId: "ld-aq-02",
      metric: "pm25",
      ts: to - 5 * HOUR_MS,
      periodMs: HOUR_MS,
      value: 321,
      flag: "N",
      source: "mqtt-json",
      receivedAt: to - 4 * HOUR_MS + 60_000,
    };
    const store = createDuckDbStore({ path: join(dataDir, "qingshan.duckdb"), threads: 1 });
    await store.start();
    await store.writeReadings([earlier]);
    await store.stop();

    // Real time (acceleration 1): history is [to − 1 day, to) for a station without stored data.
    const { pipeline, lines } = await start(dataDir, { QINGSHAN_BACKFILL_DAYS: "1" });
    expect(pipeline.simulator?.run.startAt).toBeGreaterThanOrEqual(to);
    await pipeline.stop();
    expect(historyLines(lines).map((l) => l.msg)).toEqual([
      "demo history: 1 day generated (after the data the store already holds for 1 station)",
    ]);

    const stored = await storedReadings(dataDir);
    const series = (stationId: string) =>
      [...stored.values()]
        .filter((r) => r.stationId === stationId && r.metric === "pm25")
        .sort((a, b) => a.ts - b.ts);
    expect(series("ld-aq-02")[0]).toEqual(earlier);
    const generated = series("ld-aq-02").slice(1);
    expect(generated.every((r) => r.source === "import" && r.ts > earlier.ts && r.ts < to)).toBe(true);
    expect(generated.length).toBeGreaterThanOrEqual(3);
    expect(generated.length).toBeLessThanOrEqual(4);
    const full = series("ld-aq-01");
    expect(full.every((r) => r.source === "import")).toBe(true);
    expect(full[0]?.ts).toBeGreaterThanOrEqual(to - DAY_MS);
    expect(full.at(-1)?.ts).toBeLessThan(to);
    expect(full.length).toBeGreaterThan(21);
  });
});

describe("generateDemoHistory's log line", () => {
  /** The message of the one line generateDemoHistory logs over [to − days, to). */
  async function historyLine(days: number, stored: ReadonlyMap<string, number>): Promise<string> {
    const lines: LogLine[] = [];
    const logger = pino(
      { level: "info" },
      { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
    );
    const to = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    let published = 0;
    await generateDemoHistory({
      stations: registry.stations,
      stored,
      from: to - days * DAY_MS,
      to,
      scenario: "clean-week",
      startAt: to,
      publish: async () => {
        published += 1;
      },
      logger,
    });
    expect(published).toBeGreaterThan(0);
    expect(lines).toHaveLength(1);
    return lines[0]?.msg as string;
  }

  it("counts days and stations in the singular for one, in the plural otherwise", async () => {
    expect(await historyLine(1, new Map())).toBe("demo history: 1 day generated");
    expect(await historyLine(2, new Map())).toBe("demo history: 2 days generated");
    expect(await historyLine(0.5, new Map())).toBe("demo history: 0.5 days generated");
    const to = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    // Stations that resume after a stored reading within the day; the others still get the whole day.
    const oneStation = new Map([["ld-aq-02", to - 20 * HOUR_MS]]);
    const twoStations = new Map([...oneStation, ["ld-aq-03", to - 20 * HOUR_MS]]);
    expect(await historyLine(1, oneStation)).toBe(
      "demo history: 1 day generated (after the data the store already holds for 1 station)",
    );
    expect(await historyLine(1, twoStations)).toBe(
      "demo history: 1 day generated (after the data the store already holds for 2 stations)",
    );
  });
});
