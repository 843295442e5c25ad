import type { DataFlag, MetricId, Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { StoreError } from "../errors.ts";
import { HOUR_MS, hourEndOf } from "../hour.ts";
import type { DuckDbStore } from "./duckdb-store.ts";
import { domainEnumTypes } from "./enum-columns.ts";
import { type NewestTs, planNewReadings } from "./new-readings.ts";
import { onFile, storeSnapshot, useStartedStores, useTempDir } from "./testdata/temp-store.ts";

// The readings write has two paths (new-readings.ts): all readings newer than their series'
// newest stored one, or the general one. Every test compares a store against a fresh one given
// the same final data in a single batch, so a wrong path choice shows up as a difference.

const T0 = Date.UTC(2026, 10, 29, 2);
const STATIONS = ["ST-A", "ST-B"];
const METRICS: MetricId[] = ["pm25", "o3"];
const TYPES = domainEnumTypes();
const { newPath } = useTempDir("qingshan-new-readings-");
const { open } = useStartedStores();

function reading(i: number, value: number, flag: DataFlag = "N", metric: MetricId = "pm25"): Reading {
  return {
    stationId: STATIONS[i % 2] as string,
    metric,
    ts: T0 + i * 13 * 60_000,
    periodMs: 60_000 * (i % 3),
    value,
    flag,
    source: "mqtt-json",
    receivedAt: T0 + i,
  };
}

/** Readings 0…n−1 of both metrics, some flagged invalid. */
function series(from: number, to: number, shift = 0): Reading[] {
  const out: Reading[] = [];
  for (let i = from; i < to; i++) {
    for (const metric of METRICS) {
      out.push(reading(i, ((i * 37 + shift) % 101) / 7, i % 5 === 3 ? "D" : "N", metric));
    }
  }
  return out;
}

const snapshot = (store: DuckDbStore) =>
  storeSnapshot(store, {
    stations: STATIONS,
    metrics: METRICS,
    to: 2 * T0,
    // Sums in another order may differ in the last bits of the mean.
    hour: (h) => ({ ...h, mean: h.mean === null ? null : Number(h.mean.toPrecision(12)) }),
  });

async function expectSameAs(store: DuckDbStore, finalData: readonly Reading[]) {
  const reference = await open();
  await reference.writeReadings(finalData);
  expect(await snapshot(store)).toEqual(await snapshot(reference));
}

describe("planNewReadings (which path a batch takes)", () => {
  const newest: NewestTs = new Map([["ST-A", new Map([["pm25", T0 + 10 * 13 * 60_000]])]]);

  it("plans the fast path when every reading is newer than its series' newest stored one", () => {
    const plan = planNewReadings(series(11, 20), newest, ["N"], TYPES);
    expect(plan?.sql).toContain("INSERT INTO readings");
    const advanced: NewestTs = new Map();
    plan?.advance(advanced);
    expect(advanced.get("ST-A")?.get("pm25")).toBe(reading(18, 0).ts);
    expect(advanced.get("ST-B")?.get("o3")).toBe(reading(19, 0).ts);
  });

  it("takes the general path for a reading at or before its series' newest stored ts", () => {
    expect(planNewReadings(series(10, 20), newest, ["N"], TYPES)).toBeUndefined();
    expect(planNewReadings([...series(11, 20), reading(4, 1)], newest, ["N"], TYPES)).toBeUndefined();
  });

  it("takes the general path when two readings of the batch share a key, not when only unordered", () => {
    expect(planNewReadings([reading(30, 1), reading(30, 2)], newest, ["N"], TYPES)).toBeUndefined();
    expect(planNewReadings([reading(32, 1), reading(30, 2)], newest, ["N"], TYPES)).toBeDefined();
  });

  it("takes the general path for a bulk batch (an import) of more hours than a live batch has", () => {
    const hourly = (hours: number): Reading[] =>
      Array.from({ length: hours }, (_, h) => ({
        ...reading(0, 35),
        stationId: "ST-C",
        ts: T0 + h * 3_600_000,
      }));
    expect(planNewReadings(hourly(8192), newest, ["N"], TYPES)).toBeDefined();
    expect(planNewReadings(hourly(8193), newest, ["N"], TYPES)).toBeUndefined();
  });

  it("takes the general path for text that cannot be inlined and for a sum or weighted product that overflows", () => {
    expect(
      planNewReadings([{ ...reading(30, 1), stationId: "ST\u0000A" }], newest, ["N"], TYPES),
    ).toBeUndefined();
    expect(
      planNewReadings([{ ...reading(30, 1), source: "mqtt\uD800" as "mqtt-json" }], newest, ["N"], TYPES),
    ).toBeUndefined();
    expect(planNewReadings([{ ...reading(30, 1), flag: "N" }], newest, ["N"], TYPES)).toBeDefined();
    const huge = [
      reading(30, Number.MAX_VALUE),
      { ...reading(30, Number.MAX_VALUE), ts: reading(30, 0).ts + 1 },
    ];
    expect(planNewReadings(huge, newest, ["N"], TYPES)).toBeUndefined();
    // A finite value whose value × in-hour time is not (the weighted sum's product).
    expect(planNewReadings([reading(31, Number.MAX_VALUE / 2)], newest, ["N"], TYPES)).toBeUndefined();
  });
});

describe("DuckDB readings write: fast and general path", () => {
  it("handles a batch mixing new readings and a resend of an older one", async () => {
    const store = await open();
    await store.writeReadings(series(0, 10));
    // Reading 3 of both metrics resent with a new value and flag, plus new readings 10…19.
    const resent = [reading(3, 99, "N"), reading(3, 0.5, "D", "o3")];
    await store.writeReadings([...series(10, 20), ...resent]);
    await store.writeReadings(series(20, 25));
    const final = [...series(0, 25).filter((r) => r.ts !== reading(3, 0).ts), ...resent];
    await expectSameAs(store, final);
  });

  it("handles a resend of the newest reading after a restart (newest ts loaded from latest)", async () => {
    const path = newPath();
    const first = await open({ path });
    await first.writeReadings(series(0, 10));
    await first.stop();
    const reopened = await open({ path });
    const newest = reading(9, 42, "N");
    await reopened.writeReadings([newest]);
    await reopened.writeReadings(series(10, 12));
    const final = [...series(0, 12).filter((r) => !(r.ts === newest.ts && r.metric === "pm25")), newest];
    await expectSameAs(reopened, final);
  });

  it("starts over when the same store object is stopped and started again", async () => {
    const store = await open({ path: newPath() });
    await store.writeReadings(series(0, 10));
    await store.stop();
    await store.start();
    await store.writeReadings([...series(10, 12), reading(9, 5)]);
    await store.writeReadings(series(12, 14));
    const final = [
      ...series(0, 14).filter((r) => !(r.ts === reading(9, 0).ts && r.metric === "pm25")),
      reading(9, 5),
    ];
    await expectSameAs(store, final);
  });

  it("stores nothing of a failed write and stores its retry exactly once", async () => {
    const store = await open({ path: newPath() });
    await store.writeReadings(series(0, 10));
    // DuckDB refuses the last reading inside the transaction (source is NOT NULL), after the
    // batch was staged and the other statements ran.
    const refused = { ...reading(14, 1), source: null } as unknown as Reading;
    const error = await store.writeReadings([...series(10, 14), refused]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    // The retry: newer than all stored, as the failed batch was.
    await store.writeReadings(series(10, 14));
    await store.writeReadings(series(14, 16));
    await expectSameAs(store, series(0, 16));
  });

  it("falls back to the general path when the stored hour the fast path would update is missing", async () => {
    const path = newPath();
    const first = await open({ path });
    const stored = { ...reading(0, 10), ts: T0 + 60_000 };
    await first.writeReadings([stored]);
    await first.stop();
    await onFile(path, ["DELETE FROM hourly"]);

    const reopened = await open({ path });
    await reopened.writeReadings([{ ...stored, ts: T0 + 120_000, value: 20 }]);
    const hours = await reopened.queryHourly({ stationId: "ST-A", metric: "pm25", from: 0, to: 2 * T0 });
    expect(hours).toEqual([
      expect.objectContaining({ hourEnd: hourEndOf(T0), mean: 20, validCount: 1, totalCount: 1 }),
    ]);
  });

  it("keeps every double exact through the inlined statements (latest, hourly min/max)", async () => {
    const store = await open();
    const values = [-0, 0.1, 1 / 3, 5e-324, -1.7976931348623157e308, 123456789.12345679, 2 ** 53 + 2];
    for (const [i, value] of values.entries()) {
      const r = { ...reading(0, value), ts: T0 + i * HOUR_MS };
      await store.writeReadings([r]);
      const [latest] = await store.latest("ST-A");
      expect(Object.is(latest?.value, value)).toBe(true);
      const [hour] = await store.queryHourly({
        stationId: "ST-A",
        metric: "pm25",
        from: r.ts,
        to: r.ts + HOUR_MS,
      });
      expect(Object.is(hour?.min, value) && Object.is(hour?.max, value)).toBe(true);
    }
  });
});
