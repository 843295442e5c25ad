import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createStationRegistry, type StationRegistry } from "@qingshan/domain";

/** Absolute path of the Liandu demo network's stations file. */
export const LIANDU_STATIONS_PATH = fileURLToPath(
  new URL("../../../seeds/liandu/stations.json", import.meta.url),
);

/**
 * Loads a stations JSON file (default: the Liandu demo network) into a validated registry.
 *
 * @example
 * const registry = loadStationRegistry();
 * registry.get("ld-wq-03")?.water?.river // "瓯江(大溪)"
 */
export function loadStationRegistry(path: string = LIANDU_STATIONS_PATH): StationRegistry {
  const raw: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a JSON array of stations`);
  return createStationRegistry(raw, path);
}
