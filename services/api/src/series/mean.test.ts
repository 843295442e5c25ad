import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clean, MEAN_SIGNIFICANT_DIGITS, mean } from "./mean.ts";

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

  it("removes the noise of a binary mean (24 × 1.2)", () => {
    expect(mean(Array(24).fill(1.2))).toBe(1.2);
  });
});
