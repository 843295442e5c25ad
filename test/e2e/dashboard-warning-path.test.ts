// The duty console in Chromium with heavy-pollution warnings on both paths (heavy-pollution-warning.md
// §3.3: an O3-driven episode is a public health advisory, 健康提示, not the warning procedure): the
// badges, the district line and banner, and a change of path in an alert's event history.
import { type AlertEvent, toBeijingIso } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import type { TimeSeriesStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { chromiumGate as browserGate } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

const registry = loadStationRegistry();
const HOUR = 3_600_000;

let dashboard: ServedDashboard | undefined;
let store: TimeSeriesStore;
let baseUrl: string;
let page: Page;

function warningEvent(
  partial: Partial<AlertEvent> & Pick<AlertEvent, "id" | "alertId" | "type" | "at" | "stationId">,
): AlertEvent {
  return {
    ruleId: "heavy-pollution-warning",
    severity: "critical",
    level: "orange",
    metric: "aqi",
    value: 235,
    window: "24h rolling",
    conditionHolds: true,
    message: { zh: "重污染天气（橙色预警级别）", en: "Heavy pollution (orange level)" },
    ...partial,
  };
}

/** Shows the duty console afresh (the page has no live feed here: no bus). */
async function showConsole(): Promise<void> {
  await page.click('nav a[data-view="map"]');
  await page.click('nav a[data-view="alerts"]');
}

const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? "").trim();

// Chromium, the API and the demo store share the CI machine with other test files: 60 s a test.
vi.setConfig({ testTimeout: 60_000 });

describe.skipIf(!browserGate.available)(`dashboard warning paths in Chromium${browserGate.note}`, () => {
  const now = Date.now();
  const startedAt = toBeijingIso(Math.floor(now / HOUR) * HOUR - 30 * HOUR);

  beforeAll(async () => {
    dashboard = await serveDashboard({ name: "dashboard-warning-path", registry, hours: 2, seed: 7 });
    ({ store, baseUrl, page } = dashboard);
    // ld-aq-01: raised on the warning path, then at the same level a health advisory (O3 took over).
    await store.writeAlertEvents([
      warningEvent({
        id: "path-h-r",
        alertId: "path-h",
        type: "raised",
        at: toBeijingIso(now - 3 * HOUR),
        stationId: "ld-aq-01",
        startedAt,
        dataTime: toBeijingIso(now - 3 * HOUR),
        path: "warning",
      }),
      warningEvent({
        id: "path-h-p",
        alertId: "path-h",
        type: "level_changed",
        at: toBeijingIso(now - HOUR),
        stationId: "ld-aq-01",
        startedAt,
        dataTime: toBeijingIso(now - HOUR),
        path: "healthAdvisory",
        message: {
          zh: "【严重】莲都站：重污染天气（实测建议级别，非正式发布）（橙色预警级别；建议预警 → 健康提示）。臭氧主导。",
          en: "[critical] Liandu station: Heavy pollution (orange level; suggested warning → health advisory). O3-driven.",
        },
      }),
    ]);
    await page.goto(`${baseUrl}/dashboard/`);
    await page.waitForSelector("body[data-ready=true]");
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  beforeEach(async () => {
    await page.evaluate("for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close()");
  });

  it("shows a health advisory as one: the row's badge, the station list, the district line and the banner", async () => {
    await showConsole();
    const row = page.locator('#open-alerts tr[data-alert="path-h"]');
    await row.waitFor();
    const badge = row.locator(".badge.level");
    expect(await badge.textContent()).toBe("健康提示 · 橙色级别");
    expect(await badge.getAttribute("class")).toContain("advisory");
    const panel = "#warning-panel .warning-level";
    await waitFor(async () => (await text(panel)).includes("健康提示"), {
      what: "the advisory district line",
    });
    expect(await text(panel)).toMatch(/^全区（观测）:\s*健康提示 · 橙色级别，自 \d+月\d+日 \d\d:\d\d 起$/);
    expect(await text(panel)).not.toContain("预警");
    expect(await page.locator(panel).getAttribute("data-path")).toBe("healthAdvisory");
    expect(await text('#warning-panel li[data-station="ld-aq-01"] .badge.level')).toBe("健康提示 · 橙色级别");
    expect(await text("#warning-banner")).toBe("全区（观测）: 健康提示 · 橙色级别");
  });

  it("shows a suggested warning as 建议…预警 beside the advisory; the district takes the warning", async () => {
    await store.writeAlertEvents([
      warningEvent({
        id: "path-w-r",
        alertId: "path-w",
        type: "raised",
        at: toBeijingIso(now - 2 * HOUR),
        stationId: "ld-aq-02",
        severity: "warning",
        level: "yellow",
        startedAt,
        dataTime: toBeijingIso(now - 2 * HOUR),
        path: "warning",
      }),
    ]);
    await showConsole();
    const row = page.locator('#open-alerts tr[data-alert="path-w"]');
    await row.waitFor();
    expect(await row.locator(".badge.level").textContent()).toBe("建议黄色预警");
    expect(await row.locator(".badge.level").getAttribute("class")).not.toContain("advisory");
    const panel = "#warning-panel .warning-level";
    await waitFor(async () => (await text(panel)).includes("黄色预警"), { what: "the district's warning" });
    expect(await text(panel)).toMatch(/^全区预警级别（观测\/建议）:\s*黄色预警，自 /);
    expect(await text('#warning-panel li[data-station="ld-aq-02"] .badge.level')).toBe("建议黄色预警");
    expect(await text('#warning-panel li[data-station="ld-aq-01"] .badge.level')).toBe("健康提示 · 橙色级别");
    await page.click("#lang-toggle");
    try {
      await waitFor(
        async () => (await row.locator(".badge.level").textContent()) === "Yellow warning suggested",
        {
          what: "the English badges",
        },
      );
      expect(await page.locator('#open-alerts tr[data-alert="path-h"] .badge.level').textContent()).toBe(
        "Health advisory · orange level",
      );
    } finally {
      await page.click("#lang-toggle");
    }
  });

  it("names a change of path alone 转为健康提示 in the alert's event history, not a level change", async () => {
    await showConsole();
    const row = page.locator('#open-alerts tr[data-alert="path-h"]');
    await row.waitFor();
    await row.locator("button.link").click();
    const change = page.locator('#history-body li[data-event="path-h-p"]');
    await change.waitFor();
    expect(await change.locator("b").textContent()).toBe("转为健康提示");
    expect(await change.locator(".badge.level").textContent()).toBe("健康提示 · 橙色级别");
    const raise = page.locator('#history-body li[data-event="path-h-r"]');
    expect(await raise.locator("b").textContent()).toBe("触发");
    expect(await raise.locator(".badge.level").textContent()).toBe("建议橙色预警");
    await page.click("#history-dialog form button");
  });
});
