import type { Station } from "@qingshan/domain";

/** What surrounds a station, which sets its baselines. */
export type Setting = "urban" | "rural" | "reserve";

/**
 * Setting of a station: GB 3095 class-1 areas (nature reserves, forest parks) are "reserve",
 * stations in a 街道 (urban subdistrict) are "urban", the rest "rural".
 *
 * @example
 * stationSetting({ township: "万象街道" } as Station) // "urban"
 */
export function stationSetting(station: Pick<Station, "township" | "airArea">): Setting {
  if (station.airArea === "class1") return "reserve";
  if (station.township.endsWith("街道")) return "urban";
  return "rural";
}
