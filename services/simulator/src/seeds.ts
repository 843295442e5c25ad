import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createStationRegistry, type StationRegistry, StationRegistryError } from "@qingshan/domain";
import { jsonErrorOffset } from "./json-error-offset.ts";

/** Absolute path of the Liandu demo network's stations file. */
export const LIANDU_STATIONS_PATH = fileURLToPath(
  new URL("../../../seeds/liandu/stations.json", import.meta.url),
);

/** 1-based line and column of the character at `offset` of `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

/**
 * `text` as JSON; a syntax error becomes a StationRegistryError naming `path:line:column` (Node's
 * own message gives only a character position, and on Node 20 no line).
 */
function parseRegistryJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const position = /at position (\d+)/.exec(error.message)?.[1];
    const reason = error.message
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/ \(line \d+ column \d+\)$/, "")
      .replace(/, .* is not valid JSON$/s, "");
    const offset = jsonErrorOffset(text) ?? (position === undefined ? text.length : Number(position));
    const { line, column } = lineColumn(text, offset);
    // No cause: its message would only repeat the reason without the place.
    throw new StationRegistryError(`${path}:${line}:${column}`, [`not valid JSON: ${reason}`]);
  }
}

/**
 * Loads a stations JSON file (default: the Liandu demo network) into a validated registry. A file
 * that is not JSON, or whose stations are invalid, throws a StationRegistryError: the file with
 * line and column of a syntax error, or every invalid station with its fields.
 *
 * @example
 * const registry = loadStationRegistry();
 * registry.get("ld-wq-03")?.water?.river // "瓯江(大溪)"
 */
export function loadStationRegistry(path: string = LIANDU_STATIONS_PATH): StationRegistry {
  const raw = parseRegistryJson(readFileSync(path, "utf8"), path);
  if (!Array.isArray(raw)) throw new StationRegistryError(path, ["expected a JSON array of stations"]);
  return createStationRegistry(raw, path);
}
