import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createStationRegistry,
  HOUR_MS,
  type MetricId,
  type Reading,
  type StationInput,
  type StationRegistry,
} from "@qingshan/domain";
import { createDuckDbStore, type TimeSeriesStore } from "@qingshan/store";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import type { ApiDeps } from "../deps.ts";
import { createApp } from "../index.ts";
import stationsJson from "./stations.json" with { type: "json" };

/** The stations of stations.json by id; a test takes the ones it needs and overrides what it varies. */
export const TEST_STATION = Object.fromEntries(
  (stationsJson as StationInput[]).map((s) => [s.id, s]),
) as Record<"aq1" | "wq1" | "noi1", StationInput>;

export const T = (iso: string): number => Date.parse(iso);

/** A valid reading, received when its period ends. */
export function reading(
  stationId: string,
  metric: MetricId,
  ts: number,
  periodMs: number,
  value: number,
): Reading {
  return { stationId, metric, ts, periodMs, value, flag: "N", source: "import", receivedAt: ts + periodMs };
}

/** `count` hourly means of `value` starting at `from` (ISO time). */
export function hourlyReadings(
  stationId: string,
  metric: MetricId,
  from: string,
  value: number,
  count: number,
): Reading[] {
  const start = T(from);
  return Array.from({ length: count }, (_, h) =>
    reading(stationId, metric, start + h * HOUR_MS, HOUR_MS, value),
  );
}

export interface ApiFixture {
  readonly registry: StationRegistry;
  /** The store, seeded before all tests. */
  readonly store: TimeSeriesStore;
  /** The app with the fixture's options (built on first use). */
  readonly app: FastifyInstance;
  /** The clock every app of the fixture reads; back to the fixture's `now` before each test. */
  now: number;
  /** Another app on the same store, registry and clock with `deps` changed. */
  appWith(deps: Partial<ApiDeps>): FastifyInstance;
}

export interface ApiFixtureOptions {
  /** Names the temporary directory of the DuckDB file. */
  readonly name: string;
  readonly stations: readonly StationInput[];
  readonly readings: readonly Reading[];
  readonly now: number;
  /** Options of the fixture's `app` beyond store, registry, clock and a metrics registry of its own. */
  readonly app?: Partial<ApiDeps>;
}

/**
 * HTTP tests of the API on a real DuckDB store with a fixed clock: registers vitest hooks that
 * create and seed the store before all tests, reset the clock before each and close every app and
 * the store after all.
 */
export function useApiFixture(options: ApiFixtureOptions): ApiFixture {
  const registry = createStationRegistry([...options.stations]);
  let dir: string | undefined;
  let store: TimeSeriesStore | undefined;
  let app: FastifyInstance | undefined;
  const apps: FastifyInstance[] = [];
  const fixture: ApiFixture = {
    registry,
    now: options.now,
    get store() {
      if (!store) throw new Error("the API fixture's store is created in beforeAll");
      return store;
    },
    get app() {
      app ??= fixture.appWith(options.app ?? {});
      return app;
    },
    appWith(deps) {
      const made = createApp({
        store: fixture.store,
        registry,
        now: () => fixture.now,
        metricsRegistry: new Registry(),
        ...deps,
      });
      apps.push(made);
      return made;
    },
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `qingshan-api-${options.name}-`));
    store = createDuckDbStore({ path: join(dir, "qingshan.duckdb") });
    await store.start();
    await store.writeReadings([...options.readings]);
  });
  beforeEach(() => {
    fixture.now = options.now;
  });
  afterAll(async () => {
    for (const made of apps) await made.close();
    await store?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return fixture;
}

/**
 * GET over HTTP from the fixture's app, listening on a free loopback port from a beforeAll this call
 * registers (after the fixture's): expects status 200; the parsed body.
 */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
export function getOverHttp(fixture: ApiFixture): (path: string) => Promise<any> {
  let base = "";
  beforeAll(async () => {
    await fixture.app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(fixture.app.server.address() as AddressInfo).port}`;
  });
  return async (path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(200);
    return res.json();
  };
}
