import { describe, expect, it } from "vitest";
import { anyOf, idOffsetNs, MAX_MS, quoteIdent, quoteString, recordTimeNs, timeNs } from "./influxql.ts";

describe("InfluxQL helpers", () => {
  it("quotes strings and identifiers so that no value ends the literal", () => {
    expect(quoteString("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
    expect(quoteIdent('my "db"')).toBe('"my \\"db\\""');
    expect(anyOf("station", ["A", "瓯江'1"])).toBe(`("station" = 'A' OR "station" = '瓯江\\'1')`);
    expect(anyOf("station", [])).toBe("");
  });

  it("turns ms bounds into exact, clamped ns literals", () => {
    expect(timeNs(1.5, "ceil")).toBe("2000000");
    expect(timeNs(1.5, "floor")).toBe("1000000");
    expect(timeNs(1772323200000, "ceil")).toBe("1772323200000000000");
    expect(timeNs(-1, "ceil")).toBe("-1000000");
    expect(timeNs(Number.POSITIVE_INFINITY, "ceil")).toBe(`${MAX_MS}000000`);
    expect(timeNs(Number.NEGATIVE_INFINITY, "floor")).toBe(`-${MAX_MS}000000`);
  });

  it("derives a stable sub-ms offset from an id, so records keep their ms and order", () => {
    expect(idOffsetNs("evt-1")).toBe(idOffsetNs("evt-1"));
    expect(idOffsetNs("evt-1")).not.toBe(idOffsetNs("evt-2"));
    const offsets = Array.from({ length: 1000 }, (_, i) => idOffsetNs(`dl-${i}`));
    expect(offsets.every((o) => Number.isInteger(o) && o >= 0 && o < 1_000_000)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(990);
    expect(recordTimeNs(5, "x") / 1_000_000n).toBe(5n);
  });
});
