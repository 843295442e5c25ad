import { describe, expect, it } from "vitest";
import { CountedReadings } from "./station-series.ts";

describe("CountedReadings", () => {
  it("knows exactly the readings added from `from` on, in or out of order", () => {
    const c = new CountedReadings(100, 90);
    for (const ts of [100, 300, 200, 200]) c.add(ts);
    expect([100, 200, 300].map((t) => c.has(t))).toEqual([true, true, true]);
    expect([150, 250, 301].map((t) => c.has(t))).toEqual([false, false, false]);
  });

  it("before `from`, what the store held at the rebuild (ts ≤ storedThrough) counts as held", () => {
    const c = new CountedReadings(100, 90);
    expect(c.has(90)).toBe(true);
    expect(c.has(95)).toBe(false);
  });

  it("prune forgets older readings and keeps newer ones", () => {
    const c = new CountedReadings(0, -1);
    for (const ts of [10, 20, 30, 40]) c.add(ts);
    const before = c.memoryBytes();
    c.prune(25);
    expect(c.has(30)).toBe(true);
    expect(c.has(40)).toBe(true);
    expect(c.has(20)).toBe(false);
    expect(c.memoryBytes()).toBeLessThan(before);
    c.add(20); // older than the horizon: not recorded
    expect(c.has(20)).toBe(false);
  });
});
