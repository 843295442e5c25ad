// The duty console in Chromium marks an alert raised on an hour that has not ended (its event's
// `at` inside the hour ending at its `dataTime`, the notifier's eventInProgress) as provisional —
// the hour as its span and "进行中 · 暂定值" / "in progress · provisional" (air-aqi.md §8: an hour is
// labelled by its end) — in its row and its detail, and not an alert raised on an hour that has
// ended; the mark goes once the page's clock passes the hour's end. The row decides by the value's
// `dataTime` and `valueAt` that GET /alerts serves (the latest raise or level change), so it also
// marks an alert raised on the hour under way after its condition held for earlier hours (a rule
// with a duration) and one whose level changed on it. The page's clock is fixed
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

/**
 * An hourly-AQI alert raised at `at` on the hour labelled `dataTime` (its end), its condition
 * holding since `startedAt` (default: that hour).
 */
function raised(
  alertId: string,
  stationId: string,
  at: number,
  dataTime: number,
  startedAt = dataTime,
): AlertEvent {
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
    startedAt: toBeijingIso(startedAt),
    dataTime: toBeijingIso(dataTime),
    conditionHolds: true,
    message: { zh: "小时AQI 235 > 200（重度污染）", en: "hourly AQI 235 > 200 (heavily polluted)" },
  };
}

/** The level change of an alert raised with `raised` to severe at `at`, on the hour labelled `dataTime`. */
function levelChanged(r: AlertEvent, at: number, dataTime: number): AlertEvent {
  return {
    ...r,
    id: `${r.alertId}-l`,
    type: "level_changed",
    at: toBeijingIso(at),
    level: "severe",
    value: 320,
    threshold: 300,
    dataTime: toBeijingIso(dataTime),
    message: { zh: "小时AQI 320 > 300（严重污染）", en: "hourly AQI 320 > 300 (severely polluted)" },
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
    const before = raised("ip-level", "ld-aq-04", hourStart - 2 * HOUR + 10 * MINUTE, hourStart - 2 * HOUR);
    await dashboard.store.writeAlertEvents([
      // Raised at 15 past on the hour under way (labelled by its end): provisional.
      raised("ip-now", "ld-aq-01", hourStart + 15 * MINUTE, hourStart + HOUR),
      // Raised at 10 past on the hour that ended then: a final value.
      raised("ip-ended", "ld-aq-02", hourStart + 10 * MINUTE, hourStart),
      // Raised at 12 past on the hour under way after the condition held for three hours before it
      // (a rule with a duration): provisional, though raisedAt is hours after startedAt.
      raised("ip-late", "ld-aq-03", hourStart + 12 * MINUTE, hourStart + HOUR, hourStart - 2 * HOUR),
      // Raised on an hour that had ended, its level changed at 18 past on the hour under way.
      before,
      levelChanged(before, hourStart + 18 * MINUTE, hourStart + HOUR),
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

  it("marks the row of an alert raised on the hour under way after earlier hours, and of a level change on it", async () => {
    await showConsole();
    expect(await rowMarks("ip-late")).toEqual([`${span} 进行中 · 暂定值`]);
    expect(await rowMarks("ip-level")).toEqual([`${span} 进行中 · 暂定值`]);
    // The detail, from each event's dataTime, agrees: the level change is provisional, the raise not.
    expect(await detailMarks("ip-late")).toEqual({
      header: [`${span} 进行中 · 暂定值`],
      events: { "ip-late-r": [`${span} 进行中 · 暂定值`] },
    });
    expect(await detailMarks("ip-level")).toEqual({
      header: [`${span} 进行中 · 暂定值`],
      events: { "ip-level-r": [], "ip-level-l": [`${span} 进行中 · 暂定值`] },
    });
  });

  it("takes the mark off once the page's clock passes the hour's end", async () => {
    await page.clock.setFixedTime(hourStart + HOUR - MINUTE);
    await showConsole();
    expect(await rowMarks("ip-now")).toEqual([`${span} 进行中 · 暂定值`]);
    await page.clock.setFixedTime(hourStart + HOUR + MINUTE);
    await showConsole();
    expect(await rowMarks("ip-now")).toEqual([]);
    expect(await rowMarks("ip-late")).toEqual([]);
    expect(await rowMarks("ip-level")).toEqual([]);
    expect(await detailMarks("ip-now")).toEqual({ header: [], events: { "ip-now-r": [] } });
  });
});
