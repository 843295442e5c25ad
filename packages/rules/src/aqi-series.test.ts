import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AqiSeries } from "./aqi-series.ts";

describe("AqiSeries (compact AQI history of the warning rules)", () => {
  it("behaves like a JS array of values and tags trimmed to its limit from the front", () => {
    const value = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 500 }) },
      { weight: 2, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom(65_534, 65_535, 70_000, 12.5, -1) },
    );
    const tag = fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
    );
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ push: value, tag }) },
      { weight: 1, arbitrary: fc.record({ set: value, tag, at: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 200 }), (limit, ops) => {
        const series = new AqiSeries(limit);
        const model: (number | null)[] = [];
        const tags: number[] = [];
        for (const o of ops) {
          const version = series.version;
          if ("push" in o) {
            model.push(o.push);
            tags.push(o.tag);
            const dropped = model.length > limit ? model.splice(0, model.length - limit).length : 0;
            if (dropped > 0) tags.splice(0, dropped);
            expect(series.push(o.push, o.tag)).toBe(dropped);
            expect(series.version).not.toBe(version);
          } else if (model.length > 0) {
            const i = o.at % model.length;
            const changed = model[i] !== o.set || tags[i] !== o.tag;
            model[i] = o.set;
            tags[i] = o.tag;
            series.set(i, o.set, o.tag);
            // The version says whether what a reader saw may have changed.
            expect(series.version !== version).toBe(changed);
          }
          expect(series.length).toBe(model.length);
        }
        expect(series.toArray()).toEqual(model);
        expect(series.tags()).toEqual(tags);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps 240 integer AQI values in 2 bytes each", () => {
    const series = new AqiSeries(240);
    const all: (number | null)[] = [];
    for (let i = 0; i < 1000; i++) all.push(i % 7 === 0 ? null : i % 501);
    for (const v of all) series.push(v);
    expect(series.byteLength).toBe(480);
    expect(series.toArray()).toEqual(all.slice(-240));
    series.push(150.5); // not an integer: 8 bytes a value from now on, values kept
    expect(series.byteLength).toBe(240 * 8);
    expect(series.toArray()).toEqual([...all.slice(-239), 150.5]);
  });

  it("keeps tags in one byte a value, allocated with the first tag", () => {
    const series = new AqiSeries(240);
    for (let i = 0; i < 300; i++) series.push(i % 501);
    expect(series.byteLength).toBe(480);
    series.push(112, 0x81);
    expect(series.byteLength).toBe(480 + 240);
    expect(series.tag(239)).toBe(0x81);
    expect(series.tag(238)).toBe(0);
    expect(() => series.push(1, 256)).toThrow(/tag/);
    expect(() => series.set(0, 1, -1)).toThrow(/tag/);
  });
});
