import { DATA_FLAGS, METRIC_IDS, type MetricId, READING_SOURCES, type Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { StoreError } from "../errors.ts";
import type { DuckDbStore } from "./duckdb-store.ts";
import { enumTypeOf } from "./enum-columns.ts";
import { onFile, storeSnapshot, useStartedStores, useTempDir } from "./testdata/temp-store.ts";

/**
 * The table layout of schema version 1 as released before metric/flag/source became ENUMs
 * (schema.ts at commit 191acce), written out so the migration is tested against the layout real
 * files have, whatever schema.ts says today.
 */
const RELEASED_VARCHAR_LAYOUT = [
  `CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS readings (
     station_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, ts BIGINT NOT NULL, period_ms BIGINT NOT NULL,
     value DOUBLE NOT NULL, flag VARCHAR NOT NULL, source VARCHAR NOT NULL, received_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS hourly (
     station_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, hour_end BIGINT NOT NULL,
     mean DOUBLE, min DOUBLE, max DOUBLE, valid_count INTEGER NOT NULL, total_count INTEGER NOT NULL,
     valid_period_ms BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS latest (
     station_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, ts BIGINT NOT NULL, period_ms BIGINT NOT NULL,
     value DOUBLE NOT NULL, flag VARCHAR NOT NULL, source VARCHAR NOT NULL, received_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dead_letters (
     id VARCHAR NOT NULL, received_at BIGINT NOT NULL, source VARCHAR NOT NULL, origin VARCHAR NOT NULL,
     station_id VARCHAR, code VARCHAR NOT NULL, path VARCHAR NOT NULL, message VARCHAR NOT NULL,
     payload VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alert_events (
     id VARCHAR NOT NULL, at_ms BIGINT NOT NULL, alert_id VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
     station_id VARCHAR NOT NULL, type VARCHAR NOT NULL, event VARCHAR NOT NULL)`,
];
const STORED_TABLES = ["store_meta", "readings", "hourly", "latest", "dead_letters"];

const T0 = Date.UTC(2026, 10, 29, 2);
const STATIONS = ["ST-A", "ST-B"];
// Domain order (pm25, pm10, so2, …, o3) differs from text order (o3, pm10, pm25, so2).
const METRICS: MetricId[] = ["pm25", "pm10", "so2", "o3"];
const { newPath } = useTempDir("qingshan-enum-columns-");
const stores = useStartedStores();
const open = (path: string) => stores.open({ path });
const { stop } = stores;

async function columnTypes(path: string): Promise<Record<string, string>> {
  const rows = await onFile(path, [
    `SELECT table_name || '.' || column_name AS name, data_type FROM duckdb_columns()
     WHERE table_name IN ('readings', 'latest', 'hourly') AND data_type <> 'BIGINT' AND data_type <> 'DOUBLE'
       AND data_type <> 'INTEGER'`,
  ]);
  return Object.fromEntries(rows.map((r) => [r.name as string, r.data_type as string]));
}

const enumOf = (values: readonly string[]) =>
  `ENUM(${enumTypeOf("x", values)
    .labels.map((v) => `'${v}'`)
    .join(", ")})`;

function reading(i: number, metric: MetricId, flag: Reading["flag"] = "N"): Reading {
  return {
    stationId: STATIONS[i % 2] as string,
    metric,
    ts: T0 + i * 11 * 60_000,
    periodMs: 60_000,
    value: ((i * 37) % 101) / 7,
    flag,
    source: i % 3 === 0 ? "mqtt-hj212" : "mqtt-json",
    receivedAt: T0 + i,
  };
}

function batch(from: number, to: number): Reading[] {
  const out: Reading[] = [];
  for (let i = from; i < to; i++) {
    for (const metric of METRICS) out.push(reading(i, metric, i % 4 === 1 ? "D" : "N"));
  }
  return out;
}

const snapshot = (store: DuckDbStore) =>
  storeSnapshot(store, { stations: STATIONS, metrics: METRICS, to: 2 * T0 });

/**
 * A file in the released VARCHAR layout holding what a released build stored for `readings`: the
 * rows a store of this build wrote for them, copied as text into the released tables.
 */
async function releasedFile(readings: readonly Reading[]): Promise<string> {
  const source = newPath();
  const store = await open(source);
  await store.writeReadings(readings);
  await stop(store);
  const path = newPath();
  await onFile(path, [
    ...RELEASED_VARCHAR_LAYOUT,
    `ATTACH '${source}' AS source (READ_ONLY)`,
    // hourly's weighted-mean columns came later (schema.ts WEIGHT_COLUMNS): not in this layout.
    ...STORED_TABLES.map(
      (table) =>
        `INSERT INTO ${table} SELECT * ${table === "hourly" ? "EXCLUDE (weighted_sum, min_weight_ms, max_weight_ms) " : ""}FROM source.${table}`,
    ),
    "DETACH source",
  ]);
  return path;
}

/** ENUMs of the domain's values for metric, flag and source; station_id stays VARCHAR. */
function expectDomainEnumLayout(types: Record<string, string>): void {
  for (const table of ["readings", "latest"]) {
    expect(types[`${table}.metric`]).toBe(enumOf(METRIC_IDS));
    expect(types[`${table}.flag`]).toBe(enumOf(DATA_FLAGS));
    expect(types[`${table}.source`]).toBe(enumOf(READING_SOURCES));
    expect(types[`${table}.station_id`]).toBe("VARCHAR");
  }
  expect(types["hourly.metric"]).toBe(enumOf(METRIC_IDS));
}

describe("DuckDB ENUM columns (metric, flag, source)", () => {
  it("creates new files with ENUMs of the domain's values, station_id as VARCHAR", async () => {
    const path = newPath();
    await stop(await open(path));
    expectDomainEnumLayout(await columnTypes(path));
  });

  it("converts a file of the released VARCHAR layout on open, reading and writing it as before", async () => {
    const first = batch(0, 30);
    const path = await releasedFile(first);
    expect(await columnTypes(path)).toMatchObject({
      "readings.metric": "VARCHAR",
      "readings.flag": "VARCHAR",
      "latest.source": "VARCHAR",
    });
    const reference = await open(newPath());
    await reference.writeReadings(first);

    const migrated = await open(path);
    expect(await snapshot(migrated)).toEqual(await snapshot(reference));
    const [one] = await migrated.queryReadings({ stationId: "ST-A", metric: "pm25", from: 0, to: 2 * T0 });
    expect(typeof one?.metric).toBe("string");
    expect(typeof one?.flag).toBe("string");
    expect(typeof one?.source).toBe("string");
    // ORDER BY metric still sorts as text.
    expect((await migrated.latest("ST-A")).map((r) => r.metric)).toEqual(["o3", "pm10", "pm25", "so2"]);

    // New readings (fast path) and a resend of stored ones (general path).
    const more = [...batch(30, 40), ...batch(5, 7).map((r) => ({ ...r, value: r.value + 1 }))];
    await migrated.writeReadings(more);
    await reference.writeReadings(more);
    expect(await snapshot(migrated)).toEqual(await snapshot(reference));
    await stop(migrated);

    expectDomainEnumLayout(await columnTypes(path));
    const reopened = await open(path);
    expect(await snapshot(reopened)).toEqual(await snapshot(reference));
  });

  it("moves columns to a new ENUM type when the domain gained a value, keeping every stored value", async () => {
    const path = newPath();
    const store = await open(path);
    await store.writeReadings(batch(0, 10));
    const before = await snapshot(store);
    await stop(store);
    // As an older build would have left the file: types without "rh" and without flag "B".
    const olderMetrics = METRIC_IDS.filter((m) => m !== "rh");
    const olderFlags = DATA_FLAGS.filter((f) => f !== "B");
    const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");
    await onFile(path, [
      `CREATE TYPE metric_id_00000000 AS ENUM (${list(olderMetrics)})`,
      `CREATE TYPE data_flag_00000000 AS ENUM (${list(olderFlags)})`,
      ...["readings", "latest", "hourly"].map(
        (t) => `ALTER TABLE ${t} ALTER COLUMN metric SET DATA TYPE metric_id_00000000`,
      ),
      ...["readings", "latest"].map(
        (t) => `ALTER TABLE ${t} ALTER COLUMN flag SET DATA TYPE data_flag_00000000`,
      ),
      `DROP TYPE ${enumTypeOf("metric_id", METRIC_IDS).name}`,
      `DROP TYPE ${enumTypeOf("data_flag", DATA_FLAGS).name}`,
    ]);
    expect((await columnTypes(path))["readings.metric"]).not.toContain("'rh'");

    const upgraded = await open(path);
    expect(await snapshot(upgraded)).toEqual(before);
    const rh: Reading = { ...reading(50, "pm25", "B"), metric: "rh", stationId: "ST-A" };
    await upgraded.writeReadings([rh]);
    expect(await upgraded.queryReadings({ stationId: "ST-A", metric: "rh", from: 0, to: 2 * T0 })).toEqual([
      rh,
    ]);
    await stop(upgraded);
    const types = await columnTypes(path);
    expect(types["readings.metric"]).toBe(enumOf(METRIC_IDS));
    expect(types["hourly.metric"]).toBe(enumOf(METRIC_IDS));
    expect(types["latest.flag"]).toBe(enumOf(DATA_FLAGS));
    const left = await onFile(path, [
      "SELECT type_name FROM duckdb_types() WHERE logical_type = 'ENUM' AND labels IS NOT NULL ORDER BY type_name",
    ]);
    expect(left.map((r) => r.type_name)).toEqual(
      [
        enumTypeOf("data_flag", DATA_FLAGS).name,
        enumTypeOf("metric_id", METRIC_IDS).name,
        enumTypeOf("reading_source", READING_SOURCES).name,
      ].sort(),
    );
  });

  it("keeps a stored value the domain no longer has, and refuses to write values outside the types", async () => {
    const path = await releasedFile(batch(0, 3));
    const legacy = { ...reading(40, "pm25"), metric: "pm1" as MetricId };
    await onFile(path, [
      `INSERT INTO readings VALUES ('${legacy.stationId}', 'pm1', ${legacy.ts}, ${legacy.periodMs}, ${legacy.value},
         'N', '${legacy.source}', ${legacy.receivedAt})`,
    ]);
    const store = await open(path);
    expect(
      await store.queryReadings({
        stationId: legacy.stationId,
        metric: "pm1" as MetricId,
        from: 0,
        to: 2 * T0,
      }),
    ).toEqual([legacy]);

    const unknownMetric = await store
      .writeReadings([reading(50, "pm25"), { ...reading(51, "o3"), metric: "pm0" as MetricId }])
      .catch((e: unknown) => e);
    expect(unknownMetric).toBeInstanceOf(StoreError);
    expect(unknownMetric).toMatchObject({ code: "store.reading_invalid", retryable: false });
    expect((unknownMetric as StoreError).message).toContain('readings[1].metric is "pm0"');
    const unknownSource = await store
      .writeReadings([{ ...reading(52, "o3"), source: "carrier-pigeon" as Reading["source"] }])
      .catch((e: unknown) => e);
    expect((unknownSource as StoreError).message).toContain('readings[0].source is "carrier-pigeon"');
    expect(await store.queryReadings({ stationId: "ST-A", from: T0 + 50 * 11 * 60_000, to: 2 * T0 })).toEqual(
      [],
    );

    // The store writes on after a refused batch.
    await store.writeReadings([reading(50, "pm25")]);
    expect(await store.queryReadings({ stationId: "ST-A", from: T0 + 50 * 11 * 60_000, to: 2 * T0 })).toEqual(
      [reading(50, "pm25")],
    );
    await stop(store);
    expect((await columnTypes(path))["readings.metric"]).toBe(enumOf([...METRIC_IDS, "pm1"]));
  });

  it("round-trips many batches across a checkpoint and a reopen", async () => {
    const path = newPath();
    const reference = await open(newPath());
    const store = await open(path);
    for (let i = 0; i < 200; i += 10) {
      await store.writeReadings(batch(i, i + 10));
      await reference.writeReadings(batch(i, i + 10));
    }
    await stop(store); // stop checkpoints the WAL into the file
    const reopened = await open(path);
    expect(await snapshot(reopened)).toEqual(await snapshot(reference));
  });
});
