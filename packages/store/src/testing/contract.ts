/**
 * The TimeSeriesStore contract suite: every adapter (DuckDB, InfluxDB) runs it against the real
 * database (STYLE.md "The interface owns the contract suite").
 *
 * Adapter-neutral by construction:
 * - `create` is called once per test (more for durability) and must return a store isolated
 *   from every earlier one (DuckDB: a new file; InfluxDB: a new database), NOT yet started.
 * - `create({ location })` with the `location` of an earlier fixture must open the same stored
 *   data (a file path, a database name): that is how durability across stop/start is checked.
 * - `validFlags` and `retention` in the options configure the adapter under test.
 * - Means are compared with toBeCloseTo: engines may sum floating-point values in any order.
 */
import type { AlertEvent, DataFlag, DeadLetter, MetricId, Reading } from "@qingshan/domain";
import { afterEach, describe, expect, it } from "vitest";
import { StoreError } from "../errors.ts";
import { HOUR_MS } from "../hour.ts";
import { hourlyAggregateAt } from "../hourly-columns.ts";
import type { RetentionSettings, TimeSeriesStore } from "../store.ts";

export interface StoreFixtureOptions {
  /** The `location` of an earlier fixture: open the same stored data. */
  readonly location?: string;
  /** Flags whose values enter hourly statistics; the adapter default (["N"]) when absent. */
  readonly validFlags?: readonly DataFlag[];
  /** Retention horizons; Infinity keeps forever. The adapter default when absent. */
  readonly retention?: RetentionSettings;
}

export interface StoreFixture {
  /** A store that has not been started. */
  readonly store: TimeSeriesStore;
  /** Opaque handle of the stored data (file path, database name). */
  readonly location: string;
  /** Stops the store if it runs, then removes what this fixture stored. Safe to call twice. */
  cleanup(): Promise<void>;
}

export type StoreFactory = (options?: StoreFixtureOptions) => Promise<StoreFixture>;

/**
 * The adapter config `options` ask for, to spread into a DuckDB or InfluxDB store's config:
 * `validFlags`, and `retention` in days (null for Infinity: kept for ever).
 */
export function adapterConfig(options?: StoreFixtureOptions): {
  validFlags?: DataFlag[];
  retention?: { rawReadingsDays: number | null; deadLetterDays: number | null };
} {
  const toDays = (ms: number) => (Number.isFinite(ms) ? ms / 86_400_000 : null);
  return {
    ...(options?.validFlags ? { validFlags: [...options.validFlags] } : {}),
    ...(options?.retention
      ? {
          retention: {
            rawReadingsDays: toDays(options.retention.rawReadingsMs),
            deadLetterDays: toDays(options.retention.deadLettersMs),
          },
        }
      : {}),
  };
}

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0); // 2026-03-01T00:00Z, an hour boundary
const MIN = 60_000;
const DAY = 86_400_000;

function reading(overrides: Partial<Reading> & Pick<Reading, "ts">): Reading {
  return {
    stationId: "ST-A",
    metric: "pm25",
    periodMs: 0,
    value: 10,
    flag: "N",
    source: "mqtt-json",
    receivedAt: overrides.ts + 1_000,
    ...overrides,
  };
}

function letter(overrides: Partial<DeadLetter> & Pick<DeadLetter, "id" | "receivedAt">): DeadLetter {
  return {
    source: "mqtt",
    origin: "stations/ST-A/air",
    stationId: "ST-A",
    code: "value.out_of_range",
    path: "values.pm25",
    message: "values.pm25 is -5, expected a value in [0, 2000]",
    payload: '{"values":{"pm25":-5}}',
    ...overrides,
  };
}

/** ISO 8601 in Beijing time (+08:00) of a UTC epoch-ms instant, as the domain writes `at`. */
function beijing(ms: number): string {
  return `${new Date(ms + 8 * HOUR_MS).toISOString().slice(0, -1)}+08:00`;
}

function alertEvent(overrides: Partial<AlertEvent> & Pick<AlertEvent, "id">): AlertEvent {
  return {
    alertId: "alert-1",
    type: "raised",
    at: beijing(T0),
    ruleId: "aqi-hourly-heavy",
    stationId: "ST-A",
    severity: "critical",
    message: { zh: "小时AQI 235 > 200 (重度污染)", en: "hourly AQI 235 > 200 (heavily polluted)" },
    ...overrides,
  };
}

/**
 * Registers the contract suite for one adapter.
 *
 * @example
 * describeStoreContract("DuckDbStore", async (options) => {
 *   const path = options?.location ?? join(dir, `${randomUUID()}.duckdb`);
 *   const store = createDuckDbStore({ path, validFlags: options?.validFlags });
 *   return { store, location: path, cleanup: () => store.stop() };
 * });
 */
export function describeStoreContract(name: string, create: StoreFactory): void {
  describe(`TimeSeriesStore contract: ${name}`, () => {
    const fixtures: StoreFixture[] = [];

    async function started(options?: StoreFixtureOptions): Promise<TimeSeriesStore> {
      const fixture = await create(options);
      fixtures.push(fixture);
      await fixture.store.start();
      return fixture.store;
    }

    afterEach(async () => {
      // Newest first: a reopened fixture closes before the one whose data it shares.
      for (const fixture of fixtures.reverse()) await fixture.cleanup();
      fixtures.length = 0;
    });

    describe("raw readings", () => {
      it("round-trips every field, ascending by ts then metric", async () => {
        const store = await started();
        const written = [
          reading({
            ts: T0 + 2 * MIN,
            metric: "pm10",
            value: 55.5,
            periodMs: 3_600_000,
            source: "tcp-hj212",
          }),
          reading({ ts: T0, value: 12.25, flag: "M", receivedAt: T0 + 42 }),
          reading({ ts: T0 + 2 * MIN, value: 13 }),
          reading({ ts: T0, stationId: "ST-B", value: 99 }),
        ];
        await store.writeReadings(written);
        const got = await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS });
        expect(got).toEqual([written[1], written[0], written[2]]);
      });

      it("filters by metric and applies the limit to the earliest readings", async () => {
        const store = await started();
        await store.writeReadings(
          [0, 1, 2, 3].flatMap((i) => [
            reading({ ts: T0 + i * MIN, value: i }),
            reading({ ts: T0 + i * MIN, metric: "o3", value: 100 + i }),
          ]),
        );
        const o3 = await store.queryReadings({ stationId: "ST-A", metric: "o3", from: T0, to: T0 + HOUR_MS });
        expect(o3.map((r) => r.value)).toEqual([100, 101, 102, 103]);
        const limited = await store.queryReadings({
          stationId: "ST-A",
          metric: "pm25",
          from: T0,
          to: T0 + HOUR_MS,
          limit: 2,
        });
        expect(limited.map((r) => r.ts)).toEqual([T0, T0 + MIN]);
      });

      it("bounds raw queries as [from, to)", async () => {
        const store = await started();
        await store.writeReadings([T0 - 1, T0, T0 + MIN, T0 + 2 * MIN].map((ts) => reading({ ts })));
        const got = await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + 2 * MIN });
        expect(got.map((r) => r.ts)).toEqual([T0, T0 + MIN]);
      });

      it("returns nothing for an unknown station and accepts an empty write", async () => {
        const store = await started();
        await store.writeReadings([]);
        expect(await store.queryReadings({ stationId: "NOPE", from: 0, to: T0 * 2 })).toEqual([]);
      });

      it("writes 10 000 readings in one call", async () => {
        const store = await started();
        const batch = Array.from({ length: 10_000 }, (_, i) =>
          reading({ ts: T0 + i * MIN, stationId: i % 2 === 0 ? "ST-A" : "ST-B", value: i % 100 }),
        );
        await store.writeReadings(batch);
        const a = await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + 10_000 * MIN });
        expect(a).toHaveLength(5_000);
        expect(a.at(-1)).toEqual(batch[9_998]);
        const hours = await store.queryHourly({
          stationId: "ST-B",
          metric: "pm25",
          from: 0,
          to: T0 + DAY * 30,
        });
        expect(hours.reduce((n, h) => n + h.totalCount, 0)).toBe(5_000);
        expect(hours[0]).toMatchObject({ hourEnd: T0 + HOUR_MS, totalCount: 30, validCount: 30 });
      });

      it("reads hours as columns, in hour order, null as NaN, over more hours than one result chunk", async () => {
        const store = await started();
        const hours = 3_000;
        // One hourly reading per hour; every 7th hour's only reading is flagged invalid.
        const batch = Array.from({ length: hours }, (_, k) =>
          reading({
            ts: T0 + k * HOUR_MS,
            periodMs: HOUR_MS,
            value: (k % 100) + 0.5,
            flag: k % 7 === 0 ? "C" : "N",
          }),
        );
        await store.writeReadings(batch);
        const query = { stationId: "ST-A", metric: "pm25" as const, from: T0, to: T0 + hours * HOUR_MS };
        const columns = await store.queryHourlyColumns(query);
        expect(columns).toMatchObject({ stationId: "ST-A", metric: "pm25", length: hours });
        const expected = (k: number) => (k % 7 === 0 ? Number.NaN : (k % 100) + 0.5);
        for (const k of [0, 1, 2047, 2048, 2049, 2999]) {
          expect(columns.hourEnd[k]).toBe(T0 + (k + 1) * HOUR_MS);
          expect(columns.mean[k]).toBe(expected(k));
          expect(columns.min[k]).toBe(expected(k));
          expect(columns.max[k]).toBe(expected(k));
          expect(columns.validCount[k]).toBe(k % 7 === 0 ? 0 : 1);
          expect(columns.totalCount[k]).toBe(1);
          expect(columns.validPeriodMs[k]).toBe(k % 7 === 0 ? 0 : HOUR_MS);
        }
        const rows = await store.queryHourly(query);
        expect(rows).toEqual(Array.from({ length: hours }, (_, k) => hourlyAggregateAt(columns, k)));
        expect(rows[7]).toMatchObject({ mean: null, min: null, max: null, validCount: 0 });
        expect((await store.queryHourlyColumns({ ...query, stationId: "NOPE" })).length).toBe(0);
      });

      it("lands every reading of concurrent writes", async () => {
        const store = await started();
        await Promise.all(
          [0, 1, 2, 3, 4].map((w) =>
            store.writeReadings([0, 1, 2].map((i) => reading({ ts: T0 + (w * 3 + i) * MIN, value: w }))),
          ),
        );
        const got = await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS });
        expect(got).toHaveLength(15);
        const [hour] = await store.queryHourly({
          stationId: "ST-A",
          metric: "pm25",
          from: T0,
          to: T0 + HOUR_MS,
        });
        expect(hour?.totalCount).toBe(15);
      });
    });

    describe("idempotency (same station + metric + ts overwrites)", () => {
      it("overwrites value and flag and never double-counts", async () => {
        const store = await started();
        await store.writeReadings([
          reading({ ts: T0 + 5 * MIN, value: 10 }),
          reading({ ts: T0 + 6 * MIN, value: 30 }),
        ]);
        await store.writeReadings([reading({ ts: T0 + 5 * MIN, value: 20, flag: "N" })]);
        await store.writeReadings([reading({ ts: T0 + 5 * MIN, value: 20, flag: "N" })]);
        let [hour] = await store.queryHourly({
          stationId: "ST-A",
          metric: "pm25",
          from: T0,
          to: T0 + HOUR_MS,
        });
        expect(hour).toMatchObject({ validCount: 2, totalCount: 2, min: 20, max: 30 });
        expect(hour?.mean).toBeCloseTo(25, 9);

        await store.writeReadings([reading({ ts: T0 + 5 * MIN, value: 999, flag: "D" })]);
        const raw = await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS });
        expect(raw.map((r) => [r.value, r.flag])).toEqual([
          [999, "D"],
          [30, "N"],
        ]);
        [hour] = await store.queryHourly({ stationId: "ST-A", metric: "pm25", from: T0, to: T0 + HOUR_MS });
        expect(hour).toMatchObject({ mean: 30, min: 30, max: 30, validCount: 1, totalCount: 2 });
      });

      it("reports null mean/min/max once the only valid reading of an hour is re-flagged invalid", async () => {
        const store = await started();
        await store.writeReadings([reading({ ts: T0 + 5 * MIN, value: 10, periodMs: 5 * MIN })]);
        await store.writeReadings([reading({ ts: T0 + 5 * MIN, value: 10, periodMs: 5 * MIN, flag: "C" })]);
        const [hour] = await store.queryHourly({
          stationId: "ST-A",
          metric: "pm25",
          from: T0,
          to: T0 + HOUR_MS,
        });
        expect(hour).toMatchObject({
          mean: null,
          min: null,
          max: null,
          validCount: 0,
          totalCount: 1,
          validPeriodMs: 0,
        });
      });

      it("keeps the last of duplicate keys within one batch", async () => {
        const store = await started();
        await store.writeReadings([
          reading({ ts: T0, value: 1 }),
          reading({ ts: T0, value: 2, flag: "C" }),
          reading({ ts: T0, value: 3 }),
        ]);
        const raw = await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + 1 });
        expect(raw.map((r) => r.value)).toEqual([3]);
        const [hour] = await store.queryHourly({
          stationId: "ST-A",
          metric: "pm25",
          from: T0,
          to: T0 + HOUR_MS,
        });
        expect(hour).toMatchObject({ mean: 3, validCount: 1, totalCount: 1 });
      });

      it("treats the same ts of another metric or station as a different key", async () => {
        const store = await started();
        await store.writeReadings([
          reading({ ts: T0, value: 1 }),
          reading({ ts: T0, value: 2, metric: "pm10" }),
          reading({ ts: T0, value: 3, stationId: "ST-B" }),
        ]);
        expect(await store.queryReadings({ stationId: "ST-A", from: T0, to: T0 + 1 })).toHaveLength(2);
        expect(await store.queryReadings({ stationId: "ST-B", from: T0, to: T0 + 1 })).toHaveLength(1);
      });
    });

    describe("hourly aggregates (air-aqi.md §8: labelled by the hour's end)", () => {
      const series = { stationId: "ST-A", metric: "pm25" as MetricId };

      it("puts a reading at exactly HH:00:00.000 into the hour labelled HH+1", async () => {
        const store = await started();
        await store.writeReadings([
          reading({ ts: T0 + 3 * HOUR_MS - 1, value: 1 }),
          reading({ ts: T0 + 3 * HOUR_MS, value: 2 }),
          reading({ ts: T0 + 4 * HOUR_MS - 1, value: 4 }),
        ]);
        const hours = await store.queryHourly({ ...series, from: T0, to: T0 + DAY });
        expect(hours.map((h) => [h.hourEnd, h.totalCount, h.mean])).toEqual([
          [T0 + 3 * HOUR_MS, 1, 1],
          [T0 + 4 * HOUR_MS, 2, 3],
        ]);
      });

      it("lets only valid flags into mean/min/max; counts all; sums valid periods' time in the hour", async () => {
        const store = await started();
        await store.writeReadings([
          reading({ ts: T0, value: 10, periodMs: 5 * MIN }),
          reading({ ts: T0 + 5 * MIN, value: 20, periodMs: 2 * HOUR_MS }),
          reading({ ts: T0 + 10 * MIN, value: 100, flag: "M", periodMs: 5 * MIN }),
          reading({ ts: T0 + 15 * MIN, value: 1000, flag: "F", periodMs: 5 * MIN }),
        ]);
        const [hour] = await store.queryHourly({ ...series, from: T0, to: T0 + HOUR_MS });
        expect(hour).toEqual({
          ...series,
          hourEnd: T0 + HOUR_MS,
          // Weighted by the sampling time in the hour, 5 and 55 min (see "weighs sub-hourly samples").
          mean: expect.closeTo((10 * 5 + 20 * 55) / 60, 9),
          min: 10,
          max: 20,
          validCount: 2,
          totalCount: 4,
          // The PT2H reading at 00:05 has 55 of its minutes in the hour 00:00–01:00.
          validPeriodMs: 5 * MIN + 55 * MIN,
        });
      });

      // GB 3095-2012 Table 4: a 1-h mean needs ≥ 45 min of sampling IN the hour; a sample belongs to
      // the hour holding its start and credits it only its time before the hour's end.
      describe("credits a sample only its sampling time inside its hour", () => {
        const unaligned = [
          reading({ ts: T0 + 2 * HOUR_MS + 50 * MIN, value: 70, periodMs: HOUR_MS }), // 10 min in 02:00–03:00
          reading({ ts: T0 + 30 * MIN, value: 50, periodMs: HOUR_MS }), // 30 min in 00:00–01:00
          reading({ ts: T0 + 6 * HOUR_MS, value: 40, periodMs: 2 * HOUR_MS }), // 60 min in 06:00–07:00
          reading({ ts: T0 + 8 * HOUR_MS, value: 30, periodMs: HOUR_MS }), // aligned: 60 min
          reading({ ts: T0 + 9 * HOUR_MS + 55 * MIN, value: 20, periodMs: 5 * MIN }), // aligned 5 min
        ];
        const expected = [
          [T0 + HOUR_MS, 30 * MIN],
          [T0 + 3 * HOUR_MS, 10 * MIN],
          [T0 + 7 * HOUR_MS, HOUR_MS],
          [T0 + 9 * HOUR_MS, HOUR_MS],
          [T0 + 10 * HOUR_MS, 5 * MIN],
        ];
        const credited = async (store: TimeSeriesStore) =>
          (await store.queryHourly({ ...series, from: T0, to: T0 + DAY })).map((h) => [
            h.hourEnd,
            h.validPeriodMs,
          ]);

        it("in one batch", async () => {
          const store = await started();
          await store.writeReadings(unaligned);
          expect(await credited(store)).toEqual(expected);
        });

        it("written one by one in time order (each newer than what is stored)", async () => {
          const store = await started();
          for (const r of [...unaligned].sort((a, b) => a.ts - b.ts)) await store.writeReadings([r]);
          expect(await credited(store)).toEqual(expected);
        });

        it("written late, and with a stored reading rewritten", async () => {
          const store = await started();
          await store.writeReadings([reading({ ts: T0 + 12 * HOUR_MS, value: 1 })]);
          await store.writeReadings(unaligned);
          await store.writeReadings([unaligned[0] as Reading]); // a resend recomputes its hour
          expect((await credited(store)).slice(0, -1)).toEqual(expected);
        });
      });

      // The 45-minute rule (GB 3095 Table 4) counts sampled time, so an hour's concentration is
      // averaged over it: samples of unequal length weigh by their sampling time in the hour.
      describe("weighs samples of unequal length by their sampling time in the hour", () => {
        const mixed = [
          reading({ ts: T0, value: 10, periodMs: 30 * MIN }),
          reading({ ts: T0 + 30 * MIN, value: 40, periodMs: 15 * MIN }), // (10·30 + 40·15) / 45 = 20
          // Equal lengths (5-min means): the arithmetic mean, as before.
          ...Array.from({ length: 12 }, (_, i) =>
            reading({ ts: T0 + HOUR_MS + i * 5 * MIN, value: i, periodMs: 5 * MIN }),
          ),
          // An instantaneous reading among them: the arithmetic mean.
          reading({ ts: T0 + 2 * HOUR_MS, value: 10 }),
          reading({ ts: T0 + 2 * HOUR_MS + 10 * MIN, value: 40, periodMs: 50 * MIN }),
          // A flagged reading weighs nothing.
          reading({ ts: T0 + 3 * HOUR_MS, value: 10, periodMs: 30 * MIN }),
          reading({ ts: T0 + 3 * HOUR_MS + 30 * MIN, value: 40, periodMs: 15 * MIN }),
          reading({ ts: T0 + 3 * HOUR_MS + 45 * MIN, value: 1000, flag: "D", periodMs: 15 * MIN }),
          // A PT1H sample at 04:50 weighs its 10 min in the hour against a PT30M one's 30.
          reading({ ts: T0 + 4 * HOUR_MS, value: 10, periodMs: 30 * MIN }),
          reading({ ts: T0 + 4 * HOUR_MS + 50 * MIN, value: 50, periodMs: HOUR_MS }), // (300 + 500) / 40
        ];
        const expected = [
          [T0 + HOUR_MS, 20, 45 * MIN],
          [T0 + 2 * HOUR_MS, 5.5, HOUR_MS],
          [T0 + 3 * HOUR_MS, 25, 50 * MIN],
          [T0 + 4 * HOUR_MS, 20, 45 * MIN],
          [T0 + 5 * HOUR_MS, 20, 40 * MIN],
        ];
        const means = async (store: TimeSeriesStore) => {
          const hours = await store.queryHourly({ ...series, from: T0, to: T0 + 5 * HOUR_MS });
          for (const [i, h] of hours.entries()) expect(h.mean).toBeCloseTo(expected[i]?.[1] as number, 9);
          return hours.map((h) => [h.hourEnd, expected[hours.indexOf(h)]?.[1], h.validPeriodMs]);
        };

        it("in one batch", async () => {
          const store = await started();
          await store.writeReadings(mixed);
          expect(await means(store)).toEqual(expected);
        });

        it("written one by one in time order (each newer than what is stored)", async () => {
          const store = await started();
          for (const r of [...mixed].sort((a, b) => a.ts - b.ts)) await store.writeReadings([r]);
          expect(await means(store)).toEqual(expected);
        });

        it("written late into hours that have rows, and with a stored reading rewritten", async () => {
          const store = await started();
          const [first, ...rest] = mixed.filter((r) => r.ts < T0 + HOUR_MS || r.ts >= T0 + 3 * HOUR_MS);
          await store.writeReadings([first as Reading]);
          await store.writeReadings([reading({ ts: T0 + 12 * HOUR_MS, value: 1 })]);
          await store.writeReadings(mixed.filter((r) => r !== first));
          await store.writeReadings([rest[0] as Reading]); // a resend recomputes its hour
          expect(await means(store)).toEqual(expected);
        });
      });

      it("reports null mean/min/max for an hour with no valid reading", async () => {
        const store = await started();
        await store.writeReadings([
          reading({ ts: T0, flag: "D", periodMs: HOUR_MS }),
          reading({ ts: T0 + MIN, flag: "B" }),
        ]);
        const [hour] = await store.queryHourly({ ...series, from: T0, to: T0 + HOUR_MS });
        expect(hour).toEqual({
          ...series,
          hourEnd: T0 + HOUR_MS,
          mean: null,
          min: null,
          max: null,
          validCount: 0,
          totalCount: 2,
          validPeriodMs: 0,
        });
      });

      it("uses the configured validFlags", async () => {
        const store = await started({ validFlags: ["N", "T"] });
        await store.writeReadings([
          reading({ ts: T0, value: 10 }),
          reading({ ts: T0 + MIN, value: 30, flag: "T" }),
        ]);
        const [hour] = await store.queryHourly({ ...series, from: T0, to: T0 + HOUR_MS });
        expect(hour).toMatchObject({ mean: 20, validCount: 2, totalCount: 2 });
      });

      it("updates the right hours for out-of-order and late writes", async () => {
        const store = await started();
        await store.writeReadings([reading({ ts: T0 + 5 * HOUR_MS, value: 50 })]);
        await store.writeReadings([reading({ ts: T0 + HOUR_MS + MIN, value: 10 })]);
        await store.writeReadings([
          reading({ ts: T0 + 3 * HOUR_MS, value: 30 }),
          reading({ ts: T0, value: 1 }),
        ]);
        // A late reading into an hour that already has an aggregate.
        await store.writeReadings([reading({ ts: T0 + HOUR_MS + 30 * MIN, value: 20 })]);
        const hours = await store.queryHourly({ ...series, from: T0, to: T0 + DAY });
        expect(hours.map((h) => [h.hourEnd, h.mean, h.totalCount])).toEqual([
          [T0 + HOUR_MS, 1, 1],
          [T0 + 2 * HOUR_MS, 15, 2],
          [T0 + 4 * HOUR_MS, 30, 1],
          [T0 + 6 * HOUR_MS, 50, 1],
        ]);
      });

      it("bounds hour labels as (from, to], ascending, per station and metric", async () => {
        const store = await started();
        await store.writeReadings([
          ...[0, 1, 2, 3].map((h) => reading({ ts: T0 + h * HOUR_MS, value: h })),
          reading({ ts: T0, metric: "pm10" }),
          reading({ ts: T0, stationId: "ST-B" }),
        ]);
        const hours = await store.queryHourly({ ...series, from: T0 + HOUR_MS, to: T0 + 3 * HOUR_MS });
        expect(hours.map((h) => h.hourEnd)).toEqual([T0 + 2 * HOUR_MS, T0 + 3 * HOUR_MS]);
        expect(hours.every((h) => h.stationId === "ST-A" && h.metric === "pm25")).toBe(true);
      });
    });

    describe("latest()", () => {
      it("returns the newest reading per metric of the station", async () => {
        const store = await started();
        await store.writeReadings([
          reading({ ts: T0 + 2 * MIN, value: 2 }),
          reading({ ts: T0 + MIN, value: 1 }),
          reading({ ts: T0, metric: "o3", value: 80 }),
          reading({ ts: T0 + 9 * MIN, stationId: "ST-B", value: 9 }),
        ]);
        // An older reading arriving late does not replace the latest.
        await store.writeReadings([reading({ ts: T0, value: 0 })]);
        const latest = await store.latest("ST-A");
        expect(latest.map((r) => [r.metric, r.ts, r.value]).sort()).toEqual(
          [
            ["o3", T0, 80],
            ["pm25", T0 + 2 * MIN, 2],
          ].sort(),
        );
        expect(await store.latest("NOPE")).toEqual([]);
      });

      it("follows an overwrite of the latest key", async () => {
        const store = await started();
        await store.writeReadings([reading({ ts: T0, value: 1 })]);
        await store.writeReadings([reading({ ts: T0, value: 7, flag: "C" })]);
        expect(await store.latest("ST-A")).toEqual([reading({ ts: T0, value: 7, flag: "C" })]);
      });
    });

    describe("dead letters", () => {
      const letters = [
        // HJ 212 frames end in CR LF; payloads and messages are stored verbatim.
        letter({
          id: "a",
          receivedAt: T0 + 1_000,
          payload: '##0101QN=20260301;ST=22;"站点"\\\r\n',
          message: "第一行\n第二行",
        }),
        letter({ id: "b", receivedAt: T0 + 2_000, code: "payload.malformed", path: "" }),
        letter({ id: "c", receivedAt: T0 + 3_000, stationId: "ST-B" }),
        letter({ id: "d", receivedAt: T0 + 4_000, stationId: undefined, code: "topic.invalid" }),
        letter({ id: "e", receivedAt: T0 + 5_000 }),
      ];

      it("round-trips, newest first", async () => {
        const store = await started();
        await store.writeDeadLetters(letters);
        const got = await store.queryDeadLetters({});
        expect(got.map((l) => l.id)).toEqual(["e", "d", "c", "b", "a"]);
        expect(got[4]).toEqual(letters[0]);
        expect(got[1]?.stationId).toBeUndefined();
      });

      it("filters by stationId, code, [from, to) and limit", async () => {
        const store = await started();
        await store.writeDeadLetters(letters);
        const ids = async (q: Parameters<TimeSeriesStore["queryDeadLetters"]>[0]) =>
          (await store.queryDeadLetters(q)).map((l) => l.id);
        expect(await ids({ stationId: "ST-B" })).toEqual(["c"]);
        expect(await ids({ code: "value.out_of_range" })).toEqual(["e", "c", "a"]);
        expect(await ids({ from: T0 + 2_000, to: T0 + 4_000 })).toEqual(["c", "b"]);
        expect(await ids({ limit: 2 })).toEqual(["e", "d"]);
        expect(await ids({ stationId: "ST-A", code: "value.out_of_range", from: T0 + 1_500 })).toEqual(["e"]);
      });

      it("is idempotent on id", async () => {
        const store = await started();
        await store.writeDeadLetters(letters.slice(0, 2));
        await store.writeDeadLetters([{ ...(letters[0] as DeadLetter), message: "second copy" }]);
        const got = await store.queryDeadLetters({});
        expect(got.map((l) => [l.id, l.message])).toEqual([
          ["b", letters[1]?.message],
          ["a", "second copy"],
        ]);
      });
    });

    describe("alert events", () => {
      const full = alertEvent({
        id: "evt-full",
        alertId: "alert-水质-7",
        type: "level_changed",
        at: "2026-03-01T08:30:15.250+08:00",
        ruleId: "water-class-target",
        stationId: "LD-WQ-瓯江-03",
        severity: "warning",
        level: "橙色",
        metric: "codmn",
        value: 6.4,
        threshold: 6,
        window: "24h rolling",
        standard: "GB 3838-2002 表1",
        startedAt: "2026-02-28T20:00:00.000+08:00",
        dataTime: "2026-03-01T08:00:00.000+08:00",
        details: [
          { metric: "codmn", value: 6.4, limit: 6, note: "IV类 (超III类 0.07倍)" },
          { metric: "nh3n", value: 0.5 },
        ],
        message: { zh: "瓯江断面水质 IV 类，目标 III 类", en: "Oujiang section Class IV, target Class III" },
        actor: "值班员 张三",
        note: '已通知环保站\n第二行 "引号" ✓',
        tier: 2,
      });
      const at = (minutes: number) => beijing(T0 + minutes * MIN);
      const events = [
        alertEvent({ id: "e3", at: at(20), alertId: "a2", ruleId: "r2", stationId: "ST-B" }),
        alertEvent({ id: "e1", at: at(0) }),
        alertEvent({ id: "e2", at: at(10), type: "acknowledged", actor: "li" }),
        alertEvent({ id: "e5", at: at(30), type: "resolved" }),
        alertEvent({ id: "e4", at: at(20), alertId: "a3", stationId: "ST-B" }),
      ];
      const ids = (got: readonly AlertEvent[]) => got.map((e) => e.id);

      it("round-trips every field, details and Chinese text included", async () => {
        const store = await started();
        const minimal = alertEvent({ id: "evt-min", at: "2026-03-01T00:00:00.000Z" });
        await store.writeAlertEvents([full, minimal]);
        const got = await store.queryAlertEvents({});
        expect(got).toEqual([minimal, full]);
        expect(got[0]).not.toHaveProperty("level");
        expect(got[1]?.details?.[0]?.note).toBe("IV类 (超III类 0.07倍)");
        expect(await store.queryAlertEvents({ alertId: "nope" })).toEqual([]);
        await store.writeAlertEvents([]);
      });

      it("orders by the instant of `at` (whatever its offset), ties by id", async () => {
        const store = await started();
        await store.writeAlertEvents([
          ...events,
          // 09:00+10:00 is 23:00Z the day before: earliest, although its text sorts after e1's.
          alertEvent({ id: "e0", at: "2026-03-01T09:00:00.000+10:00" }),
          // 00:30Z is the instant of e5 (08:30+08:00): a tie, broken by id; its text sorts first.
          alertEvent({ id: "e6", at: new Date(T0 + 30 * MIN).toISOString() }),
        ]);
        expect(ids(await store.queryAlertEvents({}))).toEqual(["e0", "e1", "e2", "e3", "e4", "e5", "e6"]);
      });

      it("filters by stationId, ruleId, alertId, [from, to) and limit", async () => {
        const store = await started();
        await store.writeAlertEvents(events);
        const query = async (q: Parameters<TimeSeriesStore["queryAlertEvents"]>[0]) =>
          ids(await store.queryAlertEvents(q));
        expect(await query({ stationId: "ST-B" })).toEqual(["e3", "e4"]);
        expect(await query({ ruleId: "r2" })).toEqual(["e3"]);
        expect(await query({ alertId: "alert-1" })).toEqual(["e1", "e2", "e5"]);
        expect(await query({ from: T0 + 10 * MIN, to: T0 + 30 * MIN })).toEqual(["e2", "e3", "e4"]);
        expect(await query({ limit: 2 })).toEqual(["e1", "e2"]);
        expect(await query({ stationId: "ST-B", ruleId: "aqi-hourly-heavy", from: T0 })).toEqual(["e4"]);
        expect(await query({ alertId: "alert-1", from: T0 + MIN, limit: 1 })).toEqual(["e2"]);
      });

      it("is idempotent on id: a rewrite stores nothing new and changes nothing", async () => {
        const store = await started();
        await store.writeAlertEvents(events);
        await store.writeAlertEvents(events);
        await store.writeAlertEvents([
          { ...(events[1] as AlertEvent), message: { zh: "改写", en: "rewritten" }, at: at(59) },
          events[1] as AlertEvent,
        ]);
        const got = await store.queryAlertEvents({});
        expect(ids(got)).toEqual(["e1", "e2", "e3", "e4", "e5"]);
        expect(got[0]).toEqual(events[1]);
        const store2 = await started();
        await store2.writeAlertEvents([events[1] as AlertEvent, events[1] as AlertEvent]);
        expect(await store2.queryAlertEvents({})).toEqual([events[1]]);
      });

      it("rejects an event without id or with an unparseable `at`, storing nothing of the batch", async () => {
        const store = await started();
        const error = await store
          .writeAlertEvents([events[0] as AlertEvent, alertEvent({ id: "bad", at: "yesterday" })])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        expect((error as StoreError).code).toBe("store.event_invalid");
        expect((error as StoreError).message).toContain("events[1].at");
        await expect(store.writeAlertEvents([alertEvent({ id: "" })])).rejects.toThrow(/events\[0\]\.id/);
        expect(await store.queryAlertEvents({})).toEqual([]);
      });

      it("keeps alert events across stop and reopen of the same location", async () => {
        const first = await create();
        fixtures.push(first);
        await first.store.start();
        await first.store.writeAlertEvents([full, ...events]);
        await first.store.stop();
        const again = await started({ location: first.location });
        const got = await again.queryAlertEvents({ alertId: full.alertId });
        expect(got).toEqual([full]);
        expect(await again.queryAlertEvents({})).toHaveLength(6);
        await again.writeAlertEvents([full]);
        expect(await again.queryAlertEvents({})).toHaveLength(6);
      });
    });

    describe("retention", () => {
      it("deletes raw readings and dead letters older than their horizons and reports counts", async () => {
        const store = await started({ retention: { rawReadingsMs: 10 * DAY, deadLettersMs: 5 * DAY } });
        const now = T0 + 30 * DAY;
        const cutoff = now - 10 * DAY;
        await store.writeReadings([
          reading({ ts: cutoff - 1, value: 1 }),
          reading({ ts: cutoff - DAY, value: 2, metric: "o3" }),
          reading({ ts: cutoff, value: 3 }),
          reading({ ts: now - MIN, value: 4 }),
        ]);
        await store.writeDeadLetters([
          letter({ id: "old", receivedAt: now - 6 * DAY }),
          letter({ id: "new", receivedAt: now - DAY }),
        ]);
        expect(await store.applyRetention(now)).toEqual({ readingsDeleted: 2, deadLettersDeleted: 1 });
        const left = await store.queryReadings({ stationId: "ST-A", from: 0, to: now });
        expect(left.map((r) => r.value)).toEqual([3, 4]);
        expect((await store.queryDeadLetters({})).map((l) => l.id)).toEqual(["new"]);
        // Hourly aggregates are kept.
        const hours = await store.queryHourly({ stationId: "ST-A", metric: "pm25", from: 0, to: now });
        expect(hours.map((h) => h.mean)).toEqual([1, 3, 4]);
        expect(await store.applyRetention(now)).toEqual({ readingsDeleted: 0, deadLettersDeleted: 0 });
      });

      it("keeps everything with infinite horizons", async () => {
        const store = await started({
          retention: { rawReadingsMs: Number.POSITIVE_INFINITY, deadLettersMs: Number.POSITIVE_INFINITY },
        });
        await store.writeReadings([reading({ ts: 0 })]);
        await store.writeDeadLetters([letter({ id: "x", receivedAt: 0 })]);
        expect(await store.applyRetention(T0)).toEqual({ readingsDeleted: 0, deadLettersDeleted: 0 });
      });
    });

    describe("lifecycle", () => {
      it("keeps written data across stop and reopen of the same location", async () => {
        const first = await create();
        fixtures.push(first);
        await first.store.start();
        await first.store.writeReadings([
          reading({ ts: T0, value: 42, flag: "M" }),
          reading({ ts: T0 + MIN, value: 8 }),
        ]);
        await first.store.writeDeadLetters([letter({ id: "kept", receivedAt: T0 })]);
        await first.store.stop();

        const again = await started({ location: first.location });
        expect(
          (await again.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS })).map((r) => r.value),
        ).toEqual([42, 8]);
        const [hour] = await again.queryHourly({
          stationId: "ST-A",
          metric: "pm25",
          from: T0,
          to: T0 + HOUR_MS,
        });
        expect(hour).toMatchObject({ mean: 8, validCount: 1, totalCount: 2 });
        expect((await again.queryDeadLetters({})).map((l) => l.id)).toEqual(["kept"]);
        expect(await again.latest("ST-A")).toHaveLength(1);
      });

      it("reports health before start, while running and after stop", async () => {
        const fixture = await create();
        fixtures.push(fixture);
        expect((await fixture.store.health()).ok).toBe(false);
        await fixture.store.start();
        const running = await fixture.store.health();
        expect(running.ok).toBe(true);
        expect(running.detail).not.toBe("");
        await fixture.store.stop();
        expect((await fixture.store.health()).ok).toBe(false);
      });

      it("finishes accepted writes on stop and refuses writes after it", async () => {
        const fixture = await create();
        fixtures.push(fixture);
        await fixture.store.start();
        const pending = fixture.store.writeReadings([reading({ ts: T0, value: 5 })]);
        await fixture.store.stop();
        await pending;
        await expect(fixture.store.writeReadings([reading({ ts: T0 + MIN })])).rejects.toThrow();
        const again = await started({ location: fixture.location });
        expect(await again.queryReadings({ stationId: "ST-A", from: T0, to: T0 + HOUR_MS })).toHaveLength(1);
      });
    });
  });
}
