// The charts view's GB 3095 lines in Chromium, with hours of one station written to the store for
// March 2026 and the page's clock fixed on 2026-03-10 (Playwright's page.clock, running on from then), so the ranges shown
// straddle the change from GB 3095-2012 to GB 3095-2026 on 2026-03-01 whenever the test runs:
// - O3 at daily resolution plots the daily maximum 8-h mean (the statistic GB 3095's daily O3 limit
//   is of, air-aqi.md §6.2), not the 24-h mean: a day of 60 µg/m³ until 16:00 and 300 after it is a
//   bar of 300 (GET /aqi's o3_8h), not 140, under the daily maximum 8-h limit 160;
// - daily PM2.5 steps from the 2012 24-h limit 75 to the 2026 one 60 where the edition changes
//   (air-aqi.md §6.1), each day's tooltip naming the limit of its date;
// - hourly PM2.5 gets no 24-h limit line, only a line named as the 24-h reference.

import { join } from "node:path";
import { decodeStationMessage, HOUR_MS } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import { waitFor } from "@qingshan/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { chromiumGate, SCREENSHOTS, watchPageTrouble } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

const registry = loadStationRegistry();
const STATION = "ld-aq-01"; // a class 2 area: Grade II (GB 3095-2012 §4.2)
const DAY_MS = 24 * HOUR_MS;
const at = (iso: string) => Date.parse(iso);
/** The page's clock: 2026-03-10 12:30 Beijing time. */
const PAGE_NOW = at("2026-03-10T12:30:00+08:00");
/** The polluted O3 day: hours ending 01:00 … 16:00 at 60 µg/m³, 17:00 … 24:00 at 300. */
const O3_DAY = at("2026-03-05T00:00:00+08:00");
/** PM2.5 at 70 µg/m³ every hour from here to the page's clock: above 60, below 75. */
const PM_FROM = at("2026-02-20T00:00:00+08:00");

async function write(
  dashboard: ServedDashboard,
  observations: { ts: number; values: Record<string, number> }[],
) {
  const decoded = decodeStationMessage(
    `stations/${STATION}/air`,
    JSON.stringify(observations.map((o) => ({ ...o, period: "PT1H" }))),
    {
      now: Date.now(),
      lookupStation: (id) => registry.get(id),
      source: "import",
      limits: { maxLatenessMs: 3660 * DAY_MS },
    },
  );
  expect(decoded.rejections).toEqual([]);
  await dashboard.store.writeReadings(decoded.readings);
}

let dashboard: ServedDashboard | undefined;
let page: Page;
let trouble: ReturnType<typeof watchPageTrouble>;

/** waitFor, saying what went wrong on the page when the wait times out. */
async function until<T>(condition: () => Promise<T>, what: string): Promise<NonNullable<T>> {
  try {
    return await waitFor(condition, { what });
  } catch (error) {
    throw new Error(`${(error as Error).message} (${await trouble.describe()})`);
  }
}

async function svgText(): Promise<string> {
  return (await page.locator("#series-chart svg text").allTextContents()).join(" | ");
}

/** Chooses the chart's metric, aggregation and range (each change reloads the chart). */
async function show(metric: string, every: string, range: string): Promise<void> {
  await page.selectOption("#chart-controls select[name=metric]", metric);
  await page.selectOption("#chart-controls select[name=every]", every);
  await page.selectOption("#chart-controls select[name=range]", range);
}

/** The series chart's ECharts instance, in the page's script (`chart`). */
const CHART = 'const chart = echarts.getInstanceByDom(document.getElementById("series-chart"));';

/** The plotted value of the bar or point labelled `label`, as the chart holds it. */
async function plotted(label: string): Promise<unknown> {
  return page.evaluate(`(() => {
    ${CHART}
    const option = chart.getOption();
    const index = option.xAxis[0].data.indexOf(${JSON.stringify(label)});
    return index < 0 ? undefined : option.series[0].data[index];
  })()`);
}

/** The series chart's tooltip text for the bar or point labelled `label`. */
async function tooltip(label: string): Promise<string> {
  await page.evaluate(`(() => {
    ${CHART}
    const dataIndex = chart.getOption().xAxis[0].data.indexOf(${JSON.stringify(label)});
    chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex });
  })()`);
  return waitFor(
    async () => {
      // ECharts' tooltip: the chart's child element that is not its drawing.
      const texts = await page.locator("#series-chart > div").evaluateAll((divs) =>
        divs
          .filter((d) => d.querySelector("svg") === null)
          // biome-ignore lint/performance/useDomNodeTextContent: the tooltip's lines are <br>s
          .map((d) => (d as unknown as { innerText: string }).innerText),
      );
      return texts.find((x) => x.includes(label)) ?? null;
    },
    { what: `the tooltip of ${label}` },
  );
}

/** How many bars or points the chart has (24 for a day of hours, 8 for 7 days). */
async function periodCount(): Promise<number> {
  return (await page.evaluate(`(() => {
    ${CHART}
    return chart.getOption().xAxis[0].data.length;
  })()`)) as number;
}

/** The page x of the bar or point labelled `label`. */
async function xOf(label: string): Promise<number> {
  return (await page.evaluate(`(() => {
    ${CHART}
    const left = document.getElementById("series-chart").getBoundingClientRect().left;
    return chart.convertToPixel({ xAxisIndex: 0 }, ${JSON.stringify(label)}) + left;
  })()`)) as number;
}

// Chromium, the API and the demo store share the CI machine with other test files: 60 s a test.
vi.setConfig({ testTimeout: 60_000 });

describe.skipIf(!chromiumGate.available)(`the charts' GB 3095 lines in Chromium${chromiumGate.note}`, () => {
  beforeAll(async () => {
    dashboard = await serveDashboard({ name: "dashboard-chart-limits", registry, hours: 1, seed: 17 });
    page = dashboard.page;
    trouble = watchPageTrouble(page);
    await write(
      dashboard,
      Array.from({ length: 24 }, (_, h) => ({
        // The start of the hour (the wire's ts): the hour labelled h + 1.
        ts: O3_DAY + h * HOUR_MS,
        values: { o3: h < 16 ? 60 : 300 },
      })),
    );
    const hours = Math.floor((PAGE_NOW - PM_FROM) / HOUR_MS);
    await write(
      dashboard,
      Array.from({ length: hours }, (_, h) => ({ ts: PM_FROM + h * HOUR_MS, values: { pm25: 70 } })),
    );
    // The clock runs on from there (setFixedTime would also stop the charts' animations).
    await page.clock.setSystemTime(PAGE_NOW);
    await page.goto(`${dashboard.baseUrl}/dashboard/#charts?station=${STATION}&metric=pm25`);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("#series-chart svg");
  }, 120_000);

  afterAll(async () => {
    await dashboard?.close();
  });

  it("plots O3's daily maximum 8-h mean at daily resolution, under the limit of that statistic", async () => {
    if (!dashboard) throw new Error("no dashboard");
    const aqi = (await (
      await fetch(
        `${dashboard.baseUrl}/api/v1/aqi?station=${STATION}&period=day&from=2026-03-05T00:00:00%2B08:00&to=2026-03-06T00:00:00%2B08:00`,
      )
    ).json()) as { results: { indicators: { o3_8h: { value: number } } }[] };
    expect(aqi.results[0]?.indicators.o3_8h.value).toBe(300);
    await show("o3", "1d", "7d");
    await until(
      async () => (await periodCount()) === 8 && (await plotted("2026-03-05")) === 300,
      "the O3 bar of 2026-03-05 at its daily maximum 8-h mean, 7 days shown",
    );
    const text = await svgText();
    expect(text).toContain("日最大8小时平均二级限值 160");
    expect(text).not.toContain("24小时平均");
    expect(await page.locator("#chart-note").textContent()).toContain("日最大8小时平均");
    const tip = await tooltip("2026-03-05");
    expect(tip).toMatch(/日最大8小时平均 300\b/);
    expect(tip).toContain("日最大8小时平均二级限值 160");
    await page.screenshot({ path: join(SCREENSHOTS, "chart-limits-o3-daily-max-8h.png") });
    // The CSV link is the request the chart plots.
    const csv = new URL((await page.getAttribute("#series-csv", "href")) ?? "", dashboard.baseUrl);
    expect(csv.pathname).toBe("/api/v1/aqi");
    expect(Object.fromEntries(csv.searchParams)).toMatchObject({
      station: STATION,
      period: "day",
      format: "csv",
    });
    // Hourly O3 is compared with the 1-h limit.
    await page.selectOption("#chart-controls select[name=every]", "1h");
    await until(
      async () => (await periodCount()) === 7 * 24 && (await svgText()).includes("1小时平均二级限值 200"),
      "the O3 1-h limit line over 7 days of hours",
    );
    expect(await svgText()).not.toContain("日最大8小时");
  });

  it("steps daily PM2.5's 24-h limit from GB 3095-2012 to GB 3095-2026 on 2026-03-01", async () => {
    await show("pm25", "1d", "30d");
    await until(
      async () => (await periodCount()) === 31 && (await svgText()).includes("24小时平均二级限值 75"),
      "the 2012 24-h limit line over 30 days",
    );
    const text = await svgText();
    expect(text).toContain("24小时平均二级限值 60");
    expect(text).toContain("GB 3095-2026 施行");
    // The annual limits are references, of their edition too.
    expect(text).toContain("参考 · 年平均二级限值 35");
    expect(text).toContain("参考 · 年平均二级限值 30");
    expect(await tooltip("2026-02-28")).toContain("24小时平均二级限值 75");
    expect(await tooltip("2026-03-01")).toContain("24小时平均二级限值 60");
    expect(await tooltip("2026-03-01")).not.toContain("75");
    // The 2026 stretch is named from 2026-03-01's bar on, the 2012 one from the first bar.
    const x = { first: await xOf("2026-02-08"), switch: await xOf("2026-03-01") };
    // Each name starts at its stretch's first point, past its 3-px padding: within a bar's band.
    const offset = async (needle: string, from: number) =>
      (await page
        .locator("#series-chart svg text", { hasText: needle })
        .evaluate((el) => el.getBoundingClientRect().left)) - from;
    expect(await offset("24小时平均二级限值 75", x.first)).toBeGreaterThanOrEqual(0);
    expect(await offset("24小时平均二级限值 75", x.first)).toBeLessThan(8);
    expect(await offset("24小时平均二级限值 60", x.switch)).toBeGreaterThanOrEqual(0);
    expect(await offset("24小时平均二级限值 60", x.switch)).toBeLessThan(8);
    await page.screenshot({ path: join(SCREENSHOTS, "chart-limits-edition-step.png") });
    expect(await page.locator("#chart-note").textContent()).toContain("日均值");
  });

  it("draws hourly PM2.5 with the 24-h limit only as a named reference", async () => {
    await show("pm25", "1h", "24h");
    await until(
      async () => (await periodCount()) === 24 && (await svgText()).includes("参考 · 24小时平均二级限值 60"),
      "the 24-h reference line over 24 hours",
    );
    const text = await svgText();
    expect(text.replaceAll("参考 · 24小时平均二级限值 60", "")).not.toContain("24小时平均");
    expect(text).not.toContain("年平均");
    expect(text).not.toContain("莲都目标");
  });

  it("names the statistic and its limit in English", async () => {
    await page.click("#lang-toggle");
    await show("o3", "1d", "7d");
    await until(
      async () =>
        (await periodCount()) === 8 && (await svgText()).includes("Daily max 8-h Grade II limit 160"),
      "the English daily maximum 8-h limit over 7 days",
    );
    expect(await tooltip("2026-03-05")).toMatch(/daily max 8-h mean 300\b/);
    await show("pm25", "1h", "24h");
    await until(
      async () =>
        (await periodCount()) === 24 && (await svgText()).includes("Reference · 24-h Grade II limit 60"),
      "the English 24-h reference line over 24 hours",
    );
  });
});
