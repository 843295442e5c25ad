import { describe, expect, it } from "vitest";
import { createStationRegistry, StationRegistryError } from "./registry.ts";
import { reportingIntervalOf } from "./station.ts";

const base = { name: { zh: "站", en: "Station" }, location: { lat: 28.4, lon: 119.9 }, township: "碧湖镇" };

describe("createStationRegistry", () => {
  it("finds stations by id and MN and applies defaults", () => {
    const registry = createStationRegistry([
      {
        ...base,
        id: "w1",
        kind: "water",
        water: { waterBody: "lake" },
        hj212: { mn: "LDWQ0000000000000000002B" },
      },
    ]);
    const station = registry.get("w1");
    expect(station?.water).toEqual({ waterBody: "lake", targetClass: "III", drinkingWaterSource: false });
    expect(registry.byMn("LDWQ0000000000000000002B")?.id).toBe("w1");
    expect(station?.hj212?.dataTimeMarks).toBe("start");
  });

  it("names the station and field of a config error", () => {
    expect(() =>
      createStationRegistry(
        [
          { ...base, id: "a", kind: "air" },
          { ...base, id: "w", kind: "water" },
        ],
        "seeds/x.json",
      ),
    ).toThrow('seeds/x.json: station [1] "w": water: a water station needs water.waterBody');
    expect(() =>
      createStationRegistry([
        { ...base, id: "a", kind: "air" },
        { ...base, id: "a", kind: "air" },
      ]),
    ).toThrow(/duplicate station id "a"/);
  });

  it("lists every problem of every station, one line per station with its id, each field and what is expected", () => {
    let error: unknown;
    try {
      createStationRegistry(
        [
          { ...base, id: "a", kind: "air" },
          { ...base, id: "b", kind: "aire" as "air" },
          { id: "c", kind: "air", location: { lat: 128, lon: 119.9 } } as never,
          { ...base, id: "a", kind: "air" },
        ],
        "seeds/x.json",
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StationRegistryError);
    expect((error as StationRegistryError).problems).toEqual([
      'station [1] "b": kind: expected one of "air"|"water"|"noi", received "aire"',
      'station [2] "c": name: required: expected object; location.lat: Too big: expected number to be <=90, received 128; township: required: expected string',
      'duplicate station id "a"',
    ]);
    expect((error as Error).message).toBe(
      (error as StationRegistryError).problems.map((problem) => `seeds/x.json: ${problem}`).join("\n"),
    );
  });

  it("reads a per-metric reporting interval, defaulting to the station's, and refuses one for a metric not reported", () => {
    const registry = createStationRegistry([
      {
        ...base,
        id: "w4",
        kind: "water",
        water: { waterBody: "river" },
        metrics: ["ph", "do", "codmn", "nh3n", "tp"],
        // water-gb3838.md §5: CODMn, NH3-N, TP usually every 4 h (instrument cycle).
        metricReportingIntervalMs: { codmn: 14_400_000, nh3n: 14_400_000, tp: 14_400_000 },
      },
    ]);
    const station = registry.get("w4");
    if (!station) throw new Error("w4 not registered");
    expect(reportingIntervalOf(station, "tp")).toBe(14_400_000);
    expect(reportingIntervalOf(station, "do")).toBe(3_600_000);
    expect(() =>
      createStationRegistry([
        {
          ...base,
          id: "w5",
          kind: "water",
          water: { waterBody: "river" },
          metrics: ["ph", "do"],
          metricReportingIntervalMs: { tp: 14_400_000 },
        },
      ]),
    ).toThrow('station [0] "w5": metricReportingIntervalMs.tp: tp is not a metric this station reports');
    expect(() =>
      createStationRegistry([
        {
          ...base,
          id: "w6",
          kind: "water",
          water: { waterBody: "river" },
          metricReportingIntervalMs: { tp: 0 },
        },
      ]),
    ).toThrow(/metricReportingIntervalMs\.tp/);
  });
});
