// The duty console's alert history in Chromium: an acknowledged row's level badge names the level as
// the raise or level change did — 严重污染 (the rules file's level name, config/rules.yaml
// aqi-hourly levels), 健康提示 · 橙色级别 for a health advisory (heavy-pollution-warning.md §3.3) —
// both for an acknowledgement made through the API (its event restates levelName and path) and for
// one stored before acknowledgements carried them (the dashboard takes them from the level change).
import { type AlertEvent, toBeijingIso } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import type { TimeSeriesStore } from "@qingshan/store";
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

const HEAVY = { zh: "重度污染", en: "heavily polluted" };
const SEVERE = { zh: "严重污染", en: "severely polluted" };

/** An hourly-AQI episode at `stationId`: raised 重度污染, then 严重污染. */
function aqiEpisode(alertId: string, stationId: string, now: number): AlertEvent[] {
  const base = {
    alertId,
    ruleId: "aqi-hourly-heavy",
    stationId,
    metric: "aqi",
    window: "1h",
    startedAt: toBeijingIso(now - 4 * HOUR),
  };
  return [
    {
      ...base,
      id: `${alertId}-r`,
      type: "raised",
      at: toBeijingIso(now - 3 * HOUR),
      severity: "critical",
      level: "heavy",
      levelName: HEAVY,
      value: 235,
      threshold: 200,
      conditionHolds: true,
      message: { zh: "小时AQI 235 > 200（重度污染）", en: "hourly AQI 235 > 200 (heavily polluted)" },
    },
    {
      ...base,
      id: `${alertId}-l`,
      type: "level_changed",
      at: toBeijingIso(now - 2 * HOUR),
      severity: "critical",
      level: "severe",
      levelName: SEVERE,
      value: 320,
      threshold: 300,
      conditionHolds: true,
      message: { zh: "小时AQI 320 > 300（严重污染）", en: "hourly AQI 320 > 300 (severely polluted)" },
    },
  ];
}

/** Shows the duty console afresh (no live feed here: no bus). */
async function showConsole(): Promise<void> {
  await page.click('nav a[data-view="map"]');
  await page.click('nav a[data-view="alerts"]');
}

/** Opens an alert's detail from its row and returns its history's badge texts by event id. */
async function historyBadges(alertId: string): Promise<Record<string, string>> {
  await showConsole();
  const row = page.locator(`#open-alerts tr[data-alert="${alertId}"][data-status="acknowledged"]`);
  await row.waitFor();
  await row.locator("button.link").click();
  await page.locator("#history-body li[data-event]").first().waitFor();
  const items = await page.locator("#history-body li[data-event]").all();
  const badges: Record<string, string> = {};
  for (const item of items) {
    const id = (await item.getAttribute("data-event")) ?? "";
    badges[id.includes(":acknowledged:") ? "ack" : id] = (
      (await item.locator(".badge.level").textContent()) ?? ""
    ).trim();
  }
  await page.click("#history-dialog form button");
  return badges;
}

async function acknowledge(alertId: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/alerts/${alertId}/ack`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ actor: "值班员 王", note: "已通知执法大队" }),
  });
  expect(res.status).toBe(200);
}

// Chromium, the API and the demo store share the CI machine with other test files: 60 s a test.
vi.setConfig({ testTimeout: 60_000 });

describe.skipIf(!browserGate.available)(`dashboard alert history in Chromium${browserGate.note}`, () => {
  const now = Date.now();

  beforeAll(async () => {
    dashboard = await serveDashboard({ name: "dashboard-alert-history", registry, hours: 2, seed: 11 });
    ({ store, baseUrl, page } = dashboard);
    // Acknowledged before acknowledged events restated levelName and path: level ids only.
    const legacyAck = (alertId: string, stationId: string, ruleId: string, level: string): AlertEvent => ({
      id: `${alertId}:acknowledged:legacy`,
      alertId,
      type: "acknowledged",
      at: toBeijingIso(now - HOUR),
      ruleId,
      stationId,
      severity: "critical",
      level,
      message: { zh: "（已确认）", en: "(acknowledged)" },
      actor: "值班员 李",
    });
    const warningBase = {
      alertId: "hist-o3",
      ruleId: "heavy-pollution-warning",
      stationId: "ld-aq-03",
      severity: "critical" as const,
      level: "orange",
      metric: "aqi",
      value: 235,
      conditionHolds: true,
      startedAt: toBeijingIso(now - 4 * HOUR),
    };
    await store.writeAlertEvents([
      ...aqiEpisode("hist-api", "ld-aq-01", now),
      ...aqiEpisode("hist-old", "ld-aq-02", now),
      legacyAck("hist-old", "ld-aq-02", "aqi-hourly-heavy", "severe"),
      {
        ...warningBase,
        id: "hist-o3-r",
        type: "raised",
        at: toBeijingIso(now - 3 * HOUR),
        path: "warning",
        message: { zh: "重污染天气（橙色预警级别）", en: "Heavy pollution (orange level)" },
      },
      {
        ...warningBase,
        id: "hist-o3-p",
        type: "level_changed",
        at: toBeijingIso(now - 2 * HOUR),
        path: "healthAdvisory",
        message: {
          zh: "重污染天气（橙色级别；健康提示）",
          en: "Heavy pollution (orange level; health advisory)",
        },
      },
      legacyAck("hist-o3", "ld-aq-03", "heavy-pollution-warning", "orange"),
    ]);
    await acknowledge("hist-api");
    await page.goto(`${baseUrl}/dashboard/`);
    await page.waitForSelector("body[data-ready=true]");
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  beforeEach(async () => {
    await page.evaluate("for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close()");
  });

  it("names the level of an acknowledgement made through the API as its level change did (zh and en)", async () => {
    expect(await historyBadges("hist-api")).toEqual({
      "hist-api-r": "重度污染",
      "hist-api-l": "严重污染",
      ack: "严重污染",
    });
    await page.click("#lang-toggle");
    try {
      expect(await historyBadges("hist-api")).toEqual({
        "hist-api-r": "heavily polluted",
        "hist-api-l": "severely polluted",
        ack: "severely polluted",
      });
    } finally {
      await page.click("#lang-toggle");
    }
  });

  it("names the level of an acknowledgement stored with its level id only from the level change before it", async () => {
    expect(await historyBadges("hist-old")).toEqual({
      "hist-old-r": "重度污染",
      "hist-old-l": "严重污染",
      ack: "严重污染",
    });
  });

  it("shows an acknowledged health advisory as one, not as a suggested warning", async () => {
    expect(await historyBadges("hist-o3")).toEqual({
      "hist-o3-r": "建议橙色预警",
      "hist-o3-p": "健康提示 · 橙色级别",
      ack: "健康提示 · 橙色级别",
    });
  });
});
