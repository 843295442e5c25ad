import type { z } from "zod";
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

/**
 * A station registry that cannot be used: every problem found, one line per station in the message,
 * naming the file (or origin), the station (index and id), and each field with what is expected.
 *
 * @example
 * // seeds/x.json: station [1] "w": water: a water station needs water.waterBody
 * // seeds/x.json: station [2] "n": kind: expected one of "air"|"water"|"noi", received "nio"; township: required: expected string
 */
export class StationRegistryError extends Error {
  override readonly name = "StationRegistryError";
  constructor(
    readonly origin: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(problems.map((problem) => `${origin}: ${problem}`).join("\n"), options);
  }
}

/** One zod issue in words: what is expected, and what the registry has when it is a plain value. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  const message = issue.message.replace(/^Invalid (input|option): /, "");
  if (issue.code === "invalid_type" && input === undefined)
    return `required: ${message.replace(/, received undefined$/, "")}`;
  const shown =
    input !== undefined && (typeof input !== "object" || input === null) && !/received/.test(message)
      ? `, received ${JSON.stringify(input)}`
      : "";
  return `${message}${shown}`;
}

/** `[3] "ld-aq-04"`, or `[3]` for an entry without a usable id. */
function stationLabel(raw: unknown, index: number): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === "string" && id !== "" ? `[${index}] ${JSON.stringify(id)}` : `[${index}]`;
}

/**
 * Validates every station of `input` and indexes them. Throws a StationRegistryError listing every
 * problem of every station (not only the first), and duplicate ids or MNs, each named with `origin`.
 *
 * @example
 * createStationRegistry(JSON.parse(readFileSync(path, "utf8")), path).get("ld-aq-01");
 */
export function createStationRegistry(input: readonly StationInput[], origin = "stations"): StationRegistry {
  const problems: string[] = [];
  const stations: Station[] = [];
  input.forEach((raw, index) => {
    const parsed = StationSchema.safeParse(raw, { reportInput: true });
    if (parsed.success) {
      stations.push(Object.freeze(parsed.data));
      return;
    }
    // One line per station, its problems joined: a registry with many bad stations stays readable.
    const fields = parsed.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(the entry)"}: ${describeIssue(issue)}`,
    );
    problems.push(`station ${stationLabel(raw, index)}: ${fields.join("; ")}`);
  });
  const byId = new Map<string, Station>();
  const byMn = new Map<string, Station>();
  for (const station of stations) {
    if (byId.has(station.id)) problems.push(`duplicate station id "${station.id}"`);
    byId.set(station.id, station);
    if (station.hj212) {
      if (byMn.has(station.hj212.mn)) {
        problems.push(
          `duplicate HJ 212 MN "${station.hj212.mn}" (stations "${byMn.get(station.hj212.mn)?.id}" and "${station.id}")`,
        );
      }
      byMn.set(station.hj212.mn, station);
    }
  }
  if (problems.length > 0) throw new StationRegistryError(origin, problems);
  return Object.freeze({
    stations: Object.freeze(stations),
    get: (id: string) => byId.get(id),
    byMn: (mn: string) => byMn.get(mn),
  });
}
