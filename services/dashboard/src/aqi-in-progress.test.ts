// The charts view's AQI bars in Chromium: the hour under way (the API's inProgress) is drawn apart
// from the finished hours — faded, dashed border — and its tooltip says its value is not final, so a
// wall screen does not show an AQI from part of an hour as that hour's. Readings are written for the
// current and the next hour, so whichever hour is under way when the page asks has data: the test
// does not depend on the time of day.

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

let dashboard: ServedDashboard;

interface AqiRow {
  label: string;
  aqi: number | null;
  inProgress: boolean;
}

/** Six-pollutant hourly means at ld-aq-01 for the hour under way and the next one. */
async function writeHourUnderWay(): Promise<void> {
  const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const values = { pm25: 40, pm10: 60, so2: 8, no2: 20, co: 0.6, o3: 50 };
  const observations = [hour, hour + HOUR_MS].map((ts) => ({ ts, period: "PT1H", values }));
  const decoded = decodeStationMessage("stations/ld-aq-01/air", JSON.stringify(observations), {
    now: hour + 3 * HOUR_MS,
    lookupStation: (id) => registry.get(id),
    source: "import",
  });
  expect(decoded.rejections).toEqual([]);
  await dashboard.store.writeReadings(decoded.readings);
}

beforeAll(async () => {
  if (!chromiumGate.available) return;
  dashboard = await serveDashboard({ name: "aqi-in-progress", registry, hours: 6, seed: 5 });
  await writeHourUnderWay();
});

afterAll(async () => {
  await dashboard?.close();
});

describe.skipIf(!chromiumGate.available)(
  `the AQI chart's hour under way in Chromium${chromiumGate.note}`,
  () => {
    it("draws the API's in-progress hour faded and dashed and says in its tooltip that it is not final", async () => {
      const { page, baseUrl } = dashboard;
      const answer = page.waitForResponse(
        (r) => r.url().includes("/api/v1/aqi?") && r.url().includes("ld-aq-01"),
      );
      await page.goto(`${baseUrl}/dashboard/?lang=zh#charts?station=ld-aq-01&metric=pm25`);
      await page.waitForSelector("body[data-ready=true]");
      const results = ((await (await answer).json()) as { results: AqiRow[] }).results;
      const underWay = results.findIndex((r) => r.inProgress);
      expect(underWay).toBeGreaterThanOrEqual(0);
      expect(results[underWay]?.aqi).not.toBeNull();

      const handle = await page.waitForFunction((count) => {
        // The page's globals, typed here (the tests compile without the DOM library).
        const g = globalThis as unknown as {
          document: { getElementById(id: string): unknown };
          echarts: {
            getInstanceByDom(el: unknown):
              | {
                  getOption(): {
                    series: {
                      data: { value: number | null; itemStyle: { opacity?: number; borderType?: string } }[];
                    }[];
                  };
                }
              | undefined;
          };
        };
        const data = g.echarts.getInstanceByDom(g.document.getElementById("aqi-chart"))?.getOption()
          .series[0]?.data;
        return data?.length === count ? data.map((d) => d.itemStyle) : undefined;
      }, results.length);
      const styles = (await handle.jsonValue()) as { opacity?: number; borderType?: string }[];
      expect(styles.map((s) => s.opacity !== undefined && s.opacity < 1)).toEqual(
        results.map((r) => r.inProgress),
      );
      expect(styles[underWay]?.borderType).toBe("dashed");

      // Its tooltip, shown by pointing at it, says the value is not final; a finished hour's does not.
      const tooltipOf = async (index: number) => {
        await page.evaluate((dataIndex) => {
          const g = globalThis as unknown as {
            document: { getElementById(id: string): unknown };
            echarts: {
              getInstanceByDom(el: unknown): { dispatchAction(a: object): void };
            };
          };
          g.echarts
            .getInstanceByDom(g.document.getElementById("aqi-chart"))
            .dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex });
        }, index);
        // The tooltip of that bar: its axis label ("12-01 03:00") is in it.
        const when = /^\d{4}-(\d{2}-\d{2})T(\d{2}:\d{2})/.exec(results[index]?.label ?? "");
        const tip = page.locator("#aqi-chart div", { hasText: `${when?.[1]} ${when?.[2]}AQI ` }).last();
        await tip.waitFor();
        return (await tip.textContent()) ?? "";
      };
      expect(await tooltipOf(underWay)).toContain("本时段尚未结束，数值暂定");
      const finished = results.findIndex((r) => !r.inProgress && r.aqi !== null);
      expect(await tooltipOf(finished)).not.toContain("尚未结束");
    });
  },
);
