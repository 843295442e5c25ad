// The compliance view's "days by AQI category" chart in Chromium against the API's
// /compliance/aqi-days for the same year: every day the API counts is on the station's bar, the
// days with pollutants missing and an AQI ≤ 100 (incompleteDays, HJ 633-2026 §5.3.1 / HJ 633-2012
// §5) included as a bar of their own, not dropped. The year tested is last year (Beijing), so the
// test does not depend on the time of day or the day of the month.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createStationRegistry, decodeStationMessage, HOUR_MS } from "@qingshan/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumGate } from "../../../test/e2e/support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "../../../test/e2e/support/served-dashboard.ts";

const registry = createStationRegistry(
  JSON.parse(
    readFileSync(fileURLToPath(new URL("../../../seeds/liandu/stations.json", import.meta.url)), "utf8"),
  ),
);
const lastYear = new Date(Date.now() + 8 * HOUR_MS).getUTCFullYear() - 1;

interface DaysRow {
  stationId: string;
  days: number;
  counts: Record<string, number>;
  incompleteDays: number;
  excellentGoodShare: number | null;
}

let dashboard: ServedDashboard;

/** 24 hourly PM2.5 means of 20 µg/m³ at ld-aq-01 on 10 June of last year, and nothing else: an incomplete day, AQI ≤ 100. */
async function writeIncompleteDay(): Promise<void> {
  const start = Date.parse(`${lastYear}-06-10T00:00:00+08:00`);
  const observations = Array.from({ length: 24 }, (_, h) => ({
    ts: start + h * HOUR_MS,
    period: "PT1H",
    values: { pm25: 20 },
  }));
  const decoded = decodeStationMessage("stations/ld-aq-01/air", JSON.stringify(observations), {
    now: Date.now(),
    lookupStation: (id) => registry.get(id),
    source: "import",
    limits: { maxLatenessMs: 3660 * 24 * HOUR_MS },
  });
  expect(decoded.rejections).toEqual([]);
  await dashboard.store.writeReadings(decoded.readings);
}

beforeAll(async () => {
  if (!chromiumGate.available) return;
  dashboard = await serveDashboard({ name: "aqi-days-chart", registry, hours: 2, seed: 11 });
  await writeIncompleteDay();
});

afterAll(async () => {
  await dashboard?.close();
});

describe.skipIf(!chromiumGate.available)(`the AQI-days chart in Chromium${chromiumGate.note}`, () => {
  it("shows the API's incomplete days as their own bar, and every station's bar totals its days", async () => {
    const { page, baseUrl } = dashboard;
    const api = (await (await fetch(`${baseUrl}/api/v1/compliance/aqi-days?year=${lastYear}`)).json()) as {
      stations: DaysRow[];
    };
    const aq01 = api.stations.find((s) => s.stationId === "ld-aq-01");
    expect(aq01?.incompleteDays).toBe(1);

    await page.goto(`${baseUrl}/dashboard/?lang=zh#compliance`);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("#aqi-days-chart svg");
    await page.selectOption("#compliance-controls select[name=year]", String(lastYear));
    // The chart shows the selected year once a station without data in it has that year's days on
    // its bar (all "no valid AQI"); the current year has fewer days so far. Playwright waits for it
    // (the dashboard package does not depend on the testkit).
    const other = api.stations.findIndex((s) => s.stationId !== "ld-aq-01");
    const handle = await page.waitForFunction(
      ({ index, days }) => {
        // The page's globals, typed here (the tests compile without the DOM library).
        const page = globalThis as unknown as {
          document: { getElementById(id: string): unknown };
          echarts: {
            getInstanceByDom(el: unknown): { getOption(): { series: { name: string; data: number[] }[] } };
          };
        };
        const chart = page.echarts.getInstanceByDom(page.document.getElementById("aqi-days-chart"));
        const series = chart.getOption().series.map((s) => ({ name: s.name, data: s.data }));
        const total = series.reduce((sum, s) => sum + (s.data[index] ?? 0), 0);
        return total === days ? series : undefined;
      },
      { index: other, days: api.stations[other]?.days },
    );
    const series = (await handle.jsonValue()) as { name: string; data: number[] }[];
    const totals = api.stations.map((_, i) => series.reduce((sum, s) => sum + (s.data[i] ?? 0), 0));
    const chart = { series, totals };
    expect(chart.totals).toEqual(api.stations.map((s) => s.days));
    const incomplete = chart.series.find((s) => s.name.startsWith("数据不全"));
    expect(incomplete?.data).toEqual(api.stations.map((s) => s.incompleteDays));
    // Its legend entry is on screen, in Chinese.
    const texts = (await page.locator("#aqi-days-chart svg text").allTextContents()).join(" ");
    expect(texts).toContain("数据不全（AQI≤100，不计入）");
  });
});
