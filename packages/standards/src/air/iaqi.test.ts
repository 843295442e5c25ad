import { describe, expect, it } from "vitest";
import { BREAKPOINT_COLUMNS, columnPoints } from "./breakpoints.ts";
import { iaqi, indicatorOfColumn } from "./iaqi.ts";
import { airAqiJson, indicatorKey } from "./testdata/air-aqi-json.ts";
import type { AqiStandard } from "./types.ts";

const STANDARDS: AqiStandard[] = ["HJ633-2012", "HJ633-2026"];

// ⌈a / b⌉ on integers, as the test oracle for a step of 0.1 above a breakpoint.
const ceilInt = (a: number, b: number): number => Math.floor((a + b - 1) / b);

describe("breakpoint tables match air-aqi.json", () => {
  it.each(STANDARDS)("%s", (standard) => {
    const fromJson = Object.fromEntries(
      Object.entries(airAqiJson.breakpoints[standard]).map(([k, v]) => [indicatorKey(k), v]),
    );
    const ours = Object.fromEntries(
      BREAKPOINT_COLUMNS.map((c) => [c, columnPoints(standard, c).map((p) => p.bp)]),
    );
    expect(ours).toStrictEqual(fromJson);
    for (const column of BREAKPOINT_COLUMNS)
      expect(columnPoints(standard, column).map((p) => p.iaqi)).toStrictEqual(
        airAqiJson.iaqiPoints.slice(0, columnPoints(standard, column).length),
      );
  });
});

describe("IAQI on and just above every breakpoint (both editions, every column)", () => {
  for (const standard of STANDARDS) {
    for (const [key, bps] of Object.entries(airAqiJson.breakpoints[standard])) {
      const column = indicatorKey(key);
      const points = airAqiJson.iaqiPoints;
      it(`${standard} ${column}`, () => {
        bps.forEach((bp, i) => {
          const rowIaqi = points[i] ?? Number.NaN;
          expect(iaqi(standard, column, bp), `${column} ${bp}`).toBe(rowIaqi);
          const above = bp + 0.1;
          expect(String(above)).toBe(`${bp}.1`);
          const next = bps[i + 1];
          const nextIaqi = points[i + 1];
          let expected: number | null;
          if (next !== undefined && nextIaqi !== undefined) {
            // IAQI_Lo + ⌈(IAQI_Hi − IAQI_Lo) × 0.1 / (BP_Hi − BP_Lo)⌉ = IAQI_Lo + ⌈ΔI / (10 ΔBP)⌉
            expected = rowIaqi + ceilInt(nextIaqi - rowIaqi, 10 * (next - bp));
          } else if (column === "so2_1h") expected = standard === "HJ633-2012" ? null : 200;
          else if (column === "o3_8h") expected = standard === "HJ633-2012" ? null : 300;
          else expected = 500;
          expect(iaqi(standard, column, above), `${column} ${above}`).toBe(expected);
          if (expected !== null && next !== undefined) {
            expect(expected).toBeGreaterThan(rowIaqi);
            expect(expected).toBeLessThanOrEqual(nextIaqi ?? 0);
          }
        });
      });
    }
  }
});

describe("iaqi", () => {
  it("CO 2.2 mg/m³ → 55 (naive floating point gives 56)", () => {
    expect(iaqi("HJ633-2012", "co_24h", 2.2)).toBe(55);
    expect(iaqi("HJ633-2026", "co_24h", 2.2)).toBe(55);
    expect(Math.ceil(((100 - 50) / (4 - 2)) * (2.2 - 2) + 50)).toBe(56);
  });

  it("rounds up: 101.25 → 102, 104.6 → 105, exactly 100 stays 100", () => {
    expect(iaqi("HJ633-2012", "pm25_24h", 76)).toBe(102);
    expect(iaqi("HJ633-2012", "co_1h", 12.3)).toBe(105);
    expect(iaqi("HJ633-2012", "pm25_24h", 75)).toBe(100);
  });

  it("indexes the 1-h PM indicators on the daily columns", () => {
    expect(iaqi("HJ633-2026", "pm25_1h", 130)).toBe(172);
    expect(iaqi("HJ633-2026", "pm10_1h", 180)).toBe(124);
    expect(iaqi("HJ633-2012", "pm25_1h", 66)).toBe(iaqi("HJ633-2012", "pm25_24h", 66));
  });

  it("accepts air-aqi.json column names", () => {
    expect(indicatorOfColumn("PM2_5_24h")).toBe("pm25_24h");
    expect(indicatorOfColumn("SO2_1h")).toBe("so2_1h");
    expect(iaqi("HJ633-2026", "PM2_5_24h", 88)).toBe(126);
  });

  it("indexes exponent-notation and tiny values exactly", () => {
    expect(iaqi("HJ633-2012", "pm25_24h", 1e-7)).toBe(1);
    expect(iaqi("HJ633-2012", "pm25_24h", 0)).toBe(0);
  });

  it("throws RangeError on bad input", () => {
    expect(() => iaqi("HJ633-2012", "pm25_24h", -1)).toThrow(RangeError);
    expect(() => iaqi("HJ633-2012", "pm25_24h", Number.NaN)).toThrow(/finite/);
    expect(() => iaqi("HJ633-2012", "pm25_24h", Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => iaqi("HJ633-2012", "pm1_24h", 10)).toThrow(/unknown AQI column "pm1_24h"/);
    expect(() => iaqi("HJ633-2020" as AqiStandard, "pm25_24h", 10)).toThrow(/unknown AQI standard/);
  });
});
