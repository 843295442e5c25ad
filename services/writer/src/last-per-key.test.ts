import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lastPerKey, lastPerReading } from "./last-per-key.ts";

const r = (stationId: string, metric: string, ts: number, value: number) => ({
  stationId,
  metric,
  ts,
  value,
});

describe("lastPerReading", () => {
  it("returns a batch whose series only grow in ts unchanged", () => {
    const batch = [r("a", "pm25", 1, 1), r("b", "pm25", 1, 2), r("a", "o3", 1, 3), r("a", "pm25", 2, 4)];
    expect(lastPerReading(batch)).toEqual(batch);
  });

  it("keeps the last of a repeated key, like lastPerKey, also when the repeat is not adjacent", () => {
    const batch = [r("a", "pm25", 2, 1), r("b", "pm25", 1, 2), r("a", "pm25", 1, 3), r("a", "pm25", 2, 4)];
    const key = (x: (typeof batch)[number]) => `${x.stationId}/${x.metric}/${x.ts}`;
    expect(lastPerReading(batch)).toEqual(lastPerKey(batch, key));
    expect(lastPerReading(batch).map((x) => x.value)).toEqual([2, 3, 4]);
  });

  it("keeps readings out of order but without a repeated key", () => {
    const batch = [r("a", "pm25", 2, 1), r("a", "pm25", 1, 2)];
    expect(lastPerReading(batch)).toEqual(batch);
  });

  it("finds a metric repeated within one message's run, and a run repeating an earlier ts", () => {
    const sameRun = [r("a", "pm25", 1, 1), r("a", "o3", 1, 2), r("a", "pm25", 1, 3)];
    expect(lastPerReading(sameRun).map((x) => x.value)).toEqual([2, 3]);
    const laterRun = [r("a", "pm25", 1, 1), r("b", "o3", 1, 2), r("a", "o3", 1, 3), r("a", "pm25", 1, 4)];
    expect(lastPerReading(laterRun).map((x) => x.value)).toEqual([2, 3, 4]);
  });

  it("equals lastPerKey on any batch (property)", () => {
    const reading = fc.record({
      stationId: fc.constantFrom("a", "b", "c"),
      metric: fc.constantFrom("pm25", "o3", "no2"),
      ts: fc.integer({ min: 0, max: 4 }),
      value: fc.integer(),
    });
    const key = (x: { stationId: string; metric: string; ts: number }) =>
      `${x.stationId}/${x.metric}/${x.ts}`;
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 40 }), (batch) => {
        expect(lastPerReading(batch)).toEqual(lastPerKey(batch, key));
      }),
      { numRuns: 2000 },
    );
  });
});
