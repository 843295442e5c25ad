import { createStationRegistry, type Station } from "@qingshan/domain";

/** A registry of one air station, aq-1 (PM2.5 only; test fixture). */
export const registry = createStationRegistry([
  {
    id: "aq-1",
    name: { zh: "莲都站", en: "Liandu station" },
    kind: "air",
    metrics: ["pm25"],
    location: { lat: 28.4, lon: 119.9 },
    township: "万象街道",
  },
]);

/** aq-1, the registry's one station. */
export const station: Station =
  registry.get("aq-1") ??
  (() => {
    throw new Error("aq-1");
  })();
