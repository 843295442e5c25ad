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
import type { DataFlag, DeadLetter, MetricId, Reading } from "@qingshan/domain";
import { afterEach, describe, expect, it } from "vitest";
import { HOUR_MS } from "../hour.ts";
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

      it("lets only valid flags into mean/min/max; counts all; sums valid periods capped at 1 h", async () => {
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
          mean: expect.closeTo(15, 9),
          min: 10,
          max: 20,
          validCount: 2,
          totalCount: 4,
          validPeriodMs: 5 * MIN + HOUR_MS,
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
        letter({ id: "a", receivedAt: T0 + 1_000 }),
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
