import { ImportError } from "./errors.ts";

/** Long format: one value per row. */
export interface LongLayout {
  readonly kind: "long";
  readonly width: number;
  readonly station: number;
  readonly ts: number;
  readonly metric: number;
  readonly value: number;
  readonly flag?: number;
  readonly period?: number;
}

/** Wide format: one observation per row, one column per metric (optional `<metric>_flag` columns). */
export interface WideLayout {
  readonly kind: "wide";
  readonly width: number;
  readonly station: number;
  readonly ts: number;
  readonly period?: number;
  readonly metrics: readonly { readonly index: number; readonly metric: string; readonly flag?: number }[];
}

export type CsvLayout = LongLayout | WideLayout;

const STATION = ["station", "station_id", "stationid"];
const TS = ["ts", "time", "timestamp", "datetime"];

// Common spellings of metric ids in exported spreadsheets.
const METRIC_ALIASES: Readonly<Record<string, string>> = {
  "pm2.5": "pm25",
  pm2_5: "pm25",
  "nh3-n": "nh3n",
  nh3_n: "nh3n",
  "o3-1h": "o3",
  ph值: "ph",
};

/** Lower-cased, trimmed column or metric name with common aliases resolved ("PM2.5" → "pm25"). */
export function normalizeName(name: string): string {
  const key = name.trim().toLowerCase();
  return METRIC_ALIASES[key] ?? key;
}

function find(header: readonly string[], names: readonly string[]): number | undefined {
  const index = header.findIndex((h) => names.includes(h));
  return index < 0 ? undefined : index;
}

// Delimiters a header read with another one may be separated by, and how to give each.
const OTHER_DELIMITERS: readonly { readonly char: string; readonly name: string; readonly option: string }[] =
  [
    { char: ";", name: ";-separated", option: "--delimiter ';' (option delimiter: \";\")" },
    { char: "\t", name: "tab-separated", option: '--delimiter tab (option delimiter: "\\t")' },
    { char: ",", name: "comma-separated", option: '--delimiter , (the default; option delimiter: ",")' },
    { char: "|", name: "|-separated", option: "--delimiter '|' (option delimiter: \"|\")" },
  ];

/**
 * What a header that did not split into columns seems separated by, as advice to append to the
 * IMPORT_HEADER message ("" when it did split or shows no other delimiter). Not detection: a
 * semicolon file often uses the decimal comma, so the import does not guess.
 */
function delimiterHint(rawHeader: readonly string[], delimiter: string): string {
  if (rawHeader.length !== 1) return "";
  const text = rawHeader[0] ?? "";
  const other = OTHER_DELIMITERS.find((d) => d.char !== delimiter && text.includes(d.char));
  return other ? `: the header looks ${other.name}: use ${other.option}` : "";
}

/** What a header name stands for: station and ts aliases, and `<metric>_flag` under its metric's id, are one column each. */
function columnRole(name: string): string {
  if (STATION.includes(name)) return "station";
  if (TS.includes(name)) return "ts";
  const flag = /^(.+?)[_.]flag$/.exec(name);
  return flag?.[1] ? `${normalizeName(flag[1])}_flag` : name;
}

/**
 * Refuses a header naming one column twice (`value` twice, `pm25` and `PM2.5`, `station` and
 * `station_id`): which of the two holds the data cannot be told, and taking the first would drop
 * the other's values without a word.
 */
function refuseRepeatedColumn(rawHeader: readonly string[], header: readonly string[]): void {
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    if (name === "") return;
    const role = columnRole(name);
    const first = seen.get(role);
    if (first === undefined) {
      seen.set(role, index);
      return;
    }
    throw new ImportError(
      "IMPORT_HEADER",
      `the header names the column ${role} twice: column ${first + 1} ${JSON.stringify(rawHeader[first]?.trim())} and column ${index + 1} ${JSON.stringify(rawHeader[index]?.trim())}; remove or rename one. Nothing was imported.`,
    );
  });
}

/**
 * Detects long (`station,ts,metric,value[,flag][,period]`) or wide (`station,ts,pm25,pm10,…`)
 * layout from the header row. Columns may come in any order; names are case-insensitive.
 *
 * @example
 * detectLayout(["station", "ts", "metric", "value"]).kind // "long"
 * detectLayout(["station", "ts", "pm25", "pm25_flag", "o3"]).kind // "wide"
 * detectLayout(["station", "ts", "metric", "value", "value"]) // throws IMPORT_HEADER "the header names the column value twice: column 4 …"
 * detectLayout(["station;ts;pm25"]) // throws IMPORT_HEADER "…: the header looks ;-separated: use --delimiter ';' …"
 */
export function detectLayout(rawHeader: readonly string[], delimiter = ","): CsvLayout {
  const header = rawHeader.map(normalizeName);
  refuseRepeatedColumn(rawHeader, header);
  const station = find(header, STATION);
  const ts = find(header, TS);
  if (station === undefined || ts === undefined) {
    throw new ImportError(
      "IMPORT_HEADER",
      `header ${JSON.stringify(rawHeader)} needs a "station" and a "ts" column${delimiterHint(rawHeader, delimiter)}`,
    );
  }
  const period = find(header, ["period"]);
  const metric = find(header, ["metric"]);
  const value = find(header, ["value"]);
  if (metric !== undefined || value !== undefined) {
    if (metric === undefined || value === undefined) {
      throw new ImportError(
        "IMPORT_HEADER",
        'a long-format header needs both a "metric" and a "value" column',
      );
    }
    const flag = find(header, ["flag"]);
    return {
      kind: "long",
      width: header.length,
      station,
      ts,
      metric,
      value,
      ...(flag !== undefined ? { flag } : {}),
      ...(period !== undefined ? { period } : {}),
    };
  }
  const used = new Set([station, ts, period]);
  const flags = new Map<string, number>();
  header.forEach((name, index) => {
    const m = /^(.+?)[_.]flag$/.exec(name);
    if (m?.[1]) {
      flags.set(normalizeName(m[1]), index);
      used.add(index);
    }
  });
  const metrics = header.flatMap((name, index) => {
    if (used.has(index) || name === "") return [];
    const flag = flags.get(name);
    return [{ index, metric: name, ...(flag !== undefined ? { flag } : {}) }];
  });
  if (metrics.length === 0) {
    throw new ImportError("IMPORT_HEADER", `header ${JSON.stringify(rawHeader)} has no metric columns`);
  }
  return {
    kind: "wide",
    width: header.length,
    station,
    ts,
    ...(period !== undefined ? { period } : {}),
    metrics,
  };
}
