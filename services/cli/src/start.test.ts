import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAY_MS, HOUR_MS, type Reading } from "@qingshan/domain";
import { createRandom, generateObservations, loadStationRegistry, SCENARIOS } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { freePort, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { generateDemoHistory, type RunningPipeline, type StartOptions, startPipeline } from "./start.ts";

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
  options: StartOptions = {},
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
  const pipeline = await startPipeline(config, logger, root, options);
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
    expect(historyLines(first.lines).map((l) => l.msg)).toEqual([
      expect.stringMatching(/^demo history: 3 days generated, [1-9]\d* observations$/),
    ]);
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

    // Real time (acceleration 1): history is the periods of the last day ended by now for a
    // station without stored data; the hour in progress is the feed's.
    const { pipeline, lines } = await start(dataDir, { QINGSHAN_BACKFILL_DAYS: "1" });
    expect(pipeline.simulator?.run.startAt).toBeGreaterThanOrEqual(to);
    await pipeline.stop();
    expect(historyLines(lines).map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /^demo history: 1 day generated, [1-9]\d* observations \(after the data the store already holds for 1 station\)$/,
      ),
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
    // The whole day, not resumed: its first and last hours are there, gaps of the demo data aside.
    expect(full[0]?.ts).toBeLessThan(to - DAY_MS + 6 * HOUR_MS);
    expect(full.at(-1)?.ts).toBeGreaterThanOrEqual(to - 6 * HOUR_MS);
    // 23 hours at most (the day's 24th is the feed's); the demo's realistic gaps (missing values,
    // seeded by the hour) drop a few — 3 of 23 at some hours of the day.
    expect(full.length).toBeGreaterThan(15);
    expect(full.length).toBeLessThanOrEqual(23);
  });
});

describe("qingshan start's demo network in real time: history and feed without a missing period", () => {
  it("every station's periods up to now are stored once, from the history through the feed, at a start and at a restart mid-period", {
    timeout: 180_000,
  }, async () => {
    const dataDir = tempDataDir();
    // Real time (acceleration 1) on a clock of the test's own, in the recent past so that ingest
    // accepts the readings: start at hh:46:58, feed until hh+1:01:58, down until hh+1:44:58
    // (restart), feed until hh+2:04:58.
    const base = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 4 * HOUR_MS + (46 * 60 + 58) * 1000;
    const [startedAt, firstStop, restartedAt, lastNow] = [0, 75, 118, 138].map(
      (min) => base + min * 60_000,
    ) as [number, number, number, number];
    let now = startedAt;
    const env = { QINGSHAN_BACKFILL_DAYS: "0.25" };
    const historyFrom = startedAt - 0.25 * DAY_MS;
    // Lost messages (realistic data gaps) are the generator's: the periods that have an observation.
    const run = { scenario: SCENARIOS["clean-week"], startAt: startedAt };
    const rng = createRandom(1);
    const periods = (stationId: string, from: number, endedBy: number): number[] => {
      const station = registry.get(stationId);
      if (!station) throw new Error(`no station ${stationId}`);
      const interval = station.reportingIntervalMs;
      const out: number[] = [];
      for (let t = Math.ceil(from / interval) * interval; t + interval <= endedBy; t += interval) {
        if (generateObservations(station, t, run, rng).length > 0) out.push(t);
      }
      return out;
    };
    /** The feed's periods: from each station's period in progress at the start to the last ended by `to`. */
    const feedPeriods = (stationId: string, start: number, to: number): number[] => {
      const interval = registry.get(stationId)?.reportingIntervalMs ?? Number.NaN;
      return periods(stationId, Math.floor(start / interval) * interval, to);
    };
    const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());
    const liveStored = async (apiUrl: string, stationId: string): Promise<number> => {
      const q = `station=${stationId}&from=${new Date(historyFrom).toISOString()}&to=${new Date(lastNow).toISOString()}&limit=100000`;
      const body = (await (await fetch(`${apiUrl}/api/v1/readings?${q}`)).json()) as {
        readings: Array<{ ts: string; source: string }>;
      };
      return new Set(body.readings.filter((r) => r.source !== "import").map((r) => r.ts)).size;
    };
    const liveSoFar = new Map<string, number>();
    /**
     * Advances the clock to `to`, waits for the feed to publish its periods ended by then and for
     * them in the store; returns how many messages the feed published.
     */
    const feedUntil = async (pipeline: RunningPipeline, start: number, to: number): Promise<number> => {
      now = to;
      let expected = 0;
      for (const station of registry.stations) {
        const count = feedPeriods(station.id, start, to).length;
        expected += count;
        liveSoFar.set(station.id, (liveSoFar.get(station.id) ?? 0) + count);
      }
      const simulator = pipeline.simulator as NonNullable<RunningPipeline["simulator"]>;
      await waitFor(() => simulator.stats().published >= expected, {
        timeoutMs: 60_000,
        what: `${expected} messages of the feed`,
      });
      await waitFor(
        async () => {
          for (const station of registry.stations) {
            const stored = await liveStored(pipeline.apiUrl, station.id);
            if (stored < (liveSoFar.get(station.id) ?? 0)) return false;
          }
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: "the feed's readings in the store" },
      );
      await pipeline.stop();
      expect(simulator.stats().failed).toBe(0);
      // Each period once: as many messages as periods.
      expect(simulator.stats().published).toBe(expected);
      return expected;
    };

    const first = await start(dataDir, env, { demoClock: () => now });
    expect(historyLines(first.lines).map((l) => l.msg)).toEqual([
      expect.stringMatching(/^demo history: 0\.25 days generated, [1-9]\d* observations$/),
    ]);
    await feedUntil(first.pipeline, startedAt, firstStop);
    const before = await storedReadings(dataDir);
    const newestBefore = newestPerStation(before);

    now = restartedAt;
    const second = await start(dataDir, env, { demoClock: () => now });
    expect(historyLines(second.lines)).toHaveLength(1);
    await feedUntil(second.pipeline, restartedAt, lastNow);
    const after = await storedReadings(dataDir);

    // The restart replaced nothing the first run stored.
    const replaced = [...before].filter(([key, r]) => after.get(key)?.receivedAt !== r.receivedAt);
    expect(replaced.map(([key]) => key)).toEqual([]);
    for (const station of registry.stations) {
      const stored = [...after.values()].filter((r) => r.stationId === station.id);
      const tsOf = (readings: Reading[]) => [...new Set(readings.map((r) => r.ts))].sort((a, b) => a - b);
      // Every period from the history's first to the last ended, none missing: the hour in
      // progress (hh:00) and the five minutes in progress (hh:45) at a start at hh:46:58 among them.
      expect(iso(tsOf(stored)), station.id).toEqual(iso(periods(station.id, historyFrom, lastNow)));
      // History: the periods ended by each start (after the stored ones at the restart) …
      const newest = newestBefore.get(station.id) ?? 0;
      expect(iso(tsOf(stored.filter((r) => r.source === "import"))), station.id).toEqual(
        iso([
          ...periods(station.id, historyFrom, startedAt),
          ...periods(station.id, newest + 1, restartedAt),
        ]),
      );
      // … the feed: every other period, from the one in progress at each start.
      expect(iso(tsOf(stored.filter((r) => r.source !== "import"))), station.id).toEqual(
        iso([
          ...feedPeriods(station.id, startedAt, firstStop),
          ...feedPeriods(station.id, restartedAt, lastNow),
        ]),
      );
    }
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
    // The count of observations is the one generated; the rest of the line is checked by the callers.
    const { msg, observations } = lines[0] as LogLine & { observations: number };
    expect(msg).toContain(`, ${observations} observation`);
    return msg.replace(/, \d+ observations?/, "");
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
