import { describe, expect, it } from "vitest";
import { createStationRegistry } from "./registry.ts";

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
    ).toThrow("seeds/x.json: station [1.water] a water station needs water.waterBody");
    expect(() =>
      createStationRegistry([
        { ...base, id: "a", kind: "air" },
        { ...base, id: "a", kind: "air" },
      ]),
    ).toThrow(/duplicate station id "a"/);
  });
});
