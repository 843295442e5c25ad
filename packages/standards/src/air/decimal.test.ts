import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aqiCategory } from "./categories.ts";
import { decimalOf, decimalToNumber, roundDecimal } from "./decimal.ts";
import { airAqiJson } from "./testdata/air-aqi-json.ts";

const round = (v: number, digits: number, mode: "half-even" | "truncate" = "half-even") =>
  decimalToNumber(roundDecimal(decimalOf(v), digits, mode));

describe("GB/T 8170 rounding on exact decimals", () => {
  it.each([
    [34.5, 0, 34],
    [35.5, 0, 36],
    [35.49, 0, 35],
    [35.51, 0, 36],
    [4.25, 1, 4.2],
    [4.35, 1, 4.4],
    [4.2500001, 1, 4.3],
    [0.05, 1, 0],
    [0.15, 1, 0.2],
    [12, 0, 12],
  ])("%s to %s decimals → %s", (value, digits, expected) => {
    expect(round(value, digits)).toBe(expected);
  });

  it("truncates when asked: 35.99 → 35", () => {
    expect(round(35.99, 0, "truncate")).toBe(35);
    expect(round(4.29, 1, "truncate")).toBe(4.2);
  });

  it("reads exponent notation exactly", () => {
    expect(decimalOf(1e-7)).toStrictEqual({ units: 1n, scale: 7 });
    expect(decimalOf(1e21)).toStrictEqual({ units: 10n ** 21n, scale: 0 });
  });

  it("half-even never moves a value by more than half a unit, and rounds to a multiple", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 4 }), (n, k) => {
        const value = n / 1000;
        const r = round(value, Math.min(k, 2));
        expect(Math.abs(r - value)).toBeLessThanOrEqual(0.5 * 10 ** -Math.min(k, 2) + 1e-9);
      }),
    );
  });
});

describe("AQI categories (HJ 633 Appendix A colours)", () => {
  it("match air-aqi.json, including the purple #99004C", () => {
    for (const c of airAqiJson.categories) {
      const probe = [0, 51, 101, 151, 201, 301][c.level - 1] ?? -1;
      expect(aqiCategory(probe)).toMatchObject({
        level: c.level,
        zh: c.name_zh,
        en: c.name_en,
        color: c.hex,
      });
    }
    expect(aqiCategory(300).color).toBe("#99004C");
  });

  it("level edges: 50 → 1, 51 → 2, 100 → 2, 300 → 5, 301 → 6, 500 → 6", () => {
    expect(
      [50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500].map((a) => aqiCategory(a).level),
    ).toStrictEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
  });

  it("rejects a negative or non-finite AQI", () => {
    expect(() => aqiCategory(-1)).toThrow(RangeError);
    expect(() => aqiCategory(Number.NaN)).toThrow(RangeError);
  });
});
