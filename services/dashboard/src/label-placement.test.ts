import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AQI_CATEGORIES } from "@qingshan/standards";
import * as echarts from "echarts";
import { describe, expect, it } from "vitest";
import {
  boxesIntersect,
  LABEL_TEXT,
  lianduMapGeoJson,
  MAP_GEO_LAYOUT,
  placeLabels,
  regionLabelPoint,
  STATION_SYMBOLS,
} from "../public/js/label-placement.js";
import { LIANDU_GEO_DIR } from "./index.ts";

type Kind = keyof typeof STATION_SYMBOLS;
interface Station {
  id: string;
  kind: Kind;
  location: { lat: number; lon: number };
}
const stations: Station[] = JSON.parse(readFileSync(join(LIANDU_GEO_DIR, "../stations.json"), "utf8"));
const geo = (layer: string) => JSON.parse(readFileSync(join(LIANDU_GEO_DIR, `${layer}.geojson`), "utf8"));
echarts.registerMap(
  "liandu",
  lianduMapGeoJson(geo("district"), geo("townships")) as Parameters<typeof echarts.registerMap>[1],
);

/** Marker centres in px, as the dashboard's geo component projects them at this chart size. */
function project(width: number, height: number): Map<string, [number, number]> {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  chart.setOption({ geo: { map: "liandu", ...MAP_GEO_LAYOUT } });
  const points = new Map(
    stations.map((s) => [s.id, chart.convertToPixel({ geoIndex: 0 }, [s.location.lon, s.location.lat])]),
  );
  chart.dispose();
  return points as Map<string, [number, number]>;
}

// The longest state texts a label can carry, in each language (the map's labels are these).
const longestAir = (lang: "zh" | "en") =>
  AQI_CATEGORIES.map((c) => `${c[lang]} 500`).reduce((a, b) => (width(b) > width(a) ? b : a));
const LONGEST: Record<"zh" | "en", Record<Kind, string>> = {
  zh: { air: longestAir("zh"), water: "劣V类 ✗", noi: "IV级" },
  en: { air: longestAir("en"), water: "劣V ✗", noi: "Grade IV" },
};
/** A generous text width: a CJK character a full em, any other character 0.62 em. */
function width(text: string): number {
  return [...text].reduce((w, c) => w + (/[\u2E80-\uFFFF]/.test(c) ? 1 : 0.62), 0) * LABEL_TEXT.fontSize;
}

function labelItems(points: Map<string, [number, number]>, lang: "zh" | "en") {
  const [padY, padX] = LABEL_TEXT.padding as [number, number];
  return stations.map((s) => {
    const [x, y] = points.get(s.id) as [number, number];
    return {
      id: s.id,
      x,
      y,
      radius: STATION_SYMBOLS[s.kind].size / 2,
      width: Math.ceil(width(LONGEST[lang][s.kind])) + 2 * padX,
      height: LABEL_TEXT.lineHeight + 2 * padY,
    };
  });
}

// The map's size on a 1400 × 1000 window (the e2e test's), a 1280-wide laptop, and the narrow layout.
const SIZES: [number, number][] = [
  [886, 560],
  [806, 560],
  [560, 420],
];

describe("station label placement on the network map", () => {
  it.each(SIZES)("keeps the demo network's labels apart at %i × %i px, in both languages", (w, h) => {
    const points = project(w, h);
    // The city stations really are crowded: markers 10 px apart or less at this size.
    const [x1, y1] = points.get("ld-aq-02") as [number, number];
    const [x2, y2] = points.get("ld-wq-05") as [number, number];
    expect(Math.hypot(x1 - x2, y1 - y2)).toBeLessThan(16);
    for (const lang of ["zh", "en"] as const) {
      const items = labelItems(points, lang);
      const bounds = { x: 0, y: 0, width: w, height: h };
      const labels = placeLabels(items, bounds);
      expect(labels.size).toBe(stations.length);
      const boxes = items.map((i) => ({
        item: i,
        box: labels.get(i.id) as NonNullable<ReturnType<typeof labels.get>>,
      }));
      for (const [a, { box }] of boxes.entries()) {
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(w);
        expect(box.y + box.height).toBeLessThanOrEqual(h);
        for (const { box: other, item } of boxes.slice(a + 1))
          expect(boxesIntersect(box, other), `${items[a]?.id} / ${item.id}`).toBe(false);
        // No label hides a marker (its own or another station's), so every status colour shows.
        for (const item of items) {
          const marker = {
            x: item.x - item.radius,
            y: item.y - item.radius,
            width: 2 * item.radius,
            height: 2 * item.radius,
          };
          expect(boxesIntersect(box, marker), `${items[a]?.id} over ${item.id}`).toBe(false);
        }
      }
      // Every label stays findable: next to its marker, or joined to it by a short leader.
      for (const { item, box } of boxes) {
        if (box.leader === null) continue;
        const [[sx, sy], [ex, ey]] = box.leader;
        expect(Math.hypot(sx - item.x, sy - item.y)).toBeCloseTo(item.radius, 5);
        expect(Math.hypot(ex - sx, ey - sy)).toBeLessThan(120);
      }
    }
  });

  // A phone 390 px wide: the map is 358 × 360 px (main.css paddings), every air station in a
  // heavy-pollution episode with an open alert ("⚠ 严重污染 360"), so labels are at their widest.
  it("keeps every label inside the map on a phone, even where nothing is free", () => {
    const [w, h] = [358, 360];
    const points = project(w, h);
    for (const lang of ["zh", "en"] as const) {
      const items = labelItems(points, lang).map((i) => ({ ...i, width: i.width + Math.ceil(width("⚠ ")) }));
      const labels = placeLabels(items, { x: 0, y: 0, width: w, height: h });
      for (const item of items) {
        const box = labels.get(item.id);
        if (!box) throw new Error(`no label for ${item.id}`);
        const where = `${lang} ${item.id} at ${box.x}, ${box.y}`;
        expect(box.x, where).toBeGreaterThanOrEqual(0);
        expect(box.y, where).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, where).toBeLessThanOrEqual(w);
        expect(box.y + box.height, where).toBeLessThanOrEqual(h);
      }
    }
  });

  it("puts a lone station's label right of its marker, without a leader", () => {
    const labels = placeLabels([{ id: "a", x: 100, y: 100, radius: 8, width: 40, height: 16 }], {
      x: 0,
      y: 0,
      width: 400,
      height: 300,
    });
    expect(labels.get("a")).toEqual({ x: 111, y: 92, width: 40, height: 16, leader: null });
  });

  it("moves a label left when the right edge of the chart is near", () => {
    const label = placeLabels([{ id: "a", x: 380, y: 100, radius: 8, width: 40, height: 16 }], {
      x: 0,
      y: 0,
      width: 400,
      height: 300,
    }).get("a");
    expect(label).toMatchObject({ x: 380 - 11 - 40, leader: null });
  });

  it("separates the labels of stations at the very same point, joining the further ones by leaders", () => {
    const items = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].map((id) => ({
      id,
      x: 200,
      y: 150,
      radius: 8,
      width: 60,
      height: 16,
    }));
    const labels = [...placeLabels(items, { x: 0, y: 0, width: 400, height: 300 }).values()];
    for (const [i, a] of labels.entries())
      for (const b of labels.slice(i + 1)) expect(boxesIntersect(a, b)).toBe(false);
    // Only so many fit beside the marker (right, left, above, below); the others need leaders.
    expect(labels.filter((l) => l.leader === null)).toHaveLength(4);
  });
});

describe("township names on the map", () => {
  it("puts a township's name where ECharts does by default (centroid of its largest ring), as its cp", () => {
    const townships = geo("townships");
    const registered = lianduMapGeoJson(geo("district"), townships) as {
      features: { properties: { name: string; cp?: [number, number] } }[];
    };
    const named = registered.features.filter((f) => f.properties.name !== "__district");
    expect(named).toHaveLength(townships.features.length);
    for (const f of named) {
      const [lon, lat] = f.properties.cp ?? [0, 0];
      // Inside Liandu (about 119.6–120.1 °E, 28.2–28.7 °N).
      expect(lon).toBeGreaterThan(119.5);
      expect(lon).toBeLessThan(120.2);
      expect(lat).toBeGreaterThan(28.1);
      expect(lat).toBeLessThan(28.8);
    }
    // A unit square's centroid; a MultiPolygon's biggest ring decides.
    const square = [
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
      [0, 0],
    ];
    expect(regionLabelPoint({ type: "Polygon", coordinates: [square] })).toEqual([1, 1]);
    const small = [
      [10, 10],
      [11, 10],
      [10, 11],
      [10, 10],
    ];
    const big = [
      [4, 4],
      [6, 4],
      [6, 5],
      [6, 6],
      [4, 6],
      [4, 4],
    ];
    expect(regionLabelPoint({ type: "MultiPolygon", coordinates: [[small], [big]] })).toEqual([5, 5]);
  });

  it("keeps station labels off the obstacles given (the township names)", () => {
    const item = { id: "a", x: 100, y: 100, radius: 8, width: 60, height: 16 };
    const bounds = { x: 0, y: 0, width: 400, height: 400 };
    const free = placeLabels([item], bounds).get("a");
    if (!free) throw new Error("no label");
    // A township name exactly where the label went unhindered.
    const name = { x: free.x, y: free.y, width: free.width, height: free.height };
    const placed = placeLabels([item], bounds, { obstacles: [name] }).get("a");
    if (!placed) throw new Error("no label");
    expect(boxesIntersect(placed, name)).toBe(false);
  });
});
