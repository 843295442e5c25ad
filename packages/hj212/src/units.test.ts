import { describe, expect, it } from "vitest";
import { formatDataTime, parseDataTime } from "./data-time.ts";
import { decodeFlag, encodeFlag } from "./flag.ts";
import { profileForVersion } from "./protocol.ts";
import { canonicalUnit, convertDecimal } from "./units.ts";

describe("convertDecimal", () => {
  it.each([
    ["0.05", "µg/L", "mg/L", 0.00005],
    ["12", "ug/L", "mg/L", 0.012],
    ["0.035", "mg/m³", "µg/m³", 35],
    ["0.1", "mg/m3", "µg/m³", 100],
    ["2.2", "mg/m³", "mg/m³", 2.2],
    ["23.6", "mS/m", "µS/cm", 236],
    ["1.5e2", "µg/m³", "mg/m³", 0.15],
    ["-0.5", "°C", "℃", -0.5],
  ])("%s %s is %s in %s", (text, from, to, expected) => {
    expect(convertDecimal(text, from, to)).toBe(expected);
  });

  it.each([
    ["1", "ppb", "µg/m³"],
    ["1", "mg/L", "µg/m³"],
    ["x", "mg/L", "mg/L"],
  ])("refuses %s %s → %s", (text, from, to) => {
    expect(convertDecimal(text, from, to)).toBeUndefined();
  });

  it("spells units canonically", () => {
    expect(["ug/l", "μg/L", "mg/m3", "us/cm", "℃", "无"].map(canonicalUnit)).toEqual([
      "µg/L",
      "µg/L",
      "mg/m³",
      "µS/cm",
      "°C",
      "dimensionless",
    ]);
  });
});

describe("DataTime (Beijing time)", () => {
  it("reads YYYYMMDDhhmmss as UTC+8 and writes it back", () => {
    const t = parseDataTime("20261128103000");
    expect(t).toBe(Date.parse("2026-11-28T02:30:00Z"));
    expect(formatDataTime(t ?? 0)).toBe("20261128103000");
    expect(parseDataTime("20270101000000")).toBe(Date.parse("2026-12-31T16:00:00Z"));
  });

  it("reads a year below 100 as that year, not as 19xx", () => {
    expect(parseDataTime("00991128103000")).toBe(Date.parse("0099-11-28T02:30:00Z"));
    expect(new Date(parseDataTime("00991128103000") ?? 0).getUTCFullYear()).toBe(99);
    expect(parseDataTime("00000101080000")).toBe(Date.parse("0000-01-01T00:00:00Z"));
    expect(parseDataTime("00990229000000")).toBeUndefined(); // 99 is not a leap year
    expect(parseDataTime("00960229000000")).toBe(Date.parse("0096-02-28T16:00:00Z"));
  });

  it.each(["20261131103000", "20261328103000", "20261128243000", "2026112810300", "2026-11-28"])(
    "refuses %s",
    (text) => {
      expect(parseDataTime(text)).toBeUndefined();
    },
  );
});

describe("Flag byte (hj212.md §1.2)", () => {
  it.each([
    [4, false, false, 1],
    [5, true, false, 1],
    [6, false, true, 1],
    [7, true, true, 1],
    [0, false, false, 0],
    [9, true, false, 2],
  ])("%i → ack %s, split %s, version %i", (value, needAck, split, version) => {
    expect(decodeFlag(value)).toEqual({ value, needAck, split, version });
    expect(encodeFlag({ version, split, needAck })).toBe(value);
  });

  it("picks the profile by version, 2017 for unknown versions", () => {
    expect([0, 1, 2, 17].map((v) => profileForVersion(v).edition)).toEqual([
      "HJ/T 212-2005",
      "HJ 212-2017",
      "HJ 212-2025",
      "HJ 212-2017",
    ]);
    expect(profileForVersion(2).provisional).toBe(true);
    expect(() => encodeFlag({ version: 64, split: false, needAck: false })).toThrow(RangeError);
  });
});
