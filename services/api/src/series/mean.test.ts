import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clean, hydrogenIonMeanPh, MEAN_SIGNIFICANT_DIGITS, mean } from "./mean.ts";

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
