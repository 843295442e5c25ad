import { describe, expect, it } from "vitest";
import { csvField, toCsv } from "./csv.ts";
import { ApiError } from "./errors.ts";
import { parseTimeParam, timeRange } from "./time-param.ts";

describe("RFC 4180 CSV", () => {
  it("quotes fields with commas, quotes and line breaks; CRLF rows; empty for null", () => {
    expect(
      toCsv(
        ["a", "b", "c"],
        [
          { a: 1, b: 'say "hi", then go', c: null },
          { a: "x\ny", b: ["pm25", "pm10"] },
        ],
      ),
    ).toBe('a,b,c\r\n1,"say ""hi"", then go",\r\n"x\ny",pm25;pm10,\r\n');
    expect(csvField({ do: 6 })).toBe('"{""do"":6}"');
    expect(csvField(false)).toBe("false");
  });

  // OWASP CSV injection: only text is prefixed; numbers (negative ones too) are written as they are.
  it("prefixes text starting with = + - @ tab or CR with a single quote, never a number", () => {
    expect(csvField(-3.5)).toBe("-3.5");
    expect(csvField(-0.001)).toBe("-0.001");
    expect(csvField("-3.5")).toBe("'-3.5");
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField('=HYPERLINK("http://evil.example/x","report")')).toBe(
      `"'=HYPERLINK(""http://evil.example/x"",""report"")"`,
    );
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tx")).toBe("'\tx");
    expect(csvField("\rx")).toBe(`"'\rx"`);
    expect(csvField(["=a", "b"])).toBe("'=a;b");
    expect(csvField("a=b")).toBe("a=b");
    expect(csvField("2026-11-29T00:00:00+08:00")).toBe("2026-11-29T00:00:00+08:00");
    expect(toCsv(["v", "t"], [{ v: -3.5, t: "-3.5" }])).toBe("v,t\r\n-3.5,'-3.5\r\n");
  });
});

describe("time parameters", () => {
  it("accepts ISO 8601 with an offset or epoch ms", () => {
    expect(parseTimeParam("from", "2026-11-29T00:00:00+08:00")).toBe(Date.parse("2026-11-28T16:00:00Z"));
    expect(parseTimeParam("from", "2026-11-28T16:00Z")).toBe(Date.parse("2026-11-28T16:00:00Z"));
    expect(parseTimeParam("to", "1796400000000")).toBe(1_796_400_000_000);
  });
  it("refuses a time without offset, naming the parameter", () => {
    try {
      parseTimeParam("from", "2026-11-29T00:00:00");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).body).toEqual({
        code: "query.invalid",
        message:
          'query parameter "from" is "2026-11-29T00:00:00", expected ISO 8601 with an offset (e.g. "2026-11-29T00:00:00+08:00") or epoch milliseconds',
        parameter: "from",
        received: "2026-11-29T00:00:00",
        expected: 'ISO 8601 with an offset (e.g. "2026-11-29T00:00:00+08:00") or epoch milliseconds',
      });
    }
  });
  it("defaults to the last span before now and refuses a reversed range", () => {
    expect(timeRange({}, 10_000, 1_000)).toEqual({ from: 9_000, to: 10_000 });
    expect(() => timeRange({ from: "2000", to: "1000" }, 0, 1)).toThrow('query parameter "to" is "1000"');
  });
});

describe("impossible calendar dates and times", () => {
  it.each([
    ["2026-02-30T00:00:00+08:00", "2026-02 has no day 30"],
    ["2026-02-29T00:00:00+08:00", "2026-02 has no day 29"],
    ["2026-04-31T00:00:00Z", "2026-04 has no day 31"],
    ["2026-13-01T00:00:00+08:00", "month 13"],
    ["2026-00-10T00:00:00+08:00", "month 00"],
    ["2026-11-00T00:00:00+08:00", "2026-11 has no day 00"],
    ["2026-11-29T24:00:00+08:00", "hour 24"],
    ["2026-11-29T23:60+08:00", "minute 60"],
    ["2026-11-29T23:59:60+08:00", "second 60"],
    ["2026-11-29T00:00:00+08:60", "offset 08:60"],
  ])("%s is refused (%s), naming the parameter", (raw, what) => {
    try {
      parseTimeParam("to", raw);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      const body = (error as ApiError).body;
      expect(body).toMatchObject({ code: "query.invalid", parameter: "to", received: raw });
      expect(body.expected).toContain(what);
      expect(body.message).toContain(`query parameter "to" is "${raw}"`);
    }
  });
  it("accepts the real ones at the edges: leap day, month ends, 23:59:59", () => {
    expect(parseTimeParam("from", "2028-02-29T00:00:00+08:00")).toBe(Date.parse("2028-02-28T16:00:00Z"));
    expect(parseTimeParam("from", "2026-12-31T23:59:59.999+08:00")).toBe(
      Date.parse("2026-12-31T15:59:59.999Z"),
    );
    expect(parseTimeParam("from", "2026-04-30T00:00Z")).toBe(Date.parse("2026-04-30T00:00:00Z"));
  });
});
