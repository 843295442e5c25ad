import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_PH_AVERAGING, PH_AVERAGING } from "@qingshan/api";
import { kafkaBusConfigSchema } from "@qingshan/bus";
import {
  type EvaluatorConfig,
  type EvaluatorSettings,
  evaluatorConfigSchema,
  parseEvaluatorConfig,
} from "@qingshan/evaluator";
import { IngestConfigSchema } from "@qingshan/ingest";
import { notifierConfigSchema, parseNotifierConfig } from "@qingshan/notifier";
import { LIANDU_STATIONS_PATH, SCENARIO_IDS } from "@qingshan/simulator";
import {
  CONCENTRATION_ROUNDINGS,
  DEFAULT_CONCENTRATION_ROUNDING_2026,
  DEFAULT_PM_REALTIME_BASIS_2012,
  PM_REALTIME_BASIS_SETTINGS,
} from "@qingshan/standards";
import { duckDbStoreConfigSchema } from "@qingshan/store";
import {
  parseWriterConfig,
  type WriterConfig,
  type WriterSettings,
  writerConfigSchema,
} from "@qingshan/writer";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { noiSchemeSettingSchema } from "./noi-scheme-setting.ts";

/** Ingest's own MQTT settings: those passed through keep ingest's validation and defaults. */
const ingestMqtt = IngestConfigSchema.shape.mqtt.unwrap().shape;
/** Ingest's own HJ 212 split-message settings, likewise. */
const ingestHj212 = IngestConfigSchema.shape.hj212.unwrap().shape;
/** The DuckDB store's own settings, likewise. */
const duckDb = duckDbStoreConfigSchema.shape;
/** The Kafka bus's own settings, likewise. */
const kafkaBus = kafkaBusConfigSchema.shape;

/** The rules file shipped with Qingshan: evaluator.rulesFile when neither the file nor QINGSHAN_RULES sets it. */
export const SHIPPED_RULES_PATH = fileURLToPath(new URL("../../../config/rules.yaml", import.meta.url));

/** URL schemes MQTT.js connects with (mqtt, mqtts; tcp, tls, ssl as their aliases; websockets). */
const MQTT_URL_SCHEMES = ["mqtt:", "mqtts:", "tcp:", "tls:", "ssl:", "ws:", "wss:"];
const MQTT_URL_EXPECTED =
  "expected a broker URL such as mqtt://host:1883, mqtts://host:8883, ws://host/mqtt or wss://host/mqtt (empty: the embedded broker)";
const PUBLIC_URL_EXPECTED =
  "expected the API's address as users reach it, an http:// or https:// URL such as https://qingshan.example.org (empty: http://localhost:{http.port})";

/** Empty (the embedded broker) or a URL MQTT.js can connect to, with a host. */
function isMqttUrl(value: string): boolean {
  if (value === "") return true;
  const url = URL.parse(value);
  return url !== null && MQTT_URL_SCHEMES.includes(url.protocol) && url.hostname !== "";
}

/** Empty (the default) or an http(s) URL with a host: the base of the links in notifications. */
function isHttpUrl(value: string): boolean {
  if (value === "") return true;
  const url = URL.parse(value);
  return url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

/**
 * Qingshan's runtime configuration: the defaults file `config/qingshan.yaml`, overridden by
 * environment variables, over these defaults (a file may leave out any setting or section). This
 * is the only module that reads `process.env`.
 */
export const ConfigSchema = z.strictObject({
  /** Default: the demo network shipped with Qingshan, wherever it is run from. */
  stations: z.string().min(1).default(LIANDU_STATIONS_PATH),
  dataDir: z.string().min(1).default("./data"),
  mqtt: z
    .strictObject({
      url: z.string().refine(isMqttUrl, MQTT_URL_EXPECTED).default(""),
      embeddedPort: z.number().int().min(0).max(65535).default(1883),
      embeddedHost: z.string().default("0.0.0.0"),
      /**
       * Persistent-session client id of ingest on an external broker; empty: qingshan-ingest-{hostname},
       * with -{http.port} appended when http.port is not 8080 or 0 (services.ts defaultIngestClientId).
       */
      clientId: z.string().default(""),
      /** MQTT 5 shared-subscription group the ingest instances split the load in. */
      shareGroup: z.string().default("qingshan"),
      /** Login on an external broker; empty: none. */
      username: z.string().default(""),
      password: z.string().default(""),
      /** The settings below apply to an external broker (mqtt.url) only; services/ingest/README.md. */
      protocolVersion: ingestMqtt.protocolVersion,
      connections: ingestMqtt.connections,
      /** MQTT 5 Receive Maximum: messages in flight per session; the broker's own limit must allow as many. */
      maxInFlight: ingestMqtt.maxInFlight,
      sessionExpirySeconds: ingestMqtt.sessionExpirySeconds,
      /** Leave the share group at a graceful stop and end the session: on every replica when 2+ ingests run. */
      leaveOnStop: ingestMqtt.leaveOnStop,
      keepaliveSeconds: ingestMqtt.keepaliveSeconds,
      /** Between MQTT.js's reconnect attempts, after ingest's quick ones (services/ingest/README.md, "Zero-loss deployment"). */
      reconnectPeriodMs: ingestMqtt.reconnectPeriodMs,
    })
    .prefault({}),
  hj212: z
    .strictObject({
      tcpPort: z.number().int().min(0).max(65535).default(9212),
      /** Bind address of the HJ 212 TCP listener. */
      tcpHost: z.string().min(1).default("0.0.0.0"),
      /** Split messages (Flag D = 1) incomplete this long after their first packet are dead-lettered (services/ingest/README.md). */
      splitTimeoutMs: ingestHj212.splitTimeoutMs,
      /** At most this many split messages held incomplete per transport; beyond, the oldest is dead-lettered at once. */
      maxPendingSplitMessages: ingestHj212.maxPendingSplitMessages,
      /** Likewise, at most this many bytes of split-message packets held per transport. */
      maxPendingSplitBytes: ingestHj212.maxPendingSplitBytes,
      /** When a station's clock is set with an HJ 212 1012 command over TCP (services/ingest/README.md). */
      clockSetting: ingestHj212.clockSetting,
      clockSetIntervalMs: ingestHj212.clockSetIntervalMs,
      slowClockThresholdMs: ingestHj212.slowClockThresholdMs,
    })
    .prefault({}),
  http: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8080),
      host: z.string().default("0.0.0.0"),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      maxLatenessHours: z.number().positive().default(168),
      maxFutureSkewSeconds: z.number().nonnegative().default(300),
      maxPayloadBytes: z.number().int().positive().default(262144),
    })
    .prefault({}),
  /** Base URL of the API as duty officers reach it (links in notifications); empty: http://localhost:{http.port}. */
  publicUrl: z.string().refine(isHttpUrl, PUBLIC_URL_EXPECTED).default(""),
  bus: z
    .strictObject({
      /** memory: in-process (one process, `qingshan start`); kafka: between processes (`qingshan run`). */
      kind: z.enum(["memory", "kafka"]).default("memory"),
      kafka: z
        .strictObject({
          /** host:port list: comma-separated (as QINGSHAN_KAFKA_BROKERS gives it) or a YAML list, kept comma-separated. */
          brokers: z
            .union([
              z.string(),
              z.array(z.string().min(1)).transform(function joinBrokers(list) {
                return list.join(",");
              }),
            ])
            .default(""),
          clientId: z.string().default("qingshan"),
          topicPrefix: z.string().default("qingshan."),
          partitions: z.number().int().positive().default(6),
          replicationFactor: z.number().int().positive().default(1),
          /**
           * An input's readings of one station as one Kafka record (packages/bus README, "One record
           * per key"); false during a rolling upgrade from a version whose consumers cannot read them.
           */
          packMessages: z.boolean().default(true),
          /** How long stopping waits for Kafka to commit, leave the group and disconnect (packages/bus README, "Bounded close"). */
          closeTimeoutMs: kafkaBus.closeTimeoutMs,
        })
        .prefault({}),
    })
    .prefault({}),
  store: z
    .strictObject({
      /** duckdb: embedded file under dataDir; influx: an InfluxDB server (1.x API; 2.x/3.x via their v1 API). */
      kind: z.enum(["duckdb", "influx"]).default("duckdb"),
      /** Days raw readings are kept (by ts); null keeps them forever (packages/store README, retention). */
      rawReadingsDays: z.number().positive().nullable().default(400),
      /** Days dead letters are kept (by receivedAt); null keeps them forever. */
      deadLetterDays: z.number().positive().nullable().default(90),
      /** Tuning of the embedded DuckDB store (store.kind duckdb); null: DuckDB's defaults. */
      duckdb: z
        .strictObject({
          threads: duckDb.threads,
          memoryLimit: duckDb.memoryLimit,
        })
        .prefault({}),
      influx: z
        .strictObject({
          url: z.string().default(""),
          database: z.string().default("qingshan"),
          retentionPolicy: z.string().default(""),
          username: z.string().default(""),
          password: z.string().default(""),
          token: z.string().default(""),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Writer settings: consumer groups, batch sizes, retry (services/writer/README.md), validated by its own schema. */
  writer: z.record(z.string(), z.unknown()).default({}),
  /** Evaluator settings (services/evaluator/README.md), validated by its own schema; its writerGroup follows writer.readingsGroup. */
  evaluator: z.record(z.string(), z.unknown()).default({}),
  /** Notifier settings: channels, routes, duty roster (services/notifier/README.md), validated by its own schema. */
  notifier: z.record(z.string(), z.unknown()).default({}),
  /**
   * How the API's /aqi and the evaluator's AQI rules compute an AQI where the standards leave a
   * choice: one setting for both, so they agree (air-aqi.md §3.1; services/api/README.md).
   */
  air: z
    .strictObject({
      /** HJ 633-2012 real-time PM basis: auto (1-h PM from 2014-01-01, published practice), hourly or rolling24h (the 2012 text). */
      pmRealtimeBasis2012: z.enum(PM_REALTIME_BASIS_SETTINGS).default(DEFAULT_PM_REALTIME_BASIS_2012),
      /** HJ 633-2026 concentration rounding before indexing: half-even (GB/T 8170) or truncate; provisional (sources disagree). */
      concentrationRounding2026: z.enum(CONCENTRATION_ROUNDINGS).default(DEFAULT_CONCENTRATION_ROUNDING_2026),
    })
    .prefault({}),
  /**
   * Negative oxygen ions: the grade table of the API (/noi/grade, /network, the dashboard) and of
   * the evaluator's noi_grade rules alike, so they agree (negative-oxygen-ions.md §2: no verified
   * table, keep it in configuration; services/api/README.md, "NOI grade table").
   */
  noi: z
    .strictObject({
      /** candidate-a (default), candidate-b, or a bureau's table { id, source, title?, provisional?, grades }. */
      scheme: noiSchemeSettingSchema,
    })
    .prefault({}),
  /** Water class in the API (services/api/README.md, "pH in the water class"). */
  water: z
    .strictObject({
      /** pH period means for classing: through [H+] (环办监测函〔2020〕82号, provisional) or arithmetic. */
      phAveraging: z.enum(PH_AVERAGING).default(DEFAULT_PH_AVERAGING),
    })
    .prefault({}),
  simulator: z
    .strictObject({
      enabled: z.boolean().default(true),
      scenario: z.enum(SCENARIO_IDS).default("clean-week"),
      acceleration: z.number().positive().default(1),
      backfillDays: z.number().nonnegative().default(3),
    })
    .prefault({}),
});
export type QingshanConfig = z.infer<typeof ConfigSchema>;

/** Environment variable → config path, with the type to coerce to. */
const ENV_OVERRIDES: ReadonlyArray<[string, string[], "string" | "int" | "number" | "bool"]> = [
  ["QINGSHAN_STATIONS", ["stations"], "string"],
  ["QINGSHAN_DATA_DIR", ["dataDir"], "string"],
  ["QINGSHAN_MQTT_URL", ["mqtt", "url"], "string"],
  ["QINGSHAN_MQTT_PORT", ["mqtt", "embeddedPort"], "int"],
  ["QINGSHAN_MQTT_CLIENT_ID", ["mqtt", "clientId"], "string"],
  ["QINGSHAN_MQTT_SHARE_GROUP", ["mqtt", "shareGroup"], "string"],
  ["QINGSHAN_MQTT_USERNAME", ["mqtt", "username"], "string"],
  ["QINGSHAN_MQTT_PASSWORD", ["mqtt", "password"], "string"],
  ["QINGSHAN_MQTT_MAX_IN_FLIGHT", ["mqtt", "maxInFlight"], "int"],
  ["QINGSHAN_MQTT_LEAVE_ON_STOP", ["mqtt", "leaveOnStop"], "bool"],
  ["QINGSHAN_HJ212_PORT", ["hj212", "tcpPort"], "int"],
  ["QINGSHAN_HJ212_SPLIT_TIMEOUT_MS", ["hj212", "splitTimeoutMs"], "int"],
  ["QINGSHAN_HJ212_MAX_PENDING_SPLITS", ["hj212", "maxPendingSplitMessages"], "int"],
  ["QINGSHAN_HTTP_PORT", ["http", "port"], "int"],
  ["QINGSHAN_HTTP_HOST", ["http", "host"], "string"],
  ["QINGSHAN_PUBLIC_URL", ["publicUrl"], "string"],
  ["QINGSHAN_BUS", ["bus", "kind"], "string"],
  ["QINGSHAN_KAFKA_BROKERS", ["bus", "kafka", "brokers"], "string"],
  ["QINGSHAN_KAFKA_TOPIC_PREFIX", ["bus", "kafka", "topicPrefix"], "string"],
  ["QINGSHAN_STORE", ["store", "kind"], "string"],
  ["QINGSHAN_DUCKDB_THREADS", ["store", "duckdb", "threads"], "int"],
  ["QINGSHAN_DUCKDB_MEMORY_LIMIT", ["store", "duckdb", "memoryLimit"], "string"],
  ["QINGSHAN_INFLUX_URL", ["store", "influx", "url"], "string"],
  ["QINGSHAN_INFLUX_DATABASE", ["store", "influx", "database"], "string"],
  ["QINGSHAN_INFLUX_USERNAME", ["store", "influx", "username"], "string"],
  ["QINGSHAN_INFLUX_PASSWORD", ["store", "influx", "password"], "string"],
  ["QINGSHAN_INFLUX_TOKEN", ["store", "influx", "token"], "string"],
  ["QINGSHAN_SMTP_HOST", ["notifier", "email", "smtp", "host"], "string"],
  ["QINGSHAN_SMTP_PORT", ["notifier", "email", "smtp", "port"], "int"],
  ["QINGSHAN_SMTP_SECURE", ["notifier", "email", "smtp", "secure"], "bool"],
  ["QINGSHAN_SMTP_USER", ["notifier", "email", "smtp", "user"], "string"],
  ["QINGSHAN_SMTP_PASS", ["notifier", "email", "smtp", "pass"], "string"],
  ["QINGSHAN_SMTP_FROM", ["notifier", "email", "smtp", "from"], "string"],
  ["QINGSHAN_RULES", ["evaluator", "rulesFile"], "string"],
  ["QINGSHAN_MAX_LATENESS_HOURS", ["ingest", "maxLatenessHours"], "number"],
  ["QINGSHAN_SIMULATOR", ["simulator", "enabled"], "bool"],
  ["QINGSHAN_SIMULATOR_SCENARIO", ["simulator", "scenario"], "string"],
  ["QINGSHAN_SIMULATOR_ACCELERATION", ["simulator", "acceleration"], "number"],
  ["QINGSHAN_BACKFILL_DAYS", ["simulator", "backfillDays"], "number"],
];

/** Variables whose values are secrets: error messages name them but never show their values. */
const SECRET_ENV_VARS = new Set([
  "QINGSHAN_MQTT_PASSWORD",
  "QINGSHAN_INFLUX_PASSWORD",
  "QINGSHAN_INFLUX_TOKEN",
  "QINGSHAN_SMTP_PASS",
]);

export const CONFIG_ENV_VARS = ENV_OVERRIDES.map(([name, path]) => ({ name, setting: path.join(".") }));

/** QINGSHAN_* variables read outside ENV_OVERRIDES: by the CLI itself, or by the test set-up. */
const OTHER_ENV_VARS = new Set(["QINGSHAN_CONFIG", "QINGSHAN_DEBUG", "QINGSHAN_CHROMIUM"]);

/** Edit distance between two names (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * QINGSHAN_* variables in `env` that Qingshan does not read — a misspelt name would otherwise be
 * ignored without a word — each with the closest known name when one is near.
 *
 * @example
 * unknownEnvVars({ QINGSHAN_HTTP_PRT: "8080" }); // [{ name: "QINGSHAN_HTTP_PRT", closest: "QINGSHAN_HTTP_PORT" }]
 */
export function unknownEnvVars(
  env: NodeJS.ProcessEnv = process.env,
): Array<{ name: string; closest?: string }> {
  const known = [...ENV_OVERRIDES.map(([name]) => name), ...OTHER_ENV_VARS];
  return Object.keys(env)
    .filter((name) => name.startsWith("QINGSHAN_") && !name.startsWith("QINGSHAN_TEST_"))
    .filter((name) => !known.includes(name))
    .sort()
    .map((name) => {
      const closest = closestEnvVar(name, known);
      return closest ? { name, closest } : { name };
    });
}

/** Words of a variable name that mean the same setting: each is compared as its canonical form. */
const ENV_SYNONYMS: Readonly<Record<string, string>> = {
  PASSWORD: "PASS",
  PASSWD: "PASS",
  PWD: "PASS",
  USERNAME: "USER",
  HOSTNAME: "HOST",
  DIRECTORY: "DIR",
};

/** `QINGSHAN_SMTP_PASSWORD` → ["SMTP", "PASS"]: the words after QINGSHAN_, synonyms made canonical. */
function envWords(name: string): string[] {
  return name
    .replace(/^QINGSHAN_/, "")
    .split("_")
    .map((word) => ENV_SYNONYMS[word] ?? word);
}

/**
 * The known variable an unknown one probably means. Its section (the word after QINGSHAN_, e.g.
 * SMTP) decides first: when it is a known section, only that section's variables are suggested —
 * QINGSHAN_SMTP_PASSWORD must not lead to the MQTT broker's password —, compared with synonyms
 * (PASSWORD, PASS) made one; only an unknown section is compared with every variable.
 *
 * @example
 * closestEnvVar("QINGSHAN_SMTP_PASSWORD", known); // "QINGSHAN_SMTP_PASS"
 * closestEnvVar("QINGSHAN_HTTP_PRT", known); // "QINGSHAN_HTTP_PORT"
 */
function closestEnvVar(name: string, known: readonly string[]): string | undefined {
  const words = envWords(name);
  const sameSection = known.filter((candidate) => envWords(candidate)[0] === words[0]);
  const candidates = sameSection.length > 0 ? sameSection : known;
  const canonical = words.join("_");
  const [closest] = candidates
    .map((candidate) => ({ candidate, distance: editDistance(canonical, envWords(candidate).join("_")) }))
    .filter((c) => c.distance <= 3)
    .sort((x, y) => x.distance - y.distance);
  return closest?.candidate;
}

/** One line per unknown QINGSHAN_* variable, for stderr at start ("" when there is none). */
export function unknownEnvVarsWarning(env: NodeJS.ProcessEnv = process.env): string {
  return unknownEnvVars(env)
    .map(
      (v) =>
        `warning: ${v.name} is not a Qingshan setting and is ignored${v.closest ? ` (did you mean ${v.closest}?)` : ""}; \`qingshan --help\` lists them\n`,
    )
    .join("");
}

/** The words an on/off environment variable accepts for on. */
const ON = /^(1|true|on|yes)$/i;

/** QINGSHAN_DEBUG=1 (or true/on/yes): failures print their stack trace and causes. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ON.test(env.QINGSHAN_DEBUG ?? "");
}

/** A configuration that cannot be used: the message names the file or the environment variable at fault. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** An environment variable that overrode a setting, with its raw value. */
interface EnvOverride {
  readonly name: string;
  readonly raw: string;
  readonly path: readonly string[];
}

const isPrefix = (a: readonly PropertyKey[], b: readonly PropertyKey[]) =>
  a.length <= b.length && a.every((key, i) => String(key) === String(b[i]));

/** The overrides that set the value at `path` (or an object holding it). */
function overridesOf(overrides: readonly EnvOverride[], path: readonly PropertyKey[]): EnvOverride[] {
  return overrides.filter((o) => isPrefix(o.path, path));
}

/**
 * The keys `schema` accepts in the object at `path` (array indexes step into the elements):
 * ConfigSchema, or a service's own schema for its section.
 */
function settingsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (const key of [...path, undefined]) {
    for (;;) {
      if (
        node instanceof z.ZodDefault ||
        node instanceof z.ZodPrefault ||
        node instanceof z.ZodOptional ||
        node instanceof z.ZodNullable
      ) {
        node = node.def.innerType as z.ZodType;
      } else if (node instanceof z.ZodPipe) {
        node = node.def.in as z.ZodType;
      } else break;
    }
    if (node instanceof z.ZodArray && typeof key !== "undefined" && /^\d+$/.test(String(key))) {
      node = node.element as z.ZodType;
      continue;
    }
    if (!(node instanceof z.ZodObject)) return [];
    if (key === undefined) return Object.keys(node.shape);
    node = node.shape[String(key)] as z.ZodType | undefined;
  }
  return [];
}

/** The accepted key closest to a misspelt one, when one is near enough to be meant. */
function closestSetting(key: string, known: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.floor(key.length / 2));
  const [closest] = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter((c) => c.distance <= limit)
    .sort((x, y) => x.distance - y.distance);
  return closest?.candidate;
}

/**
 * Where a schema issue is and what it says. An unknown key is reported at its own path (zod
 * reports it at the object holding it, which a variable setting a sibling would also match), with
 * the keys that object accepts and the one probably meant. `schema` is the schema that raised the
 * issue, `prefix` the path of what it validated (a service's section).
 *
 * @example
 * issueAt({ code: "unrecognized_keys", path: [], keys: ["renotifyMinutess"], … }, notifierConfigSchema, ["notifier"]);
 * // { path: ["notifier", "renotifyMinutess"], message: "unknown setting; did you mean renotifyMinutes? (notifier accepts …)" }
 */
function issueAt(
  issue: z.core.$ZodIssue | undefined,
  schema: z.ZodType = ConfigSchema,
  prefix: readonly PropertyKey[] = [],
): { path: PropertyKey[]; message: string } {
  const path = [...prefix, ...(issue?.path ?? [])];
  if (issue?.code === "unrecognized_keys") {
    const known = settingsAt(schema, issue.path);
    const key = issue.keys[0] ?? "";
    const others = issue.keys.length > 1 ? ` (also unknown: ${issue.keys.slice(1).join(", ")})` : "";
    const accepts = `${path.length > 0 ? path.join(".") : "the file"} accepts ${known.join(", ")}`;
    const meant = closestSetting(key, known);
    return {
      path: [...path, key],
      message: meant
        ? `unknown setting${others}; did you mean ${meant}? (${accepts})`
        : `unknown setting${others}; ${accepts}`,
    };
  }
  return { path, message: issue?.message ?? "invalid" };
}

/** The first unknown key of a service's schema error (the thrown Error's cause), if any. */
function unknownKeyIssue(error: unknown): z.core.$ZodIssue | undefined {
  const issues = ((error as Error).cause as { issues?: z.core.$ZodIssue[] } | undefined)?.issues;
  return Array.isArray(issues) ? issues.find((i) => i.code === "unrecognized_keys") : undefined;
}

/** ` (the file has "eighty")` for a wrong scalar in the file; nothing for objects or secrets. */
function fileValueOf(issue: z.core.$ZodIssue | undefined): string {
  const input = (issue as { input?: unknown } | undefined)?.input;
  const key = String(issue?.path.at(-1) ?? "");
  if (input === undefined || (typeof input === "object" && input !== null)) return "";
  if (/pass|token|secret/i.test(key)) return "";
  return ` (the file has ${hideUrlPassword(JSON.stringify(input))})`;
}

/** `text` with the password of a URL's `user:password@` shown as `***`. */
function hideUrlPassword(text: string): string {
  return text.replace(/\/\/([^/@:\s]*):[^/@\s]*@/g, "//$1:***@");
}

/** `QINGSHAN_X="v" (setting a.b)`, joined, for a message that blames the environment. */
function describeOverrides(overrides: readonly EnvOverride[]): string {
  return overrides
    .map(
      (o) =>
        `${o.name}=${SECRET_ENV_VARS.has(o.name) ? "(hidden)" : `"${hideUrlPassword(o.raw)}"`} (setting ${o.path.join(".")})`,
    )
    .join(", ");
}

/** An environment variable's value as its setting's type; a wrong one names the variable and the setting. */
function coerce(override: EnvOverride, type: "string" | "int" | "number" | "bool"): unknown {
  const { raw } = override;
  if (type === "string") return raw;
  const refuse = (expected: string) =>
    new ConfigError(`${describeOverrides([override])}: ${override.path.join(".")}: expected ${expected}`);
  if (type === "bool") {
    if (ON.test(raw)) return true;
    if (/^(0|false|off|no)$/i.test(raw)) return false;
    throw refuse("on/off (1/0, true/false, on/off, yes/no)");
  }
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || (type === "int" && !Number.isInteger(value))) {
    throw refuse(type === "int" ? "an integer" : "a number");
  }
  return value;
}

/** Why a file cannot be read, in words. */
function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file (ENOENT)";
  if (code === "EACCES") return "permission denied (EACCES)";
  if (code === "EISDIR") return "a directory, not a file (EISDIR)";
  return (error as Error).message;
}

function passes(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** The configuration file read when QINGSHAN_CONFIG is unset, relative to the working directory. */
const DEFAULT_CONFIG_FILE = "config/qingshan.yaml";

/**
 * Loads the configuration: YAML file (default `config/qingshan.yaml` under `root`, or
 * `QINGSHAN_CONFIG`), then environment overrides, validated once and frozen. Relative paths are
 * resolved against `root`. Without the default file the defaults apply (as with an empty file); a
 * file QINGSHAN_CONFIG (or `file`) names must be readable.
 *
 * @example
 * const config = loadConfig({ root: process.cwd(), env: { QINGSHAN_MQTT_PORT: "1884" } });
 */
export function loadConfig({
  root = process.cwd(),
  env = process.env,
  file,
}: {
  root?: string;
  env?: NodeJS.ProcessEnv;
  file?: string;
} = {}): QingshanConfig {
  // An empty QINGSHAN_CONFIG is unset, like every other variable.
  const named = file ?? (env.QINGSHAN_CONFIG || undefined);
  const path = resolve(root, named ?? DEFAULT_CONFIG_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    // No default file (run from another directory, e.g. systemd's /): the defaults are a whole
    // configuration, as an empty file is. A file named on purpose must be there.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || named !== undefined) {
      const by = named === undefined ? "" : file === undefined ? ` (QINGSHAN_CONFIG="${named}")` : "";
      const hint =
        named === undefined
          ? "set QINGSHAN_CONFIG to the configuration file's path"
          : "set QINGSHAN_CONFIG to the configuration file's path, or leave it unset for the defaults";
      throw new ConfigError(`cannot read the configuration file ${path}${by}: ${unreadable(error)}; ${hint}`);
    }
  }
  let raw: unknown;
  try {
    raw = text === undefined ? {} : (parseYaml(text) ?? {});
  } catch (error) {
    throw new ConfigError(`config ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(
      `config ${path}: expected settings (key: value), the file has ${JSON.stringify(raw)}`,
    );
  }
  const merged = structuredClone(raw) as Record<string, unknown>;
  const overrides: EnvOverride[] = [];
  for (const [name, settingPath, type] of ENV_OVERRIDES) {
    const value = env[name];
    // An empty variable is unset (as shells and Compose files leave them): the file or the default applies.
    if (value === undefined || value === "") continue;
    const override = { name, raw: value, path: settingPath };
    setPath(merged, settingPath, coerce(override, type));
    overrides.push(override);
  }
  const parsed = ConfigSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    const issue = issueAt(parsed.error.issues[0]);
    const fromEnv = overridesOf(overrides, issue.path);
    // A value that came from the environment is the variable's fault, not the file's.
    if (fromEnv.length > 0)
      throw new ConfigError(`${describeOverrides(fromEnv)}: ${issue.path.join(".")}: ${issue.message}`);
    const value = fileValueOf(parsed.error.issues[0]);
    throw new ConfigError(`config ${path}: ${issue.path.join(".")}: ${issue.message}${value}`);
  }
  const config = parsed.data;
  for (const [section, check, schema] of [
    ["writer", parseWriterConfig, writerConfigSchema],
    ["evaluator", parseEvaluatorConfig, evaluatorConfigSchema],
    ["notifier", parseNotifierConfig, notifierConfigSchema],
  ] as const) {
    try {
      check(config[section] as never);
    } catch (error) {
      // An unknown key is the file's (variables set only known ones), named with its whole path.
      const unknown = unknownKeyIssue(error);
      if (unknown) {
        const issue = issueAt(unknown, schema, [section]);
        throw new ConfigError(`config ${path}: ${issue.path.join(".")}: ${issue.message}`);
      }
      // The section as the file has it passes: the variables that set something in it are at fault.
      const fromEnv = overrides.filter((o) => o.path[0] === section);
      const fileSection = (raw as Record<string, unknown>)[section] ?? {};
      const fileAlone = fromEnv.length > 0 && passes(() => check(fileSection as never));
      const where = fileAlone ? describeOverrides(fromEnv) : `config ${path}`;
      throw new ConfigError(`${where}: ${section}: ${(error as Error).message}`);
    }
  }
  try {
    evaluatorSettingsOf(config);
  } catch (error) {
    throw new ConfigError(`config ${path}: ${(error as Error).message}`);
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  // Neither the file nor QINGSHAN_RULES names the rules: the shipped ones, wherever Qingshan is run from.
  const evaluator =
    (config.evaluator as EvaluatorConfig).rulesFile === undefined
      ? { ...config.evaluator, rulesFile: SHIPPED_RULES_PATH }
      : config.evaluator;
  // The files the settings name must be there: a failure now names the setting, not just a path.
  for (const [setting, variable, file, what] of [
    ["stations", "QINGSHAN_STATIONS", config.stations, "station registry"],
    [
      "evaluator.rulesFile",
      "QINGSHAN_RULES",
      (evaluator as EvaluatorConfig).rulesFile as string,
      "rules file",
    ],
  ] as const) {
    try {
      readFileSync(abs(file));
    } catch (error) {
      const fromEnv = overrides.filter((o) => o.name === variable);
      const reason = `cannot read the ${what} ${abs(file)}: ${unreadable(error)}`;
      throw new ConfigError(
        fromEnv.length > 0
          ? `${describeOverrides(fromEnv)}: ${setting}: ${reason}`
          : `config ${path}: ${setting}: ${reason}; set ${setting} (${variable}) to the ${what}'s path`,
      );
    }
  }
  return Object.freeze({
    ...config,
    stations: abs(config.stations),
    dataDir: abs(config.dataDir),
    evaluator,
  });
}

/**
 * The writer's settings: the `writer` section through the writer's own schema.
 *
 * @example
 * writerSettingsOf(loadConfig()).readingsGroup; // "writer"
 */
export function writerSettingsOf(config: Pick<QingshanConfig, "writer">): Readonly<WriterSettings> {
  return parseWriterConfig(config.writer as WriterConfig);
}

/**
 * The evaluator's settings: the `evaluator` section through the evaluator's own schema, with
 * `writerGroup` taken from the writer's `readingsGroup` (the evaluator waits for that group on a
 * partition takeover). Throws, naming both settings and their values, when `evaluator.writerGroup`
 * is set to another group.
 *
 * @example
 * evaluatorSettingsOf({ writer: { readingsGroup: "archive" }, evaluator: {} }).writerGroup; // "archive"
 */
export function evaluatorSettingsOf(
  config: Pick<QingshanConfig, "writer" | "evaluator">,
): Readonly<EvaluatorSettings> {
  const writer = writerSettingsOf(config);
  const stated = (config.evaluator as EvaluatorConfig).writerGroup;
  // The writer owns its group and evaluator.writerGroup may only restate it: a group no writer commits in makes every takeover wait takeoverWaitMs, then rebuild with readings missing.
  if (stated !== undefined && stated !== writer.readingsGroup) {
    const origin = (config.writer as WriterConfig).readingsGroup === undefined ? " (its default)" : "";
    throw new Error(
      `evaluator.writerGroup is "${stated}" but writer.readingsGroup is "${writer.readingsGroup}"${origin}: ` +
        "the evaluator waits for the writer's consumer group on a partition takeover, so they must name the same group; " +
        "set writer.readingsGroup and leave evaluator.writerGroup out (it follows)",
    );
  }
  return Object.freeze({
    ...parseEvaluatorConfig(config.evaluator as EvaluatorConfig),
    writerGroup: writer.readingsGroup,
  });
}
