import { createStationRegistry, DAY_MS, type Station } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { dailyAqi } from "./observe.ts";
import { plainView } from "./testdata/plain-view.ts";

// HJ 633-2012 §3.1: the daily report indexes the O3 daily maximum 1-h mean. The evaluator takes it
// by the rule the API's /aqi applies (o3DailyMax1hValidity): ≥ 20 valid hours, or fewer when the
// maximum is above the GB 3095 1-h limit of the station's area class (Grade II 200, Grade I 160).
const H = 3_600_000;
const DAY = "2025-06-01";
const START = Date.parse(`${DAY}T00:00:00+08:00`);

function o3Station(airArea?: "class1"): Station {
  return createStationRegistry([
    {
      id: "aq-1",
      name: { zh: "莲都站", en: "Liandu station" },
      kind: "air",
      metrics: ["o3", "pm25"],
      location: { lat: 28.4, lon: 119.9 },
      township: "万象街道",
      ...(airArea ? { airArea } : {}),
    },
  ]).get("aq-1") as Station;
}

/** PM2.5 50 all day; O3 100 in the 15 hours labelled 01:00…15:00, `peak` at 08:00. */
function viewWith(peak: number, airArea?: "class1") {
  const view = plainView(o3Station(airArea), ["o3", "pm25"]);
  for (let h = START + H; h <= START + DAY_MS; h += H) view.set("pm25", h, 50);
  for (let i = 1; i <= 15; i++) view.set("o3", START + i * H, i === 8 ? peak : 100);
  return view;
}

describe("evaluator daily AQI (HJ 633-2012): O3 daily maximum 1-h mean with 15 valid hours", () => {
  it("above the 200 limit: indexed (O3 1-h 300 → IAQI 150), as /aqi does", () => {
    const aqi = dailyAqi(viewWith(300), DAY);
    expect(aqi?.result).toMatchObject({ aqi: 150, primary: ["o3"], iaqi: { o3_1h: 150 } });
  });

  it("not above the limit: missing (PM2.5 decides, IAQI 69)", () => {
    const aqi = dailyAqi(viewWith(180), DAY);
    expect(aqi?.result.iaqi.o3_1h).toBeNull();
    expect(aqi?.result.missing).toContain("o3_1h");
    expect(aqi?.value).toBe(69);
  });

  it("a class 1 station takes the Grade I limit, 160: 180 is above it", () => {
    // HJ 633-2012 Table 1 O3 1-h: 160 → 50, 200 → 100, so 180 → 75.
    expect(dailyAqi(viewWith(180, "class1"), DAY)?.result.iaqi.o3_1h).toBe(75);
  });
});
