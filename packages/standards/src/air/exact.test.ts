import { describe, expect, it } from "vitest";
import {
  addExact,
  compareExact,
  divideExact,
  type ExactNumber,
  exactMean,
  exactOf,
  exactSum,
  exactToNumber,
  roundExactHalfEven,
  subtractExact,
} from "./exact.ts";

const n = (x: Parameters<typeof exactToNumber>[0]) => exactToNumber(x);

describe("exact arithmetic on reported values (air-aqi.md §2)", () => {
  it("reads a number as its shortest decimal, exponent and sign included", () => {
    expect(exactOf(32.1)).toEqual({ numerator: 321n, denominator: 10n });
    expect(exactOf(0.1)).toEqual({ numerator: 1n, denominator: 10n });
    expect(exactOf(1e-7)).toEqual({ numerator: 1n, denominator: 10_000_000n });
    expect(exactOf(1.5e21)).toEqual({ numerator: 1_500_000_000_000_000_000_000n, denominator: 1n });
    expect(exactOf(-2.25)).toEqual({ numerator: -9n, denominator: 4n });
    expect(() => exactOf(Number.NaN, "sum")).toThrow(/sum: expected a finite number/);
  });

  it("sums and means without floating-point noise", () => {
    expect(n(exactSum([0.1, 0.2]))).toBe(0.3);
    expect(compareExact(exactSum([0.1, 0.2]), 0.3)).toBe(0);
    expect(exactMean([])).toBeNull();
    expect(exactMean([32, 33])).toEqual({ numerator: 65n, denominator: 2n });
    // A daily mean of 23 hourly values is a fraction in 23rds: kept exact, not cut to 12 digits.
    const day = exactMean([...Array(22).fill(32.5), 33]) as ExactNumber;
    expect(day).toEqual({ numerator: 748n, denominator: 23n });
    // Such days can still average exactly 32.5 over the year.
    const other = exactMean([...Array(22).fill(32.5), 32]) as ExactNumber;
    expect(exactMean([day, other])).toEqual({ numerator: 65n, denominator: 2n });
  });

  it("subtracts, divides, compares", () => {
    expect(n(subtractExact(0.3, 0.1))).toBe(0.2);
    expect(n(addExact(0.1, 0.7))).toBe(0.8);
    expect(n(divideExact(11862.5, 365))).toBe(32.5);
    expect(() => divideExact(1, 0)).toThrow(RangeError);
    expect(compareExact(exactSum([0.1, 0.2]), 0.30000000000000004)).toBe(-1);
  });

  it("rounds half to even on the exact value (GB/T 8170-2008 §3.3)", () => {
    expect(n(roundExactHalfEven(34.5))).toBe(34);
    expect(n(roundExactHalfEven(35.5))).toBe(36);
    expect(n(roundExactHalfEven({ numerator: 65n * 10n ** 20n + 1n, denominator: 2n * 10n ** 20n }))).toBe(
      33,
    );
    expect(n(roundExactHalfEven(4.25, 1))).toBe(4.2);
    expect(n(roundExactHalfEven(4.35, 1))).toBe(4.4);
    expect(n(roundExactHalfEven(-32.5))).toBe(-32);
    expect(n(roundExactHalfEven(-33.5))).toBe(-34);
    expect(n(roundExactHalfEven(-32.6))).toBe(-33);
  });

  it("converts big fractions to the nearest double", () => {
    const big = { numerator: 10n ** 40n + 1n, denominator: 3n * 10n ** 38n };
    expect(n(big)).toBeCloseTo(100 / 3, 12);
    expect(n({ numerator: 1n, denominator: 10n ** 30n })).toBe(1e-30);
    expect(n({ numerator: -(10n ** 30n), denominator: 7n })).toBeCloseTo(-(10 ** 30) / 7, -16);
  });
});
