import { createStationRegistry, type Station } from "@qingshan/domain";
import { station as airStation } from "./one-air-station.ts";

/** A registry of the NOI station ld-noi-01 (negative oxygen ions only) and the air station aq-1 (test fixture). */
export const registry = createStationRegistry([
  {
    id: "ld-noi-01",
    name: { zh: "白云山负氧离子站", en: "Baiyunshan NOI station" },
    kind: "noi",
    metrics: ["noi"],
    location: { lat: 28.47, lon: 119.9 },
    township: "白云街道",
  },
  airStation,
]);

function stationOf(id: string): Station {
  const station = registry.get(id);
  if (station === undefined) throw new Error(id);
  return station;
}

/** ld-noi-01, the registry's NOI station. */
export const noiStation: Station = stationOf("ld-noi-01");

/** aq-1, the registry's air station (as in one-air-station.ts). */
export { airStation };
