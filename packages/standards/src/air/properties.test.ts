import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BREAKPOINT_COLUMNS, columnPoints } from "./breakpoints.ts";
import { computeAqi } from "./compute-aqi.ts";
import { iaqi } from "./iaqi.ts";
import { reportIndicators } from "./indicators.ts";
import type { AqiIndicator, AqiStandard } from "./types.ts";

const STANDARDS: AqiStandard[] = ["HJ633-2012", "HJ633-2026"];

// Decimal concentrations with up to 3 decimals, and arbitrary doubles, in [0, max].
function concentration(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: 0, max: Math.round(max * 1000) }).map((n) => n / 1000),
    fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true }),
  );
}

function topOf(standard: AqiStandard, column: AqiIndicator): number {
  const base = column === "pm10_1h" ? "pm10_24h" : column === "pm25_1h" ? "pm25_24h" : column;
  const points = columnPoints(standard, base);
  return points[points.length - 1]?.bp ?? 0;
}

describe("IAQI never falls as the concentration rises (both editions, every column)", () => {
  for (const standard of STANDARDS) {
    for (const column of BREAKPOINT_COLUMNS) {
      // 2012: SO2 1-h and O3 8-h above 800 are not computed (null) — monotone up to the top;
      // elsewhere up to 20% past the top (above-scale 500, or the 2026 fixed 200 / 300).
      const top = topOf(standard, column);
      const span = standard === "HJ633-2012" && (column === "so2_1h" || column === "o3_8h") ? top : top * 1.2;
      it(`${standard} ${column}`, () => {
        fc.assert(
          fc.property(concentration(span), concentration(span), (a, b) => {
            const [lo, hi] = a <= b ? [a, b] : [b, a];
            const x = iaqi(standard, column, lo);
            const y = iaqi(standard, column, hi);
            expect(x).not.toBeNull();
            expect(y).not.toBeNull();
            expect(x ?? 0).toBeLessThanOrEqual(y ?? 0);
            expect(Number.isInteger(x)).toBe(true);
            expect(x ?? -1).toBeGreaterThanOrEqual(0);
            expect(y ?? 501).toBeLessThanOrEqual(500);
          }),
          { numRuns: 300 },
        );
      });
    }
  }
});

describe("AQI is the maximum IAQI", () => {
  for (const standard of STANDARDS) {
    for (const period of ["hour", "day"] as const) {
      it(`${standard} ${period}`, () => {
        const indicators = reportIndicators(standard, period);
        const record = fc.record(
          Object.fromEntries(indicators.map((k) => [k, concentration(topOf(standard, k) * 1.2)])) as Record<
            AqiIndicator,
            fc.Arbitrary<number>
          >,
        );
        fc.assert(
          fc.property(record, (concentrations) => {
            const result = computeAqi({ standard, period, concentrations });
            const values = Object.values(result.iaqi).filter(
              (v): v is number => v !== null && v !== undefined,
            );
            // HJ 633-2026 §4.1.1: the 2026 AQI ranges over 1–500.
            expect(result.aqi).toBe(Math.max(...values, standard === "HJ633-2026" ? 1 : 0));
            // Every report indicator given: nothing missing, but the 2012 SO2 1-h > 800 substitute
            // needs the 24-h SO2 mean, not given here (air-aqi.md §5).
            const noSubstitute =
              standard === "HJ633-2012" && period === "hour" && (concentrations.so2_1h ?? 0) > 800;
            expect(result.missing).toStrictEqual(noSubstitute ? ["so2_24h"] : undefined);
            if (result.aqi !== null && result.aqi > 50) expect(result.primary.length).toBeGreaterThan(0);
            else expect(result.primary).toStrictEqual([]);
          }),
          { numRuns: 300 },
        );
      });
    }
  }
});
