// The network map's NOI legend in Chromium follows the grade table in force (qingshan config
// noi.scheme, served in /dashboard/standards.json): its grades with their names and colours, and
// "暂定分级 / provisional grading" only when the table is provisional (negative-oxygen-ions.md §2).

import { loadStationRegistry } from "@qingshan/simulator";
import { waitFor } from "@qingshan/testkit";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { chromiumGate } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

const registry = loadStationRegistry();

// A bureau's confirmed table: not provisional.
const BUREAU = {
  id: "lishui-fresh-air",
  source: "丽水市清新空气分级（局定）",
  title: { zh: "丽水清新空气三级", en: "Lishui fresh air, three grades" },
  provisional: false,
  grades: [
    { grade: "I", min: 2100, zh: "非常清新", en: "very fresh", color: "#00a651" },
    { grade: "II", min: 900, zh: "较清新", en: "rather fresh", color: "#ffd700" },
    { grade: "III", min: 0, zh: "一般", en: "ordinary", color: "#ed1c24" },
  ],
};

let dashboard: ServedDashboard | undefined;

afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

/** The map legend's NOI line: its text and each swatch's text and background colour. */
async function noiLegend(page: Page, baseUrl: string, lang: "zh" | "en") {
  await page.goto(`${baseUrl}/dashboard/?lang=${lang}#map`);
  await page.waitForSelector("body[data-ready=true]");
  const line = page.locator("#map-legend div", { hasText: "▲" });
  await waitFor(async () => (await line.count()) === 1, { what: "the legend's NOI line" });
  const swatches = await line
    .locator(".swatch")
    .evaluateAll((spans) =>
      spans.map((s) => [s.textContent, (s as unknown as { style: { background: string } }).style.background]),
    );
  return { text: (await line.textContent()) ?? "", swatches };
}

describe.skipIf(!chromiumGate.available)(`the map's NOI legend in Chromium${chromiumGate.note}`, () => {
  it("a bureau's table marked provisional: false: its grades, names and colours, its title, no 暂定", async () => {
    dashboard = await serveDashboard({
      name: "noi-legend-bureau",
      registry,
      hours: 2,
      seed: 7,
      // The ion station's state is read below: data up to now, so it is not offline late in the hour.
      throughNow: true,
      noiScheme: BUREAU,
    });
    const { page, baseUrl } = dashboard;
    const zh = await noiLegend(page, baseUrl, "zh");
    expect(zh.swatches).toEqual([
      ["I 非常清新", "rgb(0, 166, 81)"],
      ["II 较清新", "rgb(255, 215, 0)"],
      ["III 一般", "rgb(237, 28, 36)"],
    ]);
    expect(zh.text).toContain("(丽水清新空气三级)");
    expect(zh.text).not.toContain("暂定");
    // The ion station's state on the map is graded by the same table.
    const state = await page.locator('#station-table tr[data-station="ld-noi-01"] td.state').textContent();
    expect(state).toMatch(/ · (I · 非常清新|II · 较清新|III · 一般) /);

    const en = await noiLegend(page, baseUrl, "en");
    expect(en.swatches.map(([text]) => text)).toEqual(["I very fresh", "II rather fresh", "III ordinary"]);
    expect(en.text).toContain("(Lishui fresh air, three grades)");
    expect(en.text).not.toContain("provisional");
    // Back to Chinese for whoever uses this browser's storage next.
    await page.goto(`${baseUrl}/dashboard/?lang=zh#map`);
  });

  it("the shipped default, candidate A, is provisional and says so", async () => {
    dashboard = await serveDashboard({ name: "noi-legend-default", registry, hours: 2, seed: 7 });
    const { page, baseUrl } = dashboard;
    const zh = await noiLegend(page, baseUrl, "zh");
    expect(zh.swatches.map(([text]) => text)).toEqual([
      "I 非常有利于健康，空气清新",
      "II 有利于健康",
      "III 一般",
      "IV 不利于健康",
    ]);
    expect(zh.text).toContain("(QX/T 380-2017 四级，暂定分级)");
  });
});
