import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { type ApiDeps, createApp, startApi } from "@qingshan/api";
import { type Bus, createKafkaBus, createMemoryBus, type KafkaLogEntry } from "@qingshan/bus";
import { beijingDayStart, DAY_MS, HOUR_MS, type StationRegistry } from "@qingshan/domain";
import { createEvaluator, type EvaluatorConfig, parseEvaluatorConfig } from "@qingshan/evaluator";
import { BACKFILL_LIMITS } from "@qingshan/importer";
import { createIngest, createIngestMetrics, createIngestPipeline, type Ingest } from "@qingshan/ingest";
import {
  assertRuleRoutes,
  createNotifier,
  type Notifier,
  type NotifierConfig,
  type NotifierSettings,
  parseNotifierConfig,
} from "@qingshan/notifier";
import { loadRulesFile, noiSchemeConflict, type Rule } from "@qingshan/rules";
import { createDuckDbStore, createInfluxStore, StoreError, type TimeSeriesStore } from "@qingshan/store";
import { createWriter, type WriterConfig, type WriterSettings } from "@qingshan/writer";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { ConfigError, evaluatorSettingsOf, type QingshanConfig, writerSettingsOf } from "./config.ts";
import { CliError, causeChain, systemCode } from "./errors.ts";
import { countOf } from "./text.ts";

/**
 * How far back the API's backfill path (CSV import, simulator history) may reach: the importer's
 * BACKFILL_LIMITS (10 × 366 days), named as such in its `ts.too_late` texts.
 */
export const BACKFILL_LATENESS_MS = BACKFILL_LIMITS.maxLatenessMs;

export const SERVICE_NAMES = ["ingest", "writer", "evaluator", "notifier", "api"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A started service: stop finishes in-flight work; ready reports the connections it needs. */
export interface RunningService {
  stop(): Promise<void>;
  ready(): Promise<{ ok: boolean; detail: string }>;
}

export interface ServiceContext {
  readonly config: QingshanConfig;
  readonly registry: StationRegistry;
  readonly logger: Logger;
  readonly bus: Bus;
  readonly metricsRegistry?: Registry;
}

/** The store the configuration names (not started). */
export function createStoreFromConfig(config: QingshanConfig): TimeSeriesStore {
  const retention = {
    rawReadingsDays: config.store.rawReadingsDays,
    deadLetterDays: config.store.deadLetterDays,
  };
  if (config.store.kind === "duckdb") {
    return createDuckDbStore({
      path: join(config.dataDir, "qingshan.duckdb"),
      retention,
      threads: config.store.duckdb.threads,
      memoryLimit: config.store.duckdb.memoryLimit,
    });
  }
  const influx = config.store.influx;
  if (!influx.url)
    throw new ConfigError("store.kind is influx but store.influx.url (QINGSHAN_INFLUX_URL) is empty");
  const auth = influx.token
    ? { scheme: "token" as const, token: influx.token }
    : influx.username
      ? { scheme: "basic" as const, username: influx.username, password: influx.password }
      : { scheme: "none" as const };
  return createInfluxStore({
    url: influx.url,
    database: influx.database,
    retentionPolicy: influx.retentionPolicy || null,
    auth,
    retention,
  });
}

/**
 * kafkajs' log lines (levels already mapped by the bus: routine coordination at debug/info,
 * repeated connection errors summarised) as JSON lines through the service's pino logger.
 */
export function kafkaLogTo(logger: Logger): (entry: KafkaLogEntry) => void {
  const kafka = logger.child({ component: "kafka" });
  return (entry) => {
    // kafkajs' own timestamp and logger name repeat what pino writes.
    const { timestamp: _t, logger: _l, ...extra } = entry.extra as Record<string, unknown>;
    kafka[entry.level]({ namespace: entry.namespace, ...extra }, entry.message);
  };
}

/** The bus the configuration names (not started); Kafka's log lines go to `logger` when given. */
export function createBusFromConfig(config: QingshanConfig, logger?: Logger): Bus {
  if (config.bus.kind === "memory") return createMemoryBus();
  const kafka = config.bus.kafka;
  if (!kafka.brokers)
    throw new ConfigError("bus.kind is kafka but bus.kafka.brokers (QINGSHAN_KAFKA_BROKERS) is empty");
  return createKafkaBus({
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    topicPrefix: kafka.topicPrefix,
    partitions: kafka.partitions,
    replicationFactor: kafka.replicationFactor,
    packMessages: kafka.packMessages,
    closeTimeoutMs: kafka.closeTimeoutMs,
    ...(logger === undefined ? {} : kafkaCallbacksOf(logger)),
  });
}

function kafkaCallbacksOf(logger: Logger) {
  const bus = logger.child({ component: "bus" });
  return {
    onLog: kafkaLogTo(logger),
    onHandlerError: (err: unknown, failure: object) =>
      bus.warn({ err, ...failure }, "bus handler rejected a batch; redelivering"),
    onAssignError: (err: unknown, info: object) => bus.error({ err, ...info }, "bus onAssigned rejected"),
    onDecodeError: (err: unknown, info: object) =>
      bus.error({ err, ...info }, "bus skipped an undecodable message"),
  };
}

type Readiness = { ok: boolean; detail: string };

/**
 * Every check of a service's readiness: ready when all are, the detail naming each
 * (`store: ok; bus: kafka: consumer of group "writer" on "readings" crashed …`). A check that
 * throws counts as not ready, with its error as the reason.
 */
export async function readinessOf(
  checks: Readonly<Record<string, () => Promise<Readiness>>>,
): Promise<Readiness> {
  const names = Object.keys(checks);
  const outcomes = await Promise.all(
    names.map((name) =>
      (checks[name] as () => Promise<Readiness>)().catch(
        (error: unknown): Readiness => ({
          ok: false,
          detail: error instanceof Error ? error.message : String(error),
        }),
      ),
    ),
  );
  return {
    ok: outcomes.every((o) => o.ok),
    detail: names.map((name, i) => `${name}: ${outcomes[i]?.detail}`).join("; "),
  };
}

/**
 * The notifier's MQTT alerts channel as readiness: its own client's state (connected, or not with
 * the client's reason), not a probe of the broker from here, so a broker that accepts TCP but
 * refuses the client (login, protocol) is not ready either.
 */
export function mqttChannelReadiness(notifier: Pick<Notifier, "mqttState">, url: string): Readiness {
  const state = notifier.mqttState();
  if (state === undefined) return { ok: false, detail: `no MQTT client for ${redactUrl(url)}` };
  if (state.connected) return { ok: true, detail: "ok" };
  return { ok: false, detail: `MQTT broker ${redactUrl(url)} not connected: ${state.reason}` };
}

/**
 * Starts the bus; Kafka brokers that cannot be reached become a CliError naming them and the
 * setting (kafkajs reports "number of retries exceeded" with the connection error as its cause).
 */
export async function startBusFromConfig(bus: Bus, config: QingshanConfig): Promise<void> {
  try {
    await bus.start();
  } catch (error) {
    const code = systemCode(error);
    if (config.bus.kind !== "kafka" || code === undefined) throw error;
    throw new CliError(
      `the Kafka brokers ${config.bus.kafka.brokers} are not reachable (${code}): ` +
        "start Kafka, or set bus.kafka.brokers (QINGSHAN_KAFKA_BROKERS) to where it listens",
      { cause: error },
    );
  }
}

/**
 * Starts an HTTP server through `listen`; a port already in use becomes a CliError naming the
 * setting.
 */
export async function listenHttp<T>(config: QingshanConfig, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    if ((error as { code?: unknown }).code !== "EADDRINUSE") throw error;
    throw new CliError(
      `HTTP port ${config.http.port} is already in use: set http.port (QINGSHAN_HTTP_PORT) to a free port`,
      { cause: error },
    );
  }
}

/**
 * Starts the store, retrying while it is unavailable (an InfluxDB that is still starting or
 * briefly down): the services that need it wait instead of exiting. A DuckDB file held by another
 * process (store.locked) fails at once: that lock lasts as long as the other Qingshan runs, and
 * the message names the data directory to change.
 */
export async function startStoreWithRetry(
  store: TimeSeriesStore,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.start();
      return;
    } catch (error) {
      if (error instanceof StoreError && error.code === "store.locked") {
        // The store's message says it all; DuckDB's own text (same file, same PID) stays in the
        // cause chain for --debug instead of being appended to the line.
        throw new CliError(error.message, { cause: error });
      }
      const retryable = (error as { retryable?: boolean }).retryable === true;
      if (!retryable || signal?.aborted) throw error;
      const delayMs = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
      // The message only: the stack of the same error on every retry says nothing new.
      logger.warn(
        { error: (error as Error).message, attempt, delayMs },
        "store unavailable at start; waiting for it and retrying (the error names the setting to check)",
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * The MQTT broker stations publish to: mqtt.url, else the embedded broker `qingshan start` serves
 * (reached on 127.0.0.1 when it listens on every address, as ingest's embedded broker reports it).
 * Undefined when that broker's port is picked at start (mqtt.embeddedPort 0).
 *
 * @example
 * brokerUrlOf(loadConfig({ env: { QINGSHAN_MQTT_PORT: "1884" } })); // "mqtt://127.0.0.1:1884"
 */
export function brokerUrlOf(config: Pick<QingshanConfig, "mqtt">): string | undefined {
  if (config.mqtt.url) return config.mqtt.url;
  if (config.mqtt.embeddedPort === 0) return undefined;
  const host = ["0.0.0.0", "::"].includes(config.mqtt.embeddedHost) ? "127.0.0.1" : config.mqtt.embeddedHost;
  return `mqtt://${host.includes(":") ? `[${host}]` : host}:${config.mqtt.embeddedPort}`;
}

/** The public base URL for links in notifications. */
export function publicUrlOf(config: QingshanConfig, port = config.http.port): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, "");
  const host = config.http.host === "0.0.0.0" ? "localhost" : config.http.host;
  return `http://${host}:${port}`;
}

/**
 * Ingest's MQTT client id when mqtt.clientId is empty: `qingshan-ingest-{hostname}`, and
 * `-{http.port}` after it when http.port is not the default 8080 (nor 0, any free port). Two
 * processes on one host serve /readyz on different ports, so their ids differ, and an instance
 * keeps its id across restarts (its persistent session holds what arrived meanwhile); a
 * container's hostname is already unique. Ids stay as they were at 8080, so an upgrade strands
 * no session.
 *
 * @example
 * defaultIngestClientId({ http: { port: 8081 } }, "vm") // "qingshan-ingest-vm-8081"
 */
export function defaultIngestClientId(config: Pick<QingshanConfig, "http">, host = hostname()): string {
  const port = config.http.port === 8080 || config.http.port === 0 ? "" : `-${config.http.port}`;
  const base = `qingshan-ingest-${host.replace(/[^A-Za-z0-9_.-]/g, "-")}`;
  return `${base.slice(0, 60 - port.length)}${port}`;
}

/**
 * Ingest's configuration from Qingshan's: the settings the file has (units converted), the others
 * at ingest's defaults.
 *
 * @example
 * ingestConfigOf(loadConfig({ env: { QINGSHAN_MQTT_MAX_IN_FLIGHT: "200" } })).mqtt.maxInFlight; // 200
 */
export function ingestConfigOf(config: QingshanConfig) {
  const { mqtt } = config;
  return {
    mqtt: {
      ...(mqtt.url ? { url: mqtt.url } : {}),
      embeddedPort: mqtt.embeddedPort,
      embeddedHost: mqtt.embeddedHost,
      clientId: mqtt.clientId || defaultIngestClientId(config),
      shareGroup: mqtt.shareGroup,
      ...(mqtt.username ? { username: mqtt.username } : {}),
      ...(mqtt.password ? { password: mqtt.password } : {}),
      protocolVersion: mqtt.protocolVersion,
      connections: mqtt.connections,
      maxInFlight: mqtt.maxInFlight,
      sessionExpirySeconds: mqtt.sessionExpirySeconds,
      leaveOnStop: mqtt.leaveOnStop,
      keepaliveSeconds: mqtt.keepaliveSeconds,
      reconnectPeriodMs: mqtt.reconnectPeriodMs,
      // The notifier publishes alert events on the same broker: not station input.
      ownTopics: [`${parseNotifierConfig(config.notifier as NotifierConfig).mqtt.topicPrefix}/#`],
    },
    hj212: {
      tcpPort: config.hj212.tcpPort,
      tcpHost: config.hj212.tcpHost,
      splitTimeoutMs: config.hj212.splitTimeoutMs,
      maxPendingSplitMessages: config.hj212.maxPendingSplitMessages,
      maxPendingSplitBytes: config.hj212.maxPendingSplitBytes,
      clockSetting: config.hj212.clockSetting,
      clockSetIntervalMs: config.hj212.clockSetIntervalMs,
      slowClockThresholdMs: config.hj212.slowClockThresholdMs,
    },
    limits: {
      maxLatenessMs: Math.round(config.ingest.maxLatenessHours * HOUR_MS),
      maxFutureSkewMs: Math.round(config.ingest.maxFutureSkewSeconds * 1000),
      maxPayloadBytes: config.ingest.maxPayloadBytes,
    },
  };
}

/** CONNACK codes of a refused login: MQTT 3.1.1 §3.2.2.3 (4, 5), MQTT 5.0 §3.2.2.2 (0x86, 0x87). */
const LOGIN_REFUSED_CODES = new Set([4, 5, 0x86, 0x87]);

/** `url` with the password of its user information, if any, hidden. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * The broker's refusal of ingest's login as a CliError naming the broker and the settings
 * (never the password), or undefined for any other failure.
 */
export function loginRefusal(error: unknown, mqtt: QingshanConfig["mqtt"]): CliError | undefined {
  if (!mqtt.url) return undefined;
  const refusal = causeChain(error).find((e): e is Error => {
    const code = (e as { code?: unknown }).code;
    return e instanceof Error && typeof code === "number" && LOGIN_REFUSED_CODES.has(code);
  });
  if (refusal === undefined) return undefined;
  const who = mqtt.username ? `the user "${mqtt.username}"` : "a client without user name";
  return new CliError(
    `the MQTT broker ${redactUrl(mqtt.url)} refused the login of ${who} (${refusal.message}): ` +
      "set mqtt.username and mqtt.password (QINGSHAN_MQTT_USERNAME, QINGSHAN_MQTT_PASSWORD) to an account of that broker",
    { cause: refusal },
  );
}

export async function startIngestService(ctx: ServiceContext): Promise<RunningService & { ingest: Ingest }> {
  const ingest = createIngest(ingestConfigOf(ctx.config), {
    bus: ctx.bus,
    registry: ctx.registry,
    logger: ctx.logger.child({ service: "ingest" }),
    ...(ctx.metricsRegistry ? { metricsRegistry: ctx.metricsRegistry } : {}),
  });
  try {
    await ingest.start();
  } catch (error) {
    throw loginRefusal(error, ctx.config.mqtt) ?? error;
  }
  return {
    ingest,
    stop: () => ingest.stop(),
    ready: () => readinessOf({ ingest: async () => ingest.ready(), bus: () => ctx.bus.health() }),
  };
}

/**
 * The writer's readings log: `writer.log.dir` when set, else `{dataDir}/writer-log` with the
 * in-process bus (acknowledged readings are synced there before they are stored in larger writes),
 * none with Kafka (Kafka keeps what the writer has not acknowledged).
 */
function readingsLogDir(config: QingshanConfig, settings: Readonly<WriterSettings>): string | null {
  const stated = (config.writer as WriterConfig).log as { dir?: string | null } | undefined;
  if (stated?.dir !== undefined) return settings.log.dir;
  return config.bus.kind === "memory" ? join(config.dataDir, "writer-log") : null;
}

/** The writer with the config's `writer` section (its `readingsGroup` is the evaluator's `writerGroup`). */
export async function startWriterService(
  ctx: ServiceContext,
  store: TimeSeriesStore,
): Promise<RunningService> {
  const settings = writerSettingsOf(ctx.config);
  const writer = createWriter({
    ...settings,
    log: { ...settings.log, dir: readingsLogDir(ctx.config, settings) },
    bus: ctx.bus,
    store,
    logger: ctx.logger.child({ service: "writer" }),
    ...(ctx.metricsRegistry ? { registry: ctx.metricsRegistry } : {}),
  });
  await writer.start();
  return {
    stop: () => writer.stop(),
    ready: () => readinessOf({ store: () => store.health(), bus: () => ctx.bus.health() }),
  };
}

/**
 * The evaluator with the config's `evaluator` section; on a partition takeover it waits for the
 * writer's `readingsGroup` (evaluatorSettingsOf), so the two cannot drift apart.
 */
/** The rules file's absolute path: `evaluator.rulesFile` relative to `root`. */
export function rulesFileOf(config: QingshanConfig, root: string): string {
  return resolve(root, evaluatorSettingsOf(config).rulesFile);
}

/**
 * The evaluator's rules: `evaluator.rulesFile` (relative to `root`), validated against the
 * station registry and the NOI grade table in force. `start` and `run evaluator` load them before
 * opening anything, so a rules file with errors stops them at once with its errors only.
 *
 * @example
 * loadEvaluatorRules(config, registry, process.cwd()) // RulesError "config/rules.yaml: rule …" when invalid
 */
export function loadEvaluatorRules(
  config: QingshanConfig,
  registry: StationRegistry,
  root: string,
): readonly Rule[] {
  const rulesFile = rulesFileOf(config, root);
  const rules = loadRulesFile(rulesFile, { registry });
  assertRulesFollowNoiScheme(rules, config.noi.scheme, rulesFile);
  return rules;
}

export async function startEvaluatorService(
  ctx: ServiceContext,
  store: TimeSeriesStore,
  root: string,
  rules: readonly Rule[] = loadEvaluatorRules(ctx.config, ctx.registry, root),
): Promise<RunningService> {
  const settings = evaluatorSettingsOf(ctx.config);
  const evaluator = createEvaluator(settings, {
    bus: ctx.bus,
    store,
    registry: ctx.registry,
    rules,
    logger: ctx.logger.child({ service: "evaluator" }),
    ...(ctx.metricsRegistry ? { metricsRegistry: ctx.metricsRegistry } : {}),
    // The same AQI settings as the API's (startApiService), so alerts and /aqi agree.
    aqi: ctx.config.air,
    // The same NOI grade table as the API's, so NOI alerts and /noi/grade agree.
    noiScheme: ctx.config.noi.scheme,
  });
  await evaluator.start();
  return {
    stop: () => evaluator.stop(),
    ready: () => readinessOf({ store: () => store.health(), bus: () => ctx.bus.health() }),
  };
}

/**
 * Refuses, before the evaluator starts, a noi_grade rule whose `subject.scheme` names another
 * table than the configuration's `noi.scheme`: the table is set once, so that the NOI alerts and
 * the API cannot grade by different tables (the rule engine refuses it too, with less context).
 *
 * @example
 * assertRulesFollowNoiScheme(rules, "candidate-a", "/srv/qingshan/config/rules.yaml")
 * // ConfigError: /srv/qingshan/config/rules.yaml: rule "noi-grade": subject.scheme is candidate-b, but …
 */
export function assertRulesFollowNoiScheme(
  rules: readonly Rule[],
  setting: QingshanConfig["noi"]["scheme"],
  rulesFile: string,
): void {
  const inForce = typeof setting === "string" ? setting : setting.id;
  const conflict = noiSchemeConflict(rules, inForce);
  if (conflict === undefined) return;
  const { rule, named } = conflict;
  throw new ConfigError(
    `${rulesFile}: rule "${rule.id}": subject.scheme is ${named}, but the configuration's noi.scheme is ${inForce}; ` +
      "the NOI grade table is set once, in noi.scheme, for the alerts and the API alike: " +
      `leave scheme out of the rule${typeof setting === "string" ? `, or set noi.scheme: ${named}` : ""}`,
  );
}

/**
 * The evaluator's rules for the API (GET /rules, alerts' ruleDescription). A rules file that cannot
 * be loaded here is only logged: the API then answers GET /rules with 503 and the evaluator reports
 * the file's errors.
 */
function apiRulesOf(ctx: ServiceContext, root: string): ReturnType<typeof loadRulesFile> | undefined {
  const rulesFile = resolve(root, evaluatorSettingsOf(ctx.config).rulesFile);
  try {
    return loadRulesFile(rulesFile, { registry: ctx.registry });
  } catch (error) {
    ctx.logger.warn(
      { err: error, rulesFile },
      "rules not loadable here; the API serves no rule descriptions",
    );
    return undefined;
  }
}

/**
 * Fails when a rule routes its alerts to a route the notifier configuration does not define: a
 * ConfigError with one line per problem, each naming the rules file, the rule, the route and the
 * routes defined. A rules file that cannot be loaded here is only logged: the evaluator reports
 * its errors, and the notifier warns about unknown routes on the first alert routed to one.
 * `start` and `run notifier` call it before anything opens.
 */
export function checkRuleRoutes(
  ctx: Pick<ServiceContext, "config" | "registry" | "logger">,
  settings: Pick<NotifierSettings, "routes">,
  root: string,
): void {
  const rulesFile = resolve(root, parseEvaluatorConfig(ctx.config.evaluator as EvaluatorConfig).rulesFile);
  let rules: ReturnType<typeof loadRulesFile>;
  try {
    rules = loadRulesFile(rulesFile, { registry: ctx.registry });
  } catch (error) {
    // The reason without a stack: the file's problems are the evaluator's to report.
    ctx.logger.warn(
      { rulesFile, reason: (error as Error).message },
      "rules not loadable here; their routes are not checked at start",
    );
    return;
  }
  assertRulesRouteToNotifier(rules, settings, rulesFile);
}

/**
 * Every route the enabled `rules` name must be one of the notifier's routes; else a ConfigError,
 * one line per problem, each naming the rules file (as the rules file's own errors do).
 *
 * @example
 * assertRulesRouteToNotifier(rules, parseNotifierConfig({}), "/srv/rules.yaml");
 * // ConfigError: /srv/rules.yaml: rule "pm25-high": routing.routes: "dutty" is not a notifier route (notifier.routes: duty, publication) …
 */
export function assertRulesRouteToNotifier(
  rules: readonly Rule[],
  settings: Pick<NotifierSettings, "routes">,
  rulesFile: string,
): void {
  try {
    assertRuleRoutes(rules, settings, rulesFile);
  } catch {
    const defined = settings.routes.map((r) => r.name);
    const lines = rules
      .filter((rule) => rule.enabled !== false)
      .flatMap((rule) =>
        rule.routing.routes
          .filter((name) => !defined.includes(name))
          .map(
            (name) =>
              `${rulesFile}: rule "${rule.id}": routing.routes: "${name}" is not a notifier route ` +
              `(notifier.routes: ${defined.join(", ") || "none"}); add it to notifier.routes in the configuration or change the rule's routing.routes`,
          ),
      );
    throw new ConfigError(lines.join("\n"));
  }
}

/**
 * Creates the data directory (`dataDir`) before anything starts; a path that cannot be one (a
 * file on the way, no permission, a read-only file system) is a ConfigError naming the setting.
 *
 * @example
 * ensureDataDir(loadConfig({ env: { QINGSHAN_DATA_DIR: "/etc/passwd/sub" } }));
 * // ConfigError: dataDir: cannot create the data directory /etc/passwd/sub: a path component is a file, not a directory (ENOTDIR); …
 */
export function ensureDataDir(config: Pick<QingshanConfig, "dataDir">): void {
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reasons: Record<string, string> = {
      ENOTDIR: "a path component is a file, not a directory",
      EEXIST: "a file of that name exists",
      EACCES: "permission denied",
      EPERM: "permission denied",
      EROFS: "read-only file system",
      ENOSPC: "no space left on the device",
    };
    const reason =
      typeof code === "string"
        ? `${reasons[code] ?? "cannot be created"} (${code})`
        : (error as Error).message;
    throw new ConfigError(
      `dataDir: cannot create the data directory ${config.dataDir}: ${reason}; ` +
        "set dataDir (QINGSHAN_DATA_DIR) to a directory Qingshan may write",
    );
  }
}

/**
 * What needs raw readings, and how many hours back: raw readings must outlive
 * - `ingest.maxLatenessHours`: a live reading (or a station's resend of one) may arrive that late;
 *   a resend of a reading retention already deleted would be merged into its hour once more
 *   (DuckDB: counted twice) or make InfluxDB recompute the hour from the resend alone;
 * - the evaluator's rebuild, which reads raw readings over max(`evaluator.qualityHours`,
 *   `evaluator.latenessMs` + 1 h) and hourly aggregates only before that: hours whose raw readings
 *   are gone inside that span would be missing from its windows.
 *
 * @example
 * rawReadingsNeeds(loadConfig()); // [{ setting: "ingest.maxLatenessHours", hours: 168, … }, …]
 */
export function rawReadingsNeeds(
  config: QingshanConfig,
): Array<{ setting: string; hours: number; why: string }> {
  const evaluator = evaluatorSettingsOf(config);
  return [
    {
      setting: "ingest.maxLatenessHours",
      hours: config.ingest.maxLatenessHours,
      why: "a reading resent that late would be counted again in its hour",
    },
    {
      setting: "evaluator.qualityHours",
      hours: evaluator.qualityHours,
      why: "the evaluator's rebuild reads raw readings over it, hourly aggregates only before",
    },
    {
      setting: "evaluator.latenessMs",
      hours: evaluator.latenessMs / HOUR_MS + 1,
      why: "the evaluator's rebuild reads raw readings over it plus 1 h",
    },
  ];
}

/**
 * Refuses, before anything starts, a `store.rawReadingsDays` shorter than what rawReadingsNeeds
 * names: retention would delete raw readings still needed. One line naming each setting at stake.
 *
 * @example
 * checkRetentionSettings(config); // ConfigError: store.rawReadingsDays: 1 (24 h) is shorter than …
 */
export function checkRetentionSettings(config: QingshanConfig): void {
  const days = config.store.rawReadingsDays;
  if (days === null) return;
  const short = rawReadingsNeeds(config).filter((need) => need.hours > days * 24);
  if (short.length === 0) return;
  const leastDays = Math.ceil((Math.max(...short.map((n) => n.hours)) / 24) * 100) / 100;
  throw new ConfigError(
    `store.rawReadingsDays: ${days} (${days * 24} h) is shorter than Qingshan still needs raw readings: ` +
      short.map((n) => `${n.setting} ${n.hours} h (${n.why})`).join("; ") +
      `; set store.rawReadingsDays to at least ${leastDays}, or lower ${short.map((n) => n.setting).join(" and ")}`,
  );
}

/** When retention runs: at start, then daily at this Beijing time (UTC+8, no daylight saving). */
export const RETENTION_BEIJING_HOUR = 3;

/** The next daily retention run strictly after `now` (03:00 Beijing time). */
export function nextRetentionRun(now: number): number {
  const today = beijingDayStart(now) + RETENTION_BEIJING_HOUR * HOUR_MS;
  return today > now ? today : today + DAY_MS;
}

export interface RetentionJob {
  /** Runs retention now (what the schedule runs); resolves when done, never rejects. */
  runNow(): Promise<void>;
  /** Cancels the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Applies the store's retention (`store.rawReadingsDays`, `store.deadLetterDays`) at start and then
 * daily at 03:00 Beijing time, logging what was deleted; a failed run is logged at error and the
 * next one tries again. Hourly aggregates, `latest` and alert events are never deleted. Runs in
 * the process that owns the store's writes: `qingshan start`, or `qingshan run writer`.
 *
 * @example
 * const retention = startRetention(store, config, logger);
 * await retention.stop(); // before store.stop()
 */
export function startRetention(
  store: Pick<TimeSeriesStore, "applyRetention">,
  config: QingshanConfig,
  logger: Logger,
  clock: () => number = Date.now,
): RetentionJob {
  const log = logger.child({ component: "retention" });
  const { rawReadingsDays, deadLetterDays } = config.store;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const cutoff = (days: number | null, now: number) =>
    days === null
      ? "kept forever"
      : `older than ${new Date(now - days * DAY_MS).toISOString()} (${countOf(days, "day")})`;

  async function apply(): Promise<void> {
    const now = clock();
    try {
      const result = await store.applyRetention(now);
      log.info(
        { ...result, rawReadingsDays, deadLetterDays, at: new Date(now).toISOString() },
        `retention: deleted ${countOf(result.readingsDeleted, "raw reading")} ${cutoff(rawReadingsDays, now)} ` +
          `and ${countOf(result.deadLettersDeleted, "dead letter")} ${cutoff(deadLetterDays, now)}; ` +
          "hourly aggregates, latest values and alert events are kept",
      );
    } catch (error) {
      log.error({ err: error }, "retention: run failed; the next run tries again");
    }
  }
  function runNow(): Promise<void> {
    running ??= apply().finally(() => {
      running = undefined;
    });
    return running;
  }
  function arm(): void {
    if (stopped) return;
    // At most a day ahead: a long setTimeout is fine, but a clock changed meanwhile is caught daily.
    const delay = Math.max(0, Math.min(nextRetentionRun(clock()) - clock(), DAY_MS));
    timer = setTimeout(() => {
      void runNow().then(arm);
    }, delay);
    timer.unref();
  }
  if (rawReadingsDays === null && deadLetterDays === null) {
    log.info(
      "retention: store.rawReadingsDays and store.deadLetterDays are null: raw readings and dead letters are kept forever",
    );
  } else {
    void runNow();
    arm();
  }
  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * The login of a client other than ingest (the demo simulator) on the broker at `url`:
 * mqtt.username / mqtt.password when `url` is the external broker mqtt.url, else none (the
 * embedded broker admits any client; another broker's login belongs in its URL).
 *
 * @example
 * brokerLoginOf("mqtt://mosquitto:1883", { url: "mqtt://mosquitto:1883", username: "qs", password: "pw" });
 * // { username: "qs", password: "pw" }
 */
export function brokerLoginOf(
  url: string,
  mqtt: Pick<QingshanConfig["mqtt"], "url" | "username" | "password">,
): { username?: string; password?: string } {
  if (!mqtt.url || url !== mqtt.url) return {};
  return {
    ...(mqtt.username ? { username: mqtt.username } : {}),
    ...(mqtt.password ? { password: mqtt.password } : {}),
  };
}

/**
 * The notifier. `mqttUrl`: where the alerts topic is published (the embedded broker in `start`,
 * mqtt.url in `run`, with ingest's login there); empty turns the MQTT channel off.
 */
export async function startNotifierService(
  ctx: ServiceContext,
  store: TimeSeriesStore,
  options: { mqttUrl: string; publicUrl: string; root: string },
): Promise<RunningService> {
  const raw = ctx.config.notifier as NotifierConfig;
  const configured = parseNotifierConfig(raw);
  const mqttUrl = configured.mqtt.url || options.mqttUrl;
  // mqtt.username / mqtt.password log in on mqtt.url, as ingest does, unless the notifier has its own.
  const login = configured.mqtt.username ? configured.mqtt : brokerLoginOf(mqttUrl, ctx.config.mqtt);
  checkRuleRoutes(ctx, configured, options.root);
  // Files default to the data directory, not the working directory.
  const notifier = createNotifier(
    {
      ...configured,
      publicUrl: options.publicUrl,
      email: { ...configured.email, outboxDir: raw.email?.outboxDir ?? join(ctx.config.dataDir, "outbox") },
      spoolFile: raw.spoolFile ?? join(ctx.config.dataDir, "notifier-spool.jsonl"),
      mqtt: {
        ...configured.mqtt,
        url: mqttUrl,
        username: login.username ?? "",
        password: login.password ?? "",
        enabled: configured.mqtt.enabled && mqttUrl !== "",
      },
    },
    {
      bus: ctx.bus,
      store,
      registry: ctx.registry,
      logger: ctx.logger.child({ service: "notifier" }),
      ...(ctx.metricsRegistry ? { metricsRegistry: ctx.metricsRegistry } : {}),
      // The evaluator's NOI grade table (startEvaluatorService): reminders grade values by it.
      noiScheme: ctx.config.noi.scheme,
    },
  );
  await notifier.start();
  const mqttChannel = configured.mqtt.enabled && mqttUrl !== "";
  return {
    stop: () => notifier.stop(),
    ready: () =>
      readinessOf({
        store: () => store.health(),
        bus: () => ctx.bus.health(),
        ...(mqttChannel ? { mqtt: async () => mqttChannelReadiness(notifier, mqttUrl) } : {}),
      }),
  };
}

export async function startApiService(
  ctx: ServiceContext,
  store: TimeSeriesStore,
  options: { ingest?: Ingest; readiness?: ApiDeps["readiness"]; root?: string } = {},
): Promise<RunningService & { url: string }> {
  const { config, bus } = ctx;
  const rules = apiRulesOf(ctx, options.root ?? process.cwd());
  // Without an ingest service in this process, imports go through a local pipeline on the same bus.
  const pipeline =
    options.ingest?.pipeline ??
    createIngestPipeline({
      bus,
      registry: ctx.registry,
      limits: ingestConfigOf(config).limits,
      metrics: createIngestMetrics(ctx.metricsRegistry),
    });
  const app = createApp({
    store,
    registry: ctx.registry,
    bus,
    publicUrl: publicUrlOf(config),
    logger: false,
    busDepth: () => bus.depth(),
    // GET /warning names the levels of the document the evaluator's warning rule follows.
    alerting: { warningPreset: evaluatorSettingsOf(config).warningPreset },
    water: { phAveraging: config.water.phAveraging },
    // The same AQI settings as the evaluator's (startEvaluatorService).
    pmRealtimeBasis2012: config.air.pmRealtimeBasis2012,
    concentrationRounding2026: config.air.concentrationRounding2026,
    // The same NOI grade table as the evaluator's (startEvaluatorService).
    noiScheme: config.noi.scheme,
    // GET /rules and each alert's ruleDescription come from the evaluator's rules file.
    ...(rules ? { rules } : {}),
    ...(ctx.metricsRegistry ? { metricsRegistry: ctx.metricsRegistry } : {}),
    readiness: { store: () => store.health(), bus: () => bus.health(), ...options.readiness },
    submit: (topic, text, { source, backfill: isBackfill }) =>
      pipeline.submitJson(topic, text, {
        source,
        origin: "http-api",
        ...(isBackfill ? { limits: BACKFILL_LIMITS } : {}),
      }),
  });
  const api = await listenHttp(config, () =>
    startApi(app, { port: config.http.port, host: config.http.host }),
  );
  const host = config.http.host === "0.0.0.0" ? "localhost" : config.http.host;
  return {
    url: `http://${host}:${api.port}`,
    stop: () => app.close(),
    ready: () => readinessOf({ store: () => store.health(), bus: () => bus.health() }),
  };
}
