// The network map's station panel in Chromium: a station's open alerts worded as the duty console
// words them — the severity as a badge, the message without its "【严重】" / "[critical]" tag, so
// the severity is not said twice.

import type { AlertEvent } from "@qingshan/domain";
import { toBeijingIso } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chromiumGate } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

const registry = loadStationRegistry();

let dashboard: ServedDashboard | undefined;

afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

// Chromium, the API and the demo store share the CI machine with other test files: 60 s a test.
vi.setConfig({ testTimeout: 60_000 });

describe.skipIf(!chromiumGate.available)(`the station panel's alerts${chromiumGate.note}`, () => {
  it("shows a critical alert's message after the 严重 badge without its 【严重】 tag, as the console does", async () => {
    dashboard = await serveDashboard({ name: "panel-alerts", registry, hours: 2, seed: 5 });
    const { page, baseUrl, store } = dashboard;
    const now = Date.now();
    const untagged = {
      zh: "莲都区监测站：小时AQI重度及以上污染（AQI > 200）。AQI 360（严重污染）",
      en: "Liandu station: hourly AQI heavily polluted or worse (AQI > 200). AQI 360 (severely polluted)",
    };
    const raised: AlertEvent = {
      id: "panel-r",
      alertId: "panel-alert",
      type: "raised",
      at: toBeijingIso(now),
      ruleId: "aqi-hourly-heavy",
      stationId: "ld-aq-05",
      severity: "critical",
      level: "severe",
      metric: "aqi",
      value: 360,
      threshold: 200,
      window: "1h",
      message: { zh: `【严重】${untagged.zh}`, en: `[critical] ${untagged.en}` },
    };
    await store.writeAlertEvents([raised]);

    await page.goto(`${baseUrl}/dashboard/#map`);
    await page.waitForSelector("body[data-ready=true]");
    await page.locator('#station-table tr[data-station="ld-aq-05"]').click();
    const item = page.locator('#station-panel .panel-alerts li[data-alert="panel-alert"]');
    await item.waitFor();
    expect(await item.locator(".badge").textContent()).toBe("严重");
    expect(await item.textContent()).toBe(`严重 ${untagged.zh}`);

    // The console's row says the same after its badge.
    await page.click('nav a[data-view="alerts"]');
    const row = page.locator('#open-alerts tr[data-alert="panel-alert"] td.message');
    await row.waitFor();
    expect(await row.textContent()).toContain(untagged.zh);
    expect(await row.textContent()).not.toContain("【严重】");

    // In English too: "Critical" once, no "[critical]".
    await page.goto(`${baseUrl}/dashboard/?lang=en#map`);
    await page.waitForSelector("body[data-ready=true]");
    await page.locator('#station-table tr[data-station="ld-aq-05"]').click();
    await item.waitFor();
    expect(await item.textContent()).toBe(`Critical ${untagged.en}`);
  });
});
