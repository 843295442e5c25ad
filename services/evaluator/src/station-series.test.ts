import { createStationRegistry, type Station } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { createStationSeries, isCounted } from "./station-series.ts";

const station = createStationRegistry([
  {
    id: "aq-1",
    name: { zh: "莲都站", en: "Liandu station" },
    kind: "air",
    metrics: ["pm25"],
    location: { lat: 28.4, lon: 119.9 },
    township: "万象街道",
  },
]).get("aq-1") as Station;
const series = () => createStationSeries(station, { latenessMs: 7_200_000, validFlags: ["N"] });

describe("isCounted (O(1) dedupe state per series)", () => {
  it("after a rebuild, everything up to the newest stored ts counts as held, newer readings do not", () => {
    const s = series();
    s.storedThrough.set("pm25", 1000);
    s.newestTs.set("pm25", 1000);
    expect([500, 999, 1000].map((t) => isCounted(s, "pm25", t))).toEqual([true, true, true]);
    expect(isCounted(s, "pm25", 1001)).toBe(false);
    expect(isCounted(s, "pm10", 500)).toBe(false);
  });

  it("a second copy of the newest reading is held; late readings after the rebuild point are not", () => {
    const s = series();
    s.storedThrough.set("pm25", 1000);
    s.newestTs.set("pm25", 3000);
    expect(isCounted(s, "pm25", 3000)).toBe(true);
    expect(isCounted(s, "pm25", 2000)).toBe(false); // out of order, newer than the stored state
  });
});
