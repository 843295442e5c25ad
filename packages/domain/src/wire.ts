import { z } from "zod";
import type { Rejection, RejectionCode } from "./dead-letter.ts";
import { DATA_FLAGS, type DataFlag } from "./flags.ts";
import { isMetricId, METRICS, type MetricId, STATION_KINDS, type StationKind } from "./metrics.ts";
import type { Reading, ReadingSource } from "./reading.ts";
import type { Station } from "./station.ts";
import { DAY_MS, HOUR_MS, toBeijingIso } from "./time.ts";

/**
 * One observation time of the MQTT wire contract (topic `stations/{stationId}/{kind}`).
 *
 * @example
 * { "ts": "2026-11-28T10:00:00+08:00", "values": { "pm25": 35, "o3": 96 }, "flags": { "o3": "C" }, "period": "PT1H" }
 */
export const WireObservationSchema = z.object({
  ts: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]),
  values: z.record(z.string(), z.unknown()),
  flags: z.record(z.string(), z.unknown()).optional(),
  period: z.string().optional(),
  /** Optional declared units; each must be the metric's canonical unit. */
  units: z.record(z.string(), z.string()).optional(),
});
export type WireObservation = z.infer<typeof WireObservationSchema>;

const WireTsStringSchema = WireObservationSchema.shape.ts.options[0];

/** A JSON object as JSON.parse makes it (a `__proto__` key would make zod's copy differ: left to zod). */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype &&
    !Object.hasOwn(value, "__proto__")
  );
}

/**
 * An observation zod accepted, with its records (values, flags, units) as JSON.parse made them:
 * zod's copy of a record loses a `__proto__` key (assigning it sets the copy's prototype), which
 * must be rejected as an unknown metric like `constructor`, not vanish.
 */
function withParsedRecords(data: WireObservation, raw: Record<string, unknown>): WireObservation {
  const obs: { -readonly [K in keyof WireObservation]: WireObservation[K] } = {
    ...data,
    values: raw.values as Record<string, unknown>,
  };
  if (data.flags !== undefined) obs.flags = raw.flags as Record<string, unknown>;
  if (data.units !== undefined) obs.units = raw.units as Record<string, string>;
  return obs;
}

/**
 * The common, valid shape of an observation checked without zod's per-field machinery (about half
 * the decode cost of a 6-value message). Returns the observation when it certainly passes
 * {@link WireObservationSchema} with the same data, and undefined for anything else — the caller
 * then runs the schema, which produces the exact rejections. A property test checks the agreement.
 */
export function fastWireObservation(raw: unknown): WireObservation | undefined {
  if (!isPlainRecord(raw)) return undefined;
  const { ts, values, flags, period, units } = raw;
  if (typeof ts === "number") {
    if (!Number.isSafeInteger(ts) || ts < 0) return undefined;
  } else if (typeof ts !== "string" || !WireTsStringSchema.safeParse(ts).success) return undefined;
  if (!isPlainRecord(values)) return undefined;
  if (flags !== undefined && !isPlainRecord(flags)) return undefined;
  if (period !== undefined && typeof period !== "string") return undefined;
  if (units !== undefined) {
    if (!isPlainRecord(units)) return undefined;
    for (const key in units) if (typeof units[key] !== "string") return undefined;
  }
  // Only the schema's keys, as zod's (non-strict) object keeps them.
  const obs: { -readonly [K in keyof WireObservation]: WireObservation[K] } = { ts, values };
  if (flags !== undefined) obs.flags = flags;
  if (period !== undefined) obs.period = period;
  if (units !== undefined) obs.units = units as Record<string, string>;
  return obs;
}

/** A payload is one observation or an array of them (backfill). */
export const WirePayloadSchema = z.union([WireObservationSchema, z.array(WireObservationSchema)]);

export interface DecodeLimits {
  /** Largest accepted payload in bytes. */
  readonly maxPayloadBytes: number;
  /** How far ahead of `now` a timestamp may be (station clock skew). */
  readonly maxFutureSkewMs: number;
  /** How far behind `now` a timestamp may be. */
  readonly maxLatenessMs: number;
  /**
   * Where `maxLatenessMs` comes from, named in `ts.too_late` texts (default "configured lateness";
   * e.g. "the import's fixed backfill limit" for an import of history).
   */
  readonly latenessOrigin?: string;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxPayloadBytes: 256 * 1024,
  maxFutureSkewMs: 5 * 60_000,
  maxLatenessMs: 7 * 86_400_000,
});

export interface DecodeContext {
  readonly now: number;
  readonly lookupStation: (stationId: string) => Station | undefined;
  readonly limits?: Partial<DecodeLimits>;
  readonly source?: ReadingSource;
}

export interface DecodeResult {
  /** The station the message is about, when the topic named one. */
  readonly stationId?: string;
  readonly readings: Reading[];
  readonly rejections: Rejection[];
  /** The observations of a message that is a JSON array (a rejection's path `[i]…` points into one). */
  readonly observations?: readonly unknown[];
}

const TOPIC = /^stations\/([^/]+)\/([^/]+)$/;

/** Parses `stations/{stationId}/{kind}`; returns undefined when the topic does not match. */
export function parseStationTopic(topic: string): { stationId: string; kind: string } | undefined {
  const m = TOPIC.exec(topic);
  return m ? { stationId: m[1] as string, kind: m[2] as string } : undefined;
}

export function stationTopic(stationId: string, kind: StationKind): string {
  return `stations/${stationId}/${kind}`;
}

/** The UTF-8 text of a payload, without copying a Buffer (MQTT payloads are Buffers). */
export function payloadText(payload: string | Uint8Array): string {
  if (typeof payload === "string") return payload;
  if (Buffer.isBuffer(payload)) return payload.toString("utf8");
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8");
}

/** Short JSON-safe rendering of a received value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function rejection(code: RejectionCode, path: string, received: unknown, expected: string): Rejection {
  const where = path === "" ? "message" : `"${path}"`;
  return {
    code,
    path,
    received,
    expected,
    message: `${code}: ${where} is ${describeValue(received)}, expected ${expected}`,
  };
}

/**
 * A topic.invalid rejection: says the topic is wrong, names it and the topic forms expected.
 *
 * @example
 * invalidTopic("station/ld-aq-01/air", "stations/{stationId}/{kind}").message
 * // 'topic.invalid: wrong topic "station/ld-aq-01/air", expected stations/{stationId}/{kind}'
 */
export function invalidTopic(topic: string, expected: string): Rejection {
  return {
    ...rejection("topic.invalid", "", topic, expected),
    message: `topic.invalid: wrong topic ${JSON.stringify(topic)}, expected ${expected}`,
  };
}

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds of an ISO 8601 duration of days, hours, minutes and seconds ("PT1H", "P1D", "PT5M"). */
export function parseIsoDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return undefined;
  const [, d, h, min, s] = m;
  return (Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(min ?? 0) * 60 + Number(s ?? 0)) * 1000;
}

const UNIT_ALIASES: Readonly<Record<string, string>> = {
  "ug/m3": "µg/m³",
  "μg/m³": "µg/m³",
  "μg/m3": "µg/m³",
  "µg/m3": "µg/m³",
  "mg/m3": "mg/m³",
  "mg/l": "mg/L",
  "us/cm": "µS/cm",
  "μs/cm": "µS/cm",
  "ions/cm3": "ions/cm³",
  "个/cm³": "ions/cm³",
  "个/cm3": "ions/cm³",
  "个/l": "个/L",
  ntu: "NTU",
  "°c": "°C",
  c: "°C",
  "": "dimensionless",
  "-": "dimensionless",
};

/** Canonical spelling of a unit ("ug/m3" → "µg/m³"); unknown units are returned unchanged. */
export function normalizeUnit(unit: string): string {
  const trimmed = unit.trim();
  return UNIT_ALIASES[trimmed.toLowerCase()] ?? trimmed;
}

/**
 * Checks one metric value against the catalogue and the station; returns the rejection or undefined.
 * Shared by every decoder (JSON, HJ 212, CSV import) so the rules are the same on every path.
 */
export function checkValue(
  station: Station,
  metric: string,
  value: unknown,
  path: string,
): Rejection | undefined {
  const problem = valueProblem(station, metric, value);
  return problem === undefined ? undefined : rejection(problem[0], path, problem[1], problem[2]);
}

/** checkValue's verdict without the path: [code, received, expected], nothing to build when accepted. */
function valueProblem(
  station: Station,
  metric: string,
  value: unknown,
): readonly [RejectionCode, unknown, string] | undefined {
  if (!isMetricId(metric)) {
    const meant = metricMeant(metric);
    return [
      "metric.unknown",
      metric,
      meant === undefined
        ? "a metric id of the catalogue"
        : `a metric id of the catalogue (did you mean ${meant}?)`,
    ];
  }
  const allowed = station.metrics ?? METRICS[metric].kinds.includes(station.kind);
  if (allowed === false || (Array.isArray(allowed) && !allowed.includes(metric))) {
    return ["metric.not_at_station", metric, `a metric reported by ${station.kind} station ${station.id}`];
  }
  if (typeof value !== "number") return ["value.not_number", value, "a number"];
  if (!Number.isFinite(value)) return ["value.not_finite", value, "a finite number"];
  const [min, max] = METRICS[metric].instrumentRange;
  if (value < min || value > max) {
    return ["value.out_of_range", value, `${min}…${max} ${METRICS[metric].unit} (instrument range)`];
  }
  return undefined;
}

/** Metric ids by their letters and digits only, lower case: "PM2.5", "NH3-N", "CODMn" → pm25, nh3n, codmn. */
const METRIC_BY_LOOSE_NAME: ReadonlyMap<string, MetricId> = new Map(
  (Object.keys(METRICS) as MetricId[]).map((id) => [looseName(id), id]),
);

function looseName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** The catalogue id a vendor's spelling of a metric most likely means, if any. */
function metricMeant(name: string): MetricId | undefined {
  return METRIC_BY_LOOSE_NAME.get(looseName(name));
}

/** A limit in words: whole days from 2 days on ("3660 days"), else hours, minutes or seconds. */
function durationText(ms: number): string {
  if (ms >= 2 * DAY_MS && ms % DAY_MS === 0) return `${ms / DAY_MS} days`;
  if (ms >= HOUR_MS && ms % HOUR_MS === 0) return `${ms / HOUR_MS} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/**
 * Checks a timestamp against now, future skew and lateness. Times in the texts are Beijing time,
 * as everywhere else in Qingshan.
 *
 * @example
 * checkTime(Date.parse("2026-11-20T08:00:00+08:00"), Date.parse("2026-11-28T10:00:00+08:00"), DEFAULT_DECODE_LIMITS, "ts")?.message
 * // 'ts.too_late: "ts" is "2026-11-20T08:00:00+08:00", expected no older than 7 days before now (configured lateness): from 2026-11-21T10:00:00+08:00 on'
 */
export function checkTime(
  ts: number,
  now: number,
  limits: DecodeLimits,
  path: string,
): Rejection | undefined {
  if (ts > now + limits.maxFutureSkewMs) {
    return rejection(
      "ts.future",
      path,
      toBeijingIso(ts),
      `no later than ${durationText(limits.maxFutureSkewMs)} after now (allowed clock skew): up to ${toBeijingIso(now + limits.maxFutureSkewMs)}`,
    );
  }
  if (ts < now - limits.maxLatenessMs) {
    return rejection(
      "ts.too_late",
      path,
      toBeijingIso(ts),
      `no older than ${durationText(limits.maxLatenessMs)} before now (${limits.latenessOrigin ?? "configured lateness"}): from ${toBeijingIso(now - limits.maxLatenessMs)} on`,
    );
  }
  return undefined;
}

/**
 * A numeric ts too old as milliseconds but in the limits as seconds was sent in epoch seconds (the
 * usual Unix time of data loggers): the rejection says so, since "1970-01-21" alone puzzles a vendor.
 */
function withEpochSecondsNote(
  problem: Rejection,
  ts: number | string,
  now: number,
  limits: DecodeLimits,
): Rejection {
  if (problem.code !== "ts.too_late" || typeof ts !== "number") return problem;
  const asSeconds = ts * 1000;
  if (checkTime(asSeconds, now, limits, "") !== undefined) return problem;
  return {
    ...problem,
    message: `${problem.message}; ${ts} looks like epoch seconds (${toBeijingIso(asSeconds)}): ts takes epoch milliseconds`,
  };
}

function isEmptyRecord(record: Record<string, unknown>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return false;
  return true;
}

function failed(stationId: string | undefined, r: Rejection): DecodeResult {
  return { ...(stationId ? { stationId } : {}), readings: [], rejections: [r] };
}

function pathAt(prefix: string, field: string): string {
  return prefix === "" ? field : `${prefix}.${field}`;
}

/**
 * Deepest nesting of arrays and objects a wire message may have: the contract needs 3 (an array of
 * observations, the observation, its values); deeper JSON is refused before anything recurses on it.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * The keys of every object of a parsed JSON value, or -1 when it nests deeper than
 * {@link MAX_JSON_DEPTH}. Recursion stops at that depth, so it cannot overflow the stack.
 */
function parsedKeyCount(value: unknown, depth: number): number {
  if (typeof value !== "object" || value === null) return 0;
  if (depth >= MAX_JSON_DEPTH) return -1;
  let n = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const k = parsedKeyCount(value[i], depth + 1);
      if (k < 0) return -1;
      n += k;
    }
    return n;
  }
  const record = value as Record<string, unknown>;
  // JSON.parse makes own enumerable properties only (`__proto__` included), so for…in sees them all.
  for (const key in record) {
    const k = parsedKeyCount(record[key], depth + 1);
    if (k < 0) return -1;
    n += k + 1;
  }
  return n;
}

/** Whether the character at `at` is escaped by an odd run of backslashes before it. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** Index of the quote closing the JSON string that opens at `open` (text already parsed as JSON). */
function stringEnd(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
  return end;
}

/**
 * The object keys written in a JSON text that JSON.parse accepted: the strings followed by `:`.
 * Jumps from quote to quote with indexOf, so it costs little beside JSON.parse. Equal to
 * {@link parsedKeyCount} exactly when no object repeats a key (JSON.parse keeps the last one).
 */
function textKeyCount(text: string): number {
  let n = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    const end = stringEnd(text, open);
    if (end === -1) break;
    let j = end + 1;
    let c = text.charCodeAt(j);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++j);
    if (c === 0x3a) n++;
    open = text.indexOf('"', j);
  }
  return n;
}

/** A key an object of a JSON text has more than once; `path` leads to that object. */
interface DuplicateKey {
  readonly path: readonly (string | number)[];
  readonly key: string;
  readonly count: number;
}

interface ScanFrame {
  /** Keys seen so far (objects only). */
  readonly keys?: Map<string, number>;
  /** The current member's key, or the current element's index. */
  at: string | number;
  expectKey: boolean;
}

/**
 * Every repeated key of a JSON text that JSON.parse accepted, with the path of its object. Run only
 * when {@link textKeyCount} says a key repeats: it builds a map per object.
 */
function duplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const frames: ScanFrame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = frames[frames.length - 1];
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (top?.keys !== undefined && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        top.keys.set(key, (top.keys.get(key) ?? 0) + 1);
        top.at = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b) {
      frames.push({ keys: new Map(), at: "", expectKey: true });
    } else if (c === 0x5b) {
      frames.push({ at: 0, expectKey: false });
    } else if (c === 0x2c && top !== undefined) {
      if (top.keys === undefined) top.at = (top.at as number) + 1;
      else top.expectKey = true;
    } else if ((c === 0x7d || c === 0x5d) && top !== undefined) {
      frames.pop();
      if (top.keys === undefined) continue;
      for (const [key, count] of top.keys) {
        if (count > 1) found.push({ path: frames.map((f) => f.at), key, count });
      }
    }
  }
  return found;
}

/** The observation fields whose keys are metric ids: a repeated key there rejects that metric only. */
const METRIC_KEYED_FIELDS: ReadonlySet<string> = new Set(["values", "flags", "units"]);

/** What the repeated keys of one observation reject: the observation, or some of its metrics. */
interface DuplicateVerdict {
  readonly whole: boolean;
  readonly metrics: ReadonlySet<string>;
  readonly rejections: readonly Rejection[];
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let value = root;
  for (const step of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = Object.hasOwn(value, step) ? (value as Record<string | number, unknown>)[step] : undefined;
  }
  return value;
}

/**
 * The verdict on one observation's repeated keys (paths relative to it). JSON.parse keeps the last
 * of a repeated key, but a sender may have meant the first (RFC 8259 §4: names "SHOULD be unique",
 * and receivers differ): the value is ambiguous, so it is never stored.
 */
function duplicateVerdict(
  raw: unknown,
  prefix: string,
  duplicates: readonly DuplicateKey[],
): DuplicateVerdict {
  let whole = false;
  const metrics = new Set<string>();
  const rejections: Rejection[] = [];
  for (const d of duplicates) {
    const steps = [...d.path, d.key];
    const field = steps[0];
    const metricKeyed = typeof field === "string" && METRIC_KEYED_FIELDS.has(field) && steps.length >= 2;
    if (metricKeyed) metrics.add(String(steps[1]));
    else whole = true;
    const path = pathAt(prefix, steps.join("."));
    const last = valueAt(raw, steps);
    const consequence = metricKeyed
      ? `the ${String(steps[1])} reading is rejected, the other metrics go through`
      : "the observation is rejected";
    rejections.push({
      ...rejection("payload.invalid", path, last, "each key once in its object"),
      message: `payload.invalid: "${path}" is repeated (${d.count} times, the last ${describeValue(last)}), expected each key once in its object: a repeated JSON key is ambiguous (RFC 8259 §4), so ${consequence}`,
    });
  }
  return { whole, metrics, rejections };
}

/** The repeated keys of a message by observation (index 0 for a single observation). */
function duplicatesByObservation(
  duplicates: readonly DuplicateKey[],
  isArray: boolean,
): Map<number, DuplicateKey[]> {
  const byObservation = new Map<number, DuplicateKey[]>();
  for (const d of duplicates) {
    const index = isArray ? (d.path[0] as number) : 0;
    const relative = isArray ? { ...d, path: d.path.slice(1) } : d;
    const list = byObservation.get(index);
    if (list === undefined) byObservation.set(index, [relative]);
    else list.push(relative);
  }
  return byObservation;
}

/** What each field of an observation must be, in the words of the wire contract (not zod's). */
export const WIRE_FIELD_EXPECTED = Object.freeze({
  observation: "an observation object { ts, values, flags?, period?, units? }",
  ts: "an ISO 8601 date-time with an offset such as 2026-11-30T08:00:00+08:00, or epoch milliseconds (a non-negative integer)",
  values: "an object of metric id → number",
  flags: "an object of metric id → HJ 212 flag",
  period: 'an ISO 8601 duration such as "PT1H"',
  units: "an object of metric id → unit",
  unit: 'a unit text such as "µg/m³"',
});

function expectedOfIssue(issue: z.core.$ZodIssue): string {
  const [field, key] = issue.path;
  if (field === undefined) return WIRE_FIELD_EXPECTED.observation;
  if (key === undefined && typeof field === "string" && Object.hasOwn(WIRE_FIELD_EXPECTED, field)) {
    return WIRE_FIELD_EXPECTED[field as keyof typeof WIRE_FIELD_EXPECTED];
  }
  if (field === "units") return WIRE_FIELD_EXPECTED.unit;
  return issue.code === "invalid_type" ? `a ${issue.expected}` : issue.message;
}

function zodRejections(error: z.ZodError, prefix: string): Rejection[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p)))]
      .filter((p) => p !== "")
      .join(".")
      .replace(/\.\[/g, "[");
    return rejection("payload.invalid", path, (issue as { input?: unknown }).input, expectedOfIssue(issue));
  });
}

/** The limits of the last call, merged once: callers pass the same configured object message after message. */
let lastLimits: { readonly given: Partial<DecodeLimits>; readonly merged: DecodeLimits } | undefined;
function limitsWith(given: Partial<DecodeLimits> | undefined): DecodeLimits {
  if (given === undefined) return DEFAULT_DECODE_LIMITS;
  if (lastLimits?.given !== given) lastLimits = { given, merged: { ...DEFAULT_DECODE_LIMITS, ...given } };
  return lastLimits.merged;
}

/**
 * Decodes one MQTT message of the JSON wire contract into readings and rejections. Pure: the
 * caller supplies the clock and the station registry. A bad value rejects only itself; a bad
 * observation in an array rejects only that observation.
 *
 * @example
 * const { readings, rejections } = decodeStationMessage("stations/ld-aq-01/air",
 *   '{"ts":"2026-11-28T10:00:00+08:00","values":{"pm25":35,"so2":"x"}}',
 *   { now: Date.now(), lookupStation: (id) => registry.get(id) });
 * // readings: one pm25 reading; rejections: values.so2 is "x", expected a number
 */
export function decodeStationMessage(
  topic: string,
  payload: string | Uint8Array,
  ctx: DecodeContext,
): DecodeResult {
  const limits = limitsWith(ctx.limits);
  const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength;
  const parsedTopic = parseStationTopic(topic);
  const stationId = parsedTopic?.stationId;

  if (size > limits.maxPayloadBytes) {
    return failed(
      stationId,
      rejection("payload.too_large", "", `${size} bytes`, `at most ${limits.maxPayloadBytes} bytes`),
    );
  }
  if (!parsedTopic) return failed(stationId, invalidTopic(topic, "stations/{stationId}/{kind}"));
  const station = ctx.lookupStation(parsedTopic.stationId);
  // The topic names the station and its kind: the reason says so, not "message is …".
  if (!station) {
    const r = rejection("station.unknown", "", parsedTopic.stationId, "a registered station id");
    return failed(stationId, {
      ...r,
      message: `station.unknown: topic ${JSON.stringify(topic)} names station ${JSON.stringify(parsedTopic.stationId)}, expected a registered station id`,
    });
  }
  if (parsedTopic.kind !== station.kind) {
    const expected = (STATION_KINDS as readonly string[]).includes(parsedTopic.kind)
      ? `"${station.kind}", the kind of station ${station.id}`
      : `one of ${STATION_KINDS.join(", ")}`;
    const r = rejection("station.kind_mismatch", "", parsedTopic.kind, expected);
    return failed(stationId, {
      ...r,
      message: `station.kind_mismatch: topic ${JSON.stringify(topic)} names kind ${JSON.stringify(parsedTopic.kind)}, expected ${expected}`,
    });
  }

  const text = payloadText(payload);
  let body: unknown;
  try {
    // RFC 8259 §8.1: a parser may ignore a leading byte order mark (Windows loggers write one);
    // JSON.parse does not, and the error would show an invisible character.
    body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    return failed(
      stationId,
      rejection("payload.malformed", "", text.slice(0, 80), `JSON (${(error as Error).message})`),
    );
  }

  const keyCount = parsedKeyCount(body, 0);
  if (keyCount < 0) {
    // Any recursion over it (zod, JSON.stringify of a rejection) would overflow the stack.
    const r = rejection(
      "payload.invalid",
      "",
      text.slice(0, 80),
      `JSON nested at most ${MAX_JSON_DEPTH} levels deep`,
    );
    return failed(stationId, {
      ...r,
      message: `payload.invalid: message is nested too deep: more than ${MAX_JSON_DEPTH} levels of arrays and objects, expected at most ${MAX_JSON_DEPTH} (an observation needs 3: the array of a backfill, the observation, its values)`,
    });
  }
  // Hot path: one quote-to-quote scan; the repeated keys are looked for only when it counts more
  // keys in the text than JSON.parse kept.
  const duplicates =
    textKeyCount(text) === keyCount
      ? undefined
      : duplicatesByObservation(duplicateKeys(text), Array.isArray(body));

  const observations = Array.isArray(body) ? body : [body];
  if (observations.length === 0)
    return failed(stationId, rejection("payload.invalid", "", body, "at least one observation"));
  const readings: Reading[] = [];
  const rejections: Rejection[] = [];
  const source = ctx.source ?? "mqtt-json";

  // Plain loops and top-level helpers: a closure per call costs here (tsx wraps each in __name).
  for (let index = 0; index < observations.length; index++) {
    const raw: unknown = observations[index];
    const prefix = Array.isArray(body) ? `[${index}]` : "";
    let skipMetrics: ReadonlySet<string> | undefined;
    const repeated = duplicates?.get(index);
    if (repeated !== undefined) {
      const verdict = duplicateVerdict(raw, prefix, repeated);
      rejections.push(...verdict.rejections);
      if (verdict.whole) continue;
      skipMetrics = verdict.metrics;
    }
    let obs = fastWireObservation(raw);
    if (obs === undefined) {
      const parsed = WireObservationSchema.safeParse(raw, { reportInput: true });
      if (!parsed.success) {
        rejections.push(...zodRejections(parsed.error, prefix));
        continue;
      }
      obs = withParsedRecords(parsed.data, raw as Record<string, unknown>);
    }
    if (isEmptyRecord(obs.values)) {
      rejections.push(
        rejection(
          "payload.invalid",
          pathAt(prefix, "values"),
          obs.values,
          "at least one metric (values is empty)",
        ),
      );
      continue;
    }
    const ts = typeof obs.ts === "number" ? obs.ts : Date.parse(obs.ts);
    const timeProblem = checkTime(ts, ctx.now, limits, pathAt(prefix, "ts"));
    // An observation with a bad time or period is not stored, but its values are still checked,
    // so that the station is told every problem at once.
    let held = false;
    if (timeProblem) {
      rejections.push(withEpochSecondsNote(timeProblem, obs.ts, ctx.now, limits));
      held = true;
    }
    let periodMs = 0;
    if (obs.period !== undefined) {
      const ms = parseIsoDuration(obs.period);
      if (ms === undefined || ms <= 0 || ms >= DAY_MS) {
        rejections.push(
          rejection(
            "period.invalid",
            pathAt(prefix, "period"),
            obs.period,
            ms !== undefined && ms >= DAY_MS
              ? // A daily mean stamped at the day's start would stand in its first hour as that hour's value.
                'a period shorter than a day ("PT1H", "PT5M"): daily and longer means are computed from the hourly values (HJ 663-2013 validity), so send hourly or finer readings'
              : 'an ISO 8601 duration such as "PT1H" or "PT5M"',
          ),
        );
        held = true;
      } else periodMs = ms;
    }
    const values = obs.values;
    for (const metric in values) {
      if (skipMetrics?.has(metric)) continue;
      const value = values[metric];
      const declared = obs.units?.[metric];
      // A wrong unit explains an odd value better than the range check would, so it is checked first.
      if (declared !== undefined && isMetricId(metric) && normalizeUnit(declared) !== METRICS[metric].unit) {
        rejections.push(
          rejection(
            "unit.mismatch",
            pathAt(prefix, `units.${metric}`),
            declared,
            `"${METRICS[metric].unit}"`,
          ),
        );
        continue;
      }
      // The path is built only for a rejection: this loop runs for every value of every message.
      const problem = valueProblem(station, metric, value);
      if (problem !== undefined) {
        rejections.push(rejection(problem[0], pathAt(prefix, `values.${metric}`), problem[1], problem[2]));
        continue;
      }
      const id = metric as MetricId;
      const rawFlag = obs.flags?.[metric] ?? "N";
      if (typeof rawFlag !== "string" || !(DATA_FLAGS as readonly string[]).includes(rawFlag)) {
        rejections.push(
          rejection(
            "flag.unknown",
            pathAt(prefix, `flags.${metric}`),
            rawFlag,
            `one of ${DATA_FLAGS.join(" ")}`,
          ),
        );
        continue;
      }
      if (held) continue;
      readings.push({
        stationId: station.id,
        metric: id,
        ts,
        periodMs,
        value: value as number,
        flag: rawFlag as DataFlag,
        source,
        receivedAt: ctx.now,
      });
    }
    for (const metric of Object.keys(obs.flags ?? {})) {
      if (!Object.hasOwn(obs.values, metric) && !skipMetrics?.has(metric)) {
        rejections.push(
          rejection(
            "payload.invalid",
            pathAt(prefix, `flags.${metric}`),
            obs.flags?.[metric],
            "a flag only for a metric present in values",
          ),
        );
      }
    }
  }
  return {
    stationId: station.id,
    readings,
    rejections,
    ...(Array.isArray(body) ? { observations: body } : {}),
  };
}
