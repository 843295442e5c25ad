import { describe, expect, it } from "vitest";
import { validateWarningConfig, warningLevelFromDailyAqi, warningLevelFromRollingAqi } from "./evaluate.ts";
import { WARNING_PRESET_2017, WARNING_PRESET_2018, WARNING_PRESET_2024, WARNING_PRESETS } from "./presets.ts";
import type { WarningConfig } from "./types.ts";

const level = (days: (number | null)[], preset: "2017" | "2018" | "2024") =>
  warningLevelFromDailyAqi(days, preset).level;
const hours = (n: number, aqi: number | null): (number | null)[] => Array.from({ length: n }, () => aqi);

describe("2017 preset, natural days", () => {
  it.each([
    [[], null],
    [[180], null],
    [[200], null],
    [[201], "blue"],
    [[250, 250], "yellow"],
    [[250, 250, 250], "yellow"],
    [[250, 320, 250], "orange"],
    [[320, 250, 250], "orange"],
    [[250, 250, 320], "orange"],
    [[250, 250, 250, 250], "yellow"],
    [[250, 320, 330, 250], "red"],
    [[320, 250, 330, 250], "orange"],
    [[150, 500], "red"],
    [[499], "blue"],
    [[250, null, 250], "blue"],
    [[250, 250, null], null],
    [[250, 320, 250, 180, 210], "blue"],
  ] as const)("%j → %s", (days, expected) => {
    expect(level([...days], "2017")).toBe(expected);
  });

  it("returns the evidence of the satisfied level", () => {
    const result = warningLevelFromDailyAqi([120, 250, 320, 250], "2017");
    expect(result.level).toBe("orange");
    expect(result.preset).toBe("2017");
    expect(result.provisional).toBe(false);
    expect(result.basis).toBe("natural-day");
    expect(result.satisfied).toEqual([
      {
        condition: { aqiAbove: 200, forHours: 72 },
        text: "AQI > 200 for ≥ 72 h",
        holds: true,
        required: 3,
        run: 3,
        runStart: 1,
        runEnd: 3,
        unit: "day",
      },
      {
        condition: { aqiAbove: 300, forHours: 24 },
        text: "AQI > 300 for ≥ 24 h",
        holds: true,
        required: 1,
        run: 1,
        runStart: 2,
        runEnd: 2,
        unit: "day",
      },
    ]);
    expect(result.levels.map((l) => [l.id, l.satisfied])).toEqual([
      ["blue", true],
      ["yellow", true],
      ["orange", true],
      ["red", false],
    ]);
  });
});

describe("2018 preset, natural days", () => {
  it.each([
    [[250], null],
    [[250, 250], "yellow"],
    [[250, 250, 250], "yellow"],
    [[250, 310, 250], "orange"],
    [[310, 320, 250, 250], "red"],
    [[500], "red"],
  ] as const)("%j → %s", (days, expected) => {
    expect(level([...days], "2018")).toBe(expected);
  });
});

describe("2024 preset (default), natural days", () => {
  it.each([
    [[150], null],
    [[151], null],
    [[201], "yellow"],
    [[160, 170], "yellow"],
    [[160, 170, 180], "orange"],
    [[210, 220], "orange"],
    [[210, 220, 230], "orange"],
    [[210, 220, 310], "red"],
    [[310, 220, 210], "red"],
    [[210, 310], "orange"],
    [[310, 250, 250, 160], "orange"],
    [[160, null, 170], null],
    [[210, null, 220], "yellow"],
    [[160, 170, null], null],
  ] as const)("%j → %s", (days, expected) => {
    expect(level([...days], "2024")).toBe(expected);
    expect(warningLevelFromDailyAqi([...days]).level).toBe(expected);
  });

  it("is labelled provisional", () => {
    const result = warningLevelFromDailyAqi([160, 170]);
    expect(result.preset).toBe("2024");
    expect(result.provisional).toBe(true);
    expect(result.satisfied.map((c) => c.text)).toEqual(["AQI > 150 for ≥ 48 h"]);
  });
});

describe("rolling 24-h AQI, run-length reading", () => {
  it("> 150 for 48 h needs 25 consecutive hourly values (2024 yellow)", () => {
    expect(warningLevelFromRollingAqi(hours(24, 160), "2024").level).toBeNull();
    const result = warningLevelFromRollingAqi([...hours(5, 90), ...hours(25, 160)], "2024");
    expect(result.level).toBe("yellow");
    expect(result.basis).toBe("rolling-24h");
    expect(result.satisfied).toEqual([
      expect.objectContaining({
        text: "AQI > 150 for ≥ 48 h",
        required: 25,
        run: 25,
        runStart: 5,
        runEnd: 29,
        unit: "hour",
      }),
    ]);
  });

  it("> 200 (24 h) needs one value; > 150 for 72 h needs 49", () => {
    expect(warningLevelFromRollingAqi([201], "2024").level).toBe("yellow");
    expect(warningLevelFromRollingAqi(hours(48, 160), "2024").level).toBe("yellow");
    expect(warningLevelFromRollingAqi(hours(49, 160), "2024").level).toBe("orange");
    expect(warningLevelFromRollingAqi(hours(25, 201), "2024").level).toBe("orange");
  });

  it("2024 red needs 49 hourly values > 200 with one > 300 inside the run", () => {
    expect(warningLevelFromRollingAqi([...hours(48, 250), 310], "2024").level).toBe("red");
    expect(warningLevelFromRollingAqi([...hours(47, 250), 310], "2024").level).toBe("orange");
    expect(warningLevelFromRollingAqi([310, ...hours(48, 250)], "2024").level).toBe("red");
    expect(warningLevelFromRollingAqi([310, 190, ...hours(48, 250)], "2024").level).toBe("orange");
  });

  it("a missing window breaks the run", () => {
    expect(warningLevelFromRollingAqi([...hours(12, 160), null, ...hours(12, 160)], "2024").level).toBeNull();
    expect(warningLevelFromRollingAqi([...hours(25, 160), null], "2024").level).toBeNull();
  });

  it("2017 red on the rolling series: 73 values > 200 and 25 consecutive > 300", () => {
    expect(warningLevelFromRollingAqi([...hours(48, 250), ...hours(25, 310)], "2017").level).toBe("red");
    expect(warningLevelFromRollingAqi([...hours(48, 250), ...hours(24, 310)], "2017").level).toBe("orange");
    expect(warningLevelFromRollingAqi([500], "2017").level).toBe("red");
  });
});

describe("partial values (heavy-pollution-warning.md §3.1: may satisfy a condition, never clear one)", () => {
  /** Values with their partial flags: [aqi, partial] pairs. */
  const flagged = (...parts: [number | null, boolean, number][]) => {
    const values: (number | null)[] = [];
    const partial: boolean[] = [];
    for (const [aqi, p, n] of parts)
      for (let i = 0; i < n; i++) {
        values.push(aqi);
        partial.push(p);
      }
    return { values, options: { partial } };
  };
  const rolling = (s: ReturnType<typeof flagged>, preset: "2017" | "2024" = "2024") =>
    warningLevelFromRollingAqi(s.values, preset, s.options);

  it("a partial value failing a condition inside its run neither breaks nor extends the run", () => {
    // 2024 orange: > 200 for 48 h = 25 values. 12 + 13 values > 200 around 20 partial AQI24 of 112.
    const gap = flagged([250, false, 12], [112, true, 20], [250, false, 13]);
    const result = rolling(gap);
    expect(result.level).toBe("orange");
    expect(result.satisfied).toEqual([
      expect.objectContaining({ text: "AQI > 200 for ≥ 48 h", run: 25, runStart: 0, runEnd: 44 }),
    ]);
    // 24 values > 200 around the gap are one short of orange: the partial values do not count.
    expect(rolling(flagged([250, false, 12], [112, true, 20], [250, false, 12])).level).toBe("yellow");
  });

  it("a real (non-partial) value failing the condition still breaks the run, and so does a missing window", () => {
    expect(rolling(flagged([250, false, 12], [112, false, 1], [250, false, 13])).level).toBe("yellow");
    expect(rolling(flagged([250, false, 12], [null, false, 1], [250, false, 13])).level).toBe("yellow");
    expect(rolling(flagged([250, false, 12], [112, true, 5], [null, false, 1], [250, false, 13])).level).toBe(
      "yellow",
    );
  });

  it("a partial value satisfying a condition counts (a lower bound) and extends the run", () => {
    const result = rolling(flagged([250, false, 24], [230, true, 1]));
    expect(result.level).toBe("orange");
    expect(result.satisfied[0]).toMatchObject({ run: 25, runStart: 0, runEnd: 24 });
    expect(rolling(flagged([250, false, 24])).level).toBe("yellow");
  });

  it("partial values at the end never clear a level", () => {
    expect(rolling(flagged([350, false, 49], [112, true, 20])).level).toBe("red");
    expect(rolling(flagged([350, false, 49], [112, false, 1])).level).toBeNull();
  });

  it("each condition on its own: a partial 250 counts for > 200 and is missing for > 300", () => {
    // 2017 red: > 200 for 96 h (73 values) and > 300 for 48 h (25 values) inside that run.
    const split = flagged([250, false, 48], [310, false, 12], [250, true, 1], [310, false, 13]);
    const result = rolling(split, "2017");
    expect(result.level).toBe("red");
    expect(result.satisfied).toEqual([
      expect.objectContaining({ text: "AQI > 200 for ≥ 96 h", run: 74 }),
      expect.objectContaining({ text: "AQI > 300 for ≥ 48 h", run: 25, runStart: 48, runEnd: 73 }),
    ]);
    // The same 250 measured with every pollutant breaks the > 300 run: orange.
    expect(warningLevelFromRollingAqi(split.values, "2017").level).toBe("orange");
  });

  it("natural days: a partial day failing the condition does not break the run of days", () => {
    expect(warningLevelFromDailyAqi([250, 120, 250], "2017", { partial: [false, true, false] }).level).toBe(
      "yellow",
    );
    expect(warningLevelFromDailyAqi([250, 120, 250], "2017").level).toBe("blue");
  });

  it("without flags nothing is partial; flags must be one boolean per value", () => {
    expect(warningLevelFromRollingAqi(hours(25, 201), "2024", {}).level).toBe("orange");
    expect(() => warningLevelFromRollingAqi([250, 250], "2024", { partial: [true] })).toThrow(
      /one flag per hourlyAqi24 value \(2\), got 1/,
    );
    expect(() => warningLevelFromDailyAqi([250], "2024", { partial: ["yes" as unknown as boolean] })).toThrow(
      /partial\[0\]/,
    );
  });
});

describe("custom configuration", () => {
  const local: WarningConfig = {
    id: "lishui-draft",
    title: "local test plan",
    source: "test",
    provisional: false,
    levels: [
      { id: "yellow", allOf: [{ aqiAbove: 100, forHours: 48 }] },
      { id: "red", anyOf: [{ aqiAtLeast: 300, forHours: 24 }, { allOf: [{ aqiAbove: 150, forHours: 72 }] }] },
    ],
  };

  it("evaluates a bureau's own thresholds", () => {
    expect(warningLevelFromDailyAqi([110, 120], local)).toMatchObject({
      level: "yellow",
      preset: "lishui-draft",
      provisional: false,
    });
    expect(warningLevelFromDailyAqi([300], local).level).toBe("red");
    expect(warningLevelFromDailyAqi([299], local).level).toBeNull();
    expect(warningLevelFromDailyAqi([160, 160, 160], local).level).toBe("red");
  });

  it("rejects invalid configurations", () => {
    const bad = (levels: unknown) => ({ ...local, levels }) as WarningConfig;
    expect(() => warningLevelFromDailyAqi([1], bad([]))).toThrow(/no levels/);
    expect(() =>
      warningLevelFromDailyAqi([1], bad([{ id: "purple", allOf: [{ aqiAbove: 1, forHours: 24 }] }])),
    ).toThrow(/purple/);
    expect(() =>
      warningLevelFromDailyAqi(
        [1],
        bad([
          { id: "red", allOf: [{ aqiAbove: 1, forHours: 24 }] },
          { id: "red", allOf: [{ aqiAbove: 2, forHours: 24 }] },
        ]),
      ),
    ).toThrow(/duplicate/);
    expect(() =>
      warningLevelFromDailyAqi([1], bad([{ id: "red", allOf: [{ aqiAbove: 1, forHours: 0 }] }])),
    ).toThrow(/forHours/);
    expect(() =>
      warningLevelFromDailyAqi([1], bad([{ id: "red", allOf: [{ aqiAbove: Number.NaN, forHours: 24 }] }])),
    ).toThrow(/threshold/);
    expect(() => warningLevelFromDailyAqi([1], bad([{ id: "red", anyOf: [] }]))).toThrow(/empty/);
    expect(() => warningLevelFromDailyAqi([1], "2099" as "2024")).toThrow(/2099/);
  });

  it("rejects invalid AQI values, naming the index", () => {
    expect(() => warningLevelFromDailyAqi([100, Number.NaN])).toThrow(/dailyAqi\[1\]/);
    expect(() => warningLevelFromRollingAqi([-1])).toThrow(/hourlyAqi24\[0\]/);
  });

  it("the shipped presets are valid and frozen", () => {
    for (const preset of Object.values(WARNING_PRESETS))
      expect(() => validateWarningConfig(preset)).not.toThrow();
    expect(Object.isFrozen(WARNING_PRESET_2017.levels[0])).toBe(true);
    expect(WARNING_PRESET_2018.provisional).toBe(true);
    expect(WARNING_PRESET_2024.levels.map((l) => l.id)).toEqual(["yellow", "orange", "red"]);
  });

  it("each preset's source is a citation users can read: document and part, no developer notes", () => {
    expect(WARNING_PRESET_2017.source).toBe("环大气〔2017〕86号 预警分级");
    expect(WARNING_PRESET_2018.source).toBe("环办大气函〔2018〕875号 预警分级");
    expect(WARNING_PRESET_2024.source).toBe("生态环境部 2024年 预警分级");
    for (const preset of Object.values(WARNING_PRESETS))
      expect(`${preset.title} ${preset.source}`).not.toMatch(
        /recalled|unverified|memory|disputed|guidance|\.md\b|§|\(/,
      );
  });
});
