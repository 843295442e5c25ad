import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Station } from "./station.ts";
import { decodeStationMessage, MAX_JSON_DEPTH } from "./wire.ts";

// The hot path finds repeated keys by comparing the keys written in the text with those JSON.parse
// kept; these cases check that comparison is exact against texts whose repeats are known.

const STATION = { id: "ld-aq-01", kind: "air" } as Station;
const NOW = Date.parse("2026-11-28T10:31:00+08:00");
const ctx = { now: NOW, lookupStation: () => STATION };

/** Keys that make a quote-to-quote scan stumble: quotes, backslashes, colons, braces, blanks. */
const KEYS = ["pm25", "pm10", "o3", '"', "\\", 'a\\":', ":", "{", "]", " ", "__proto__", "é"];

/** A key as JSON text, sometimes with its first character written as a \u escape. */
function keyText(key: string, escaped: boolean): string {
  if (!escaped || key === "") return JSON.stringify(key);
  const code = (key.codePointAt(0) as number).toString(16).padStart(4, "0");
  return `"\\u${code}${JSON.stringify(key).slice(key[0] === '"' || key[0] === "\\" ? 3 : 2)}`;
}

const entry = fc.record({
  key: fc.constantFrom(...KEYS),
  value: fc.jsonValue({ maxDepth: 2 }),
  escape: fc.boolean(),
  blank: fc.constantFrom("", " ", "\n\t"),
});

function repeatedPaths(message: string): string[] {
  const { rejections } = decodeStationMessage("stations/ld-aq-01/air", message, ctx);
  return rejections.filter((r) => r.message.includes(" is repeated (")).map((r) => r.path);
}

describe("repeated JSON keys", () => {
  it("are found exactly, whatever the keys and values hold", () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const body = entries
          .map((e) => `${keyText(e.key, e.escape)}${e.blank}:${e.blank}${JSON.stringify(e.value)}`)
          .join(",");
        const message = `{"ts":${NOW - 60_000},"values":{${body}}}`;
        const counts = new Map<string, number>();
        for (const e of entries) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
        const expected = [...counts].filter(([, n]) => n > 1).map(([k]) => `values.${k}`);
        expect(repeatedPaths(message).sort()).toEqual(expected.sort());
      }),
      { numRuns: 2000 },
    );
  });

  it("name the observation of a backfill array and the nested object they repeat in", () => {
    const ts = NOW - 60_000;
    const message = `[{"ts":${ts},"values":{"pm25":1}},{"ts":${ts},"values":{"pm25":1},"units":{"pm25":"ug/m3","pm25":"mg/m3"}},{"ts":${ts},"ts":${ts},"values":{"pm10":2}}]`;
    const { readings, rejections } = decodeStationMessage("stations/ld-aq-01/air", message, ctx);
    expect(readings.map((r) => r.metric)).toEqual(["pm25"]);
    expect(rejections.map((r) => r.path)).toEqual(["[1].units.pm25", "[2].ts"]);
  });

  it(`refuse nesting deeper than ${MAX_JSON_DEPTH} as too deep, and take it up to that`, () => {
    const deep = (levels: number) =>
      `{"ts":${NOW - 60_000},"values":{"pm25":${"[".repeat(levels)}${"]".repeat(levels)}}}`;
    expect(
      decodeStationMessage("stations/ld-aq-01/air", deep(MAX_JSON_DEPTH - 2), ctx).rejections[0]?.code,
    ).toBe("value.not_number");
    expect(
      decodeStationMessage("stations/ld-aq-01/air", deep(MAX_JSON_DEPTH - 1), ctx).rejections[0]?.message,
    ).toMatch(/^payload.invalid: message is nested too deep: more than 32 levels/);
  });
});
