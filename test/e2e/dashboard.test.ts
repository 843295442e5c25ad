import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createMemoryBus, type MemoryBus } from "@qingshan/bus";
import { type AlertEvent, toBeijingIso } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import type { TimeSeriesStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumGate as browserGate, SCREENSHOTS as screenshots } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

// The duty officer's path through the dashboard, in Debian's Chromium (no browser download).
const registry = loadStationRegistry();

let dashboard: ServedDashboard | undefined;
let store: TimeSeriesStore;
let bus: MemoryBus;
let baseUrl: string;
let page: Page;

describe.skipIf(!browserGate.available)(`dashboard in Chromium${browserGate.note}`, () => {
  beforeAll(async () => {
    bus = createMemoryBus();
    await bus.start();
    // Two days of demo history for the whole Liandu network.
    dashboard = await serveDashboard({
      name: "dashboard",
      registry,
      hours: 48,
      seed: 7,
      bus,
      acceptDownloads: true,
    });
    ({ store, baseUrl, page } = dashboard);
  });

  afterAll(async () => {
    await dashboard?.close();
    await bus?.stop();
  });

  it("opens at / and draws the demo network on the map, coloured, with text labels", async () => {
    await page.goto(`${baseUrl}/`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/");
    await page.waitForSelector("body[data-ready=true]");
    const rows = page.locator("#station-table tbody tr");
    await waitFor(async () => (await rows.count()) === registry.stations.length, {
      what: "one row per station",
    });
    // Every air station shows its state as text (e.g. "良 72"), not colour alone: its AQI category,
    // or 离线 when the API calls it silent (the demo history has gaps: at some hours a station's
    // last readings are missing).
    const network = (await (await fetch(`${baseUrl}/api/v1/network`)).json()) as {
      stations: Array<{ id: string; kind: string; silent: boolean }>;
    };
    const airStations = network.stations.filter((s) => s.kind === "air");
    expect(airStations).toHaveLength(9);
    for (const s of airStations) {
      const text = await page.locator(`#station-table tr[data-station="${s.id}"] .swatch`).textContent();
      expect([s.id, text]).toEqual([
        s.id,
        s.silent ? "离线" : expect.stringMatching(/^(优|良|轻度污染|中度污染|重度污染|严重污染) \d+$/),
      ]);
    }
    expect(airStations.filter((s) => !s.silent).length).toBeGreaterThan(0);
    // The map is SVG: township names from the bundled GeoJSON and the station labels are text in it.
    const svgText = (await page.locator("#map-chart svg text").allTextContents()).join(" ");
    expect(svgText).toContain("碧湖镇");
    expect(svgText).toMatch(/良 \d+|优 \d+/);
    const markers = await page.locator("#map-chart svg path").count();
    expect(markers).toBeGreaterThan(registry.stations.length);
    await page.locator('#station-table tr[data-station="ld-aq-01"]').click();
    await page.waitForSelector("#station-panel #panel-chart svg");
    expect(await page.locator("#station-panel h3").textContent()).toBe("丽水市监测站");
    await page.screenshot({ path: join(screenshots, "dashboard-map.png"), fullPage: false });
  });

  it("shows a published alert without reload and acknowledges it into the store", async () => {
    await page.click('nav a[data-view="alerts"]');
    await page.waitForSelector("#view-alerts:not([hidden])");
    await page.evaluate(() => {
      (globalThis as unknown as { marker: string }).marker = "same page";
    });
    await waitFor(() => page.locator("#live-status[data-state=open]").count(), {
      what: "the live feed connected",
    });
    const at = toBeijingIso(Date.now());
    const raised: AlertEvent = {
      id: "e2e-r",
      alertId: "e2e-alert",
      type: "raised",
      at,
      ruleId: "aqi-hourly-heavy",
      stationId: "ld-aq-04",
      severity: "critical",
      level: "severe",
      levelName: { zh: "严重污染", en: "severely polluted" },
      metric: "aqi",
      value: 335,
      threshold: 300,
      window: "1h",
      standard: "HJ 633-2026",
      message: { zh: "小时AQI 335 > 300（严重污染）", en: "hourly AQI 335 > 300 (severely polluted)" },
    };
    // What the notifier does: store the event and publish it on the bus.
    await store.writeAlertEvents([raised]);
    await bus.publish("alerts", [{ key: raised.stationId, value: raised }]);
    const row = page.locator('#open-alerts tr[data-alert="e2e-alert"]');
    await row.waitFor();
    expect(await row.textContent()).toContain("小时AQI 335 > 300");
    // The hourly AQI rule's level by the name the rule file gives it, not its id.
    expect(await row.locator(".badge.level").textContent()).toBe("严重污染");
    expect(await row.textContent()).toContain("碧湖镇");
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe(
      "same page",
    );

    // The heavy-pollution warning level follows the warning rule's alerts, live as well.
    const { levelName: _hourlyLevel, ...hourly } = raised;
    const warning: AlertEvent = {
      ...hourly,
      id: "e2e-w",
      alertId: "e2e-warning",
      ruleId: "heavy-pollution-warning",
      stationId: "district",
      level: "orange",
      message: { zh: "重污染天气橙色预警（观测）", en: "heavy-pollution warning orange (observed)" },
    };
    await store.writeAlertEvents([warning]);
    await bus.publish("alerts", [{ key: "district", value: warning }]);
    await page.locator('#warning-banner[data-level="orange"]').waitFor();
    expect(await page.locator("#warning-banner").textContent()).toContain("橙色预警");
    await page.screenshot({ path: join(screenshots, "dashboard-alerts.png"), fullPage: true });

    await row.locator("button[data-ack]").click();
    await page.fill("#ack-form input[name=actor]", "王值班");
    await page.fill("#ack-form textarea[name=note]", "已通知碧湖镇执法中队");
    await page.click("#ack-submit");
    const ack = await waitFor(
      async () =>
        (await store.queryAlertEvents({ alertId: "e2e-alert" })).find((e) => e.type === "acknowledged"),
      { what: "the acknowledged event in the store" },
    );
    expect(ack).toMatchObject({ actor: "王值班", note: "已通知碧湖镇执法中队", stationId: "ld-aq-04" });
    await page.locator('#open-alerts tr[data-alert="e2e-alert"][data-status="acknowledged"]').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe(
      "same page",
    );
  });

  it("downloads the CSV of the chart shown, equal to the API's CSV", async () => {
    await page.click('nav a[data-view="charts"]');
    await page.waitForSelector("#series-chart svg");
    await page.selectOption("#chart-controls select[name=station]", "ld-aq-03");
    await page.selectOption("#chart-controls select[name=metric]", "pm25");
    await page.selectOption("#chart-controls select[name=every]", "1h");
    const href = await waitFor(
      async () => {
        const value = await page.getAttribute("#series-csv", "href");
        return value?.includes("station=ld-aq-03") && value.includes("metric=pm25") ? value : null;
      },
      { what: "the CSV link of the chosen series" },
    );
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#series-csv")]);
    const downloaded = await readFile((await download.path()) as string, "utf8");
    const api = await (await fetch(new URL(href, baseUrl))).text();
    expect(downloaded).toBe(api);
    expect(downloaded.split("\r\n")[0]).toBe(
      "label,start,end,value,valid,reason,validCount,totalCount,rule,provisional,in_progress",
    );
    expect(downloaded.split("\r\n").filter((l) => l !== "").length).toBeGreaterThan(20);
  });

  it("shows the compliance view with the 32 µg/m³ target", async () => {
    await page.click('nav a[data-view="compliance"]');
    await page.waitForSelector("#pm25-table tbody tr");
    expect(await page.locator("#pm25-table tbody tr").count()).toBe(10);
    expect((await page.locator("#pm25-chart svg text").allTextContents()).join(" ")).toContain("32");
    expect(await page.locator("#water-share .share-card").count()).toBe(3);
    // Whole days on the AQI-days chart's axis (no 0.5-day ticks).
    await page.waitForSelector("#aqi-days-chart svg");
    const ticks = await page.evaluate(
      "echarts.getInstanceByDom(document.getElementById('aqi-days-chart')).getOption().yAxis[0].minInterval",
    );
    expect(ticks).toBe(1);
  });

  it("says plainly when the server cannot be reached, with the time of its data, and not once it is back", async () => {
    await page.click('nav a[data-view="map"]');
    await page.waitForSelector("#station-table tbody tr");
    const banner = page.locator("#offline-banner");
    expect(await banner.isHidden()).toBe(true);
    await page.context().setOffline(true);
    try {
      // A refresh of the map (as the one-minute timer does) finds no server.
      await page.evaluate(() =>
        (globalThis as unknown as { qingshan: { refreshMap(): Promise<void> } }).qingshan
          .refreshMap()
          .catch(() => undefined),
      );
      await banner.waitFor({ state: "visible" });
      expect(await banner.textContent()).toMatch(/^与服务器断开，数据截至 \d{2}:\d{2}（北京时间）$/);
    } finally {
      await page.context().setOffline(false);
    }
    await banner.waitFor({ state: "hidden", timeout: 20_000 });
    expect(await page.locator("body.offline").count()).toBe(0);
  });

  it("the station panel lists the station's open alerts and its latest values by name, with the digits that decide the class", async () => {
    await page.click('nav a[data-view="map"]');
    await page.locator('#station-table tr[data-station="ld-aq-04"]').click();
    // The alert raised (and acknowledged) above is still open.
    await page.locator('#station-panel .panel-alerts li[data-alert="e2e-alert"]').waitFor();
    expect(await page.locator('#station-panel li[data-alert="e2e-alert"]').textContent()).toContain(
      "小时AQI 335 > 300",
    );

    const water = registry.stations.find((s) => s.kind === "water");
    if (!water) throw new Error("no water station in the registry");
    await page.locator(`#station-table tr[data-station="${water.id}"]`).click();
    await page.waitForSelector("#station-panel table.latest tbody tr");
    const network = (await (await fetch(`${baseUrl}/api/v1/network`)).json()) as {
      stations: { id: string; latest: { metric: string; value: number }[] }[];
    };
    const latest = network.stations.find((s) => s.id === water.id)?.latest ?? [];
    expect(latest.length).toBeGreaterThan(0);
    const panelText = (await page.locator("#station-panel").textContent()) ?? "";
    expect(panelText).not.toContain("dimensionless");
    for (const r of latest) {
      const row = page.locator(`#station-panel tr[data-metric="${r.metric}"]`);
      const cells = await row.locator("td").allTextContents();
      // A display name, not the metric id (codmn → 高锰酸盐指数).
      expect(cells[0]).not.toBe(r.metric);
      // As the alert messages show values: one decimal from 1 up, else 3 significant digits.
      const shown = Math.abs(r.value) >= 1 ? Math.round(r.value * 10) / 10 : Number(r.value.toPrecision(3));
      expect(cells[1]).toBe(String(shown));
    }
    expect(await page.locator('#station-panel tr[data-metric="tp"] td').first().textContent()).toBe("总磷");
    expect(await page.locator("#station-panel table.latest th").last().textContent()).toBe("标志");
    expect(await page.locator("#station-panel table.latest td abbr").first().getAttribute("title")).toBe(
      "正常",
    );
  });

  it("at 1366 × 768 a click on a station row far down the table brings the panel into view with focus", async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    try {
      const last = page.locator("#station-table tbody tr").last();
      await last.scrollIntoViewIfNeeded();
      await last.click();
      const id = await last.getAttribute("data-station");
      await waitFor(
        async () => {
          const box = await page.locator("#station-panel").boundingBox();
          return box !== null && box.y >= 0 && box.y < 768 - 100;
        },
        { what: "the station panel in view" },
      );
      expect(
        await page.evaluate("document.getElementById('station-panel').contains(document.activeElement)"),
      ).toBe(true);
      const name = registry.stations.find((s) => s.id === id)?.name.zh;
      expect(await page.locator("#station-panel h3").textContent()).toBe(name);
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  it("at phone width (390 × 844) the tables are stacked cards: no column squeezed, nothing wrapped a character a line", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // Widths of the visible cells of a table, and whether the page scrolls sideways.
    const measure = (selector: string) =>
      page.evaluate(`(() => {
        const cells = [...document.querySelectorAll("${selector} tbody td")].filter((td) => td.offsetParent !== null);
        return {
          cells: cells.length,
          narrowest: Math.min(...cells.map((td) => td.getBoundingClientRect().width)),
          unlabelled: cells.filter((td, i) => i % td.parentElement.children.length !== 0 && !td.dataset.label).length,
          sideways: document.documentElement.scrollWidth > window.innerWidth,
        };
      })()`) as Promise<{ cells: number; narrowest: number; unlabelled: number; sideways: boolean }>;
    try {
      await page.click('nav a[data-view="alerts"]');
      await page.locator('#open-alerts tr[data-alert="e2e-alert"]').waitFor();
      const alertsView = await measure("#open-alerts");
      expect(alertsView.cells).toBeGreaterThanOrEqual(7);
      expect(alertsView.narrowest).toBeGreaterThan(300);
      expect(alertsView.unlabelled).toBe(0);
      expect(alertsView.sideways).toBe(false);
      // The station's name on one line, not one character a line.
      const station = page.locator('#open-alerts tr[data-alert="e2e-alert"] td').nth(1);
      expect((await station.boundingBox())?.height ?? 0).toBeLessThan(40);
      await page.screenshot({ path: join(screenshots, "dashboard-phone-alerts.png"), fullPage: false });

      await page.click('nav a[data-view="map"]');
      await page.waitForSelector("#station-table tbody tr");
      const mapView = await measure("#station-table");
      expect(mapView.narrowest).toBeGreaterThan(300);
      expect(mapView.sideways).toBe(false);
      // Station ids and times on one line ("ld-aq-01", not "ld-\naq-01").
      const id = page.locator("#station-table tbody tr small.nowrap").first();
      expect((await id.boundingBox())?.height ?? 99).toBeLessThan(24);
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  it("switches to English", async () => {
    await page.click("#lang-toggle");
    expect(await page.locator("nav a[data-view=map]").textContent()).toBe("Network map");
    await page.click("#lang-toggle");
  });
});
