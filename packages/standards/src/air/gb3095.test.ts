import { describe, expect, it } from "vitest";
import {
  exceedanceMultiple,
  exceedsLimit,
  type Gb3095Averaging,
  type Gb3095Grade,
  type Gb3095Phase,
  type Gb3095Pollutant,
  gb3095Limit,
  gb3095Phase,
} from "./gb3095.ts";
import { airAqiJson, pollutantKey } from "./testdata/air-aqi-json.ts";

const PHASE_DATES: Record<Gb3095Phase, string> = {
  "2012": "2020-06-30",
  "2026-transition": "2028-01-01",
  "2026-final": "2031-01-01",
};

describe("GB 3095 Table 1 limits match air-aqi.json", () => {
  const sets = {
    "2012": airAqiJson.gb3095["2012"],
    "2026-transition": airAqiJson.gb3095["2026"].transition,
    "2026-final": airAqiJson.gb3095["2026"].final,
  } as const;
  for (const [phase, set] of Object.entries(sets) as [Gb3095Phase, (typeof sets)[Gb3095Phase]][]) {
    for (const grade of ["I", "II"] as Gb3095Grade[]) {
      it(`${phase} Grade ${grade}`, () => {
        const table = grade === "I" ? set.gradeI : set.gradeII;
        for (const [pollutant, limits] of Object.entries(table))
          for (const [averaging, value] of Object.entries(limits)) {
            const limit = gb3095Limit(
              PHASE_DATES[phase],
              grade,
              pollutantKey(pollutant),
              averaging as Gb3095Averaging,
            );
            expect(limit?.value, `${pollutant} ${averaging}`).toBe(value);
            expect(limit?.phase).toBe(phase);
          }
      });
    }
  }
});

// GB 3095-2012 Table 2 / GB 3095-2026 Table 2 as air-aqi.md §6.1–6.2 give them (not in air-aqi.json): [pollutant, averaging, Grade I, Grade II].
const TABLE_2: Record<Gb3095Phase, readonly (readonly [Gb3095Pollutant, Gb3095Averaging, number, number])[]> =
  {
    "2012": [
      ["tsp", "annual", 80, 200],
      ["tsp", "24h", 120, 300],
      ["nox", "annual", 50, 50],
      ["nox", "24h", 100, 100],
      ["nox", "1h", 250, 250],
      ["pb", "annual", 0.5, 0.5],
      ["pb", "quarterly", 1, 1],
      ["bap", "annual", 0.001, 0.001],
      ["bap", "24h", 0.0025, 0.0025],
    ],
    "2026-transition": [
      ["tsp", "annual", 80, 200],
      ["tsp", "24h", 120, 300],
      ["nox", "annual", 50, 50],
      ["nox", "24h", 100, 100],
      ["nox", "1h", 250, 250],
      ["pb", "annual", 0.5, 0.5],
      ["pb", "quarterly", 1, 1],
      ["bap", "annual", 0.001, 0.001],
      ["bap", "24h", 0.0025, 0.0025],
    ],
    "2026-final": [
      ["tsp", "annual", 80, 200],
      ["tsp", "24h", 120, 300],
      ["nox", "annual", 40, 40],
      ["nox", "24h", 70, 70],
      ["nox", "1h", 250, 250],
      ["pb", "annual", 0.5, 0.5],
      ["pb", "quarterly", 1, 1],
      ["bap", "annual", 0.001, 0.001],
      ["bap", "24h", 0.0025, 0.0025],
    ],
  };

describe("GB 3095 Table 2 limits match air-aqi.md §6.1–6.2", () => {
  for (const [phase, rows] of Object.entries(TABLE_2) as [Gb3095Phase, (typeof TABLE_2)[Gb3095Phase]][]) {
    it(phase, () => {
      for (const [pollutant, averaging, gradeI, gradeII] of rows) {
        const I = gb3095Limit(PHASE_DATES[phase], "I", pollutant, averaging);
        const II = gb3095Limit(PHASE_DATES[phase], "II", pollutant, averaging);
        expect([I?.value, II?.value], `${pollutant} ${averaging}`).toStrictEqual([gradeI, gradeII]);
        expect(II?.source).toMatch(/Table 2/);
      }
    });
  }
});

describe("gb3095Limit", () => {
  it("switches editions on 2026-03-01 and phases on 2031-01-01 (Beijing dates)", () => {
    expect(gb3095Phase("2026-02-28")).toBe("2012");
    expect(gb3095Phase("2026-03-01")).toBe("2026-transition");
    expect(gb3095Phase("2030-12-31")).toBe("2026-transition");
    expect(gb3095Phase("2031-01-01")).toBe("2026-final");
    expect(gb3095Limit("2026-02-28", "II", "pm25", "24h")?.value).toBe(75);
    expect(gb3095Limit("2026-03-01", "II", "pm25", "24h")?.value).toBe(60);
    expect(gb3095Limit("2031-01-01", "II", "pm25", "24h")?.value).toBe(50);
  });

  it("returns the whole record with unit and source", () => {
    expect(gb3095Limit("2026-11-29", "II", "co", "1h")).toStrictEqual({
      value: 10,
      unit: "mg/m³",
      edition: "GB 3095-2026",
      phase: "2026-transition",
      grade: "II",
      pollutant: "co",
      averaging: "1h",
      source: "GB 3095-2026 Table 1 (transition 2026-03-01…2030-12-31), Grade II",
    });
    expect(gb3095Limit("2031-05-01", "II", "nox", "24h")?.source).toBe(
      "GB 3095-2026 Table 2 (from 2031-01-01), Grade II",
    );
    expect(gb3095Limit("2031-05-01", "II", "nox", "24h")?.value).toBe(70);
    expect(gb3095Limit("2020-01-01", "I", "bap", "24h")?.value).toBe(0.0025);
  });

  it("null where the standard sets no limit", () => {
    expect(gb3095Limit("2026-11-29", "II", "co", "annual")).toBeNull();
    expect(gb3095Limit("2026-11-29", "II", "o3", "annual")).toBeNull();
  });

  it("rejects a bad date or grade", () => {
    expect(() => gb3095Limit("2026-13-01", "II", "pm25", "24h")).toThrow(RangeError);
    expect(() => gb3095Limit("2026-11-29", "III" as Gb3095Grade, "pm25", "24h")).toThrow(/grade/);
  });
});

describe("exceedance multiple", () => {
  it("(C − limit) / limit, exactly", () => {
    expect(exceedanceMultiple(90, 60)).toBe(0.5);
    expect(exceedanceMultiple(0.28, 0.2)).toBe(0.4);
    expect(exceedanceMultiple(60, 60)).toBe(0);
    expect(exceedanceMultiple(30, 60)).toBe(-0.5);
    expect(exceedanceMultiple(4.4, 4)).toBe(0.1);
  });

  it("equal to the limit is not exceeding", () => {
    expect(exceedsLimit(60, 60)).toBe(false);
    expect(exceedsLimit(60.0001, 60)).toBe(true);
  });

  it("rejects a zero limit or a negative concentration", () => {
    expect(() => exceedanceMultiple(1, 0)).toThrow(RangeError);
    expect(() => exceedanceMultiple(-1, 60)).toThrow(RangeError);
  });
});
