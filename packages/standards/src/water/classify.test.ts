import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WaterBody, WaterClass } from "./classes.ts";
import { WATER_CLASS_ORDER, waterClassNumber } from "./classes.ts";
import { classifyParameter } from "./classify.ts";
import { compareDecimal, parseDecimal } from "./decimal.ts";
import { GB3838_ITEMS } from "./gb3838-table.ts";

// A decimal string 10^-(scale+4) away from `limit`, as the number a station would report.
function nudge(limit: string, direction: 1 | -1): number {
  const d = parseDecimal(limit);
  const scale = d.scale + 4;
  const units = d.units * 10n ** 4n + BigInt(direction);
  const text = units.toString().padStart(scale + 1, "0");
  return Number(`${text.slice(0, text.length - scale)}.${text.slice(text.length - scale)}`);
}

const BODIES: WaterBody[] = ["river", "lake"];
const cls = (index: number): WaterClass => WATER_CLASS_ORDER[index] ?? "劣V";

describe("boundaries of every Table 1 limit", () => {
  for (const row of GB3838_ITEMS) {
    for (const body of BODIES) {
      const limits = body === "lake" ? row.lake : row.river;
      if (limits === null || (row.direction !== "max" && row.direction !== "min")) continue;
      limits.forEach((limit, k) => {
        // Shared limits: the value on the limit belongs to the best class with that limit.
        const best = limits.findIndex((l) => compareDecimal(parseDecimal(l), parseDecimal(limit)) === 0);
        if (row.direction === "max") {
          const next = limits.findIndex((l) => Number(l) > Number(limit));
          it(`${row.metric} ${body} class ${cls(k)} limit ${limit}: on → ${cls(best)}, just above → ${next < 0 ? "劣V" : cls(next)}`, () => {
            expect(classifyParameter(row.metric, Number(limit), body)).toBe(cls(best));
            expect(classifyParameter(row.metric, nudge(limit, 1), body)).toBe(next < 0 ? "劣V" : cls(next));
          });
        } else {
          const next = limits.findIndex((l) => Number(l) < Number(limit));
          it(`${row.metric} ${body} class ${cls(k)} limit ${limit}: on → ${cls(best)}, just below → ${next < 0 ? "劣V" : cls(next)}`, () => {
            expect(classifyParameter(row.metric, Number(limit), body)).toBe(cls(best));
            expect(classifyParameter(row.metric, nudge(limit, -1), body)).toBe(next < 0 ? "劣V" : cls(next));
          });
        }
      });
    }
  }
});

describe("hand-checked boundaries (water-gb3838.md §3)", () => {
  it.each([
    ["nh3n", 1.0, "river", "III"],
    ["nh3n", 1.01, "river", "IV"],
    ["nh3n", 2.0, "river", "V"],
    ["nh3n", 2.01, "river", "劣V"],
    ["nh3n", 0, "river", "I"],
    ["do", 7.5, "river", "I"],
    ["do", 7.49, "river", "II"],
    ["do", 5.8, "river", "III"],
    ["do", 4.2, "river", "IV"],
    ["do", 3.0, "river", "IV"],
    ["do", 2.99, "river", "V"],
    ["do", 2, "river", "V"],
    ["do", 1.99, "river", "劣V"],
    ["do", 0, "river", "劣V"],
    ["do", 14, "river", "I"],
    ["ph", 6, "river", "I"],
    ["ph", 9, "river", "I"],
    ["ph", 5.99, "river", "劣V"],
    ["ph", 9.01, "river", "劣V"],
    ["ph", 7, "lake", "I"],
    ["cod", 15, "river", "I"],
    ["cod", 15.01, "river", "III"],
    ["bod5", 3, "river", "I"],
    ["se", 0.01, "river", "I"],
    ["se", 0.011, "river", "IV"],
    ["hg", 0.00005, "river", "I"],
    ["hg", 0.00005000001, "river", "III"],
    ["hg", 0.0001, "river", "III"],
    ["hg", 0.00010001, "river", "IV"],
    ["hg", 0.001, "river", "IV"],
    ["hg", 0.0011, "river", "劣V"],
    ["hg", 1e-7, "river", "I"],
    ["cu", 1.0, "river", "II"],
    ["cu", 1.0000001, "river", "劣V"],
    ["tp", 0.04, "river", "II"],
    ["tp", 0.04, "lake", "III"],
    ["tp", 0.2, "lake", "V"],
    ["tp", 0.2, "river", "III"],
    ["tn", 1.2, "lake", "IV"],
    ["tn", 1.2, "river", null],
    ["fcoli", 25000, "river", "V"],
    ["fcoli", 40001, "river", "劣V"],
    ["temp", 16.5, "river", null],
    ["temp", -0.5, "river", null],
    ["cond", 260, "river", null],
    ["turb", 18, "lake", null],
  ] as const)("%s %s at a %s → %s", (metric, value, body, expected) => {
    expect(classifyParameter(metric, value, body)).toBe(expected);
  });

  it("is exact where binary floating point is not", () => {
    // 0.1 + 0.2 = 0.30000000000000004 is reported as such and is above the IV limit 0.3 of LAS.
    expect(classifyParameter("las", 0.1 + 0.2, "river")).toBe("劣V");
    expect(classifyParameter("las", 0.3, "river")).toBe("IV");
    expect(classifyParameter("nh3n", 0.15, "river")).toBe("I");
  });

  it("rejects unknown metrics and unusable values, naming the metric", () => {
    expect(() => classifyParameter("pm25", 10, "river")).toThrow(/pm25/);
    expect(() => classifyParameter("do", Number.NaN, "river")).toThrow(RangeError);
    expect(() => classifyParameter("do", Number.POSITIVE_INFINITY, "river")).toThrow(/do/);
    expect(() => classifyParameter("nh3n", -0.1, "river")).toThrow(/nh3n.*negative/);
  });
});

describe("monotonicity (fast-check)", () => {
  const upper = GB3838_ITEMS.filter((r) => r.direction === "max").map((r) => r.metric);
  const value = fc.oneof(
    fc.double({ min: 0, max: 50_000, noNaN: true }),
    fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 100_000),
  );
  const number = (c: WaterClass | null) => (c === null ? 0 : waterClassNumber(c));

  it("class never improves as an upper-bound item rises", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...upper),
        fc.constantFrom<WaterBody>("river", "lake"),
        value,
        value,
        (m, body, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(number(classifyParameter(m, hi, body))).toBeGreaterThanOrEqual(
            number(classifyParameter(m, lo, body)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("class never worsens as DO rises", () => {
    fc.assert(
      fc.property(fc.constantFrom<WaterBody>("river", "lake"), value, value, (body, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(number(classifyParameter("do", hi, body))).toBeLessThanOrEqual(
          number(classifyParameter("do", lo, body)),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
