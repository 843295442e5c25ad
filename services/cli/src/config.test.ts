import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KafkaBus } from "@qingshan/bus";
import { parseIngestConfig } from "@qingshan/ingest";
import { parseNotifierConfig } from "@qingshan/notifier";
import { loadStationRegistry } from "@qingshan/simulator";
import type { DuckDbStore } from "@qingshan/store";
import { freePort } from "@qingshan/testkit";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import {
  ConfigError,
  evaluatorSettingsOf,
  loadConfig,
  unknownEnvVars,
  unknownEnvVarsWarning,
  writerSettingsOf,
} from "./config.ts";
import {
  brokerLoginOf,
  createBusFromConfig,
  createStoreFromConfig,
  defaultIngestClientId,
  ingestConfigOf,
  redactUrl,
} from "./services.ts";
import { startPipeline } from "./start.ts";

const root = join(import.meta.dirname, "../../..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The shipped configuration with some sections replaced, as a file; its path. */
function shippedWith(sections: {
  writer?: object;
  evaluator?: object;
  bus?: object;
  hj212?: object;
  [key: string]: unknown;
}): string {
  const shipped = parseYaml(readFileSync(join(root, "config/qingshan.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  const dir = mkdtempSync(join(tmpdir(), "qs-config-"));
  dirs.push(dir);
  const file = join(dir, "qingshan.yaml");
  writeFileSync(file, stringifyYaml({ ...shipped, ...sections }));
  return file;
}

describe("loadConfig", () => {
  it("loads the shipped defaults with absolute paths", () => {
    const config = loadConfig({ root, env: {} });
    expect(config.mqtt).toEqual({
      url: "",
      embeddedPort: 1883,
      embeddedHost: "0.0.0.0",
      clientId: "",
      shareGroup: "qingshan",
      username: "",
      password: "",
      // Ingest's own defaults (services/ingest/src/config.ts), not restated by the CLI.
      protocolVersion: 5,
      connections: 1,
      maxInFlight: 4000,
      sessionExpirySeconds: 7 * 86_400,
      leaveOnStop: false,
      keepaliveSeconds: 30,
      reconnectPeriodMs: 1000,
    });
    expect(config.store.duckdb).toEqual({ threads: null, memoryLimit: null });
    expect(config.bus.kind).toBe("memory");
    expect(config.store.kind).toBe("duckdb");
    expect(config.http.port).toBe(8080);
    expect(config.stations).toBe(join(root, "seeds/liandu/stations.json"));
    expect(config.dataDir).toBe(join(root, "data"));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("applies environment overrides with types", () => {
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_MQTT_PORT: "1884",
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_DATA_DIR: "/tmp/q",
        QINGSHAN_MQTT_URL: "mqtt://127.0.0.1:1883",
      },
    });
    expect(config.mqtt.embeddedPort).toBe(1884);
    expect(config.mqtt.url).toBe("mqtt://127.0.0.1:1883");
    expect(config.simulator.enabled).toBe(false);
    expect(config.dataDir).toBe("/tmp/q");
  });

  it("names the variable or setting that is wrong", () => {
    expect(() => loadConfig({ root, env: { QINGSHAN_HTTP_PORT: "eighty" } })).toThrow(
      'QINGSHAN_HTTP_PORT="eighty" (setting http.port): http.port: expected an integer',
    );
    const dir = mkdtempSync(join(tmpdir(), "qs-config-"));
    writeFileSync(
      join(dir, "bad.yaml"),
      "stations: s.json\ndataDir: d\nmqtt: { embeddedPort: 70000 }\nhj212: {}\nhttp: {}\ningest: {}\nstore: {}\nsimulator: {}\n",
    );
    expect(() => loadConfig({ root: dir, env: {}, file: "bad.yaml" })).toThrow(
      /bad\.yaml: mqtt\.embeddedPort: Too big/,
    );
  });

  it("blames the environment variable, with its value, when the bad value came from one", () => {
    const file = join(root, "config/qingshan.yaml");
    const lateness = () => loadConfig({ root, env: { QINGSHAN_MAX_LATENESS_HOURS: "-1" } });
    expect(lateness).toThrow(ConfigError);
    expect(lateness).toThrow(
      /^QINGSHAN_MAX_LATENESS_HOURS="-1" \(setting ingest\.maxLatenessHours\): ingest\.maxLatenessHours: Too small/,
    );
    expect(lateness).not.toThrow(file);
    const scenario = () => loadConfig({ root, env: { QINGSHAN_SIMULATOR_SCENARIO: "heavy-polution" } });
    expect(scenario).toThrow(
      /^QINGSHAN_SIMULATOR_SCENARIO="heavy-polution" \(setting simulator\.scenario\): simulator\.scenario: Invalid option/,
    );
    // A section validated by its service's own schema: the variable that broke it is named.
    expect(() => loadConfig({ root, env: { QINGSHAN_SMTP_PORT: "0" } })).toThrow(
      /^QINGSHAN_SMTP_PORT="0" \(setting notifier\.email\.smtp\.port\): notifier: /,
    );
  });

  it("blames the file when the bad value is in it, even with unrelated variables set", () => {
    const file = shippedWith({ writer: { maxBatch: 0 } });
    expect(() => loadConfig({ root, env: { QINGSHAN_HTTP_PORT: "8081" }, file })).toThrow(
      `config ${file}: writer: `,
    );
    const dir = mkdtempSync(join(tmpdir(), "qs-config-"));
    dirs.push(dir);
    writeFileSync(
      join(dir, "bad.yaml"),
      "stations: s.json\ndataDir: d\nmqtt: {}\nhj212: {}\nhttp: {}\ningest: { maxLatenessHours: 0 }\nstore: {}\nsimulator: {}\n",
    );
    expect(() =>
      loadConfig({ root: dir, env: { QINGSHAN_SIMULATOR_SCENARIO: "clean-week" }, file: "bad.yaml" }),
    ).toThrow(/bad\.yaml: ingest\.maxLatenessHours: Too small.* \(the file has 0\)$/);
    // The wrong value of the file is shown, as a variable's is; a secret's never.
    const typo = shippedWith({ http: { port: "eighty", host: "0.0.0.0" } });
    expect(() => loadConfig({ root, env: {}, file: typo })).toThrow(
      /http\.port: .*expected number.* \(the file has "eighty"\)$/,
    );
  });

  it("names the file and the key path of an unknown key, not a variable that set a sibling", () => {
    const file = shippedWith({ hj212: { tcpPort: 9212, tcpHots: "127.0.0.1" } });
    const load = () => loadConfig({ root, env: { QINGSHAN_HJ212_PORT: "0" }, file });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      `config ${file}: hj212.tcpHots: unknown setting; did you mean tcpHost? (hj212 accepts tcpPort, tcpHost, splitTimeoutMs, maxPendingSplitMessages, maxPendingSplitBytes, clockSetting, clockSetIntervalMs, slowClockThresholdMs)`,
    );
    expect(load).not.toThrow("QINGSHAN_HJ212_PORT");
    const topLevel = shippedWith({ dataDirectory: "/srv/q" });
    expect(() => loadConfig({ root, env: { QINGSHAN_DATA_DIR: "/tmp/q" }, file: topLevel })).toThrow(
      `config ${topLevel}: dataDirectory: unknown setting; the file accepts stations, dataDir, mqtt,`,
    );
  });

  it("blames a variable only for the setting it sets", () => {
    const file = shippedWith({ hj212: { tcpPort: 9212, tcpHost: "127.0.0.1" } });
    expect(() => loadConfig({ root, env: { QINGSHAN_HJ212_PORT: "70000" }, file })).toThrow(
      /^QINGSHAN_HJ212_PORT="70000" \(setting hj212\.tcpPort\): hj212\.tcpPort: Too big/,
    );
    expect(loadConfig({ root, env: { QINGSHAN_HJ212_PORT: "0" }, file }).hj212).toEqual({
      tcpPort: 0,
      tcpHost: "127.0.0.1",
      // Ingest's own defaults (services/ingest/src/config.ts), not restated by the CLI.
      splitTimeoutMs: 60_000,
      maxPendingSplitMessages: 1000,
      maxPendingSplitBytes: 16 * 1024 * 1024,
      clockSetting: "auto",
      clockSetIntervalMs: 600_000,
      slowClockThresholdMs: 120_000,
    });
  });

  it("hj212's clock settings reach ingest from the file; unset, a station's clock is set automatically", () => {
    const file = shippedWith({
      hj212: {
        tcpPort: 9212,
        clockSetting: "off",
        clockSetIntervalMs: 60_000,
        slowClockThresholdMs: 300_000,
      },
    });
    expect(parseIngestConfig(ingestConfigOf(loadConfig({ root, env: {}, file }))).hj212).toMatchObject({
      clockSetting: "off",
      clockSetIntervalMs: 60_000,
      slowClockThresholdMs: 300_000,
    });
    expect(parseIngestConfig(ingestConfigOf(loadConfig({ root, env: {} }))).hj212).toMatchObject({
      clockSetting: "auto",
    });
    const typo = shippedWith({ hj212: { clockSetting: "sometimes" } });
    expect(() => loadConfig({ root, env: {}, file: typo })).toThrow(/hj212\.clockSetting/);
  });

  it("selects the distributed adapters and SMTP from the environment", () => {
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_BUS: "kafka",
        QINGSHAN_KAFKA_BROKERS: "127.0.0.1:9092,127.0.0.1:9093",
        QINGSHAN_STORE: "influx",
        QINGSHAN_INFLUX_URL: "http://127.0.0.1:8086",
        QINGSHAN_SMTP_HOST: "mail.example.org",
        QINGSHAN_SMTP_PORT: "2525",
      },
    });
    expect(config.bus).toMatchObject({ kind: "kafka", kafka: { brokers: "127.0.0.1:9092,127.0.0.1:9093" } });
    expect(config.store).toMatchObject({ kind: "influx", influx: { url: "http://127.0.0.1:8086" } });
    expect(config.notifier).toMatchObject({ email: { smtp: { host: "mail.example.org", port: 2525 } } });
    expect(() => loadConfig({ root, env: { QINGSHAN_BUS: "rabbit" } })).toThrow(/bus\.kind/);
  });

  it("takes bus.kafka.brokers as a YAML list as well as a comma-separated string", () => {
    const listed = shippedWith({
      bus: { kind: "kafka", kafka: { brokers: ["127.0.0.1:9092", "127.0.0.1:9093"] } },
    });
    const config = loadConfig({ root, env: {}, file: listed });
    expect(config.bus.kafka.brokers).toBe("127.0.0.1:9092,127.0.0.1:9093");
    const bus = createBusFromConfig(config) as KafkaBus;
    expect(bus.settings.brokers).toEqual(["127.0.0.1:9092", "127.0.0.1:9093"]);
    expect(() =>
      loadConfig({
        root,
        env: {},
        file: shippedWith({ bus: { kafka: { brokers: ["127.0.0.1:9092", 9093] } } }),
      }),
    ).toThrow(/bus\.kafka\.brokers/);
  });

  it("validates the evaluator and notifier sections at load, naming the field", () => {
    expect(() => loadConfig({ root, env: { QINGSHAN_SMTP_PORT: "0" } })).toThrow(
      /notifier: .*email\.smtp\.port/,
    );
  });

  it("hands bus.kafka.packMessages to the Kafka bus: true by default, false for a rolling upgrade", () => {
    const kafka = { QINGSHAN_BUS: "kafka", QINGSHAN_KAFKA_BROKERS: "127.0.0.1:9092" };
    const packing = createBusFromConfig(loadConfig({ root, env: kafka })) as KafkaBus;
    expect(packing.settings.packMessages).toBe(true);
    const off = shippedWith({
      bus: { kind: "kafka", kafka: { brokers: "127.0.0.1:9092", packMessages: false } },
    });
    const plain = createBusFromConfig(loadConfig({ root, env: {}, file: off })) as KafkaBus;
    expect(plain.settings.packMessages).toBe(false);
    const bad = shippedWith({ bus: { kafka: { packMessages: "no" } } });
    expect(() => loadConfig({ root, env: {}, file: bad })).toThrow(/bus\.kafka\.packMessages/);
  });

  it("hands bus.kafka.closeTimeoutMs to the Kafka bus: its default 3000 ms, or the file's, validated by the bus's schema", () => {
    const kafka = { QINGSHAN_BUS: "kafka", QINGSHAN_KAFKA_BROKERS: "127.0.0.1:9092" };
    const shipped = loadConfig({ root, env: kafka });
    expect(shipped.bus.kafka.closeTimeoutMs).toBe(3000);
    expect((createBusFromConfig(shipped) as KafkaBus).settings.closeTimeoutMs).toBe(3000);
    const quick = shippedWith({
      bus: { kind: "kafka", kafka: { brokers: "127.0.0.1:9092", closeTimeoutMs: 1500 } },
    });
    const bus = createBusFromConfig(loadConfig({ root, env: {}, file: quick })) as KafkaBus;
    expect(bus.settings.closeTimeoutMs).toBe(1500);
    const bad = shippedWith({ bus: { kafka: { closeTimeoutMs: 0 } } });
    expect(() => loadConfig({ root, env: {}, file: bad })).toThrow(
      /qingshan\.yaml: bus\.kafka\.closeTimeoutMs: Too small/,
    );
  });

  it("validates the writer section with the writer's schema, naming the field", () => {
    const file = shippedWith({ writer: { maxBatch: 0 } });
    expect(() => loadConfig({ root, env: {}, file })).toThrow(/qingshan\.yaml: writer: .*maxBatch/);
  });
});

describe("the writer's consumer group and the evaluator's writerGroup", () => {
  it("are both the writer's default when neither is set", () => {
    for (const file of [undefined, shippedWith({ writer: {}, evaluator: {} })]) {
      const config = loadConfig({ root, env: {}, ...(file ? { file } : {}) });
      expect(writerSettingsOf(config).readingsGroup).toBe("writer");
      expect(evaluatorSettingsOf(config).writerGroup).toBe("writer");
    }
  });

  it("the evaluator follows writer.readingsGroup, and the writer's other settings come from its section", () => {
    const file = shippedWith({
      writer: { readingsGroup: "archive", maxBatch: 500, retry: { initialMs: 50, maxMs: 5000 } },
      evaluator: { takeoverWaitMs: 2000 },
    });
    const config = loadConfig({ root, env: {}, file });
    expect(writerSettingsOf(config)).toMatchObject({
      readingsGroup: "archive",
      maxBatch: 500,
      retry: { initialMs: 50, maxMs: 5000 },
      deadLettersGroup: "writer-deadletters",
    });
    expect(evaluatorSettingsOf(config)).toMatchObject({ writerGroup: "archive", takeoverWaitMs: 2000 });
  });

  it("accepts evaluator.writerGroup when it restates the writer's group", () => {
    const both = shippedWith({ writer: { readingsGroup: "archive" }, evaluator: { writerGroup: "archive" } });
    expect(evaluatorSettingsOf(loadConfig({ root, env: {}, file: both })).writerGroup).toBe("archive");
    const defaults = shippedWith({ writer: {}, evaluator: { writerGroup: "writer" } });
    expect(evaluatorSettingsOf(loadConfig({ root, env: {}, file: defaults })).writerGroup).toBe("writer");
  });

  it("refuses to load when evaluator.writerGroup names another group, naming both settings and values", () => {
    const both = shippedWith({
      writer: { readingsGroup: "archive" },
      evaluator: { writerGroup: "writer-2" },
    });
    expect(() => loadConfig({ root, env: {}, file: both })).toThrow(
      `config ${both}: evaluator.writerGroup is "writer-2" but writer.readingsGroup is "archive": ` +
        "the evaluator waits for the writer's consumer group on a partition takeover, so they must name the same group; " +
        "set writer.readingsGroup and leave evaluator.writerGroup out (it follows)",
    );
    const onlyEvaluator = shippedWith({ writer: {}, evaluator: { writerGroup: "archive" } });
    expect(() => loadConfig({ root, env: {}, file: onlyEvaluator })).toThrow(
      'evaluator.writerGroup is "archive" but writer.readingsGroup is "writer" (its default): ',
    );
  });
});

describe("ingest's MQTT settings and the DuckDB store's tuning", () => {
  const mqttFile = {
    url: "mqtt://broker.example:1883",
    username: "ingest",
    password: "file-secret",
    protocolVersion: 4,
    connections: 2,
    maxInFlight: 200,
    sessionExpirySeconds: 3600,
    keepaliveSeconds: 10,
    reconnectPeriodMs: 250,
  };

  it("reach ingest's configuration and the store from the file", () => {
    const shipped = parseYaml(readFileSync(join(root, "config/qingshan.yaml"), "utf8")) as {
      store: Record<string, unknown>;
    };
    const file = shippedWith({
      mqtt: mqttFile,
      store: { ...shipped.store, duckdb: { threads: 2, memoryLimit: "512MB" } },
    });
    const config = loadConfig({ root, env: { QINGSHAN_DATA_DIR: "/tmp/qs-config-store" }, file });
    // Every one of the file's mqtt settings reaches ingest unchanged.
    expect(parseIngestConfig(ingestConfigOf(config)).mqtt).toMatchObject(mqttFile);
    const store = createStoreFromConfig(config) as DuckDbStore;
    expect(store.settings).toMatchObject({ threads: 2, memoryLimit: "512MB" });
  });

  it("reach them from the environment, over the file", () => {
    const file = shippedWith({ mqtt: mqttFile });
    const config = loadConfig({
      root,
      file,
      env: {
        QINGSHAN_MQTT_USERNAME: "ops",
        QINGSHAN_MQTT_PASSWORD: "env-secret",
        QINGSHAN_MQTT_MAX_IN_FLIGHT: "250",
        QINGSHAN_DUCKDB_THREADS: "1",
        QINGSHAN_DUCKDB_MEMORY_LIMIT: "256MB",
      },
    });
    expect(parseIngestConfig(ingestConfigOf(config)).mqtt).toMatchObject({
      username: "ops",
      password: "env-secret",
      maxInFlight: 250,
      protocolVersion: 4,
    });
    expect((createStoreFromConfig(config) as DuckDbStore).settings).toMatchObject({
      threads: 1,
      memoryLimit: "256MB",
    });
  });

  it("hj212's split-message settings reach ingest from the file, and from the environment over it", () => {
    const split = { splitTimeoutMs: 5000, maxPendingSplitMessages: 20, maxPendingSplitBytes: 65_536 };
    const file = shippedWith({ hj212: { tcpPort: 9212, tcpHost: "0.0.0.0", ...split } });
    expect(parseIngestConfig(ingestConfigOf(loadConfig({ root, env: {}, file }))).hj212).toMatchObject(split);
    const env = { QINGSHAN_HJ212_SPLIT_TIMEOUT_MS: "120000", QINGSHAN_HJ212_MAX_PENDING_SPLITS: "50" };
    expect(parseIngestConfig(ingestConfigOf(loadConfig({ root, env, file }))).hj212).toMatchObject({
      splitTimeoutMs: 120_000,
      maxPendingSplitMessages: 50,
      maxPendingSplitBytes: 65_536,
    });
    // Validated by ingest's own schema, naming the variable.
    expect(() => loadConfig({ root, env: { QINGSHAN_HJ212_MAX_PENDING_SPLITS: "0" }, file })).toThrow(
      /^QINGSHAN_HJ212_MAX_PENDING_SPLITS="0" \(setting hj212\.maxPendingSplitMessages\): hj212\.maxPendingSplitMessages: Too small/,
    );
    // Unset: ingest's defaults.
    expect(parseIngestConfig(ingestConfigOf(loadConfig({ root, env: {} }))).hj212).toMatchObject({
      splitTimeoutMs: 60_000,
      maxPendingSplitMessages: 1000,
    });
  });

  it("QINGSHAN_MQTT_LEAVE_ON_STOP turns on ingest's mqtt.leaveOnStop (off by default)", () => {
    const on = loadConfig({ root, env: { QINGSHAN_MQTT_LEAVE_ON_STOP: "true" } });
    expect(parseIngestConfig(ingestConfigOf(on)).mqtt.leaveOnStop).toBe(true);
    const off = loadConfig({ root, env: {} });
    expect(parseIngestConfig(ingestConfigOf(off)).mqtt.leaveOnStop).toBe(false);
  });

  it("give two ingests on one host different default client ids (by http.port), stable across restarts", () => {
    const first = loadConfig({ root, env: {} });
    const second = loadConfig({ root, env: { QINGSHAN_HTTP_PORT: "8081" } });
    expect(defaultIngestClientId(first, "vm")).toBe("qingshan-ingest-vm");
    expect(defaultIngestClientId(second, "vm")).toBe("qingshan-ingest-vm-8081");
    expect(ingestConfigOf(second).mqtt.clientId).toBe(
      ingestConfigOf(loadConfig({ root, env: { QINGSHAN_HTTP_PORT: "8081" } })).mqtt.clientId,
    );
    expect(ingestConfigOf(second).mqtt.clientId).not.toBe(ingestConfigOf(first).mqtt.clientId);
    expect(defaultIngestClientId(second, "x".repeat(80))).toMatch(/^qingshan-ingest-x+-8081$/);
    expect(defaultIngestClientId(second, "x".repeat(80))).toHaveLength(60);
    const named = loadConfig({
      root,
      env: { QINGSHAN_HTTP_PORT: "8081", QINGSHAN_MQTT_CLIENT_ID: "ingest-2" },
    });
    expect(ingestConfigOf(named).mqtt.clientId).toBe("ingest-2");
  });

  it("leave ingest at its defaults and send no login when not set", () => {
    const mqtt = parseIngestConfig(ingestConfigOf(loadConfig({ root, env: {} }))).mqtt;
    expect(mqtt).toMatchObject({
      maxInFlight: 4000,
      protocolVersion: 5,
      keepaliveSeconds: 30,
      reconnectPeriodMs: 1000,
    });
    expect(mqtt.username).toBeUndefined();
    expect(mqtt.password).toBeUndefined();
  });

  it("are validated by ingest's and the store's rules, naming the variable or the file", () => {
    expect(() => loadConfig({ root, env: { QINGSHAN_MQTT_MAX_IN_FLIGHT: "70000" } })).toThrow(
      /^QINGSHAN_MQTT_MAX_IN_FLIGHT="70000" \(setting mqtt\.maxInFlight\): mqtt\.maxInFlight: Too big: expected number to be <=65535$/,
    );
    expect(() => loadConfig({ root, env: { QINGSHAN_DUCKDB_THREADS: "0" } })).toThrow(
      'QINGSHAN_DUCKDB_THREADS="0" (setting store.duckdb.threads): store.duckdb.threads: Too small',
    );
    expect(() => loadConfig({ root, env: { QINGSHAN_DUCKDB_MEMORY_LIMIT: "lots" } })).toThrow(
      "store.duckdb.memoryLimit: a size like 512MB or 2GB",
    );
    const file = shippedWith({ mqtt: { ...mqttFile, protocolVersion: 3 } });
    expect(() => loadConfig({ root, env: {}, file })).toThrow(`config ${file}: mqtt.protocolVersion: `);
    const negative = shippedWith({ mqtt: { ...mqttFile, reconnectPeriodMs: -1 } });
    expect(() => loadConfig({ root, env: {}, file: negative })).toThrow(
      `config ${negative}: mqtt.reconnectPeriodMs: Too small: expected number to be >=0 (the file has -1)`,
    );
  });

  it("never show a password or token in an error, only the variable's name", () => {
    let message = "";
    try {
      loadConfig({
        root,
        env: {
          QINGSHAN_SMTP_PORT: "70000",
          QINGSHAN_SMTP_PASS: "smtp-secret",
          QINGSHAN_MQTT_PASSWORD: "mqtt-secret",
        },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('QINGSHAN_SMTP_PORT="70000"');
    expect(message).toContain("QINGSHAN_SMTP_PASS=(hidden)");
    expect(message).not.toContain("secret");
  });

  it("give clients on mqtt.url ingest's login as given, none elsewhere, and error messages hide a URL's password", () => {
    const mqtt = { url: "mqtt://broker.example:1883", username: "ops user", password: "p:ss@/%" };
    expect(brokerLoginOf("mqtt://broker.example:1883", mqtt)).toEqual({
      username: "ops user",
      password: "p:ss@/%",
    });
    expect(brokerLoginOf("mqtt://other.example:1883", mqtt)).toEqual({});
    expect(brokerLoginOf("mqtt://broker.example:1883", { ...mqtt, username: "", password: "" })).toEqual({});
    expect(redactUrl("mqtts://ops:secret@broker.example:8883")).toBe("mqtts://ops:***@broker.example:8883");
    expect(redactUrl("mqtt://broker.example:1883")).toBe("mqtt://broker.example:1883");
  });
});

/** A configuration file holding `text` alone, in a new temp directory; its path. */
function fileOf(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "qs-config-"));
  dirs.push(dir);
  const file = join(dir, "qingshan.yaml");
  writeFileSync(file, text);
  return file;
}

/** A new temp directory to load from, away from the repository (as another working directory). */
function elsewhere(): string {
  const dir = mkdtempSync(join(tmpdir(), "qs-cwd-"));
  dirs.push(dir);
  return dir;
}

describe("a configuration file that leaves settings out", () => {
  it("an empty file: every setting at the default the shipped file restates, the shipped files found from any directory", () => {
    const cwd = elsewhere();
    const config = loadConfig({ root: cwd, env: {}, file: fileOf("") });
    const shipped = loadConfig({ root, env: {} });
    const { writer, evaluator, notifier, stations, dataDir, ...sections } = config;
    const {
      writer: shippedWriter,
      evaluator: shippedEvaluator,
      notifier: shippedNotifier,
      stations: _stations,
      dataDir: _dataDir,
      ...shippedSections
    } = shipped;
    expect(sections).toEqual(shippedSections);
    // The demo network and rules of the installation, not of the working directory; data under it.
    expect(stations).toBe(join(root, "seeds/liandu/stations.json"));
    expect(dataDir).toBe(join(cwd, "data"));
    expect(evaluatorSettingsOf(config)).toEqual({
      ...evaluatorSettingsOf(shipped),
      rulesFile: join(root, "config/rules.yaml"),
    });
    expect(writerSettingsOf({ writer })).toEqual(writerSettingsOf({ writer: shippedWriter }));
    expect(parseNotifierConfig(notifier)).toEqual(parseNotifierConfig(shippedNotifier));
    expect(Object.isFrozen(config)).toBe(true);
    expect(shippedEvaluator).toMatchObject({ rulesFile: "config/rules.yaml" });
  });

  it("a file with http.port alone: that port, the rest at the defaults; QINGSHAN_STATIONS and QINGSHAN_RULES apply", () => {
    const cwd = elsewhere();
    const file = fileOf("http: {port: 18090}\n");
    const config = loadConfig({ root: cwd, env: {}, file });
    expect(config.http).toEqual({ port: 18090, host: "0.0.0.0" });
    expect(config.mqtt.embeddedPort).toBe(1883);
    expect(config.simulator).toEqual({
      enabled: true,
      scenario: "clean-week",
      acceleration: 1,
      backfillDays: 3,
    });
    expect(config.store.kind).toBe("duckdb");
    const stations = join(cwd, "stations.json");
    writeFileSync(stations, readFileSync(join(root, "seeds/liandu/stations.json")));
    const rules = join(cwd, "rules.yaml");
    writeFileSync(rules, readFileSync(join(root, "config/rules.yaml")));
    const set = loadConfig({
      root: cwd,
      env: { QINGSHAN_STATIONS: "stations.json", QINGSHAN_RULES: rules },
      file,
    });
    expect(set.stations).toBe(stations);
    expect(evaluatorSettingsOf(set).rulesFile).toBe(rules);
  });

  it("a file with http.port alone starts the pipeline: the demo network served on that port", async () => {
    const cwd = elsewhere();
    const port = await freePort();
    const config = loadConfig({
      root: cwd,
      env: {
        QINGSHAN_MQTT_PORT: String(await freePort()),
        QINGSHAN_HJ212_PORT: "0",
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_HTTP_HOST: "127.0.0.1",
      },
      file: fileOf(`http: {port: ${port}}\n`),
    });
    const pipeline = await startPipeline(config, pino({ level: "silent" }), cwd);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/stations`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { stations: unknown[] };
      expect(body.stations).toHaveLength(loadStationRegistry().stations.length);
    } finally {
      await pipeline.stop();
    }
  });

  it("an empty QINGSHAN_* variable is unset: the file's value or the default applies", () => {
    const file = fileOf("http: {port: 18090}\nmqtt: {url: mqtt://broker.example:1883}\n");
    const config = loadConfig({
      root: elsewhere(),
      file,
      env: {
        QINGSHAN_HTTP_PORT: "",
        QINGSHAN_MQTT_URL: "",
        QINGSHAN_SIMULATOR: "",
        QINGSHAN_STATIONS: "",
        QINGSHAN_DATA_DIR: "",
        QINGSHAN_RULES: "",
        QINGSHAN_SMTP_PORT: "",
      },
    });
    expect(config.http.port).toBe(18090);
    expect(config.mqtt.url).toBe("mqtt://broker.example:1883");
    expect(config.simulator.enabled).toBe(true);
    expect(config.stations).toBe(join(root, "seeds/liandu/stations.json"));
    expect(evaluatorSettingsOf(config).rulesFile).toBe(join(root, "config/rules.yaml"));
    expect(parseNotifierConfig(config.notifier).email.smtp.port).toBe(587);
  });

  it("a file that is not a mapping of settings is refused, naming the file", () => {
    const file = fileOf("- http\n- mqtt\n");
    expect(() => loadConfig({ root, env: {}, file })).toThrow(
      `config ${file}: expected settings (key: value), the file has ["http","mqtt"]`,
    );
  });
});

describe("a wrong value of a variable or a file a setting names", () => {
  it("names the variable and the setting of a value that is not a number or on/off", () => {
    expect(() => loadConfig({ root, env: { QINGSHAN_HJ212_PORT: "9212.5" } })).toThrow(
      'QINGSHAN_HJ212_PORT="9212.5" (setting hj212.tcpPort): hj212.tcpPort: expected an integer',
    );
    expect(() => loadConfig({ root, env: { QINGSHAN_SIMULATOR_ACCELERATION: "fast" } })).toThrow(
      'QINGSHAN_SIMULATOR_ACCELERATION="fast" (setting simulator.acceleration): simulator.acceleration: expected a number',
    );
    expect(() => loadConfig({ root, env: { QINGSHAN_SMTP_SECURE: "maybe" } })).toThrow(
      'QINGSHAN_SMTP_SECURE="maybe" (setting notifier.email.smtp.secure): notifier.email.smtp.secure: expected on/off',
    );
  });

  it("a stations or rules file that cannot be read names the setting, and the variable when it came from one", () => {
    expect(() => loadConfig({ root, env: { QINGSHAN_STATIONS: "/nonexistent.json" } })).toThrow(
      'QINGSHAN_STATIONS="/nonexistent.json" (setting stations): stations: cannot read the station registry /nonexistent.json: no such file (ENOENT)',
    );
    expect(() => loadConfig({ root, env: { QINGSHAN_RULES: "/nonexistent.yaml" } })).toThrow(
      'QINGSHAN_RULES="/nonexistent.yaml" (setting evaluator.rulesFile): evaluator.rulesFile: cannot read the rules file /nonexistent.yaml: no such file (ENOENT)',
    );
    const cwd = elsewhere();
    const stations = fileOf("stations: missing.json\n");
    expect(() => loadConfig({ root: cwd, env: {}, file: stations })).toThrow(
      `config ${stations}: stations: cannot read the station registry ${join(cwd, "missing.json")}: no such file (ENOENT); set stations (QINGSHAN_STATIONS) to the station registry's path`,
    );
    const rules = fileOf("evaluator: {rulesFile: config}\n");
    expect(() => loadConfig({ root, env: {}, file: rules })).toThrow(
      `config ${rules}: evaluator.rulesFile: cannot read the rules file ${join(root, "config")}: a directory, not a file (EISDIR); set evaluator.rulesFile (QINGSHAN_RULES) to the rules file's path`,
    );
  });
});

describe("unknown keys in the writer, evaluator and notifier sections", () => {
  it("are refused, named by their whole path with the key probably meant, as the file's fault", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ evaluator: { bogusKey: 1 } }, "evaluator.bogusKey: unknown setting; evaluator accepts latenessMs, "],
      [
        { notifier: { renotifyMinutess: 5 } },
        "notifier.renotifyMinutess: unknown setting; did you mean renotifyMinutes? (notifier accepts publicUrl, ",
      ],
      [
        { writer: { maxBatchh: 5 } },
        "writer.maxBatchh: unknown setting; did you mean maxBatch? (writer accepts retry, maxBatch, ",
      ],
      [
        { writer: { retry: { intialMs: 5 } } },
        "writer.retry.intialMs: unknown setting; did you mean initialMs? (writer.retry accepts initialMs, maxMs)",
      ],
      [
        { evaluator: { retry: { maxMS: 5 } } },
        "evaluator.retry.maxMS: unknown setting; did you mean maxMs? (evaluator.retry accepts initialMs, maxMs)",
      ],
      [
        { notifier: { email: { smtp: { hots: "mail.example.org" } } } },
        "notifier.email.smtp.hots: unknown setting; did you mean host? (notifier.email.smtp accepts host, port, ",
      ],
      [
        { notifier: { routes: [{ name: "duty", chanels: ["*"] }] } },
        "notifier.routes.0.chanels: unknown setting; did you mean channels? (notifier.routes.0 accepts name, channels, ",
      ],
      [
        { notifier: { webhooks: [{ name: "ops", format: "json", url: "http://127.0.0.1/", secrte: "x" }] } },
        "notifier.webhooks.0.secrte: unknown setting; did you mean secret? (notifier.webhooks.0 accepts name, format, url, secret, timeoutMs)",
      ],
    ];
    for (const [sections, message] of cases) {
      const file = shippedWith(sections);
      // A variable setting something in the section is not blamed for the file's key.
      const load = () => loadConfig({ root, env: { QINGSHAN_SMTP_HOST: "mail.example.org" }, file });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(`config ${file}: ${message}`);
    }
  });
});

describe("URL settings, checked at load before anything starts", () => {
  it("mqtt.url: empty (the embedded broker) or a broker URL; another value names the variable or the file and the forms expected", () => {
    for (const url of [
      "mqtt://broker.example:1883",
      "mqtts://broker.example:8883",
      "ws://broker.example/mqtt",
      "wss://b.example/mqtt",
      "tcp://10.0.0.5:1883",
    ]) {
      expect(loadConfig({ root, env: { QINGSHAN_MQTT_URL: url } }).mqtt.url).toBe(url);
    }
    const expected =
      "mqtt.url: expected a broker URL such as mqtt://host:1883, mqtts://host:8883, ws://host/mqtt or wss://host/mqtt (empty: the embedded broker)";
    expect(() => loadConfig({ root, env: { QINGSHAN_MQTT_URL: "notaurl" } })).toThrow(
      `QINGSHAN_MQTT_URL="notaurl" (setting mqtt.url): ${expected}`,
    );
    expect(() => loadConfig({ root, env: { QINGSHAN_MQTT_URL: "http://broker.example:1883" } })).toThrow(
      expected,
    );
    // A URL's password is not shown, even in a value refused.
    expect(() => loadConfig({ root, env: { QINGSHAN_MQTT_URL: "mqtt//ops:s3cret@broker.example" } })).toThrow(
      `QINGSHAN_MQTT_URL="mqtt//ops:***@broker.example" (setting mqtt.url): ${expected}`,
    );
    const file = fileOf("mqtt: {url: broker.example:1883}\n");
    expect(() => loadConfig({ root, env: {}, file })).toThrow(
      `config ${file}: ${expected} (the file has "broker.example:1883")`,
    );
  });

  it("publicUrl: empty (http://localhost:{http.port}) or an http(s) URL; another value is refused, naming QINGSHAN_PUBLIC_URL", () => {
    expect(loadConfig({ root, env: { QINGSHAN_PUBLIC_URL: "https://qingshan.example.org" } }).publicUrl).toBe(
      "https://qingshan.example.org",
    );
    for (const bad of ["notaurl", "qingshan.example.org", "ftp://qingshan.example.org"]) {
      expect(() => loadConfig({ root, env: { QINGSHAN_PUBLIC_URL: bad } })).toThrow(
        `QINGSHAN_PUBLIC_URL="${bad}" (setting publicUrl): publicUrl: expected the API's address as users reach it, an http:// or https:// URL`,
      );
    }
  });
});

describe("the configuration file's place", () => {
  it("without QINGSHAN_CONFIG and no config/qingshan.yaml in the working directory (systemd's /): the defaults, as an empty file", () => {
    const cwd = elsewhere();
    const config = loadConfig({ root: cwd, env: {} });
    expect(config).toEqual(loadConfig({ root: cwd, env: {}, file: fileOf("") }));
    expect(config.stations).toBe(join(root, "seeds/liandu/stations.json"));
  });

  it("a QINGSHAN_CONFIG file that cannot be read: the file and the variable named (an empty one is unset)", () => {
    const cwd = elsewhere();
    expect(() => loadConfig({ root: cwd, env: { QINGSHAN_CONFIG: "qingshan.yml" } })).toThrow(
      `cannot read the configuration file ${join(cwd, "qingshan.yml")} (QINGSHAN_CONFIG="qingshan.yml"): no such file (ENOENT); set QINGSHAN_CONFIG to the configuration file's path, or leave it unset for the defaults`,
    );
    expect(() => loadConfig({ root: cwd, env: { QINGSHAN_CONFIG: cwd } })).toThrow(
      `cannot read the configuration file ${cwd} (QINGSHAN_CONFIG="${cwd}"): a directory, not a file (EISDIR)`,
    );
    expect(loadConfig({ root: cwd, env: { QINGSHAN_CONFIG: "" } }).http.port).toBe(8080);
  });
});

describe("unknownEnvVars: the variable probably meant", () => {
  it("prefers the same section and takes PASSWORD for PASS, USERNAME for USER; never another section's secret", () => {
    const closest = (name: string) => unknownEnvVars({ [name]: "x" })[0]?.closest;
    expect(closest("QINGSHAN_SMTP_PASSWORD")).toBe("QINGSHAN_SMTP_PASS"); // was QINGSHAN_MQTT_PASSWORD
    expect(closest("QINGSHAN_SMTP_USERNAME")).toBe("QINGSHAN_SMTP_USER");
    expect(closest("QINGSHAN_MQTT_USER")).toBe("QINGSHAN_MQTT_USERNAME");
    expect(closest("QINGSHAN_MQTT_PASS")).toBe("QINGSHAN_MQTT_PASSWORD");
    expect(closest("QINGSHAN_INFLUX_PASS")).toBe("QINGSHAN_INFLUX_PASSWORD");
    expect(closest("QINGSHAN_HTTP_PRT")).toBe("QINGSHAN_HTTP_PORT");
    // A section of its own: nothing of another section is offered for it.
    expect(closest("QINGSHAN_SMTP_SECRET_KEY")).toBeUndefined();
    // A misspelt section is compared with every variable.
    expect(closest("QINGSHAN_MQQT_URL")).toBe("QINGSHAN_MQTT_URL");
    expect(unknownEnvVarsWarning({ QINGSHAN_SMTP_PASSWORD: "x" })).toBe(
      "warning: QINGSHAN_SMTP_PASSWORD is not a Qingshan setting and is ignored (did you mean QINGSHAN_SMTP_PASS?); `qingshan --help` lists them\n",
    );
  });
});
