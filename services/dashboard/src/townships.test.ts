import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { townshipName, townshipNames } from "../public/js/townships.js";
import { LIANDU_GEO_DIR } from "./index.ts";

interface TownshipFeature {
  properties: { name: string; nameEn?: unknown; level: string };
}
interface Station {
  id: string;
  name: { zh: string; en: string };
  township?: string;
}

const townships: { features: TownshipFeature[] } = JSON.parse(
  readFileSync(join(LIANDU_GEO_DIR, "townships.geojson"), "utf8"),
);
const stations: Station[] = JSON.parse(readFileSync(join(LIANDU_GEO_DIR, "../stations.json"), "utf8"));

// Chinese administrative suffix → the level in the GeoJSON and its English word, in the usual
// romanisation of township-level units: 街道 Subdistrict, 镇 Town, 乡 Township; 畲族 "She Ethnic".
const LEVELS = [
  { suffix: "街道", level: "subdistrict", english: "Subdistrict" },
  { suffix: "镇", level: "town", english: "Town" },
  { suffix: "乡", level: "township", english: "Township" },
] as const;

function parts(zh: string) {
  const level = LEVELS.find((l) => zh.endsWith(l.suffix));
  if (!level) throw new Error(`${zh}: no township-level suffix`);
  const stem = zh.slice(0, -level.suffix.length);
  const she = stem.endsWith("畲族");
  return { level, she, proper: she ? stem.slice(0, -2) : stem };
}

describe("township names", () => {
  it("every township feature in the GeoJSON has an English name", () => {
    expect(townships.features.length).toBeGreaterThan(0);
    const missing = townships.features
      .filter((f) => typeof f.properties.nameEn !== "string" || f.properties.nameEn.trim() === "")
      .map((f) => f.properties.name);
    expect(missing).toEqual([]);
  });

  it.each(townships.features.map((f) => [f.properties.name, f.properties]))(
    "%s: pinyin proper name, then the level's English word",
    (_zh, properties) => {
      const { level, she, proper } = parts(properties.name);
      expect(properties.level).toBe(level.level);
      const en = String(properties.nameEn);
      const match = en.match(/^([A-Z][a-z]+)((?: She Ethnic)?) (Subdistrict|Town|Township)$/);
      expect(match, en).not.toBeNull();
      expect(match?.[2]).toBe(she ? " She Ethnic" : "");
      expect(match?.[3]).toBe(level.english);
      // One syllable per character: a Mandarin syllable has at most 6 letters (e.g. "zhuang").
      const pinyin = match?.[1] ?? "";
      expect(pinyin.length).toBeGreaterThanOrEqual(proper.length);
      expect(pinyin.length).toBeLessThanOrEqual(6 * proper.length);
    },
  );

  it("the English names are distinct", () => {
    const english = townships.features.map((f) => f.properties.nameEn);
    expect(new Set(english).size).toBe(english.length);
  });

  it("every station's township is a township of the GeoJSON", () => {
    const names = townshipNames(townships as Parameters<typeof townshipNames>[0]);
    const unknown = stations.filter((s) => s.township && !names.has(s.township)).map((s) => s.id);
    expect(unknown).toEqual([]);
  });

  it("stations named after their township carry the GeoJSON's English name", () => {
    const names = townshipNames(townships as Parameters<typeof townshipNames>[0]);
    const namedAfter = stations.filter((s) => names.has(s.name.zh));
    expect(namedAfter.length).toBeGreaterThan(0);
    for (const s of namedAfter) expect(s.name.en, s.id).toBe(names.get(s.name.zh)?.en);
  });

  it("townshipName looks a Chinese name up, and keeps one it does not know", () => {
    const names = townshipNames(townships as Parameters<typeof townshipNames>[0]);
    expect(townshipName(names, "碧湖镇")).toEqual({ zh: "碧湖镇", en: "Bihu Town" });
    expect(townshipName(names, "紫金街道")).toEqual({ zh: "紫金街道", en: "Zijin Subdistrict" });
    expect(townshipName(names, "不存在乡")).toEqual({ zh: "不存在乡", en: "不存在乡" });
    expect(townshipName(names, undefined)).toEqual({ zh: "", en: "" });
    expect(townshipName(null, "碧湖镇")).toEqual({ zh: "碧湖镇", en: "碧湖镇" });
  });
});
