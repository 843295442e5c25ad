import { createStationRegistry, type MetricId, type Station } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { createRuleEngine } from "./engine.ts";
import { loadRulesFile } from "./load.ts";
import { dailyAqi, hourlyAqi, rollingAqi24 } from "./observe.ts";
import { plainView } from "./testdata/plain-view.ts";

// The AQI settings the evaluator shares with the API (qingshan config `air`), through the real
// computations of @qingshan/standards.
const H = 3_600_000;
const RULES = loadRulesFile(new URL("../../../config/rules.yaml", import.meta.url).pathname);

function airStation(metrics: readonly MetricId[]): Station {
  const registry = createStationRegistry([
    {
      id: "aq-1",
      name: { zh: "莲都站", en: "Liandu station" },
      kind: "air",
      metrics: [...metrics],
      location: { lat: 28.4, lon: 119.9 },
      township: "万象街道",
    },
  ]);
  return registry.get("aq-1") as Station;
}

describe("the 2012 real-time PM basis follows the setting pmRealtimeBasis2012 (air-aqi.md §3.1)", () => {
  // 2025-06-01 (HJ 633-2012): PM2.5 40 µg/m³ for 23 hours, then 300 in the hour labelled 12:00.
  const t = Date.parse("2025-06-01T12:00:00+08:00");
  const station = airStation(["pm25"]);
  const view = plainView(station, ["pm25"]);
  for (let i = 1; i < 24; i++) view.set("pm25", t - i * H, 40);
  view.set("pm25", t, 300);

  it("auto (the default) indexes the 1-h mean from 2014-01-01; rolling24h the 24-h rolling mean", () => {
    const auto = hourlyAqi(view, t);
    expect(auto?.result).toMatchObject({ standard: "HJ633-2012", pmBasis: "hourly", iaqi: { pm25_1h: 350 } });
    expect(hourlyAqi(view, t, { pmRealtimeBasis2012: "hourly" })?.value).toBe(350);
    const rolling = hourlyAqi(view, t, { pmRealtimeBasis2012: "rolling24h" });
    // (23 × 40 + 300) / 24 = 50.83 µg/m³ → IAQI 70 (69.79↑; HJ 633-2012 Table 1, PM2.5 35–75 → 50–100).
    expect(rolling?.result).toMatchObject({ pmBasis: "rolling24h", iaqi: { pm25_24h: 70 } });
    expect(rolling?.result.iaqi).not.toHaveProperty("pm25_1h");
    expect(rolling?.value).toBe(70);
  });

  it("rolling24h with too few valid PM hours: the 24-h means are missing (partial), not the 1-h ones", () => {
    const short = plainView(station, ["pm25"]);
    for (let i = 0; i < 5; i++) short.set("pm25", t - i * H, 300);
    const rolling = hourlyAqi(short, t, { pmRealtimeBasis2012: "rolling24h" });
    expect(rolling?.result.pmBasis).toBe("rolling24h");
    expect(rolling?.result.missing).toContain("pm25_24h");
    expect(rolling?.result.missing).not.toContain("pm25_1h");
    expect(rolling?.partial).toBe(true);
  });

  it("the engine's hourly AQI alert follows the setting: raised on the 1-h basis, not on the 24-h one", () => {
    const raised = (aqi?: { pmRealtimeBasis2012: "hourly" | "rolling24h" }) => {
      const engine = createRuleEngine(RULES, {
        registry: createStationRegistry([station]),
        clock: () => t,
        ...(aqi ? { aqi } : {}),
      });
      return engine
        .evaluateHour(view, t, "emit")
        .filter((e) => e.ruleId === "aqi-hourly-heavy")
        .map((e) => [e.type, e.value]);
    };
    expect(raised()).toEqual([["raised", 350]]);
    expect(raised({ pmRealtimeBasis2012: "rolling24h" })).toEqual([]);
  });

  it("the engine refuses a basis no computation knows", () => {
    expect(() =>
      createRuleEngine(RULES, {
        registry: createStationRegistry([station]),
        aqi: { pmRealtimeBasis2012: "daily" as never },
      }),
    ).toThrow(/pmRealtimeBasis2012/);
  });
});

describe("the HJ 633-2026 concentration rounding follows the setting concentrationRounding2026 (provisional)", () => {
  // 2026-11-28 (HJ 633-2026): PM2.5 150.6 µg/m³ in the hour labelled 12:00.
  const t = Date.parse("2026-11-28T12:00:00+08:00");
  const station = airStation(["pm25"]);
  const view = plainView(station, ["pm25"]);
  for (let i = 0; i < 24; i++) view.set("pm25", t - i * H, 150.6);

  it("half-even (the default) indexes 151 (IAQI 201), truncate 150 (IAQI 200): hourly, rolling 24-h and daily", () => {
    expect(hourlyAqi(view, t)?.value).toBe(201);
    expect(hourlyAqi(view, t, { concentrationRounding2026: "truncate" })?.value).toBe(200);
    expect(rollingAqi24(view, t)?.value).toBe(201);
    expect(rollingAqi24(view, t, { concentrationRounding2026: "truncate" })?.value).toBe(200);
    const next = Date.parse("2026-11-29T00:00:00+08:00");
    for (let h = t + H; h <= next; h += H) view.set("pm25", h, 150.6);
    expect(dailyAqi(view, "2026-11-28")?.value).toBe(201);
    expect(dailyAqi(view, "2026-11-28", { concentrationRounding2026: "truncate" })?.value).toBe(200);
  });

  it("the engine's hourly AQI alert (> 200) is raised under half-even, not under truncate", () => {
    const raised = (aqi?: { concentrationRounding2026: "half-even" | "truncate" }) =>
      createRuleEngine(RULES, {
        registry: createStationRegistry([station]),
        clock: () => t,
        ...(aqi ? { aqi } : {}),
      })
        .evaluateHour(view, t, "emit")
        .filter((e) => e.ruleId === "aqi-hourly-heavy")
        .map((e) => [e.type, e.value]);
    expect(raised()).toEqual([["raised", 201]]);
    expect(raised({ concentrationRounding2026: "truncate" })).toEqual([]);
  });
});
