import { join } from "node:path";
import { type AlertEvent, toBeijingIso } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import type { TimeSeriesStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumGate, SCREENSHOTS } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

// The network map's station labels, as Chromium draws them from the served dashboard: the demo
// network's city stations sit a few pixels apart, and their labels must still not overlap.
const registry = loadStationRegistry();

let dashboard: ServedDashboard | undefined;
let store: TimeSeriesStore;
let baseUrl: string;
let page: Page;

interface Box {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The station labels drawn in the map's SVG: the texts the station table shows as each state. */
async function stationLabels(): Promise<Box[]> {
  const states = new Set(await page.locator("#station-table tbody .swatch").allTextContents());
  const texts = await page.locator("#map-chart svg text").evaluateAll((elements) =>
    elements.map((el) => {
      const r = el.getBoundingClientRect();
      return { text: el.textContent ?? "", x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
  return texts.filter((t) => states.has(t.text.replace(/^⚠ /, "")));
}

/** The township names drawn in the map's SVG (ECharts draws them in the geo label colour). */
async function townshipLabels(): Promise<Box[]> {
  const texts = await page.locator('#map-chart svg text[fill="#5b6b5b"]').evaluateAll((elements) =>
    elements.map((el) => {
      const r = el.getBoundingClientRect();
      return { text: el.textContent ?? "", x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
  return texts.filter((t) => t.text !== "");
}

function overlapping(boxes: Box[], others?: Box[]): string[] {
  const found: string[] = [];
  for (const [i, a] of boxes.entries())
    for (const b of others ?? boxes.slice(i + 1))
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
        found.push(
          `"${a.text}" at ${Math.round(a.x)},${Math.round(a.y)} / "${b.text}" at ${Math.round(b.x)},${Math.round(b.y)}`,
        );
  return found;
}

describe.skipIf(!chromiumGate.available)(`network map labels in Chromium${chromiumGate.note}`, () => {
  beforeAll(async () => {
    dashboard = await serveDashboard({ name: "map-labels", registry, hours: 6, seed: 11 });
    ({ store, baseUrl, page } = dashboard);
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it.each(["zh", "en"])("labels every station without overlaps (%s), also after zooming in", async (lang) => {
    await page.goto(`${baseUrl}/dashboard/?lang=${lang}#map`);
    await page.waitForSelector("body[data-ready=true]");
    const labels = await waitFor(
      async () => {
        const found = await stationLabels();
        return found.length === registry.stations.length ? found : null;
      },
      { what: "a label on the map for every station" },
    );
    expect(overlapping(labels)).toEqual([]);
    // Nor do they cover a township's name (the city centre's 万象街道, 南明山街道 included).
    const townships = await townshipLabels();
    expect(townships.length).toBeGreaterThanOrEqual(15);
    if (lang === "zh")
      expect(townships.map((t) => t.text)).toEqual(expect.arrayContaining(["万象街道", "南明山街道"]));
    expect(overlapping(labels, townships)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, `dashboard-map-labels-${lang}.png`) });

    // Zoomed in on the city, the labels are placed anew around the markers' new positions.
    const map = await page.locator("#map-chart").boundingBox();
    if (!map) throw new Error("no map");
    await page.mouse.move(map.x + map.width / 2, map.y + map.height / 2);
    await page.mouse.wheel(0, -400);
    const zoomed = await waitFor(
      async () => {
        const found = await stationLabels();
        const moved = found.some((l, i) => Math.abs(l.x - (labels[i]?.x ?? l.x)) > 5);
        return moved ? found : null;
      },
      { what: "the labels moved with the zoom" },
    );
    const inView = zoomed.filter(
      (l) =>
        l.x >= map.x &&
        l.x + l.width <= map.x + map.width &&
        l.y >= map.y &&
        l.y + l.height <= map.y + map.height,
    );
    expect(overlapping(inView)).toEqual([]);
  });

  it("flags a station with an open critical alert on the map and in the table, not one with an info alert; Enter opens a row", async () => {
    const raised = (id: string, stationId: string, severity: AlertEvent["severity"]): AlertEvent => ({
      id: `${id}-r`,
      alertId: id,
      type: "raised",
      at: toBeijingIso(Date.now()),
      ruleId: severity === "info" ? "noi-grade" : "aqi-hourly-heavy",
      stationId,
      severity,
      ...(severity === "info" ? {} : { level: "severe" }),
      metric: severity === "info" ? "noi" : "aqi",
      value: 310,
      threshold: 300,
      window: "1h",
      standard: "HJ 633-2026",
      message: { zh: "测试告警", en: "test alert" },
    });
    await store.writeAlertEvents([
      raised("map-critical", "ld-aq-04", "critical"),
      raised("map-info", "ld-noi-02", "info"),
    ]);
    await page.goto(`${baseUrl}/dashboard/#map`);
    await page.waitForSelector("body[data-ready=true]");
    const badge = page.locator('#station-table tr[data-station="ld-aq-04"] a.badge.sev-critical');
    await badge.waitFor();
    expect(await badge.textContent()).toBe("⚠ 1 未解除告警");
    expect(await page.locator('#station-table tr[data-station="ld-noi-02"] a.badge').count()).toBe(0);
    const state = await page.locator('#station-table tr[data-station="ld-aq-04"] .swatch').textContent();
    // The rows are focusable; Enter opens the station's panel, as a click does.
    await page.focus('#station-table tr[data-station="ld-aq-04"]');
    await page.keyboard.press("Enter");
    await page.waitForSelector("#station-panel #panel-chart svg");
    expect(await page.locator("#station-panel h3").textContent()).toBe("碧湖镇");
    const flagged = (await stationLabels()).filter((l) => l.text.startsWith("⚠ "));
    expect(flagged.map((l) => l.text)).toEqual([`⚠ ${state}`]);
  });
});
