import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareDecimal,
  decimalOfNumber,
  parseDecimal,
  relativeExcess,
  roundedRelativeExcess,
} from "./decimal.ts";

describe("decimal", () => {
  it("parses plain and exponent notation exactly", () => {
    expect(parseDecimal("0.00005")).toEqual({ units: 5n, scale: 5 });
    expect(parseDecimal("1e-7")).toEqual({ units: 1n, scale: 7 });
    expect(parseDecimal("1.5e-7")).toEqual({ units: 15n, scale: 8 });
    expect(parseDecimal("1e+21")).toEqual({ units: 10n ** 21n, scale: 0 });
    expect(parseDecimal("40000")).toEqual({ units: 40000n, scale: 0 });
    expect(decimalOfNumber(0.00008)).toEqual({ units: 8n, scale: 5 });
  });

  it("rejects what is not a non-negative decimal", () => {
    expect(() => parseDecimal("-1")).toThrow(RangeError);
    expect(() => parseDecimal("abc")).toThrow(RangeError);
    expect(() => decimalOfNumber(Number.NaN)).toThrow(RangeError);
    expect(() => decimalOfNumber(-0.1)).toThrow(RangeError);
  });

  it("compares exactly", () => {
    expect(compareDecimal(parseDecimal("0.3"), parseDecimal("0.30"))).toBe(0);
    expect(compareDecimal(decimalOfNumber(0.1 + 0.2), parseDecimal("0.3"))).toBe(1);
    expect(compareDecimal(parseDecimal("0.00005"), parseDecimal("0.0001"))).toBe(-1);
  });

  it("agrees with number comparison on doubles", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        (a, b) => {
          expect(compareDecimal(decimalOfNumber(a), decimalOfNumber(b))).toBe(Math.sign(a - b) || 0);
        },
      ),
    );
  });

  it("computes exceedance multiples rounded once", () => {
    expect(relativeExcess(parseDecimal("0.28"), parseDecimal("0.2"))).toBe(0.4);
    expect(relativeExcess(parseDecimal("2.6"), parseDecimal("1.0"))).toBe(1.6);
    expect(relativeExcess(parseDecimal("7.5"), parseDecimal("6"))).toBe(0.25);
    expect(relativeExcess(parseDecimal("0.00008"), parseDecimal("0.0001"))).toBe(-0.2);
    expect(relativeExcess(parseDecimal("1e-30"), parseDecimal("1e-31"))).toBe(9);
    expect(() => relativeExcess(parseDecimal("1"), parseDecimal("0"))).toThrow(RangeError);
  });

  it("rounds exceedance multiples to a number of decimals exactly, ties to even (GB/T 8170)", () => {
    const r = (v: string, l: string, d = 2) => roundedRelativeExcess(parseDecimal(v), parseDecimal(l), d);
    expect(r("10", "6")).toBe(0.67);
    expect(r("6.75", "6")).toBe(0.12); // 0.125, tie → even
    expect(r("6.81", "6")).toBe(0.14); // 0.135, tie → even
    expect(r("2.6", "1.0")).toBe(1.6);
    expect(r("7.5", "6")).toBe(0.25);
    expect(r("0.00008", "0.0001")).toBe(-0.2);
    expect(r("1.0001", "1")).toBe(0);
    expect(r("10", "6", 0)).toBe(1);
    expect(() => r("1", "0")).toThrow(RangeError);
    expect(() => r("1", "1", -1)).toThrow(RangeError);
  });
});
