import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastWireObservation, WireObservationSchema } from "./wire.ts";

// Observations near the wire shape: every field may be right, wrong in type, or missing, plus
// stray keys — so both the fast path and the zod fallback are exercised.
const anyJson = fc.jsonValue({ maxDepth: 2 });
const record = (value: fc.Arbitrary<unknown>) =>
  fc.dictionary(
    fc.oneof(fc.constantFrom("pm25", "o3", "__proto__", "constructor", "0"), fc.string()),
    value,
    {
      maxKeys: 6,
    },
  );
const field = <T>(good: fc.Arbitrary<T>) =>
  fc.option(fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: anyJson }), { nil: undefined });
const ts = fc.oneof(
  fc.integer({ min: -5, max: 2 ** 53 + 5 }).map(Number),
  fc.double(),
  fc.constantFrom(
    "2026-11-28T10:00:00+08:00",
    "2026-11-28T02:00:00Z",
    "2026-11-28T02:00:00.123456Z",
    "2026-11-28T10:00:00",
    "2026-02-30T10:00:00+08:00",
    "2026-11-28 10:00:00+08:00",
    "yesterday",
    2 ** 53,
    -0,
    1.5,
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const observation = fc
  .record(
    {
      ts: field(ts),
      values: field(record(fc.oneof(fc.double(), fc.string(), fc.constant(null)))),
      flags: field(record(fc.oneof(fc.constantFrom("N", "C", "Z"), anyJson))),
      period: field(fc.constantFrom("PT1H", "PT1M", "P", "")),
      units: field(record(fc.oneof(fc.constantFrom("µg/m³", "ug/m3"), anyJson))),
      extra: field(anyJson),
    },
    { requiredKeys: [] },
  )
  // Through JSON, as the decoder sees it (own "__proto__" keys, no undefined).
  .map((o) => JSON.parse(JSON.stringify(o)) as unknown);

describe("fastWireObservation", () => {
  it("agrees with WireObservationSchema: accepts only what zod accepts, with the same data", () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 5, arbitrary: observation }, { weight: 1, arbitrary: anyJson }),
        (raw) => {
          const fast = fastWireObservation(raw);
          const zod = WireObservationSchema.safeParse(raw);
          if (fast !== undefined) {
            expect(zod.success).toBe(true);
            expect(fast).toStrictEqual(zod.data);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("takes the common valid shapes (otherwise it would speed nothing up)", () => {
    const values = { pm25: 35, pm10: 60, so2: 8.5, no2: 31.25, co: 0.82, o3: 96 };
    expect(fastWireObservation({ ts: 1764295200000, values, period: "PT1M" })).toEqual({
      ts: 1764295200000,
      values,
      period: "PT1M",
    });
    expect(
      fastWireObservation({
        ts: "2026-11-28T10:00:00+08:00",
        values,
        flags: { o3: "C" },
        units: { pm25: "ug/m3" },
      }),
    ).toBeDefined();
    expect(fastWireObservation({ ts: "2026-11-28T10:00:00", values })).toBeUndefined();
    expect(fastWireObservation(JSON.parse('{"ts":1,"values":{"__proto__":1}}'))).toBeUndefined();
  });
});
