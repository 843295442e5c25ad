import { createStationRegistry, DAY_MS, type MetricId, type Station } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { dailyAqi, hourlyAqi } from "./observe.ts";
import { plainView } from "./testdata/plain-view.ts";

// HJ 633-2026 §5.3 (air-aqi.md §5): a pollutant the monitoring programme does not measure does not
// block publication; the evaluator's AQI results say so as the API's /aqi does.
const H = 3_600_000;
const DAY = "2026-11-21";
const START = Date.parse(`${DAY}T00:00:00+08:00`);

function airStation(metrics: readonly MetricId[]): Station {
  return createStationRegistry([
    {
      id: "aq-1",
      name: { zh: "莲都站", en: "Liandu station" },
      kind: "air",
      metrics: [...metrics],
      location: { lat: 28.4, lon: 119.9 },
      township: "万象街道",
    },
  ]).get("aq-1") as Station;
}

/** A day of NO2 35, O3 95, PM10 100, PM2.5 50 µg/m³ (and CO 0.9 mg/m³ when measured), no SO2 value. */
function viewOf(metrics: readonly MetricId[]) {
  const view = plainView(airStation(metrics), metrics);
  const values: Partial<Record<MetricId, number>> = { no2: 35, o3: 95, pm10: 100, pm25: 50, co: 0.9 };
  for (const m of metrics)
    for (let h = START + H; h <= START + DAY_MS; h += H)
      if (values[m] !== undefined) view.set(m, h, values[m]);
  return view;
}

describe("evaluator AQI: pollutants outside the station's programme (HJ 633-2026 §5.3)", () => {
  const t = START + 10 * H;

  it("a station without SO2 and CO in its metrics publishes its 2026 hourly and daily AQI ≤ 100", () => {
    const view = viewOf(["pm25", "pm10", "no2", "o3"]);
    const hourly = hourlyAqi(view, t);
    expect(hourly?.result).toMatchObject({ aqi: 86, level: 2, notInProgramme: ["so2_1h", "co_1h"] });
    expect(hourly?.result.withheld).toBeUndefined();
    expect(hourly?.result.missing).toBeUndefined();
    expect(hourly?.partial).toBe(false);
    const daily = dailyAqi(view, DAY);
    expect(daily?.result).toMatchObject({ aqi: 86, notInProgramme: ["so2_24h", "co_24h"] });
    expect(daily?.result.withheld).toBeUndefined();
  });

  it("a station measuring SO2 without an SO2 value withholds it (value kept, partial)", () => {
    const view = viewOf(["pm25", "pm10", "no2", "o3", "so2", "co"]);
    const hourly = hourlyAqi(view, t);
    expect(hourly?.result).toMatchObject({ aqi: null, withheld: { aqi: 86 }, missing: ["so2_1h"] });
    expect(hourly?.result.notInProgramme).toBeUndefined();
    expect(hourly).toMatchObject({ value: 86, partial: true });
    expect(dailyAqi(view, DAY)?.result).toMatchObject({ aqi: null, missing: ["so2_24h"] });
  });
});
