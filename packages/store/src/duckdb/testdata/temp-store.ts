/**
 * Scaffolding shared by the DuckDB store tests: a temporary directory for database files, stores
 * that are stopped after each test, statements run on a file with no store open on it, and a
 * snapshot of what a store returns, to compare two stores.
 * `useTempDir` and `useStartedStores` register vitest hooks: call them at the top of a test file.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { MetricId } from "@qingshan/domain";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { HourlyAggregate } from "../../store.ts";
import type { DuckDbStoreConfig } from "../config.ts";
import { createDuckDbStore, type DuckDbStore } from "../duckdb-store.ts";

export interface TempDir {
  /** The directory; set once the file's beforeAll ran, removed with all in it after the file. */
  readonly dir: string;
  /** A path for a new database file in the directory; nothing is created. */
  newPath(): string;
}

/**
 * A temporary directory named `<os tmpdir>/<prefix>XXXXXX`, made before the file's tests and
 * removed after them.
 *
 * @example
 * const temp = useTempDir("qingshan-store-");
 * it("opens a file", async () => {
 *   await createDuckDbStore({ path: temp.newPath() }).start();
 * });
 */
export function useTempDir(prefix: string): TempDir {
  let dir = "";
  beforeAll(async function makeTempDir() {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async function removeTempDir() {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    newPath: () => join(dir, `${randomUUID()}.duckdb`),
  };
}

export interface StartedStores {
  /** Creates and starts a store (in memory unless `config` says otherwise); stopped after the test. */
  open(config?: DuckDbStoreConfig): Promise<DuckDbStore>;
  /** Stops a store `open` returned before the test ends, so the test may open its file again. */
  stop(store: DuckDbStore): Promise<void>;
}

/**
 * Started stores, each stopped after the test that opened it (the last opened first).
 *
 * @example
 * const { open } = useStartedStores();
 * it("writes", async () => {
 *   const store = await open();
 *   await store.writeReadings([]);
 * });
 */
export function useStartedStores(): StartedStores {
  const stores: DuckDbStore[] = [];
  afterEach(async function stopStores() {
    while (stores.length > 0) await stores.pop()?.stop();
  });
  return {
    async open(config = { path: ":memory:" }) {
      const store = createDuckDbStore(config);
      await store.start();
      stores.push(store);
      return store;
    },
    async stop(store) {
      await store.stop();
      const index = stores.indexOf(store);
      if (index >= 0) stores.splice(index, 1);
    },
  };
}

/**
 * Runs statements on the database file at `path` directly (no store may have it open); returns
 * the last statement's rows.
 *
 * @example
 * await onFile(path, ["DELETE FROM hourly"]);
 */
export async function onFile(
  path: string,
  statements: readonly string[],
): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const sql of statements) rows = (await connection.runAndReadAll(sql)).getRowObjectsJS();
    return rows;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export interface SnapshotScope {
  readonly stations: readonly string[];
  readonly metrics: readonly MetricId[];
  /** The window queried is [0, to). */
  readonly to: number;
  /** Applied to each hourly aggregate (e.g. to round the mean); the aggregates as returned when absent. */
  readonly hour?: (aggregate: HourlyAggregate) => unknown;
}

/**
 * What `store` returns for the readings and latest values of each station and the hourly
 * aggregates of each station and metric, keyed `<station>/readings`, `<station>/latest` and
 * `<station>/<metric>/hourly`: two stores holding the same data give equal snapshots.
 *
 * @example
 * const scope = { stations: ["ST-A"], metrics: ["pm25"], to: 2 * T0 } as const;
 * expect(await storeSnapshot(store, scope)).toEqual(await storeSnapshot(reference, scope));
 */
export async function storeSnapshot(
  store: DuckDbStore,
  scope: SnapshotScope,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const stationId of scope.stations) {
    out[`${stationId}/readings`] = await store.queryReadings({ stationId, from: 0, to: scope.to });
    out[`${stationId}/latest`] = await store.latest(stationId);
    for (const metric of scope.metrics) {
      const hours = await store.queryHourly({ stationId, metric, from: 0, to: scope.to });
      out[`${stationId}/${metric}/hourly`] = scope.hour ? hours.map(scope.hour) : hours;
    }
  }
  return out;
}
