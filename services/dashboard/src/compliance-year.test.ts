// The compliance view in Chromium with the browser's clock a year ahead of the server's (around New
// Year): the API answers a year after its current Beijing year with a 400 naming `year`, and the
// view falls back to the API's year — its year list starts there, every request of the view is
// answered, and no error is shown.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createStationRegistry } from "@qingshan/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumGate } from "../../../test/e2e/support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "../../../test/e2e/support/served-dashboard.ts";

const registry = createStationRegistry(
  JSON.parse(
    readFileSync(fileURLToPath(new URL("../../../seeds/liandu/stations.json", import.meta.url)), "utf8"),
  ),
);

let dashboard: ServedDashboard;

beforeAll(async () => {
  if (!chromiumGate.available) return;
  dashboard = await serveDashboard({ name: "compliance-year", registry, hours: 2, seed: 7 });
});

afterAll(async () => {
  await dashboard?.close();
});

describe.skipIf(!chromiumGate.available)(`the compliance year list in Chromium${chromiumGate.note}`, () => {
  it("starts at the API's current year when the browser's clock is a year ahead", async () => {
    const { page, baseUrl } = dashboard;
    const serverYear = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
    // Mid-year of the next Beijing year: ahead of the server whatever the time of day.
    await page.clock.setFixedTime(Date.parse(`${serverYear + 1}-07-01T12:00:00+08:00`));
    const refused: string[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/api/v1/compliance/") && r.status() === 400) refused.push(r.url());
    });
    await page.goto(`${baseUrl}/dashboard/?lang=zh#compliance`);
    await page.waitForSelector("body[data-ready=true]");
    // The annual assessment of the API's year rendered: its CSV link names that year.
    await page.waitForSelector(`#annual-csv[href*="year=${serverYear}"]`, { timeout: 20_000 });
    const years = await page
      .locator("#compliance-controls select[name=year] option")
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(years).toEqual([serverYear, serverYear - 1, serverYear - 2].map(String));
    // The browser's year was asked once and refused; nothing after the fall-back was.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((url) => url.includes(`year=${serverYear + 1}`))).toBe(true);
    expect(await page.locator("#toast").isHidden()).toBe(true);
  });
});
