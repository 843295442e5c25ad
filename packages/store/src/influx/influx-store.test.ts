import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Reading } from "@qingshan/domain";
import { processAlive, requireService, waitFor } from "@qingshan/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createDuckDbStore } from "../duckdb/duckdb-store.ts";
import { StoreError } from "../errors.ts";
import { HOUR_MS } from "../hour.ts";
import { adapterConfig, describeStoreContract } from "../testing/contract.ts";
import { createInfluxStore, type InfluxStore } from "./influx-store.ts";
import { readingLine } from "./lines.ts";

const run = promisify(execFile);
const INFRA = join(dirname(fileURLToPath(import.meta.url)), "../../../../test/infra/influxdb");
const DAY_MS = 86_400_000;

interface Server {
  readonly url: string;
  readonly dir: string;
  pid: number;
}

async function influxdInstalled(): Promise<void> {
  await run("sh", ["-c", "command -v influxd"]).catch(() => {
    throw new Error("influxd is not installed (apt-get install -y influxdb)");
  });
}

/** Starts a private InfluxDB with test/infra/influxdb/start.sh (free loopback port, temp dir). */
async function startServer(): Promise<Server> {
  const { stdout } = await run("bash", [join(INFRA, "start.sh")], { timeout: 90_000 });
  const vars = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  return {
    url: vars.QINGSHAN_TEST_INFLUX_URL as string,
    pid: Number(vars.QINGSHAN_TEST_INFLUX_PID),
    dir: vars.QINGSHAN_TEST_INFLUX_DIR as string,
  };
}

/** Stops the server by its PID and removes its directory (test/infra/influxdb/stop.sh). */
async function stopServer(server: Server): Promise<void> {
  await run("bash", [join(INFRA, "stop.sh")], {
    env: {
      ...process.env,
      QINGSHAN_TEST_INFLUX_PID: String(server.pid),
      QINGSHAN_TEST_INFLUX_DIR: server.dir,
    },
  });
}

async function ping(url: string): Promise<void> {
  const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2_000) });
  if (response.status !== 204) throw new Error(`${url}/ping answered ${response.status}`);
}

async function influxql(url: string, q: string): Promise<unknown> {
  const response = await fetch(`${url}/query?epoch=ms`, { method: "POST", body: new URLSearchParams({ q }) });
  return response.json();
}

// The shared server: the one the CI script started, else a private one when influxd is installed.
let shared: Server | undefined;
const sharedUrl = process.env.QINGSHAN_TEST_INFLUX_URL;
const influx = await requireService("influxdb", async () => {
  if (sharedUrl) return ping(sharedUrl);
  await influxdInstalled();
  shared = await startServer();
});
const url = sharedUrl ?? shared?.url ?? "http://127.0.0.1:1";
afterAll(async () => {
  if (shared) await stopServer(shared);
});

describe.skipIf(!influx.available)(`InfluxStore${influx.note}`, () => {
  describeStoreContract("InfluxStore", async (options) => {
    const database = options?.location ?? `qingshan_test_${randomUUID().replaceAll("-", "")}`;
    const store = createInfluxStore({ url, database, ...adapterConfig(options) });
    return {
      store,
      location: database,
      async cleanup() {
        await store.stop();
        await influxql(url, `DROP DATABASE "${database}"`);
      },
    };
  });

  describe("InfluxStore specifics", () => {
    const databases: string[] = [];
    const open: InfluxStore[] = [];
    const make = (config: Parameters<typeof createInfluxStore>[0] = {}) => {
      const database = config.database ?? `qingshan_test_${randomUUID().replaceAll("-", "")}`;
      databases.push(database);
      const store = createInfluxStore({ url, database, ...config });
      open.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of open.splice(0)) await store.stop();
      for (const database of databases.splice(0)) await influxql(url, `DROP DATABASE "${database}"`);
    });

    const T0 = Date.UTC(2026, 2, 1);
    const reading = (ts: number, value: number, flag: Reading["flag"] = "N"): Reading => ({
      stationId: "ST-A",
      metric: "pm25",
      ts,
      periodMs: 0,
      value,
      flag,
      source: "mqtt-json",
      receivedAt: ts,
    });

    it("stores the documented schema: tags station+metric, hourly points at the hour's end", async () => {
      const store = make();
      await store.start();
      await store.writeReadings([reading(T0 + 5 * 60_000, 12, "M"), reading(T0 + 6 * 60_000, 14)]);
      const database = store.settings.database;
      const raw = (await influxql(
        url,
        `SELECT * FROM "${database}".."readings" WHERE station = 'ST-A' AND metric = 'pm25' AND flag = 'N'`,
      )) as { results: { series: { columns: string[]; values: unknown[][] }[] }[] };
      const series = raw.results[0]?.series[0];
      expect(series?.columns.sort()).toEqual(
        [
          "flag",
          "metric",
          "period_capped_ms",
          "period_ms",
          "received_at",
          "source",
          "station",
          "time",
          "value",
          "weighted_value",
        ].sort(),
      );
      expect(series?.values).toHaveLength(1);
      const hourly = (await influxql(
        url,
        `SELECT mean, valid_count, total_count FROM "${database}".."hourly"`,
      )) as {
        results: { series: { values: unknown[][] }[] }[];
      };
      expect(hourly.results[0]?.series[0]?.values).toEqual([[T0 + HOUR_MS, 14, 1, 2]]);
    });

    it("validates config without I/O", () => {
      expect(() => createInfluxStore({ url: "ftp://x" })).toThrow(/store.config_invalid.*store.url/);
      expect(() => createInfluxStore({ auth: { scheme: "token", token: "" } })).toThrow(/store.auth/);
      expect(() => createInfluxStore({ batchSize: 0 })).toThrow(/store.batchSize/);
      const store = createInfluxStore();
      expect(store.settings).toMatchObject({
        url: "http://127.0.0.1:8086",
        database: "qingshan",
        retentionPolicy: null,
        auth: { scheme: "none" },
        createDatabase: "ifMissing",
        batchSize: 5_000,
      });
    });

    it("refuses calls before start with store.not_started", async () => {
      const error = await make()
        .latest("ST-A")
        .catch((e: unknown) => e);
      expect((error as StoreError).code).toBe("store.not_started");
    });

    it("reports a missing database as store.database_missing when it must not create it", async () => {
      const error = await make({ createDatabase: "never" })
        .start()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe("store.database_missing");
      expect((error as StoreError).retryable).toBe(false);
    });

    it("reports an unreachable server as store.unavailable (retryable)", async () => {
      const store = make({ url: "http://127.0.0.1:1", maxRetries: 1, retryDelayMs: 10 });
      const error = await store.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe("store.unavailable");
      expect((error as StoreError).retryable).toBe(true);
      expect((error as StoreError).message).toContain("store.influx.url (QINGSHAN_INFLUX_URL)");
    });

    it("recomputes stored hours on start when validFlags changed", async () => {
      const first = make();
      await first.start();
      await first.writeReadings([reading(T0, 10), reading(T0 + 60_000, 30, "M")]);
      await first.stop();
      const { database } = first.settings;

      const strict = make({
        database,
        validFlags: ["N", "M"],
        hourlyRecompute: { onValidFlagsChange: "fail" },
      });
      const error = await strict.start().catch((e: unknown) => e);
      expect((error as StoreError).code).toBe("store.valid_flags_changed");

      const rebuilt = make({ database, validFlags: ["N", "M"] });
      await rebuilt.start();
      const [hour] = await rebuilt.queryHourly({
        stationId: "ST-A",
        metric: "pm25",
        from: T0,
        to: T0 + HOUR_MS,
      });
      expect(hour).toMatchObject({ mean: 20, validCount: 2, totalCount: 2 });
    });

    it("splits a big call into batchSize requests and still lands every reading once", async () => {
      const store = make({ batchSize: 700 });
      await store.start();
      const batch = Array.from({ length: 3_000 }, (_, i) => reading(T0 + i * 60_000, i % 7));
      await store.writeReadings(batch);
      await store.writeReadings(batch.slice(1_000, 2_500));
      const got = await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + 3_000 * 60_000 });
      expect(got).toEqual(batch);
      const hours = await store.queryHourly({
        stationId: "ST-A",
        metric: "pm25",
        from: 0,
        to: T0 + DAY_MS * 3,
      });
      expect(hours.reduce((n, h) => n + h.totalCount, 0)).toBe(3_000);
    });

    const hourOf = async (store: InfluxStore) =>
      (await store.queryHourly({ stationId: "ST-A", metric: "pm25", from: T0, to: T0 + HOUR_MS }))[0];
    /** Writes raw points straight to InfluxDB, behind the store's back (its hourly points untouched). */
    const writeRawBehindTheStore = async (database: string, readings: readonly Reading[]) => {
      const response = await fetch(`${url}/write?db=${database}&precision=ms`, {
        method: "POST",
        body: readings.map(readingLine).join("\n"),
      });
      expect(response.status).toBe(204);
    };

    it("merges an hour's newer readings into its point without reading its raw readings again; a rewrite recomputes", async () => {
      const store = make();
      await store.start();
      const { database } = store.settings;
      const at = (minute: number, value: number, periodMinutes: number, flag: Reading["flag"] = "N") => ({
        ...reading(T0 + minute * 60_000, value, flag),
        periodMs: periodMinutes * 60_000,
      });
      await store.writeReadings([at(10, 10, 10), at(20, 20, 10, "M")]);
      await store.writeReadings([at(50, 40, 20)]);
      // 10 µg/m³ over 10 min and 40 over 10 min of its 20 in the hour (the rest is the next hour's):
      // equal times, so the arithmetic mean (HOUR_MEAN rule).
      expect(await hourOf(store)).toMatchObject({ mean: 25, min: 10, max: 40, validCount: 2, totalCount: 3 });
      // The raw 10 becomes 1000 behind the store's back: a merge does not see it, a recompute would.
      await writeRawBehindTheStore(database, [at(10, 1000, 10)]);
      expect((await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS }))[0]?.value).toBe(
        1000,
      );
      await store.writeReadings([at(55, 70, 5)]);
      // Merged into the point: 10 over 10 min, 40 over 10 min, 70 over 5 min: (100 + 400 + 350) / 25.
      expect(await hourOf(store)).toMatchObject({ mean: 34, min: 10, max: 70, validCount: 3, totalCount: 4 });
      // A rewrite of a stored time cannot be merged: the hour is recomputed from its raw readings,
      // 1000 over 10 min, 40 over 10 min, 60 over 5 min: (10 000 + 400 + 300) / 25.
      await store.writeReadings([at(55, 60, 5)]);
      expect(await hourOf(store)).toMatchObject({
        mean: 428,
        min: 40,
        max: 1000,
        validCount: 3,
        totalCount: 4,
      });
    });

    it("recomputes an hour whose point was rewritten without its merge state (an older version's recompute)", async () => {
      const store = make();
      await store.start();
      const { database } = store.settings;
      await store.writeReadings([reading(T0 + 60_000, 10), reading(T0 + 120_000, 20)]);
      // An older writer recomputed the hour (after a third reading) and wrote the aggregates only.
      await store.writeReadings([reading(T0 + 180_000, 30)]);
      await fetch(`${url}/write?db=${database}&precision=ms`, {
        method: "POST",
        body: `hourly,metric=pm25,station=ST-A mean=99,min=99,max=99,valid_count=3i,total_count=5i,valid_period_ms=0i ${T0 + HOUR_MS}`,
      });
      await store.writeReadings([reading(T0 + 240_000, 40)]);
      expect(await hourOf(store)).toMatchObject({ mean: 25, min: 10, max: 40, validCount: 4, totalCount: 4 });
    });

    it("gives the same hours as the DuckDB store for live, late, rewritten and invalid readings", async () => {
      const store = make();
      await store.start();
      const duck = createDuckDbStore({ path: ":memory:" });
      await duck.start();
      try {
        let seed = 7;
        const random = () => {
          seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
          return seed / 2 ** 31;
        };
        const periods = [0, 60_000, 300_000, 1_200_000];
        let ts = T0;
        for (let batch = 0; batch < 12; batch++) {
          const readings: Reading[] = [];
          for (let i = 0; i < 40; i++) {
            // Mostly live (newer), some late or rewritten within the last hours.
            ts += Math.floor(random() * 4) * 60_000;
            const when = random() < 0.15 ? ts - Math.floor(random() * 180) * 60_000 : ts;
            readings.push({
              ...reading(when, Math.round(random() * 5000) / 10, random() < 0.1 ? "M" : "N"),
              periodMs: periods[Math.floor(random() * periods.length)] as number,
            });
          }
          await store.writeReadings(readings);
          await duck.writeReadings(readings);
        }
        const query = {
          stationId: "ST-A",
          metric: "pm25" as const,
          from: T0 - HOUR_MS,
          to: ts + 2 * HOUR_MS,
        };
        const expected = await duck.queryHourly(query);
        const got = await store.queryHourly(query);
        expect(got.map(({ mean: _, ...h }) => h)).toEqual(expected.map(({ mean: _, ...h }) => h));
        got.forEach((h, i) => {
          if (h.mean === null) expect(expected[i]?.mean).toBeNull();
          else expect(h.mean).toBeCloseTo(expected[i]?.mean as number, 9);
        });
        expect(got.length).toBeGreaterThan(3);
      } finally {
        await duck.stop();
      }
    });

    it("pages raw queries larger than queryPageSize", async () => {
      const store = make({ queryPageSize: 7 });
      await store.start();
      const batch = Array.from({ length: 30 }, (_, i) => reading(T0 + i * 60_000, i));
      await store.writeReadings(batch);
      expect(await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS })).toEqual(batch);
      expect(await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS, limit: 9 })).toEqual(
        batch.slice(0, 9),
      );
    });
  });
});

const influxd = await requireService("influxd (to stop and restart a private server)", influxdInstalled);

describe.skipIf(!influxd.available)(`InfluxStore while the server is down${influxd.note}`, () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await stopServer(server);
    server = undefined;
  });

  it("rejects writes with store.unavailable while InfluxDB is stopped and stores them once it is back", async () => {
    server = await startServer();
    const store = createInfluxStore({ url: server.url, database: "outage", maxRetries: 1, retryDelayMs: 20 });
    await store.start();
    const T0 = Date.UTC(2026, 2, 1);
    const batch: Reading[] = [0, 1, 2].map((i) => ({
      stationId: "ST-A",
      metric: "pm25",
      ts: T0 + i * 60_000,
      periodMs: 0,
      value: i,
      flag: "N",
      source: "mqtt-json",
      receivedAt: T0,
    }));
    await store.writeReadings(batch.slice(0, 1));

    process.kill(server.pid, "SIGTERM");
    const pid = server.pid;
    await waitFor(() => !processAlive(pid), { what: "influxd to exit", timeoutMs: 20_000 });
    const error = await store.writeReadings(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe("store.unavailable");
    expect((error as StoreError).retryable).toBe(true);
    expect((await store.health()).ok).toBe(false);

    // Same config, same data dir, same port: the server comes back.
    const child = spawn("influxd", ["-config", join(server.dir, "influxdb.conf")], {
      stdio: "ignore",
      detached: false,
    });
    server.pid = child.pid as number;
    await waitFor(() => ping(server?.url ?? "").then(() => true), {
      what: "influxd to return",
      timeoutMs: 60_000,
    });

    await store.writeReadings(batch);
    expect(await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS })).toEqual(batch);
    const [hour] = await store.queryHourly({ stationId: "ST-A", metric: "pm25", from: T0, to: T0 + HOUR_MS });
    expect(hour).toMatchObject({ totalCount: 3, validCount: 3, mean: 1 });
    expect((await store.health()).ok).toBe(true);
    await store.stop();
    expect(existsSync(server.dir)).toBe(true);
  }, 120_000);
});
