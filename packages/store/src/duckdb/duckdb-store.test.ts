import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { StoreError } from "../errors.ts";
import { HOUR_MS, hourEndOf, hourEndSql } from "../hour.ts";
import { adapterConfig, describeStoreContract } from "../testing/contract.ts";
import { createDuckDbStore, type DuckDbStore } from "./duckdb-store.ts";
import { onFile, useTempDir } from "./testdata/temp-store.ts";

const DAY_MS = 86_400_000;
const temp = useTempDir("qingshan-store-");
const { newPath } = temp;

/**
 * Starts a DuckDB store on `path` in a child process whose files may not grow (sh `ulimit -f 0`):
 * DuckDB can create a file but not write to it. Its stdout: "started" or "<code> <message>".
 */
async function startUnderFileSizeLimit(path: string): Promise<string> {
  const script = `
    import { createDuckDbStore } from ${JSON.stringify(join(import.meta.dirname, "duckdb-store.ts"))};
    const store = createDuckDbStore({ path: ${JSON.stringify(path)} });
    try { await store.start(); await store.stop(); console.log("started"); }
    catch (error) { console.log(error.code, error.message); }`;
  const child = spawn(
    "sh",
    ["-c", 'ulimit -f 0 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script],
    // stdout must be a pipe: the limit would refuse writes to a file too.
    { cwd: import.meta.dirname, stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout.on("data", (data: Buffer) => {
    output += data.toString();
  });
  await new Promise((resolve) => child.on("close", resolve));
  return output.trim();
}

async function removeDatabase(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.wal`, { force: true });
}

describeStoreContract("DuckDbStore", async (options) => {
  const path = options?.location ?? newPath();
  const store = createDuckDbStore({ path, ...adapterConfig(options) });
  return {
    store,
    location: path,
    async cleanup() {
      await store.stop();
      await removeDatabase(path);
    },
  };
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

describe("DuckDbStore specifics", () => {
  const open: DuckDbStore[] = [];
  const children: ChildProcess[] = [];
  const make = (config: Parameters<typeof createDuckDbStore>[0]) => {
    const store = createDuckDbStore(config);
    open.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of open.splice(0)) await store.stop();
    for (const child of children.splice(0)) {
      if (child.exitCode === null) {
        child.kill();
        await new Promise((resolve) => child.once("exit", resolve));
      }
    }
  });

  async function rejection(promise: Promise<unknown>): Promise<StoreError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }

  it("validates config without I/O", () => {
    const path = join(temp.dir, "never", "created.duckdb");
    expect(() => createDuckDbStore({ path, validFlags: [] })).toThrow(
      /store.config_invalid.*store.validFlags/,
    );
    expect(() => createDuckDbStore({ path, retention: { rawReadingsDays: -1 } })).toThrow(
      /store.retention.rawReadingsDays/,
    );
    expect(() => createDuckDbStore({ path, memoryLimit: "lots" })).toThrow(/store.memoryLimit/);
    const store = createDuckDbStore({ path });
    expect(store.settings.retention).toEqual({ rawReadingsDays: 400, deadLetterDays: 90 });
    expect(existsSync(join(temp.dir, "never"))).toBe(false);
  });

  it("applies defaults: ./data/qingshan.duckdb, validFlags N", () => {
    const store = createDuckDbStore();
    expect(store.settings.path).toBe("./data/qingshan.duckdb");
    expect(store.settings.validFlags).toEqual(["N"]);
    expect(store.path.endsWith("/data/qingshan.duckdb")).toBe(true);
  });

  it("creates the directory of the database file", async () => {
    const path = join(temp.dir, randomUUID(), "nested", "q.duckdb");
    await make({ path }).start();
    expect(existsSync(path)).toBe(true);
  });

  it("names the data directory setting when the file is locked by another process", async () => {
    const path = newPath();
    const nodeApi = createRequire(import.meta.url).resolve("@duckdb/node-api");
    const child = spawn(
      process.execPath,
      [
        "-e",
        `require(${JSON.stringify(nodeApi)}).DuckDBInstance.create(${JSON.stringify(path)})
           .then((db) => { globalThis.db = db; console.log("opened"); setInterval(() => {}, 1000); })`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(child);
    let output = "";
    child.stdout?.on("data", (data: Buffer) => {
      output += data.toString();
    });
    await waitFor(() => output.includes("opened"), { what: "the other process to open the file" });
    const error = await rejection(make({ path }).start());
    expect(error.code).toBe("store.locked");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(path);
    expect(error.message).toContain("dataDir (QINGSHAN_DATA_DIR)");
    expect(error.message).toContain(`PID ${child.pid}`);
  });

  it("refuses a second store on the same file in this process", async () => {
    const path = newPath();
    await make({ path }).start();
    const error = await rejection(make({ path }).start());
    expect(error.code).toBe("store.locked");
    expect(error.message).toContain("dataDir (QINGSHAN_DATA_DIR)");
  });

  it("lets the path be opened again once the first store stopped", async () => {
    const path = newPath();
    const first = make({ path });
    await first.start();
    await first.stop();
    await make({ path }).start();
  });

  it("reports a path that cannot be created as store.not_writable", async () => {
    const file = join(temp.dir, `${randomUUID()}.txt`);
    await writeFile(file, "a regular file, not a directory");
    const error = await rejection(make({ path: join(file, "q.duckdb") }).start());
    expect(error.code).toBe("store.not_writable");
    expect(error.message).toContain("dataDir (QINGSHAN_DATA_DIR)");
  });

  it("reports a file that is not a DuckDB database as store.corrupt", async () => {
    const path = newPath();
    await writeFile(path, "not a database ".repeat(1000));
    const error = await rejection(make({ path }).start());
    expect(error.code).toBe("store.corrupt");
    expect(error.message).toContain(path);
    // It was there before the open: never removed.
    expect(existsSync(path)).toBe(true);
  });

  it("an open that fails after creating a new file removes it, so the next open succeeds (a full disk)", async (ctx) => {
    if (process.platform === "win32") {
      ctx.skip("needs sh's ulimit -f");
      return;
    }
    const path = newPath();
    // A real refused write after DuckDB created the file, as on a full disk (ENOSPC): a file
    // size limit of 0 blocks (EFBIG). Before, the 0-byte file stayed and every later open
    // reported store.corrupt.
    const outcome = await startUnderFileSizeLimit(path);
    expect(outcome).toMatch(/^store\.open_failed .*File too large/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.wal`)).toBe(false);
    const store = make({ path });
    await store.start();
    await store.writeReadings([reading(T0, 1)]);
    expect(await store.queryReadings({ stationId: "ST-A", from: 0, to: T0 * 2 })).toHaveLength(1);
  });

  it("rejects an unstorable reading with its index and field, storing nothing of the batch", async () => {
    const store = make({ path: newPath() });
    await store.start();
    const error = await rejection(store.writeReadings([reading(T0, 1), reading(T0 + 0.5, 2)]));
    expect(error.code).toBe("store.reading_invalid");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("readings[1].ts");
    const nonFinite = await rejection(store.writeReadings([reading(T0, Number.NaN)]));
    expect(nonFinite.message).toContain("readings[0].value");
    expect(await store.queryReadings({ stationId: "ST-A", from: 0, to: T0 * 2 })).toEqual([]);
  });

  it("rejects NaN bounds and bad limits as store.query_invalid", async () => {
    const store = make({ path: newPath() });
    await store.start();
    const nan = await rejection(store.queryReadings({ stationId: "ST-A", from: Number.NaN, to: 1 }));
    expect(nan.code).toBe("store.query_invalid");
    const limit = await rejection(store.queryDeadLetters({ limit: -1 }));
    expect(limit.code).toBe("store.query_invalid");
  });

  it("refuses calls before start with store.not_started", async () => {
    const store = make({ path: newPath() });
    const error = await rejection(store.latest("ST-A"));
    expect(error.code).toBe("store.not_started");
  });

  it("recomputes stored hours on start when validFlags changed", async () => {
    const path = newPath();
    const first = make({ path });
    await first.start();
    await first.writeReadings([reading(T0, 10), reading(T0 + 60_000, 30, "M")]);
    await first.stop();

    const strict = make({ path, validFlags: ["N", "M"], hourlyRecompute: { onValidFlagsChange: "fail" } });
    const error = await rejection(strict.start());
    expect(error.code).toBe("store.valid_flags_changed");
    expect(error.message).toContain("onValidFlagsChange");

    const rebuilt = make({ path, validFlags: ["N", "M"] });
    await rebuilt.start();
    const [hour] = await rebuilt.queryHourly({
      stationId: "ST-A",
      metric: "pm25",
      from: T0,
      to: T0 + HOUR_MS,
    });
    expect(hour).toMatchObject({ mean: 20, validCount: 2, totalCount: 2 });
  });

  // GB 3095-2012 Table 4 counts sampling time IN the hour: a file written when a reading credited
  // its hour up to 1 h is corrected on open, for the hours holding a reading past the hour's end.
  // Samples of unequal length weigh by their time in the hour (the columns came with this rule).
  it("recomputes on open the hours of a file stored crediting a reading up to 1 h, without weights", async () => {
    const path = newPath();
    const first = make({ path });
    await first.start();
    const MIN = 60_000;
    await first.writeReadings([
      { ...reading(T0, 30), periodMs: HOUR_MS }, // aligned: all 60 min in the hour
      { ...reading(T0 + HOUR_MS + 50 * MIN, 70), periodMs: HOUR_MS }, // 10 of 60 min in the hour
      { ...reading(T0 + 2 * HOUR_MS, 10), periodMs: 30 * MIN },
      { ...reading(T0 + 2 * HOUR_MS + 30 * MIN, 40), periodMs: 15 * MIN }, // (300 + 600) / 45 = 20
      ...[0, 1, 2].map((i) => ({ ...reading(T0 + 3 * HOUR_MS + i * 20 * MIN, 10 * i), periodMs: 20 * MIN })),
    ]);
    await first.stop();
    // As the build before stored it: each reading credited min(period, 1 h), the arithmetic mean
    // (25 in the mixed hour, as `mean` holds it), no weight columns, no hour_credit key.
    await onFile(path, [
      `UPDATE hourly SET valid_period_ms = ${HOUR_MS} WHERE hour_end = ${T0 + 2 * HOUR_MS}`,
      "ALTER TABLE hourly DROP COLUMN weighted_sum",
      "ALTER TABLE hourly DROP COLUMN min_weight_ms",
      "ALTER TABLE hourly DROP COLUMN max_weight_ms",
      "DELETE FROM store_meta WHERE key = 'hour_credit'",
    ]);

    const migrated = make({ path });
    await migrated.start();
    const hours = await migrated.queryHourly({
      stationId: "ST-A",
      metric: "pm25",
      from: T0,
      to: T0 + DAY_MS,
    });
    expect(hours.map((h) => [h.hourEnd, h.mean, h.validPeriodMs])).toEqual([
      [T0 + HOUR_MS, 30, HOUR_MS],
      [T0 + 2 * HOUR_MS, 70, 10 * MIN],
      [T0 + 3 * HOUR_MS, 20, 45 * MIN],
      [T0 + 4 * HOUR_MS, 10, HOUR_MS],
    ]);
    // An hour not recomputed has its weights (3 × 20 min): a late reading of another length weighs
    // with them — (0·20 + 10·20 + 20·20 + 100·15) / 75 = 28.
    await migrated.writeReadings([{ ...reading(T0 + 3 * HOUR_MS + 1, 100), periodMs: 15 * MIN }]);
    const [hour] = await migrated.queryHourly({
      stationId: "ST-A",
      metric: "pm25",
      from: T0 + 3 * HOUR_MS,
      to: T0 + 4 * HOUR_MS,
    });
    expect(hour?.mean).toBeCloseTo(28, 9);
    await migrated.stop();
    expect(await onFile(path, ["SELECT value FROM store_meta WHERE key = 'hour_credit'"])).toEqual([
      { value: "in-hour-weighted" },
    ]);
  });

  it("adds the alert_events table to a database created before it existed", async () => {
    const path = newPath();
    const first = make({ path });
    await first.start();
    await first.writeReadings([reading(T0, 1)]);
    await first.stop();
    await onFile(path, ["DROP TABLE alert_events"]);

    const migrated = make({ path });
    await migrated.start();
    const event = {
      id: "e1",
      alertId: "a1",
      type: "raised",
      at: "2026-03-01T08:00:00.000+08:00",
      ruleId: "r1",
      stationId: "ST-A",
      severity: "info",
      message: { zh: "测试", en: "test" },
    } as const;
    await migrated.writeAlertEvents([event]);
    expect(await migrated.queryAlertEvents({})).toEqual([event]);
    expect(await migrated.latest("ST-A")).toHaveLength(1);
  });

  it("stores an alert event without waiting behind a readings write in progress", async () => {
    const store = make({ path: newPath() });
    await store.start();
    const t0 = Date.UTC(2026, 0, 1);
    const readings: Reading[] = Array.from({ length: 300_000 }, (_, i) => ({
      stationId: `ST-${i % 50}`,
      metric: "pm25",
      ts: t0 + Math.floor(i / 50) * 60_000,
      periodMs: 60_000,
      value: 30 + (i % 17),
      flag: "N",
      source: "mqtt-json",
      receivedAt: t0,
    }));
    const order: string[] = [];
    const big = store.writeReadings(readings).then(() => order.push("readings"));
    const event = store
      .writeAlertEvents([
        {
          id: "ev-1",
          alertId: "alert-1",
          type: "raised",
          at: "2026-01-01T08:00:00.000+08:00",
          ruleId: "aqi-hourly-heavy",
          stationId: "ST-1",
          severity: "critical",
          message: { zh: "小时AQI 235 > 200", en: "hourly AQI 235 > 200" },
        },
      ])
      .then(() => order.push("alert"));
    await Promise.all([big, event]);
    expect(order).toEqual(["alert", "readings"]);
    expect((await store.queryAlertEvents({})).map((e) => e.id)).toEqual(["ev-1"]);
    const hours = await store.queryHourly({
      stationId: "ST-1",
      metric: "pm25",
      from: t0,
      to: t0 + 3_600_000,
    });
    expect(hours).toHaveLength(1);
    expect(hours[0]?.totalCount).toBe(60);
  });

  it("runs in memory with path :memory:", async () => {
    const store = make({ path: ":memory:" });
    await store.start();
    await store.writeReadings([reading(T0, 3)]);
    expect(await store.latest("ST-A")).toHaveLength(1);
    expect(store.path).toBe(":memory:");
  });

  it("hourEndSql computes what hourEndOf computes", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const samples = [0, 1, -1, HOUR_MS, -HOUR_MS, HOUR_MS - 1, T0, T0 - 1, T0 + 1, T0 + HOUR_MS - 1];
      for (const ts of samples) {
        const reader = await connection.runAndReadAll(
          `SELECT ${hourEndSql("x")} AS h FROM (SELECT $x::BIGINT AS x)`,
          {
            x: BigInt(ts),
          },
        );
        expect(Number(reader.getRowsJS()[0]?.[0])).toBe(hourEndOf(ts));
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
