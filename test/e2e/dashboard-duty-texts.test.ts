import { type AlertEvent, toBeijingIso } from "@qingshan/domain";
import { loadRulesFile } from "@qingshan/rules";
import { loadStationRegistry } from "@qingshan/simulator";
import type { TimeSeriesStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { humanTime } from "../../services/dashboard/public/js/format.js";
import { chromiumGate as browserGate } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

// What the duty officer reads in the charts, compliance and alerts views: the grade a station's
// limits are of, ages, values and units as words and units, not ids.
const registry = loadStationRegistry();
const rules = loadRulesFile(new URL("../../config/rules.yaml", import.meta.url).pathname, { registry });

let dashboard: ServedDashboard | undefined;
let store: TimeSeriesStore;
let baseUrl: string;
let page: Page;

interface Box {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The boxes of a chart's SVG texts that contain one of `needles`. */
async function textBoxes(selector: string, needles: readonly string[]): Promise<Box[]> {
  return page.locator(`${selector} svg text`).evaluateAll(
    (els, wanted) =>
      els
        .filter((el) => wanted.some((w) => (el.textContent ?? "").includes(w)))
        .map((el) => {
          const r = el.getBoundingClientRect();
          return { text: el.textContent ?? "", left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        }),
    needles,
  );
}

function overlapping(boxes: readonly Box[]): [string, string][] {
  const out: [string, string][] = [];
  boxes.forEach((a, i) => {
    for (const b of boxes.slice(i + 1))
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
        out.push([a.text, b.text]);
  });
  return out;
}

async function svgText(selector: string): Promise<string> {
  return (await page.locator(`${selector} svg text`).allTextContents()).join(" | ");
}

// Chromium, the API and the demo store share the CI machine with other test files: 60 s a test.
vi.setConfig({ testTimeout: 60_000 });

describe.skipIf(!browserGate.available)(`dashboard wording in Chromium${browserGate.note}`, () => {
  beforeAll(async () => {
    dashboard = await serveDashboard({ name: "dashboard-duty-texts", registry, rules, hours: 48, seed: 11 });
    ({ store, baseUrl, page } = dashboard);
    await page.goto(`${baseUrl}/dashboard/`);
    await page.waitForSelector("body[data-ready=true]");
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  // A test that failed with a dialog open must not make the next ones fail: a modal takes the clicks.
  beforeEach(async () => {
    await page.evaluate("for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close()");
  });

  it("labels a class-1 station's limits Grade I (GB 3095-2012 §4.2)", async () => {
    await page.click('nav a[data-view="charts"]');
    await page.waitForSelector("#series-chart svg");
    // The metric picker names metrics and units as people read them, not by id.
    await page.selectOption("#chart-controls select[name=station]", "ld-wq-01");
    const options = await page.locator("#chart-controls select[name=metric] option").allTextContents();
    expect(options).toContain("pH值");
    expect(options).toContain("总磷 (mg/L)");
    expect(options.join(" ")).not.toContain("dimensionless");
    // Negative ions in one unit text per language: 个/cm³ in Chinese, as the alerts write it.
    await page.selectOption("#chart-controls select[name=station]", "ld-noi-01");
    await page.selectOption("#chart-controls select[name=metric]", "noi");
    await waitFor(async () => ((await page.locator("#chart-note").textContent()) ?? "").includes("个/cm³"), {
      what: "the NOI chart's note",
    });
    expect(await svgText("#series-chart")).not.toContain("ions/cm³");
    await page.selectOption("#chart-controls select[name=station]", "ld-aq-09");
    await page.selectOption("#chart-controls select[name=metric]", "pm25");
    await page.selectOption("#chart-controls select[name=every]", "1d");
    const text = await waitFor(
      async () => {
        const s = await svgText("#series-chart");
        return s.includes("35") ? s : null;
      },
      { what: "the 24-h limit line" },
    );
    expect(text).toContain("24小时平均一级限值 35");
    expect(text).not.toContain("二级");
    await page.click('nav a[data-view="compliance"]');
    const cell = page.locator('#pm25-table tr[data-station="ld-aq-09"] td').nth(5);
    await waitFor(async () => ((await cell.textContent()) ?? "") !== "", { what: "the limit cell" });
    expect(await cell.textContent()).toBe("15（一级）");
    expect(await page.locator('#pm25-table tr[data-station="ld-aq-01"] td').nth(5).textContent()).toMatch(
      /^\d+（二级）$/,
    );
  });

  it("draws threshold and bar labels that do not overprint one another", async () => {
    await page.click('nav a[data-view="charts"]');
    await page.waitForSelector("#view-charts:not([hidden])", { timeout: 5000 });
    await page.selectOption("#chart-controls select[name=station]", "ld-aq-01");
    await page.selectOption("#chart-controls select[name=metric]", "pm25");
    await page.selectOption("#chart-controls select[name=every]", "1d");
    await page.selectOption("#chart-controls select[name=range]", "7d");
    // The Liandu target (32) and the annual limit (30) are close: their labels must both be readable
    // once the chart has its size.
    await waitFor(
      async () => {
        const boxes = await textBoxes("#series-chart", ["莲都目标", "年平均"]);
        return boxes.length === 2 && boxes.every((b) => b.right > b.left) && overlapping(boxes).length === 0;
      },
      { what: "the target and annual-limit labels apart" },
    );
    await page.click('nav a[data-view="compliance"]');
    await page.waitForSelector("#pm25-chart svg");
    await waitFor(async () => (await svgText("#pm25-chart")).includes("GB 3095"), {
      what: "the PM2.5 chart",
    });
    const needles = ["莲都目标", "GB 3095", "不评价", "正常", "有风险", "已超标", "无数据"];
    // Once the chart has its size (it is resized when its view shows), no label overprints another.
    const labels = await waitFor(
      async () => {
        const boxes = await textBoxes("#pm25-chart", needles);
        return boxes.length > 2 && boxes.every((b) => b.right > b.left) && overlapping(boxes).length === 0
          ? boxes
          : null;
      },
      { what: "the PM2.5 chart's labels apart" },
    );
    // Every label inside the chart (none cut off at its right edge).
    const svg = await page.locator("#pm25-chart svg").boundingBox();
    for (const l of labels) expect(l.right).toBeLessThanOrEqual((svg?.x ?? 0) + (svg?.width ?? 0) + 0.5);
  });

  it("counts an alert's age from when its episode began, not from when it was raised", async () => {
    const now = Date.now();
    const raised: AlertEvent = {
      id: "texts-noi-r",
      alertId: "texts-noi",
      type: "raised",
      at: toBeijingIso(now),
      ruleId: "noi-grade",
      stationId: "ld-noi-01",
      severity: "info",
      level: "II",
      metric: "noi",
      value: 1800,
      threshold: 1500,
      window: "1h",
      startedAt: toBeijingIso(now - 3 * 86_400_000 - 2 * 3_600_000),
      dataTime: toBeijingIso(now),
      message: { zh: "负氧离子 II 级", en: "negative ions grade II" },
    };
    await store.writeAlertEvents([raised]);
    await page.click('nav a[data-view="alerts"]');
    const row = page.locator('#open-alerts tr[data-alert="texts-noi"]');
    await row.waitFor();
    expect(await row.locator("td").nth(4).textContent()).toMatch(/^3 天 2 小时 \d+ 分$/);
    // The value with its metric and unit, the threshold with its unit.
    expect(await row.locator("td").nth(3).textContent()).toBe("空气负氧离子 1800 个/cm³ / 1500 个/cm³");
  });

  it("shows a water alert's value as a class against the section's target class", async () => {
    const now = Date.now();
    await store.writeAlertEvents([
      {
        id: "texts-wq-r",
        alertId: "texts-wq",
        type: "raised",
        at: toBeijingIso(now),
        ruleId: "water-drinking-source-below-target",
        stationId: "ld-wq-01",
        severity: "critical",
        level: "III",
        metric: "water_class",
        value: 3,
        window: "latest",
        startedAt: toBeijingIso(now - 7 * 86_400_000),
        dataTime: toBeijingIso(now),
        standard: "负氧离子分级 NOI grades, QX/T 380-2017 (provisional 暂行)",
        message: {
          zh: "【严重】水源地：饮用水水源地水质未达目标类别（III类）。水质 III类（目标 II类）；开始于 11月23日 12:00（北京时间）。",
          en: "[critical] source: Drinking-water source worse than its target class (Class III). Class III; since 23 Nov 12:00 Beijing time.",
        },
      },
    ]);
    await page.click('nav a[data-view="map"]');
    await page.click('nav a[data-view="alerts"]');
    const row = page.locator('#open-alerts tr[data-alert="texts-wq"]');
    await row.waitFor();
    // GB 3838-2002: the section's class (III) against its target class (II for ld-wq-01).
    expect(await row.locator("td").nth(3).textContent()).toBe("III类 / 目标 II类");
    // The message without its severity tag (the badge shows it), no rule id, the standard in one language.
    const what = row.locator("td.message");
    expect(await what.textContent()).toMatch(/^水源地：饮用水水源地水质未达目标类别（III类）。/);
    expect(await what.textContent()).not.toContain("water-drinking-source-below-target");
    expect(await what.locator("small.muted").textContent()).toBe("负氧离子分级, QX/T 380-2017（暂行）");
    // The rule's description from the rules file (the API's ruleDescription), its id on hover only.
    expect(await what.locator("small.rule").textContent()).toBe("规则：饮用水水源地水质未达目标类别");
    expect(await what.locator("small.rule").getAttribute("title")).toBe("water-drinking-source-below-target");
    // The acknowledge dialog names the station, the rule and the start, not the alert id, and what the rule tests.
    await row.locator("button[data-ack]").click();
    const station = registry.stations.find((x) => x.id === "ld-wq-01");
    expect(await page.locator("#ack-what").textContent()).toBe(
      `${station?.name.zh} · 饮用水水源地水质未达目标类别（III类） · 开始于 ${humanTime(toBeijingIso(now - 7 * 86_400_000), "zh")}`,
    );
    expect(await page.locator("#ack-rule").textContent()).toBe("规则：饮用水水源地水质未达目标类别");
    expect(await page.locator("#ack-rule").isVisible()).toBe(true);
    await page.click("#ack-cancel");
    await page.click("#lang-toggle");
    await waitFor(
      async () => (await row.locator("td").nth(3).textContent()) === "Class III / target Class II",
      {
        what: "the English value cell",
      },
    );
    expect(await what.locator("small.rule").textContent()).toBe(
      "Rule: Drinking-water source worse than its target class",
    );
    await row.locator("button[data-ack]").click();
    expect(await page.locator("#ack-rule").textContent()).toBe(
      "Rule: Drinking-water source worse than its target class",
    );
    await page.click("#ack-cancel");
    await page.click("#lang-toggle");
  });

  it("names the alert's rule in its detail, with the rule's conditions", async () => {
    await page.click('nav a[data-view="alerts"]');
    const row = page.locator('#open-alerts tr[data-alert="texts-wq"]');
    await row.waitFor();
    // The detail lists the rule's conditions (GET /api/v1/rules): class against target, raised after 1 h, 48 h damping.
    await row.locator("button.link").click();
    const rule = page.locator(
      '#history-body section.rule-detail[data-rule="water-drinking-source-below-target"]',
    );
    await rule.waitFor();
    expect(await rule.locator("p").textContent()).toBe(
      "饮用水水源地水质未达目标类别 water-drinking-source-below-target",
    );
    const conditions = Object.fromEntries(
      (await rule.locator("dt").allTextContents()).map((label, i) => [label, i]),
    );
    const dd = await rule.locator("dd").allTextContents();
    expect(dd[conditions.条件 as number]).toBe("水质类别劣于断面目标类别（GB 3838）");
    expect(dd[conditions.触发 as number]).toBe("条件持续 1小时 后");
    expect(dd[conditions.解除 as number]).toBe("条件连续 6小时 不满足后，且其后 2天 未再出现");
    await page.click("#history-dialog form button");
  });

  it("says since when the district warning's level holds and that it is stepping down", async () => {
    const base = {
      ruleId: "heavy-pollution-warning",
      stationId: "district",
      severity: "warning",
      startedAt: "2026-11-26T17:00:00+08:00",
      metric: "aqi",
      value: 230,
    } as const;
    await store.writeAlertEvents([
      {
        ...base,
        id: "texts-w-r",
        alertId: "texts-w",
        type: "raised",
        at: toBeijingIso(Date.now() - 60_000),
        level: "red",
        dataTime: "2026-11-27T05:00:00+08:00",
        conditionHolds: true,
        message: { zh: "重污染天气红色预警", en: "heavy-pollution warning red" },
      },
      {
        ...base,
        id: "texts-w-l",
        alertId: "texts-w",
        type: "level_changed",
        at: toBeijingIso(Date.now()),
        level: "orange",
        dataTime: "2026-11-30T04:00:00+08:00",
        conditionHolds: false,
        message: {
          zh: "【警告】全区：重污染天气预警（红色预警 → 橙色预警）。AQI 166；仍在持续，自 11月26日 17:00（北京时间）起；低于橙色条件满12小时降为黄色，连续36小时不满足黄色条件方解除。",
          en: "[warning] district: heavy-pollution warning (red → orange). AQI 166; ongoing since 26 Nov 17:00 Beijing time; drops to yellow after 12 h below the orange condition, released only after 36 h without the yellow condition.",
        },
      },
    ]);
    await page.click('nav a[data-view="map"]');
    await page.click('nav a[data-view="alerts"]');
    const panel = page.locator("#warning-panel .warning-level");
    await waitFor(async () => ((await panel.textContent()) ?? "").includes("橙色"), {
      what: "the orange panel",
    });
    expect(await panel.textContent()).toContain(
      "橙色预警，自 11月30日 04:00 起（逐级解除中，低于橙色条件满12小时降为黄色，连续36小时不满足黄色条件方解除）",
    );
  });

  it("says why the water shares have no value, and follows the year selected", async () => {
    await page.click('nav a[data-view="compliance"]');
    const note = page.locator("#water-share .share-card .share-note").first();
    await note.waitFor({ timeout: 5000 });
    // Two days of data: no section has the monthly mean's 27 valid days (25 in February; HJ 663, air-aqi.md
    // §8), and the month to date is under way: the note says so with the sections' valid days so far,
    // which depend on the day and hour the test runs, so they are read from the API's answer.
    const answer = (await (await fetch(`${baseUrl}/api/v1/compliance/water?period=month`)).json()) as {
      label: string;
      inProgress: boolean;
      all: { assessed: number };
      sections: { counts: Record<string, number>; invalidParameters: Record<string, string> }[];
    };
    expect(answer.inProgress).toBe(true);
    expect(answer.all.assessed).toBe(0);
    // A section's valid days are those of its parameter with the fewest among those without a month
    // value; on a month's first day no parameter has any (no completed day yet): 0.
    const days = answer.sections.map((s) => {
      const short = Object.keys(s.invalidParameters);
      return short.length === 0 ? 0 : Math.min(...short.map((m) => s.counts[m] ?? 0));
    });
    const low = Math.min(...days);
    const high = Math.max(...days);
    const needed = answer.label.endsWith("-02") ? 25 : 27;
    const sections = registry.stations.filter((s) => s.kind === "water").length;
    expect(answer.sections).toHaveLength(sections);
    expect(await note.textContent()).toBe(
      `本月进行中：${sections} 个断面，目前各有 ${low === high ? low : `${low}–${high}`} 个有效日（需 ≥ ${needed} 个）`,
    );
    const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
    await page.selectOption("#compliance-controls select[name=year]", String(year - 1));
    await waitFor(
      async () => ((await page.locator("#water-share").textContent()) ?? "").includes(`(${year - 1}-12)`),
      { what: "the water cards of the year selected" },
    );
    const titles = await page.locator("#water-share .share-title").allTextContents();
    expect(titles[1]).toContain(`(${year - 1})`);
  });

  it("shows the view chosen last when the one chosen before is still loading (map, then alerts)", async () => {
    await page.click('nav a[data-view="charts"]');
    // The map's data answers slowly, so the alerts view is chosen while the map still loads.
    let delayed = 0;
    await page.route("**/api/v1/network", async (route) => {
      delayed++;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    try {
      await page.click('nav a[data-view="map"]');
      await waitFor(() => delayed > 0, { what: "the map asking for the network" });
      await page.click('nav a[data-view="alerts"]');
      await page.locator("#view-alerts").waitFor();
      // Once the map has its answer, the alerts view the duty officer chose stays in front.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await page.locator("#view-alerts").isVisible()).toBe(true);
      expect(await page.locator("#view-map").isHidden()).toBe(true);
      expect(await page.locator('nav a[data-view="alerts"]').getAttribute("aria-current")).toBe("page");
    } finally {
      await page.unroute("**/api/v1/network");
    }
  });
});
