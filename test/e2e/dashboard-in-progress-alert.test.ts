// The duty console in Chromium marks an alert raised on an hour that has not ended (its event's
// `at` inside the hour ending at its `dataTime`, the notifier's eventInProgress) as provisional —
// the hour as its span and "进行中 · 暂定值" / "in progress · provisional" (air-aqi.md §8: an hour is
// labelled by its end) — in its row and its detail, and not an alert raised on an hour that has
// ended; the mark goes once the page's clock passes the hour's end. The page's clock is fixed
// (Playwright's page.clock), so the test does not depend on the time of day it runs at.
import { type AlertEvent, toBeijingIso } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { chromiumGate as browserGate } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

const registry = loadStationRegistry();
const HOUR = 3_600_000;
const MINUTE = 60_000;

let dashboard: ServedDashboard | undefined;
let page: Page;

/** The start of the hour under way, and its span in Beijing time ("18:00–19:00"). */
const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
const clock = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(11, 16);
const span = `${clock(hourStart)}–${clock(hourStart + HOUR) === "00:00" ? "24:00" : clock(hourStart + HOUR)}`;

/** An hourly-AQI alert raised at `at` on the hour labelled `dataTime` (its end). */
function raised(alertId: string, stationId: string, at: number, dataTime: number): AlertEvent {
  return {
    id: `${alertId}-r`,
    alertId,
    type: "raised",
    at: toBeijingIso(at),
    ruleId: "aqi-hourly-heavy",
    stationId,
    severity: "critical",
    level: "heavy",
    metric: "aqi",
    value: 235,
    threshold: 200,
    window: "1h",
    startedAt: toBeijingIso(dataTime),
    dataTime: toBeijingIso(dataTime),
    conditionHolds: true,
    message: { zh: "小时AQI 235 > 200（重度污染）", en: "hourly AQI 235 > 200 (heavily polluted)" },
  };
}

/** Shows the duty console afresh (no live feed here: no bus). */
async function showConsole(): Promise<void> {
  await page.click('nav a[data-view="map"]');
  await page.click('nav a[data-view="alerts"]');
  await page.locator('#open-alerts tr[data-alert="ip-now"]').waitFor();
  await page.locator('#open-alerts tr[data-alert="ip-ended"]').waitFor();
}

/** The in-progress marks' texts in an alert's row. */
async function rowMarks(alertId: string): Promise<string[]> {
  return page.locator(`#open-alerts tr[data-alert="${alertId}"] .in-progress`).allTextContents();
}

/** The in-progress marks of an alert's detail: the header's, then each event's by id. */
async function detailMarks(alertId: string): Promise<{ header: string[]; events: Record<string, string[]> }> {
  await page.locator(`#open-alerts tr[data-alert="${alertId}"] button.link`).click();
  await page.locator("#history-body li[data-event]").first().waitFor();
  const header = await page.locator("#history-body > p .in-progress").allTextContents();
  const events: Record<string, string[]> = {};
  for (const item of await page.locator("#history-body li[data-event]").all()) {
    events[(await item.getAttribute("data-event")) ?? ""] = await item
      .locator(".in-progress")
      .allTextContents();
  }
  await page.click("#history-dialog form button");
  return { header, events };
}

// Chromium, the API and the demo store share the CI machine with other test files: 60 s a test.
vi.setConfig({ testTimeout: 60_000 });

describe.skipIf(!browserGate.available)(`dashboard in-progress alerts in Chromium${browserGate.note}`, () => {
  beforeAll(async () => {
    dashboard = await serveDashboard({ name: "dashboard-in-progress-alert", registry, hours: 2, seed: 13 });
    page = dashboard.page;
    await dashboard.store.writeAlertEvents([
      // Raised at 15 past on the hour under way (labelled by its end): provisional.
      raised("ip-now", "ld-aq-01", hourStart + 15 * MINUTE, hourStart + HOUR),
      // Raised at 10 past on the hour that ended then: a final value.
      raised("ip-ended", "ld-aq-02", hourStart + 10 * MINUTE, hourStart),
    ]);
    await page.clock.setFixedTime(hourStart + 20 * MINUTE);
    await page.goto(`${dashboard.baseUrl}/dashboard/`);
    await page.waitForSelector("body[data-ready=true]");
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it("marks the alert of the hour under way, in its row and detail, in Chinese and English", async () => {
    await showConsole();
    expect(await rowMarks("ip-now")).toEqual([`${span} 进行中 · 暂定值`]);
    expect(await rowMarks("ip-ended")).toEqual([]);
    expect(await detailMarks("ip-now")).toEqual({
      header: [`${span} 进行中 · 暂定值`],
      events: { "ip-now-r": [`${span} 进行中 · 暂定值`] },
    });
    expect(await detailMarks("ip-ended")).toEqual({ header: [], events: { "ip-ended-r": [] } });
    await page.click("#lang-toggle");
    try {
      await showConsole();
      expect(await rowMarks("ip-now")).toEqual([`${span} in progress · provisional`]);
      expect(await rowMarks("ip-ended")).toEqual([]);
    } finally {
      await page.click("#lang-toggle");
    }
  });

  it("takes the mark off once the page's clock passes the hour's end", async () => {
    await page.clock.setFixedTime(hourStart + HOUR - MINUTE);
    await showConsole();
    expect(await rowMarks("ip-now")).toEqual([`${span} 进行中 · 暂定值`]);
    await page.clock.setFixedTime(hourStart + HOUR + MINUTE);
    await showConsole();
    expect(await rowMarks("ip-now")).toEqual([]);
    expect(await detailMarks("ip-now")).toEqual({ header: [], events: { "ip-now-r": [] } });
  });
});
