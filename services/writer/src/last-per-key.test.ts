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
});
