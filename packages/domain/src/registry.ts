import { type Station, type StationInput, StationSchema } from "./station.ts";

/**
 * The station registry: lookup by station id and by HJ 212 MN.
 *
 * @example
 * const registry = createStationRegistry(JSON.parse(readFileSync("seeds/liandu/stations.json", "utf8")));
 * registry.get("ld-aq-01")?.kind // "air"
 */
export interface StationRegistry {
  readonly stations: readonly Station[];
  get(stationId: string): Station | undefined;
  byMn(mn: string): Station | undefined;
}

export function createStationRegistry(input: readonly StationInput[], origin = "stations"): StationRegistry {
  const stations: Station[] = input.map((raw, index) => {
    const parsed = StationSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = [index, ...(issue?.path ?? [])].join(".");
      throw new Error(`${origin}: station [${path}] ${issue?.message ?? "is invalid"}`);
    }
    return Object.freeze(parsed.data);
  });
  const byId = new Map<string, Station>();
  const byMn = new Map<string, Station>();
  for (const station of stations) {
    if (byId.has(station.id)) throw new Error(`${origin}: duplicate station id "${station.id}"`);
    byId.set(station.id, station);
    if (station.hj212) {
      if (byMn.has(station.hj212.mn)) throw new Error(`${origin}: duplicate HJ 212 MN "${station.hj212.mn}"`);
      byMn.set(station.hj212.mn, station);
    }
  }
  return Object.freeze({
    stations: Object.freeze(stations),
    get: (id: string) => byId.get(id),
    byMn: (mn: string) => byMn.get(mn),
  });
}
