import { HOUR_MS } from "@qingshan/domain";
import type { HourlyAggregate } from "@qingshan/store";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregate } from "./aggregate.ts";
import { hourSeries } from "./hourly-validity.ts";
import { clean, compensatedSum, hydrogenIonMeanPh, MEAN_SIGNIFICANT_DIGITS, mean } from "./mean.ts";

const reference = (value: number) => Number(value.toPrecision(MEAN_SIGNIFICANT_DIGITS));

describe("clean", () => {
  it("is the 12-significant-digit round trip for every double, integers included", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.maxSafeInteger()),
        (v) => {
          expect(Object.is(clean(v), reference(v))).toBe(true);
        },
      ),
      { numRuns: 20_000 },
    );
    for (const v of [0, -0, 1, -1, 999_999_999_999, 1e12, -1e12, 1e12 + 1, 2 ** 53, 35, 0.8])
      expect(Object.is(clean(v), reference(v))).toBe(true);
  });

  it("is the same round trip where it scales instead of formatting (1e-10 ≤ |v| < 1e11), ties and powers of ten included", () => {
    const decimal = fc
      .tuple(fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 0, max: 12 }), fc.boolean())
      .map(([digits, decimals, negative]) => (negative ? -1 : 1) * (digits / 10 ** decimals));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: 1e-10, max: 1e11, noNaN: true }),
          fc.double({ min: -1e11, max: -1e-10, noNaN: true }),
          // Means of readings with few decimals: the noise clean removes.
          fc
            .array(decimal, { minLength: 1, maxLength: 60 })
            .map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length),
          // 13 significant digits ending in 5: a decimal tie at the 12th digit.
          fc
            .tuple(
              fc.integer({ min: 100_000_000_000, max: 999_999_999_999 }),
              fc.integer({ min: -10, max: 10 }),
            )
            .map(([n, e]) => ((n * 10 + 5) / 1e12) * 10 ** e),
          fc.integer({ min: -10, max: 10 }).map((e) => 10 ** e * (1 - Number.EPSILON)),
          fc.integer({ min: -10, max: 10 }).map((e) => 10 ** e),
        ),
        (v) => {
          expect(Object.is(clean(v), reference(v))).toBe(true);
        },
      ),
      { numRuns: 200_000 },
    );
    for (const v of [
      1.2000000000000002,
      34.5,
      0.1 + 0.2,
      1e-10,
      99_999_999_999.99,
      9.9999999999995,
      1e11 - 0.5,
    ])
      expect(Object.is(clean(v), reference(v))).toBe(true);
  });

  it("removes the noise of a binary mean (24 × 1.2)", () => {
    expect(mean(Array(24).fill(1.2))).toBe(1.2);
  });
});

describe("hydrogenIonMeanPh", () => {
  it("is −log10 of the mean of 10^−pH: an unchanging pH is itself, a mixed one leans to the acid side", () => {
    for (const ph of [6, 6.5, 7.2, 7.45, 8.05, 9]) expect(hydrogenIonMeanPh(Array(24).fill(ph))).toBe(ph);
    // (10^−6 + 10^−8) / 2 = 5.05e−7 → 7 − log10(5.05) = 6.29670862188 (to 12 significant digits).
    expect(hydrogenIonMeanPh([6, 8])).toBe(6.29670862188);
    expect(hydrogenIonMeanPh([])).toBeNull();
  });
});

/** A decimal text as a fraction units / 10^scale (non-negative, plain notation). */
function decimalOf(value: number): { units: bigint; scale: number } {
  const [whole, fraction = ""] = String(value).split(".");
  return { units: BigInt(`${whole}${fraction}`), scale: fraction.length };
}

/** num / den (num ≥ 0, den > 0) rounded to 12 significant digits, half away from zero (ties never occur below). */
function round12(num: bigint, den: bigint): number {
  // A zero sum (readings all 0) has no digits to scale to: scaling it up would never end.
  if (num === 0n) return 0;
  let n = num;
  let d = den;
  let exponent = 0;
  while (n >= d * 10n ** 12n) {
    d *= 10n;
    exponent++;
  }
  while (n < d * 10n ** 11n) {
    n *= 10n;
    exponent--;
  }
  const q = n / d;
  return Number(`${2n * (n % d) >= d ? q + 1n : q}e${exponent}`);
}

/** The exact mean of decimals (each its shortest decimal text), rounded to 12 significant digits. */
function exactMean12(values: readonly number[]): number {
  const decimals = values.map(decimalOf);
  const scale = Math.max(...decimals.map((d) => d.scale));
  const sum = decimals.reduce((s, d) => s + d.units * 10n ** BigInt(scale - d.scale), 0n);
  return round12(sum, BigInt(values.length) * 10n ** BigInt(scale));
}

/** A deterministic stream of hourly PM2.5 values with one decimal, 0 … 100 µg/m³. */
function hourlyValues(seed: number, count: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.round((state / 2147483648) * 1000) / 10;
  });
}

describe("compensatedSum", () => {
  it("is the exact sum of decimal readings to within the rounding of the result (a plain loop drifts)", () => {
    expect(compensatedSum([0.1, 0.2, 0.3])).toBe(0.6);
    expect(compensatedSum([1e16, 1, -1e16])).toBe(1);
    expect(compensatedSum([])).toBe(0);
    const reading = fc
      .tuple(fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 0, max: 6 }))
      .map(([units, decimals]) => units / 10 ** decimals);
    fc.assert(
      fc.property(fc.array(reading, { minLength: 1, maxLength: 9000 }), (values) => {
        const sum = compensatedSum(values);
        // The exact sum of the doubles as their shortest decimals, to 12 significant digits.
        const exact = exactMean12(values) * values.length;
        expect(Math.abs(sum - exact)).toBeLessThanOrEqual(Math.abs(exact) * 1e-11 + 1e-300);
      }),
      { numRuns: 300 },
    );
  });
});

describe("mean: correctly rounded to 12 significant digits", () => {
  it("a day's mean of hourly values is the exact mean rounded", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 1, max: 8784 }), (seed, n) => {
        const values = hourlyValues(seed, n);
        if (values.every((v) => v === 0)) return;
        expect(mean(values)).toBe(exactMean12(values));
      }),
      { numRuns: 100 },
    );
  });

  it("a month's /series mean (every=1mo) is the exact mean of its exact daily means, not a mean of rounded daily means", () => {
    // July 2025, 31 full days of 1-decimal hourly PM2.5: the monthly mean over daily means that were
    // each rounded to 12 digits first missed the exact monthly mean in its last digit for ~3 % of
    // such months (ld-aq-06: 49.1008333334 for an exact 49.100833333333…).
    const start = Date.parse("2025-07-01T00:00:00+08:00");
    const end = Date.parse("2025-08-01T00:00:00+08:00");
    const hours = (end - start) / HOUR_MS;
    let wrong = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const values = hourlyValues(seed, hours);
      const aggs: HourlyAggregate[] = values.map((v, i) => ({
        stationId: "ld-aq-06",
        metric: "pm25",
        hourEnd: start + (i + 1) * HOUR_MS,
        mean: v,
        min: v,
        max: v,
        validCount: 1,
        totalCount: 1,
        validPeriodMs: HOUR_MS,
      }));
      const [july] = aggregate(hourSeries(aggs, HOUR_MS), start, end, "1mo", "mean");
      // Every day has 24 valid hours: the exact monthly mean of the daily means is the hourly mean.
      if (july?.value !== exactMean12(values)) wrong++;
    }
    expect(wrong).toBe(0);
  });
});
