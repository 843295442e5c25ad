// The compliance view's annual air assessment (HJ 663 年评价, GET /compliance/air-annual) in Chromium:
// last year's hourly PM2.5 of one station written to the store, the table's annual mean and 95th
// percentile, limit, verdict and valid days against figures computed here from those readings; the
// pollutants not written read "too few valid days", not a pass; the current year reads "in progress",
// no verdict; the CSV link is the API's CSV. Last year (Beijing) is tested, so the test does not
// depend on the time of day or the day of the month.

import { join } from "node:path";
import { decodeStationMessage, HOUR_MS } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import { waitFor } from "@qingshan/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { annualValueText } from "../../services/dashboard/public/js/air-annual.js";
import { chromiumGate, SCREENSHOTS, watchPageTrouble } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

const registry = loadStationRegistry();
const STATION = "ld-aq-01"; // a class 2 area: Grade II (GB 3095-2012 §4.2)
const year = new Date(Date.now() + 8 * HOUR_MS).getUTCFullYear();
const lastYear = year - 1;
const DAY_MS = 24 * HOUR_MS;
const yearStart = Date.parse(`${lastYear}-01-01T00:00:00+08:00`);
const daysInYear = (Date.parse(`${year}-01-01T00:00:00+08:00`) - yearStart) / DAY_MS;
// Days (0-based, one each in Feb, Apr, Jul and Oct) with 10 hourly values only: no valid daily mean
// (GB 3095 Table 4: ≥ 20 hourly means); every month keeps ≥ 27 valid days (February ≥ 25).
const INVALID_DAYS = new Set([40, 100, 200, 300]);
/** Day d's PM2.5, the same every hour of the day, so its 24-h mean: 20 … 60 µg/m³. */
const pm25Of = (d: number) => 20 + ((d * 37) % 41);

/**
 * GB 3095 Grade II PM2.5 limits (annual, 24-h) in force on 31 December of `y` (air-aqi.md §6.1,
 * §6.2): 2012 edition until 2026-02-28, 2026 edition's transition values to 2030, then its final ones.
 */
function pm25LimitsGradeII(y: number): { annual: number; daily: number } {
  if (y <= 2025) return { annual: 35, daily: 75 };
  if (y <= 2030) return { annual: 30, daily: 60 };
  return { annual: 25, daily: 50 };
}

/** HJ 663-2013 Appendix A: k = 1 + (n − 1) × p%, m_p = X(s) + (X(s+1) − X(s)) × (k − s), in integers. */
function percentile(values: readonly number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const hundredths = (x.length - 1) * p; // (k − 1) × 100
  const s = 1 + Math.floor(hundredths / 100);
  const fraction = (hundredths % 100) / 100;
  const xs = x[s - 1] as number;
  return s >= x.length ? xs : xs + ((x[s] as number) - xs) * fraction;
}

const valid = Array.from({ length: daysInYear }, (_, d) => d)
  .filter((d) => !INVALID_DAYS.has(d))
  .map(pm25Of);
const limits = pm25LimitsGradeII(lastYear);
const mean = valid.reduce((a, b) => a + b, 0) / valid.length;
const p95 = percentile(valid, 95);

/** Every hour of last year for STATION: 24 a day of pm25Of(d), 10 on the invalid days. */
async function writeLastYear(dashboard: ServedDashboard): Promise<void> {
  for (let d = 0; d < daysInYear; d++) {
    const start = yearStart + d * DAY_MS;
    const hours = INVALID_DAYS.has(d) ? 10 : 24;
    const observations = Array.from({ length: hours }, (_, h) => ({
      // The start of the hour (the wire's ts): the hours of day d are labelled 01:00 … 24:00.
      ts: start + h * HOUR_MS,
      period: "PT1H",
      values: { pm25: pm25Of(d) },
    }));
    const decoded = decodeStationMessage(`stations/${STATION}/air`, JSON.stringify(observations), {
      now: Date.now(),
      lookupStation: (id) => registry.get(id),
      source: "import",
      limits: { maxLatenessMs: 3660 * DAY_MS },
    });
    expect(decoded.rejections).toEqual([]);
    await dashboard.store.writeReadings(decoded.readings);
  }
}

/** The texts of a row's cells, by the statistic (data-stat) of each; "station" and "status" first. */
async function rowTexts(page: Page, stationId: string): Promise<Record<string, string>> {
  return page.locator(`#annual-table tr[data-station="${stationId}"] td`).evaluateAll((tds) => {
    const out: Record<string, string> = {};
    tds.forEach((td, i) => {
      const cell = td as unknown as { dataset: { stat?: string }; textContent: string | null };
      out[cell.dataset.stat ?? (i === 0 ? "station" : "status")] = cell.textContent ?? "";
    });
    return out;
  });
}

let dashboard: ServedDashboard | undefined;

// Chromium, the API and a year of hours in DuckDB share the CI machine with other test files.
vi.setConfig({ testTimeout: 60_000 });

describe.skipIf(!chromiumGate.available)(`the annual air assessment in Chromium${chromiumGate.note}`, () => {
  beforeAll(async () => {
    dashboard = await serveDashboard({ name: "dashboard-air-annual", registry, hours: 1, seed: 5 });
    await writeLastYear(dashboard);
  }, 120_000);

  afterAll(async () => {
    await dashboard?.close();
  });

  it("shows last year's PM2.5 annual mean and 95th percentile with limit, verdict and valid days", async () => {
    if (!dashboard) throw new Error("no dashboard");
    const { page, baseUrl } = dashboard;
    const trouble = watchPageTrouble(page);
    await page.goto(`${baseUrl}/dashboard/?lang=zh#compliance`);
    await page.waitForSelector("body[data-ready=true]");
    await page.selectOption("#compliance-controls select[name=year]", String(lastYear));
    const days = `有效 ${valid.length} / ${daysInYear} 天`;
    const meanText = annualValueText(mean, limits.annual);
    const row = await waitFor(
      async () => {
        const r = await rowTexts(page, STATION);
        return r.pm25_annual?.startsWith(meanText) ? r : undefined;
      },
      { what: `${STATION}'s PM2.5 annual mean ${meanText}`, timeoutMs: 30_000 },
    ).catch(async (error) => {
      throw new Error(`${error.message} (${await trouble.describe()})`);
    });
    // Value, limit, verdict (the mean above its limit exceeds it; GB 3095 compares exactly), valid days.
    const meanVerdict = mean > limits.annual ? "✗ 超标" : "✓ 未超标";
    expect(row.pm25_annual).toBe(`${meanText}限值 ${limits.annual}${meanVerdict}${days}`);
    const p95Verdict = p95 > limits.daily ? "✗ 超标" : "✓ 未超标";
    expect(row.pm25_24h_p95).toBe(
      `${annualValueText(p95, limits.daily)}限值 ${limits.daily}${p95Verdict}${days}`,
    );
    // Nothing else was measured last year: too few valid days, no verdict — never a pass.
    expect(row.so2_annual).toBe(`—限值 ${lastYear <= 2030 ? 60 : 20}数据不足有效 0 / ${daysInYear} 天`);
    expect(row.o3_8h_p90).toContain("数据不足");
    // Overall: not met when a statistic with enough data exceeds, else not assessed (others lack data).
    const exceeds = mean > limits.annual || p95 > limits.daily;
    expect(row.status).toMatch(exceeds ? /^未达标PM2\.5 / : /^有效数据不足，不评价$/);
    expect(row.station).toBe("丽水市监测站 二级");
    // The district is the station's days alone (no other station has last year's data).
    const district = await rowTexts(page, "district");
    expect(district.pm25_annual).toBe(row.pm25_annual);
    // The unrounded value is on hover.
    expect(
      await page
        .locator(`#annual-table tr[data-station="${STATION}"] td[data-stat="pm25_annual"]`)
        .getAttribute("title"),
    ).toBe(`未修约值 ${mean} µg/m³`);
    // The headings name the statistic and unit; the percentiles are starred (provisional), the note says why.
    const heads = await page.locator("#annual-table thead th").allTextContents();
    expect(heads).toContain("PM2.5 年均值 µg/m³");
    expect(heads).toContain("PM2.5 日均值第95百分位数* µg/m³");
    expect(heads).toContain("CO 日均值第95百分位数* mg/m³");
    expect(await page.locator("#annual-note").textContent()).toContain("* 暂定");
    expect(await page.locator("#annual-period").textContent()).toBe(
      `${lastYear} 年全年（${daysInYear} 天）。`,
    );
    await page.locator("#annual-table").screenshot({ path: join(SCREENSHOTS, "compliance-air-annual.png") });

    // The CSV link is the API's CSV of that year.
    const href = await page.locator("#annual-csv").getAttribute("href");
    expect(href).toBe(`/api/v1/compliance/air-annual?year=${lastYear}&format=csv`);
    const csv = await (await fetch(`${baseUrl}${href}`)).text();
    expect(csv.split("\n")[0]).toContain("stationId");
    expect(csv).toContain(`${STATION},`);

    // In English.
    await page.goto(`${baseUrl}/dashboard/?lang=en#compliance`);
    await page.waitForSelector("body[data-ready=true]");
    await page.selectOption("#compliance-controls select[name=year]", String(lastYear));
    const en = await waitFor(
      async () => {
        const r = await rowTexts(page, STATION);
        return r.pm25_annual?.startsWith(meanText) ? r : undefined;
      },
      { what: "the English table", timeoutMs: 30_000 },
    );
    expect(en.pm25_annual).toBe(
      `${meanText}limit ${limits.annual}${mean > limits.annual ? "✗ Exceeds" : "✓ Within limit"}${valid.length} / ${daysInYear} valid days`,
    );
    expect(en.so2_annual).toContain("Too few days");
    expect(await page.locator("#annual-table thead th").allTextContents()).toContain(
      "PM2.5 95th percentile of daily means* µg/m³",
    );
  });

  it("labels the current year in progress, with no verdict", async () => {
    if (!dashboard) throw new Error("no dashboard");
    const { page, baseUrl } = dashboard;
    await page.goto(`${baseUrl}/dashboard/?lang=zh#compliance`);
    await page.waitForSelector("body[data-ready=true]");
    await page.selectOption("#compliance-controls select[name=year]", String(year));
    const period = await waitFor(
      async () => {
        const text = (await page.locator("#annual-period").textContent()) ?? "";
        return text.startsWith(`${year} 年尚未结束`) ? text : undefined;
      },
      { what: "the in-progress line", timeoutMs: 30_000 },
    );
    expect(period).toContain("不作达标评价");
    const statuses = await page.locator("#annual-table td.annual-status").allTextContents();
    expect(statuses.length).toBe(registry.stations.filter((s) => s.kind === "air").length + 1);
    expect(new Set(statuses)).toEqual(new Set(["年度进行中，不评价"]));
    const row = await rowTexts(page, STATION);
    expect(row.pm25_annual).toContain("年度进行中");
    expect(Object.values(row).join(" ")).not.toMatch(/超标|未超标|达标/);
  });
});
