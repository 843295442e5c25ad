import { join } from "node:path";
import { loadStationRegistry } from "@qingshan/simulator";
import { waitFor } from "@qingshan/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumGate, SCREENSHOTS } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

// The network map's township names, as Chromium draws them from the served dashboard: English
// (the GeoJSON's `nameEn`) in English mode — region labels, region tooltips, the station table and
// panel —, Chinese in Chinese mode.
const registry = loadStationRegistry();

interface Township {
  name: string;
  nameEn: string;
  seat: [number, number];
}
// Chinese characters (CJK ideographs), with a little text around them for the failure message.
const CHINESE_IN_CONTEXT = /.{0,16}[\u3400-\u9fff]+.{0,16}/g;

let dashboard: ServedDashboard | undefined;
let baseUrl: string;
let page: Page;
// The townships as the API serves them to the page; `english` maps Chinese → English name.
let townships: Township[];
let english: Map<string, string>;

/** The texts drawn in the map's SVG. */
function mapTexts(): Promise<string[]> {
  return page.locator("#map-chart svg text").allTextContents();
}

interface PageGlobals {
  echarts: {
    getInstanceByDom(el: unknown): { convertToPixel(finder: object, value: number[]): number[] };
  };
  document: { getElementById(id: string): unknown };
}

/** The map's tooltip text while the pointer rests on a township's seat. */
async function tooltipAtSeat(township: Township): Promise<string> {
  const [px, py] = await page.evaluate((seat) => {
    const { echarts, document } = globalThis as unknown as PageGlobals;
    return echarts
      .getInstanceByDom(document.getElementById("map-chart"))
      .convertToPixel({ geoIndex: 0 }, seat);
  }, township.seat);
  const box = await page.locator("#map-chart").boundingBox();
  if (!box || px === undefined || py === undefined) throw new Error("no map");
  await page.mouse.move(box.x + px - 40, box.y + py - 40);
  await page.mouse.move(box.x + px, box.y + py, { steps: 4 });
  // ECharts' tooltip: the chart container's child div that is not the drawing's.
  const tooltip = page.locator("#map-chart > div:not(:has(svg))");
  return waitFor(
    async () => {
      const texts = (await tooltip.allInnerTexts()).map((t) => t.trim()).filter((t) => t !== "");
      return texts.length > 0 ? texts.join("\n") : null;
    },
    { what: `a tooltip at ${township.name}'s seat` },
  );
}

/**
 * The township whose seat lies furthest from every station, so the pointer resting there is on the
 * region, not on a marker or a station label.
 */
function quietTownship(): Township {
  const distance = (t: Township) =>
    Math.min(
      ...registry.stations.map((s) => Math.hypot(s.location.lon - t.seat[0], s.location.lat - t.seat[1])),
    );
  const [quiet] = [...townships].sort((a, b) => distance(b) - distance(a));
  if (!quiet) throw new Error("no townships");
  return quiet;
}

describe.skipIf(!chromiumGate.available)(`township names on the map in Chromium${chromiumGate.note}`, () => {
  beforeAll(async () => {
    dashboard = await serveDashboard({ name: "township-names", registry, hours: 3, seed: 5 });
    ({ baseUrl, page } = dashboard);
    const geo = (await (await fetch(`${baseUrl}/dashboard/geo/townships.geojson`)).json()) as {
      features: { properties: Township }[];
    };
    townships = geo.features.map((f) => f.properties);
    english = new Map(townships.map((t) => [t.name, t.nameEn]));
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it("shows every township in English in English mode: labels, tooltip, table, panel", async () => {
    await page.goto(`${baseUrl}/dashboard/?lang=en#map`);
    await page.waitForSelector("body[data-ready=true]");
    const texts = await waitFor(
      async () => {
        const found = await mapTexts();
        return townships.every((t) => found.includes(t.nameEn)) ? found : null;
      },
      { what: "every township's English name on the map" },
    );
    expect(texts.filter((text) => english.has(text))).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-townships-en.png") });

    const quiet = quietTownship();
    expect(await tooltipAtSeat(quiet)).toBe(quiet.nameEn);

    const column = await page.locator("#station-table tbody tr td:nth-child(3)").allTextContents();
    expect(column).toEqual(registry.stations.map((s) => english.get(s.township ?? "") ?? ""));

    const station = registry.stations.find((s) => s.id === "ld-wq-05");
    if (!station?.township) throw new Error("ld-wq-05 has no township");
    await page.click('#station-table tr[data-station="ld-wq-05"]');
    await page.waitForSelector("#station-panel h3");
    expect(await page.locator("#station-panel p.muted").textContent()).toContain(
      english.get(station.township),
    );

    // The map view in English has no Chinese left (the language switch "中文" sits outside it).
    const text = (await page.locator("#view-map").textContent()) ?? "";
    expect(text.match(CHINESE_IN_CONTEXT) ?? []).toEqual([]);
  });

  it("shows them in Chinese in Chinese mode, and switches with the language toggle", async () => {
    await page.goto(`${baseUrl}/dashboard/?lang=zh#map`);
    await page.waitForSelector("body[data-ready=true]");
    await waitFor(
      async () => {
        const found = await mapTexts();
        return townships.every((t) => found.includes(t.name)) ? found : null;
      },
      { what: "every township's Chinese name on the map" },
    );
    const quiet = quietTownship();
    expect(await tooltipAtSeat(quiet)).toBe(quiet.name);

    await page.click("#lang-toggle");
    await waitFor(
      async () => {
        const found = await mapTexts();
        return townships.every((t) => found.includes(t.nameEn) && !found.includes(t.name)) ? found : null;
      },
      { what: "the English names after the switch" },
    );
    // Back to Chinese for whoever uses this browser's storage next.
    await page.click("#lang-toggle");
  });
});
