import { describe, expect, it } from "vitest";
import { computeAqi } from "./compute-aqi.ts";
import { indexedConcentration } from "./concentration-rounding.ts";
import { aqiStandardFor, beijingToday } from "./edition.ts";
import type { AqiInput } from "./types.ts";

const EX07 = {
  so2_1h: 850,
  so2_24h: 300,
  no2_1h: 150,
  co_1h: 2.0,
  o3_1h: 60,
  o3_8h: 50,
  pm10_24h: 90,
  pm25_24h: 50,
  pm10_1h: 110,
  pm25_1h: 66,
};
const EX07_GASES = { so2_1h: 124, no2_1h: 75, co_1h: 20, o3_1h: 19, o3_8h: 25 };

describe("edition by Beijing date", () => {
  it("switches at 2026-03-01", () => {
    expect(aqiStandardFor("2013-01-01")).toBe("HJ633-2012");
    expect(aqiStandardFor("2026-02-28")).toBe("HJ633-2012");
    expect(aqiStandardFor("2026-03-01")).toBe("HJ633-2026");
    expect(aqiStandardFor("2031-06-30")).toBe("HJ633-2026");
  });

  it("rejects a malformed or impossible date", () => {
    expect(() => aqiStandardFor("2026-3-1")).toThrow(RangeError);
    expect(() => aqiStandardFor("2026-02-30")).toThrow(/not a calendar date/);
  });

  it("PM2.5 60 µg/m³ daily is IAQI 82 on 2026-02-28 and 100 on 2026-03-01", () => {
    const day = (date: string) => computeAqi({ date, period: "day", concentrations: { pm25_24h: 60 } });
    expect(day("2026-02-28").iaqi.pm25_24h).toBe(82);
    expect(day("2026-02-28").standard).toBe("HJ633-2012");
    expect(day("2026-03-01").iaqi.pm25_24h).toBe(100);
    expect(day("2026-03-01").standard).toBe("HJ633-2026");
  });

  it("Beijing day of a UTC instant: 2026-02-28T16:00Z is 2026-03-01 in Beijing", () => {
    expect(beijingToday(Date.parse("2026-02-28T15:59:59Z"))).toBe("2026-02-28");
    expect(beijingToday(Date.parse("2026-02-28T16:00:00Z"))).toBe("2026-03-01");
  });

  it("without standard or date uses the edition in force today (Beijing)", () => {
    const result = computeAqi({ period: "day", concentrations: { pm25_24h: 60 } });
    expect(result.standard).toBe(aqiStandardFor(beijingToday()));
  });

  it("an explicit standard wins over the date", () => {
    const result = computeAqi({
      standard: "HJ633-2012",
      date: "2026-11-29",
      period: "day",
      concentrations: { pm25_24h: 60 },
    });
    expect(result.standard).toBe("HJ633-2012");
    expect(result.iaqi.pm25_24h).toBe(82);
  });
});

describe("HJ 633-2012 real-time PM basis (air-aqi.md §3.1)", () => {
  const hour = (extra: Partial<AqiInput>, concentrations: AqiInput["concentrations"] = EX07) =>
    computeAqi({ standard: "HJ633-2012", period: "hour", concentrations, ...extra });

  it("both given, no date, no option → rolling24h (the standard's text)", () => {
    expect(hour({})).toStrictEqual({
      standard: "HJ633-2012",
      aqi: 124,
      iaqi: { ...EX07_GASES, pm10_24h: 70, pm25_24h: 69 },
      primary: ["so2"],
      exceeding: ["so2"],
      level: 3,
      category: { zh: "轻度污染", en: "Lightly polluted", color: "#FF7E00" },
      pmBasis: "rolling24h",
    });
  });

  it("both given, date ≥ 2014-01-01 → hourly (published practice), 1-h PM on the 24-h columns", () => {
    const result = hour({ date: "2014-01-01" });
    expect(result.pmBasis).toBe("hourly");
    // PM10 110: 50 + ⌈50·60/100⌉ = 80; PM2.5 66: 50 + ⌈50·31/40⌉ = 89
    expect(result.iaqi).toStrictEqual({ ...EX07_GASES, pm10_1h: 80, pm25_1h: 89 });
    expect(result.aqi).toBe(124);
  });

  it("both given, date before 2014 → rolling24h", () => {
    expect(hour({ date: "2013-12-31" }).pmBasis).toBe("rolling24h");
  });

  it("the option wins over the date", () => {
    expect(hour({ date: "2020-05-01", options: { pmRealtimeBasis2012: "rolling24h" } }).pmBasis).toBe(
      "rolling24h",
    );
    const hourly = hour({ options: { pmRealtimeBasis2012: "hourly" } });
    expect(hourly.pmBasis).toBe("hourly");
    expect(hourly.iaqi.pm25_1h).toBe(89);
  });

  it("only 1-h PM given → indexes it (hourly) even when the preference is rolling24h", () => {
    const result = hour({ options: { pmRealtimeBasis2012: "rolling24h" } }, { pm10_1h: 110, pm25_1h: 66 });
    expect(result.pmBasis).toBe("hourly");
    expect(result.iaqi).toStrictEqual({ pm10_1h: 80, pm25_1h: 89 });
    expect(result.missing).toStrictEqual(["so2_1h", "no2_1h", "co_1h", "o3_1h", "o3_8h"]);
  });

  it("only 24-h PM given → rolling24h even with a date after 2014", () => {
    const result = hour({ date: "2020-05-01" }, { pm10_24h: 90, pm25_24h: 50 });
    expect(result.pmBasis).toBe("rolling24h");
    expect(result.iaqi).toStrictEqual({ pm10_24h: 70, pm25_24h: 69 });
  });

  it("a null counts as not given", () => {
    const result = hour({ date: "2020-05-01" }, { pm25_1h: null, pm25_24h: 50 });
    expect(result.pmBasis).toBe("rolling24h");
    expect(result.iaqi).toStrictEqual({ pm25_24h: 69 });
  });

  it("no pmBasis in daily or 2026 reports", () => {
    expect(
      computeAqi({ standard: "HJ633-2012", period: "day", concentrations: EX07 }).pmBasis,
    ).toBeUndefined();
    expect(
      computeAqi({ standard: "HJ633-2026", period: "hour", concentrations: EX07 }).pmBasis,
    ).toBeUndefined();
  });
});

describe("special rules", () => {
  it("2012 real-time SO2 1-h > 800 without a 24-h mean → SO2 not indexed", () => {
    const result = computeAqi({
      standard: "HJ633-2012",
      period: "hour",
      concentrations: { so2_1h: 850, no2_1h: 150 },
    });
    expect(result.iaqi).toStrictEqual({ so2_1h: null, no2_1h: 75 });
    expect(result.aqi).toBe(75);
    expect(result.primary).toStrictEqual(["no2"]);
  });

  it("2012 real-time SO2 1-h ≤ 800 ignores the 24-h mean", () => {
    const result = computeAqi({
      standard: "HJ633-2012",
      period: "hour",
      concentrations: { so2_1h: 800, so2_24h: 2000 },
    });
    expect(result.iaqi).toStrictEqual({ so2_1h: 200 });
  });

  it("2026 real-time SO2 1-h > 800 → 200, O3 8-h > 800 daily → 300", () => {
    expect(
      computeAqi({ standard: "HJ633-2026", period: "hour", concentrations: { so2_1h: 5000 } }).iaqi,
    ).toStrictEqual({ so2_1h: 200 });
    expect(
      computeAqi({ standard: "HJ633-2026", period: "day", concentrations: { o3_8h: 801 } }).iaqi,
    ).toStrictEqual({
      o3_8h: 300,
    });
  });

  it("above the top breakpoint → 500 flagged aboveScale, level 6", () => {
    const result = computeAqi({
      standard: "HJ633-2026",
      period: "hour",
      concentrations: { pm25_1h: 730, co_1h: 151 },
    });
    expect(result.iaqi).toStrictEqual({ pm25_1h: 500, co_1h: 500 });
    expect(result.aboveScale).toStrictEqual(["co_1h", "pm25_1h"]);
    expect(result.aqi).toBe(500);
    expect(result.primary).toStrictEqual(["co", "pm25"]);
  });

  it("2012 daily: the O3 1-h and 8-h IAQIs name one pollutant, o3", () => {
    const result = computeAqi({
      standard: "HJ633-2012",
      period: "day",
      concentrations: { o3_1h: 300, o3_8h: 215 },
    });
    expect(result.iaqi).toStrictEqual({ o3_1h: 150, o3_8h: 150 });
    expect(result.primary).toStrictEqual(["o3"]);
    expect(result.exceeding).toStrictEqual(["o3"]);
  });

  it("inputs that are not indicators of the report are omitted", () => {
    const result = computeAqi({
      standard: "HJ633-2026",
      period: "day",
      concentrations: { o3_1h: 300, so2_1h: 900, pm25_1h: 200, pm25_24h: 30 },
    });
    expect(result.iaqi).toStrictEqual({ pm25_24h: 43 });
  });
});

describe("HJ 633-2026 concentration rounding (GB/T 8170, provisional mode)", () => {
  const day = (pm25_24h: number, rounding?: "half-even" | "truncate") =>
    computeAqi({
      standard: "HJ633-2026",
      period: "day",
      concentrations: { so2_24h: 6, no2_24h: 25, co_24h: 0.7, o3_8h: 80, pm10_24h: 45, pm25_24h },
      ...(rounding ? { options: { concentrationRounding2026: rounding } } : {}),
    });

  it("34.5 → 34 half-even → IAQI 49; 35.5 → 36 → 52", () => {
    expect(day(34.5).iaqi.pm25_24h).toBe(49);
    expect(day(35.5).iaqi.pm25_24h).toBe(52);
  });

  it("35.99 → 36 half-even but 35 when truncating", () => {
    expect(day(35.99).iaqi.pm25_24h).toBe(52);
    expect(day(35.99, "truncate").iaqi.pm25_24h).toBe(50);
  });

  it("CO to one decimal: 4.25 → 4.2, 4.35 → 4.4", () => {
    const co = (co_24h: number) =>
      computeAqi({ standard: "HJ633-2026", period: "day", concentrations: { co_24h } }).iaqi.co_24h;
    expect(co(4.25)).toBe(101);
    expect(co(4.35)).toBe(102);
  });

  it("2012 does not round: 34.5 → IAQI 50 (49.28… rounded up)", () => {
    const result = computeAqi({ standard: "HJ633-2012", period: "day", concentrations: { pm25_24h: 34.5 } });
    expect(result.iaqi.pm25_24h).toBe(50);
  });

  it("a rounded value landing on a breakpoint takes that row's IAQI: PM2.5 60.4 → 60 → 100", () => {
    expect(day(60.4).iaqi.pm25_24h).toBe(100);
    expect(day(60.5).iaqi.pm25_24h).toBe(100);
    expect(day(61.5).iaqi.pm25_24h).toBe(102);
  });
});

describe("warning thresholds in PM2.5 terms (heavy-pollution-warning.md §2.4)", () => {
  // Every other daily indicator low, so the 2026 publication rule (§5.3.1) does not withhold AQI 100.
  const LOW = { so2_24h: 5, no2_24h: 20, pm10_24h: 40, co_24h: 0.5, o3_1h: 90, o3_8h: 70 };
  const pm25Day = (standard: AqiInput["standard"], pm25_24h: number) =>
    computeAqi({ standard, period: "day", concentrations: { ...LOW, pm25_24h } }).aqi;

  // §2.4: AQI > 150 ⇔ PM2.5 > 115, > 200 ⇔ > 150, > 300 ⇔ > 250 in both editions; > 100 ⇔ > 75 (2012) but > 60 (2026).
  it.each([
    ["HJ633-2012", 75, 100, 76, 102],
    ["HJ633-2026", 60, 100, 61, 101],
    ["HJ633-2012", 115, 150, 116, 152],
    ["HJ633-2026", 115, 150, 116, 152],
    ["HJ633-2012", 150, 200, 151, 201],
    ["HJ633-2026", 150, 200, 151, 201],
    ["HJ633-2012", 250, 300, 251, 301],
    ["HJ633-2026", 250, 300, 251, 301],
  ] as const)("%s: PM2.5 %s → AQI %s, %s → %s", (standard, at, aqiAt, above, aqiAbove) => {
    expect(pm25Day(standard, at)).toBe(aqiAt);
    expect(pm25Day(standard, above)).toBe(aqiAbove);
  });
});

describe("HJ 633-2026 §5.3 publication rule", () => {
  const ALL = { so2_24h: 6, no2_24h: 25, co_24h: 0.7, o3_8h: 80, pm10_24h: 45 };

  it("a missing indicator and AQI ≤ 100 → AQI, level, category null, primary [], value withheld", () => {
    const result = computeAqi({
      standard: "HJ633-2026",
      period: "day",
      concentrations: { ...ALL, pm10_24h: 100 },
    });
    expect(result).toStrictEqual({
      standard: "HJ633-2026",
      aqi: null,
      iaqi: { so2_24h: 6, no2_24h: 32, co_24h: 18, o3_8h: 40, pm10_24h: 86 },
      primary: [],
      exceeding: [],
      level: null,
      category: null,
      withheld: {
        aqi: 86,
        reason:
          "HJ 633-2026 §5.3.1: pm25_24h missing and AQI 86 ≤ 100 — AQI, primary pollutant, level and category are published as NA",
      },
      missing: ["pm25_24h"],
    });
  });

  it("a null indicator counts as missing and appears in iaqi as null", () => {
    const result = computeAqi({
      standard: "HJ633-2026",
      period: "day",
      concentrations: { ...ALL, pm25_24h: null },
    });
    expect(result.aqi).toBeNull();
    expect(result.withheld?.aqi).toBe(45);
    expect(result.iaqi.pm25_24h).toBeNull();
    expect(result.missing).toStrictEqual(["pm25_24h"]);
  });

  it("exactly 100 is still withheld; above 100 is published", () => {
    const at100 = computeAqi({
      standard: "HJ633-2026",
      period: "day",
      concentrations: { ...ALL, pm10_24h: 120 },
    });
    expect(at100.aqi).toBeNull();
    expect(at100.withheld?.aqi).toBe(100);
    const above = computeAqi({
      standard: "HJ633-2026",
      period: "day",
      concentrations: { ...ALL, pm10_24h: 121 },
    });
    expect(above.aqi).toBe(101);
    expect(above.level).toBe(3);
    expect(above.primary).toStrictEqual(["pm10"]);
    expect(above.withheld).toBeUndefined();
    expect(above.missing).toStrictEqual(["pm25_24h"]);
  });

  it("2012 publishes the AQI of what is available", () => {
    const result = computeAqi({ standard: "HJ633-2012", period: "day", concentrations: { pm25_24h: 40 } });
    expect(result.aqi).toBe(57);
    expect(result.withheld).toBeUndefined();
    expect(result.missing).toStrictEqual(["so2_24h", "no2_24h", "pm10_24h", "co_24h", "o3_1h", "o3_8h"]);
  });

  it("nothing given → aqi null without withheld", () => {
    const result = computeAqi({ standard: "HJ633-2026", period: "hour", concentrations: {} });
    expect(result).toStrictEqual({
      standard: "HJ633-2026",
      aqi: null,
      iaqi: {},
      primary: [],
      exceeding: [],
      level: null,
      category: null,
      missing: ["so2_1h", "no2_1h", "pm10_1h", "co_1h", "o3_1h", "pm25_1h"],
    });
  });
});

describe("bad input", () => {
  const bad = (input: unknown) => () => computeAqi(input as AqiInput);

  it("throws RangeError with the field named", () => {
    expect(bad({ period: "day", concentrations: { pm25_24h: -1 } })).toThrow(
      /concentrations.pm25_24h: concentration must not be negative/,
    );
    expect(bad({ period: "day", concentrations: { pm25_24h: Number.NaN } })).toThrow(
      /concentrations.pm25_24h: expected a finite number/,
    );
    expect(bad({ period: "day", concentrations: { co_1h: Number.POSITIVE_INFINITY } })).toThrow(RangeError);
    expect(bad({ period: "day", concentrations: { pm25_24h: "35" } })).toThrow(RangeError);
    expect(bad({ period: "day", concentrations: { pm1: 3 } })).toThrow(/unknown AQI indicator/);
    expect(bad({ period: "week", concentrations: {} })).toThrow(/period/);
    expect(bad({ period: "day", date: "2026/03/01", concentrations: {} })).toThrow(/YYYY-MM-DD/);
    expect(bad({ period: "day", standard: "HJ633-2020", concentrations: {} })).toThrow(
      /unknown AQI standard/,
    );
    expect(bad({ period: "day", concentrations: {}, options: { pmRealtimeBasis2012: "daily" } })).toThrow(
      /pmRealtimeBasis2012/,
    );
    expect(bad({ period: "day", concentrations: {}, options: { concentrationRounding2026: "up" } })).toThrow(
      /concentrationRounding2026/,
    );
    expect(bad({ period: "day" })).toThrow(/concentrations/);
    expect(bad(null)).toThrow(RangeError);
  });
});

describe("indexedConcentration (HJ 633-2026 §4.2.2–4.2.3: the concentration indexed is the rounded one)", () => {
  it("gives the rounded 2026 value, whose re-indexing gives the published IAQI; 2012 values as given", () => {
    // air-aqi.md §9 example 15: 34.5 → 34 (half-even) → IAQI 49; 35 would give 50.
    expect(indexedConcentration("HJ633-2026", "pm25_24h", 34.5)).toBe(34);
    expect(indexedConcentration("HJ633-2026", "co_24h", 4.25)).toBe(4.2);
    expect(indexedConcentration("HJ633-2026", "pm25_24h", 88.5)).toBe(88);
    for (const c of [34.5, 88.5, 35.5, 60.49]) {
      const published = indexedConcentration("HJ633-2026", "pm25_24h", c);
      const direct = computeAqi({ standard: "HJ633-2026", period: "day", concentrations: { pm25_24h: c } });
      const again = computeAqi({
        standard: "HJ633-2026",
        period: "day",
        concentrations: { pm25_24h: published },
      });
      expect(again.iaqi.pm25_24h).toBe(direct.iaqi.pm25_24h);
    }
    expect(indexedConcentration("HJ633-2012", "pm25_24h", 88.5)).toBe(88.5);
  });
});

describe("HJ 633-2026 AQI range 1–500 (§4.1.1, air-aqi.md §2 and §4)", () => {
  const zero = { so2_24h: 0.2, no2_24h: 0.4, co_24h: 0.04, o3_8h: 0.3, pm10_24h: 0, pm25_24h: 0.49 };

  it("a 2026 day with every concentration rounding to 0 has AQI 1 (优), its IAQIs 0", () => {
    const r = computeAqi({ standard: "HJ633-2026", period: "day", concentrations: zero });
    expect(r.aqi).toBe(1);
    expect(r).toMatchObject({ level: 1, primary: [], category: { zh: "优" } });
    expect(Object.values(r.iaqi)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("a 2012 day can still be 0", () => {
    const r = computeAqi({
      standard: "HJ633-2012",
      period: "day",
      concentrations: { so2_24h: 0, no2_24h: 0, co_24h: 0, o3_1h: 0, o3_8h: 0, pm10_24h: 0, pm25_24h: 0 },
    });
    expect(r.aqi).toBe(0);
  });
});

describe("2012 real-time SO2 1-h > 800 without a 24-h SO2 mean (air-aqi.md §5: the report states what is missing)", () => {
  it("lists so2_24h as missing: the SO2 IAQI could not be computed", () => {
    const result = computeAqi({
      standard: "HJ633-2012",
      period: "hour",
      concentrations: { so2_1h: 850, so2_24h: null, no2_1h: 150, co_1h: 2, o3_1h: 60, o3_8h: 50 },
      options: { pmRealtimeBasis2012: "hourly" },
    });
    expect(result.iaqi.so2_1h).toBeNull();
    expect(result.missing).toStrictEqual(["so2_24h", "pm10_1h", "pm25_1h"]);
    // Not given at all: the same.
    const absent = computeAqi({ standard: "HJ633-2012", period: "hour", concentrations: { so2_1h: 850 } });
    expect(absent.missing?.[0]).toBe("so2_24h");
  });

  it("with a 24-h mean, or SO2 1-h ≤ 800, so2_24h is not missing", () => {
    const sub = computeAqi({
      standard: "HJ633-2012",
      period: "hour",
      concentrations: { so2_1h: 850, so2_24h: 300 },
    });
    expect(sub.iaqi.so2_1h).toBe(124);
    expect(sub.missing).not.toContain("so2_24h");
    const low = computeAqi({ standard: "HJ633-2012", period: "hour", concentrations: { so2_1h: 800 } });
    expect(low.missing).not.toContain("so2_24h");
  });
});

describe("pollutants not in the monitoring programme (HJ 633-2026 §5.3, air-aqi.md §5)", () => {
  const HOUR = { no2_1h: 20, o3_1h: 40, pm10_1h: 30, pm25_1h: 20 };

  it("2026: SO2 and CO not in the programme do not withhold an AQI ≤ 100; listed apart from missing", () => {
    const result = computeAqi({
      standard: "HJ633-2026",
      period: "hour",
      concentrations: HOUR,
      notInProgramme: ["so2", "co"],
    });
    expect(result.aqi).toBe(30); // PM10 30 → IAQI 30
    expect(result.level).toBe(1);
    expect(result.withheld).toBeUndefined();
    expect(result.missing).toBeUndefined();
    expect(result.notInProgramme).toStrictEqual(["so2_1h", "co_1h"]);
    expect(result.iaqi).not.toHaveProperty("so2_1h");
  });

  it("2026: a measured pollutant without a value still withholds, the one outside the programme is not missing", () => {
    const result = computeAqi({
      standard: "HJ633-2026",
      period: "day",
      concentrations: { so2_24h: null, no2_24h: 20, o3_8h: 40, pm10_24h: 30, pm25_24h: 20 },
      notInProgramme: ["co"],
    });
    expect(result.aqi).toBeNull();
    expect(result.withheld?.aqi).toBe(30);
    expect(result.missing).toStrictEqual(["so2_24h"]);
    expect(result.notInProgramme).toStrictEqual(["co_24h"]);
  });

  it("null concentrations of a pollutant outside the programme are accepted; a number is refused", () => {
    const result = computeAqi({
      standard: "HJ633-2012",
      period: "hour",
      concentrations: { ...HOUR, so2_1h: null, so2_24h: null, o3_8h: 40 },
      notInProgramme: ["so2"],
    });
    expect(result.notInProgramme).toStrictEqual(["so2_1h"]);
    expect(result.missing).toStrictEqual(["co_1h"]);
    expect(() =>
      computeAqi({ period: "hour", concentrations: { so2_1h: 5 }, notInProgramme: ["so2"] }),
    ).toThrow(/concentrations\.so2_1h/);
    expect(() =>
      computeAqi({ period: "hour", concentrations: {}, notInProgramme: ["nox" as never] }),
    ).toThrow(RangeError);
  });
});
