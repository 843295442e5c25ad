import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { StationRegistryError } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { jsonErrorOffset } from "./json-error-offset.ts";
import { loadStationRegistry } from "./seeds.ts";

const registry = loadStationRegistry();
const geo = (name: string) =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../../seeds/liandu/geo/${name}`, import.meta.url)), "utf8"),
  );

describe("seeds/liandu/stations.json", () => {
  it("loads through createStationRegistry (StationSchema) with every station marked demo", () => {
    expect(registry.stations.length).toBeGreaterThanOrEqual(20);
    expect(registry.stations.every((s) => s.demo)).toBe(true);
  });

  it("has air stations, water sections and NOI sites in the expected numbers", () => {
    const count = (kind: string) => registry.stations.filter((s) => s.kind === kind).length;
    expect(count("air")).toBeGreaterThanOrEqual(8);
    expect(count("water")).toBeGreaterThanOrEqual(9);
    expect(count("noi")).toBeGreaterThanOrEqual(4);
  });

  it("places every station inside Liandu's rough bounding box", () => {
    for (const s of registry.stations) {
      expect(s.location.lat, s.id).toBeGreaterThan(28.2);
      expect(s.location.lat, s.id).toBeLessThan(28.7);
      expect(s.location.lon, s.id).toBeGreaterThan(119.6);
      expect(s.location.lon, s.id).toBeLessThan(120.1);
    }
  });

  it("reports hourly (air, water) and every five minutes (NOI)", () => {
    for (const s of registry.stations) {
      expect(s.reportingIntervalMs, s.id).toBe(s.kind === "noi" ? 300_000 : 3_600_000);
    }
  });

  it("has a lake drinking-water source with a Class II target and Class III by default elsewhere", () => {
    const lakes = registry.stations.filter((s) => s.water?.waterBody === "lake");
    expect(lakes).toHaveLength(1);
    expect(lakes[0]?.water).toMatchObject({ drinkingWaterSource: true, targetClass: "II" });
    const classes = new Set(registry.stations.flatMap((s) => (s.water ? [s.water.targetClass] : [])));
    expect([...classes].sort()).toEqual(["II", "III"]);
  });

  it("gives 24-character HJ 212 MNs to at least one air and one water station, found by MN", () => {
    const withMn = registry.stations.filter((s) => s.hj212);
    for (const s of withMn) {
      expect(s.hj212?.mn).toHaveLength(24);
      expect(registry.byMn(s.hj212?.mn as string)?.id).toBe(s.id);
    }
    expect(withMn.some((s) => s.kind === "air")).toBe(true);
    expect(withMn.some((s) => s.kind === "water")).toBe(true);
    // The worked examples of shared/standards/hj212.md resolve against the seeds.
    expect(registry.byMn("LDAQ0000000000000000001A")?.id).toBe("ld-aq-01");
    expect(registry.byMn("LDWQ0000000000000000002B")?.id).toBe("ld-wq-05");
  });
});

describe("seeds/liandu/geo", () => {
  it("has approximate township polygons, closed rings, each marked demo", () => {
    const townships = geo("townships.geojson");
    expect(townships.type).toBe("FeatureCollection");
    expect(townships.features.length).toBeGreaterThanOrEqual(12);
    for (const f of townships.features) {
      expect(f.properties).toMatchObject({ approximate: true, demo: true });
      expect(f.geometry.type).toBe("Polygon");
      const ring = f.geometry.coordinates[0];
      expect(ring.length).toBeGreaterThanOrEqual(4);
      expect(ring[0]).toEqual(ring[ring.length - 1]);
    }
    const names = new Set(townships.features.map((f: { properties: { name: string } }) => f.properties.name));
    for (const s of registry.stations) expect(names.has(s.township), `${s.id} ${s.township}`).toBe(true);
  });

  it("has the Ou River and its tributaries as line strings", () => {
    const rivers = geo("rivers.geojson");
    const names = rivers.features.map((f: { properties: { name: string } }) => f.properties.name);
    expect(names).toEqual(expect.arrayContaining(["瓯江(大溪)", "好溪", "宣平溪", "松阴溪"]));
    for (const f of rivers.features) expect(f.geometry.type).toBe("LineString");
    expect(geo("district.geojson").features[0].properties.approximate).toBe(true);
  });
});

describe("loadStationRegistry of a file that is not JSON", () => {
  it("names the file, line and column of the syntax error (Node 20 names no position for most)", () => {
    const dir = mkdtempSync(join(tmpdir(), "qs-stations-"));
    try {
      const cases: Array<[string, string]> = [
        ['[\n  {\n    "id": "a",\n    "kind": oops\n  }\n]\n', "4:13: not valid JSON: Unexpected token 'o'"],
        ['[\n  {"id": "a",}\n]\n', "2:14: not valid JSON: Expected double-quoted property name"],
        ['[\n  {"id": "ld-aq-01\n', "2:19: not valid JSON: Bad control character in string literal"],
        ['[{"id": "a"}', "1:13: not valid JSON: Expected ',' or ']' after array element"],
      ];
      for (const [text, expected] of cases) {
        const file = join(dir, "stations.json");
        writeFileSync(file, text);
        expect(() => loadStationRegistry(file)).toThrow(StationRegistryError);
        expect(() => loadStationRegistry(file)).toThrow(`${file}:${expected}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("jsonErrorOffset finds the first syntax error as JSON.parse does, and none in valid JSON", () => {
    const cases: Array<[string, number | undefined]> = [
      ['{"a": oops}', 6],
      ["[1, 2,]", 6],
      ['{"a": "x\\u12G4"}', 12],
      ['{"a": "b', 8],
      ["  [true, fals]", 13],
      ['{"a":1} x', 8],
      ["", 0],
      ['{"a": [1, {"b": null}], "c": -1.5e3, "d": "\\n\\"é"}', undefined],
    ];
    for (const [text, offset] of cases) expect([text, jsonErrorOffset(text)]).toEqual([text, offset]);
    expect(
      jsonErrorOffset(
        readFileSync(fileURLToPath(new URL("../../../seeds/liandu/stations.json", import.meta.url)), "utf8"),
      ),
    ).toBeUndefined();
  });
});
