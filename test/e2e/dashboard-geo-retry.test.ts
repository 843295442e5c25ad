// The network map in Chromium when a map layer fails to load (a dropped connection, a proxy's
// hiccup): the duty officer is told, and once the API answers again the dashboard shows the view
// again (main.js onConnection), loading the layer anew, without reloading the page.

import { loadStationRegistry } from "@qingshan/simulator";
import { waitFor } from "@qingshan/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { chromiumGate } from "./support/chromium.ts";
import { type ServedDashboard, serveDashboard } from "./support/served-dashboard.ts";

const registry = loadStationRegistry();

let dashboard: ServedDashboard | undefined;

afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

describe.skipIf(!chromiumGate.available)(`the map after a failed map layer${chromiumGate.note}`, () => {
  it("says the load failed, then draws the townships and lists every station once the API answers again", async () => {
    dashboard = await serveDashboard({ name: "geo-retry", registry, hours: 2, seed: 11 });
    const { page, baseUrl } = dashboard;
    // The first request for the townships layer is cut off; later ones reach the server.
    let requests = 0;
    await page.route("**/dashboard/geo/townships.geojson", (route) => {
      requests += 1;
      return requests === 1 ? route.abort("connectionreset") : route.continue();
    });
    await page.goto(`${baseUrl}/dashboard/#map`);
    await page.waitForSelector("body[data-ready=true]");
    const rows = page.locator("#station-table tbody tr");
    await waitFor(async () => (await rows.count()) === registry.stations.length, {
      what: "one row per demo station",
    });
    await waitFor(
      async () => (await page.locator("#map-chart svg text", { hasText: "碧湖镇" }).count()) > 0,
      {
        what: "the township names on the map",
      },
    );
    expect(requests).toBe(2);
    // The failure was shown (the toast hides after a few seconds; its text stays).
    expect(await page.locator("#toast").textContent()).toMatch(/fetch|network/i);
  });
});
