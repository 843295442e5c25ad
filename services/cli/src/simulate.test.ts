import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { CliError } from "./errors.ts";
import { brokerUrlOf } from "./services.ts";
import { repoRoot as root } from "./testing/cli-process.ts";
import { recordingBroker as recordingBrokerIn } from "./testing/recording-broker.ts";
import { simulateInProcess } from "./testing/simulate-in-process.ts";

const cleanups = cleanupsAfterEach();
const recordingBroker = () => recordingBrokerIn(cleanups);

/** `qingshan simulate …` in this process, with the configuration `qingshan start` would load from `env`. */
const simulate = (argv: string[], env: NodeJS.ProcessEnv) =>
  simulateInProcess(argv, () => loadConfig({ root, env }));

const BACKFILL = ["--backfill-days", "0.05", "--seed", "3"];

describe("brokerUrlOf: the broker qingshan start uses", () => {
  it("is mqtt.url when set, else the embedded broker's port on 127.0.0.1", () => {
    expect(brokerUrlOf(loadConfig({ root, env: {} }))).toBe("mqtt://127.0.0.1:1883");
    expect(brokerUrlOf(loadConfig({ root, env: { QINGSHAN_MQTT_PORT: "1884" } }))).toBe(
      "mqtt://127.0.0.1:1884",
    );
    expect(
      brokerUrlOf(
        loadConfig({ root, env: { QINGSHAN_MQTT_PORT: "1884", QINGSHAN_MQTT_URL: "mqtt://broker:1885" } }),
      ),
    ).toBe("mqtt://broker:1885");
    const base = loadConfig({ root, env: {} });
    expect(brokerUrlOf({ mqtt: { ...base.mqtt, embeddedHost: "10.1.2.3" } })).toBe("mqtt://10.1.2.3:1883");
    expect(brokerUrlOf({ mqtt: { ...base.mqtt, embeddedHost: "::1" } })).toBe("mqtt://[::1]:1883");
    expect(brokerUrlOf({ mqtt: { ...base.mqtt, embeddedPort: 0 } })).toBeUndefined();
  });
});

describe("qingshan simulate", { timeout: 30_000 }, () => {
  it("publishes to the embedded broker's port that QINGSHAN_MQTT_PORT sets", async () => {
    const { broker, topics } = await recordingBroker();
    const result = await simulate(BACKFILL, { QINGSHAN_MQTT_PORT: String(broker.port) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`to mqtt://127.0.0.1:${broker.port} (0.05 days)`);
    expect(topics.length).toBeGreaterThan(0);
    expect(topics.every((t) => /^stations\/[^/]+\/[^/]+$/.test(t))).toBe(true);
  });

  it("publishes to QINGSHAN_MQTT_URL when set, and --mqtt-url overrides both", async () => {
    const external = await recordingBroker();
    const other = await recordingBroker();
    const env = { QINGSHAN_MQTT_URL: external.broker.url, QINGSHAN_MQTT_PORT: String(other.broker.port) };
    expect((await simulate(BACKFILL, env)).code).toBe(0);
    expect(external.topics.length).toBeGreaterThan(0);
    expect(other.topics).toEqual([]);

    const published = external.topics.length;
    expect((await simulate([...BACKFILL, "--mqtt-url", other.broker.url], env)).code).toBe(0);
    expect(other.topics.length).toBeGreaterThan(0);
    expect(external.topics.length).toBe(published);
  });

  it("publishes only as stations marked demo, and refuses a registry without any", async () => {
    const seeds = JSON.parse(readFileSync(join(root, "seeds/liandu/stations.json"), "utf8")) as {
      id: string;
      demo?: boolean;
    }[];
    const dir = tempDir(cleanups, "qingshan-simulate-demo-");
    // Two demo stations kept; the others as a real network's (no demo mark).
    const mixed = seeds.map((s) => (s.id === "ld-aq-01" || s.id === "ld-wq-01" ? s : { ...s, demo: false }));
    const mixedFile = join(dir, "mixed.json");
    writeFileSync(mixedFile, JSON.stringify(mixed));
    const { broker, topics } = await recordingBroker();
    const halfDay = ["--backfill-days", "0.5", "--seed", "3"];
    const result = await simulate([...halfDay, "--stations", mixedFile, "--mqtt-url", broker.url], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `of 2 demo stations (${seeds.length - 2} stations not marked demo left alone)`,
    );
    expect(new Set(topics), result.stdout).toEqual(
      new Set(["stations/ld-aq-01/air", "stations/ld-wq-01/water"]),
    );

    const realFile = join(dir, "real.json");
    writeFileSync(realFile, JSON.stringify(seeds.map((s) => ({ ...s, demo: false }))));
    const failure = await simulate([...BACKFILL, "--stations", realFile, "--mqtt-url", broker.url], {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as Error).message).toBe(
      `no station of ${realFile} is marked "demo": true: the simulator publishes invented readings only as demo stations, never as real ones`,
    );
  });

  it("a usage error prints the usage and returns 2, without reading the configuration", async () => {
    const result = await simulate(["--acceleration", "0.5"], { QINGSHAN_MQTT_PORT: "not-a-port" });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^qingshan simulate: --acceleration: /);
    expect(result.stderr).toContain("usage: qingshan simulate [options]");
    expect(result.stderr).toContain("A usage error exits with status 2");
  });

  it("a broker that is not there is a CliError naming the URL and the settings it came from", async () => {
    const port = await freePort();
    const failure = await simulate(BACKFILL, { QINGSHAN_MQTT_PORT: String(port) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as Error).message).toBe(
      `no MQTT broker reachable at mqtt://127.0.0.1:${port} (from mqtt.url (QINGSHAN_MQTT_URL), else ` +
        "mqtt.embeddedPort (QINGSHAN_MQTT_PORT)) (ECONNREFUSED): start Qingshan (qingshan start), or give the broker with --mqtt-url",
    );
  });
});
