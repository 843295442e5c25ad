import { describe, expect, it } from "vitest";
import { T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

// The dashboard draws GB 3095 limit lines of the edition in force on each date of a chart
// (air-aqi.md §6.1, §6.2): /dashboard/standards.json lists every limit set with its dates.
const api = useApiFixture({
  name: "dashboard-standards",
  stations: [{ ...TEST_STATION.aq1, metrics: ["pm25"] }],
  now: T("2026-03-10T12:00:00+08:00"),
  readings: [],
});

describe("GET /dashboard/standards.json gb3095Editions", () => {
  it("lists GB 3095-2012, the 2026 transition and final limits with their dates", async () => {
    const res = await api.app.inject({ url: "/dashboard/standards.json" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const editions = body.gb3095Editions as {
      phase: string;
      edition: string;
      from: string | null;
      to: string | null;
      source: string;
      limits: Record<string, Record<string, Record<string, number>>>;
    }[];
    expect(editions.map(({ phase, edition, from, to }) => ({ phase, edition, from, to }))).toEqual([
      { phase: "2012", edition: "GB 3095-2012", from: null, to: "2026-03-01" },
      { phase: "2026-transition", edition: "GB 3095-2026", from: "2026-03-01", to: "2031-01-01" },
      { phase: "2026-final", edition: "GB 3095-2026", from: "2031-01-01", to: null },
    ]);
    // air-aqi.md §6.1 (2012) and §6.2 (2026 transition, final), Grade II and Grade I.
    expect(editions.map((e) => e.limits.II?.pm25)).toEqual([
      { annual: 35, "24h": 75 },
      { annual: 30, "24h": 60 },
      { annual: 25, "24h": 50 },
    ]);
    expect(editions.map((e) => e.limits.II?.pm10)).toEqual([
      { annual: 70, "24h": 150 },
      { annual: 60, "24h": 120 },
      { annual: 50, "24h": 100 },
    ]);
    expect(editions.map((e) => e.limits.I?.pm25)).toEqual([
      { annual: 15, "24h": 35 },
      { annual: 15, "24h": 35 },
      { annual: 10, "24h": 25 },
    ]);
    for (const e of editions) expect(e.limits.II?.o3).toEqual({ "1h": 200, dailyMax8h: 160 });
    expect(editions[0]?.source).toBe("GB 3095-2012 Table 1, Grade II");
    // The limits of today stay where they were, the transition set on 2026-03-10.
    expect(body.gb3095).toEqual(editions[1]?.limits);
  });
});
