import type { DataFlag, Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { HOUR_MS } from "../hour.ts";
import type { DuckDbStore } from "./duckdb-store.ts";
import { useStartedStores } from "./testdata/temp-store.ts";

const T0 = Date.UTC(2026, 10, 28, 2);
const { open } = useStartedStores();

function reading(i: number, value: number, flag: DataFlag = "N"): Reading {
  return {
    stationId: i % 2 === 0 ? "a" : "b",
    metric: "pm25",
    ts: T0 + i * 7 * 60_000,
    periodMs: 60_000,
    value,
    flag,
    source: "mqtt-json",
    receivedAt: T0,
  };
}

const FLAGS: DataFlag[] = ["N", "N", "N", "D", "N", "M"];
const readings = Array.from({ length: 40 }, (_, i) => reading(i, ((i * 37) % 101) / 7, FLAGS[i % 6]));

async function hourly(store: DuckDbStore) {
  const out = [];
  for (const stationId of ["a", "b"]) {
    out.push(...(await store.queryHourly({ stationId, metric: "pm25", from: T0, to: T0 + 6 * HOUR_MS })));
  }
  return out;
}

describe("DuckDB readings write path", () => {
  it("gives the same hourly aggregates whether an hour arrives in one batch or in many", async () => {
    const whole = await open();
    await whole.writeReadings(readings);
    const pieces = await open();
    for (let i = 0; i < readings.length; i += 3) await pieces.writeReadings(readings.slice(i, i + 3));
    const expected = await hourly(whole);
    const got = await hourly(pieces);
    expect(got.map(({ mean, ...rest }) => rest)).toEqual(expected.map(({ mean, ...rest }) => rest));
    got.forEach((h, i) => {
      if (h.mean === null) expect(expected[i]?.mean).toBeNull();
      else expect(h.mean).toBeCloseTo(expected[i]?.mean as number, 9);
    });
  });

  it("recomputes an hour from raw readings when a resend replaces a stored value", async () => {
    const store = await open();
    await store.writeReadings(readings.slice(0, 10));
    // The max of the first hour of station a, then resent lower and flagged invalid.
    await store.writeReadings([reading(0, 1000)]);
    await store.writeReadings(readings.slice(10));
    await store.writeReadings([reading(0, 2, "D")]);
    const fresh = await open();
    await fresh.writeReadings([...readings.slice(1), reading(0, 2, "D")]);
    const expected = await hourly(fresh);
    const got = await hourly(store);
    expect(got.map(({ mean, ...rest }) => rest)).toEqual(expected.map(({ mean, ...rest }) => rest));
    got.forEach((h, i) => {
      if (h.mean === null) expect(expected[i]?.mean).toBeNull();
      else expect(h.mean).toBeCloseTo(expected[i]?.mean as number, 9);
    });
  });
});
