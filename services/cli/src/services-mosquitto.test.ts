import { execFileSync } from "node:child_process";
import { createMemoryBus } from "@qingshan/bus";
import { HOUR_MS, type Reading } from "@qingshan/domain";
import { loadStationRegistry, type Simulator } from "@qingshan/simulator";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { CliError, describeFailure } from "./errors.ts";
import {
  createStoreFromConfig,
  type ServiceContext,
  startIngestService,
  startNotifierService,
  startStoreWithRetry,
  startWriterService,
} from "./services.ts";
import { startPipeline } from "./start.ts";
import { repoRoot as root } from "./testing/cli-process.ts";
import {
  MOSQUITTO_PASSWORD,
  MOSQUITTO_PUB,
  MOSQUITTO_USER,
  mosquittoInstalled,
  startAuthenticatedMosquitto,
} from "./testing/mosquitto.ts";
import { readShippedConfig, writeShippedConfig } from "./testing/shipped-config.ts";
import { simulateInProcess as simulate } from "./testing/simulate-in-process.ts";

const USER = MOSQUITTO_USER;
const PASSWORD = MOSQUITTO_PASSWORD;
const cleanups = cleanupsAfterEach();

/** The shipped configuration file with `mqtt` replaced, written to a new data directory. */
function configFile(mqtt: Record<string, unknown>): { file: string; dataDir: string } {
  const shipped = readShippedConfig();
  return writeShippedConfig(cleanups, { mqtt: { ...(shipped.mqtt as object), ...mqtt } });
}

/**
 * A context as `qingshan run ingest` builds it: the shipped configuration file with `mqtt` replaced,
 * then `env` over it; the raw log text in `log`.
 */
function configured(
  mqtt: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  metricsRegistry?: Registry,
): { ctx: ServiceContext; log: string[] } {
  const { file, dataDir } = configFile(mqtt);
  const config = loadConfig({
    root,
    file,
    env: { QINGSHAN_DATA_DIR: dataDir, QINGSHAN_SIMULATOR: "off", QINGSHAN_HJ212_PORT: "0", ...env },
  });
  const log: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => log.push(line) });
  return {
    ctx: {
      config,
      registry: loadStationRegistry(config.stations),
      logger,
      bus: createMemoryBus(),
      ...(metricsRegistry ? { metricsRegistry } : {}),
    },
    log,
  };
}

/** Publishes each of `payloads` as one QoS 1 message, logged in as USER. */
function publish(port: number, topic: string, payloads: readonly string[]): void {
  execFileSync(
    MOSQUITTO_PUB,
    ["-h", "127.0.0.1", "-p", String(port), "-u", USER, "-P", PASSWORD, "-q", "1", "-t", topic, "-l"],
    { input: `${payloads.join("\n")}\n` },
  );
}

const clientId = () => `qs-cli-test-${Math.random().toString(36).slice(2, 10)}`;

describe.skipIf(!mosquittoInstalled)("qingshan run ingest against a Mosquitto that requires a login", () => {
  it("logs in with mqtt.username and QINGSHAN_MQTT_PASSWORD and stores a published reading", async () => {
    const broker = await startAuthenticatedMosquitto(cleanups);
    // The user in the file, the password from the environment, as a deployment keeps it out of the file.
    const { ctx, log } = configured(
      { url: broker.url, clientId: clientId(), username: USER, sessionExpirySeconds: 30 },
      { QINGSHAN_MQTT_PASSWORD: PASSWORD },
    );
    expect(ctx.config.mqtt).toMatchObject({ username: USER, password: PASSWORD });
    const store = createStoreFromConfig(ctx.config);
    await startStoreWithRetry(store, ctx.logger);
    cleanups.push(() => store.stop());
    await ctx.bus.start();
    cleanups.push(() => ctx.bus.stop());
    const writer = await startWriterService(ctx, store);
    cleanups.push(() => writer.stop());
    const ingest = await startIngestService(ctx);
    cleanups.push(() => ingest.stop());
    expect(await ingest.ready()).toMatchObject({ ok: true });

    const ts = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
    publish(broker.port, "stations/ld-aq-01/air", [JSON.stringify({ ts, values: { pm25: 41.5 } })]);
    let stored: Reading[] = [];
    await waitFor(
      async () => {
        stored = await store.queryReadings({ stationId: "ld-aq-01", metric: "pm25", from: ts, to: ts + 1 });
        return stored.length > 0;
      },
      { what: "the published reading in the store" },
    );
    expect(stored).toEqual([expect.objectContaining({ ts, value: 41.5, source: "mqtt-json" })]);

    // The notifier's alerts topic is on the same broker (mqtt.url) and logs in with the same account.
    const notifier = await startNotifierService(ctx, store, {
      mqttUrl: ctx.config.mqtt.url,
      publicUrl: "http://localhost:8080",
      root,
    });
    cleanups.push(() => notifier.stop());
    expect(log.join("")).not.toContain(PASSWORD);
  });

  it.each([
    { name: "a wrong password", env: { QINGSHAN_MQTT_USERNAME: USER, QINGSHAN_MQTT_PASSWORD: "wrong-9c1d" } },
    { name: "no login", env: {} },
  ])(
    "$name: start fails with one line naming the broker and the settings, never the password",
    async ({ env }) => {
      const broker = await startAuthenticatedMosquitto(cleanups);
      const { ctx, log } = configured(
        { url: broker.url, clientId: clientId(), sessionExpirySeconds: 30 },
        env,
      );
      await ctx.bus.start();
      cleanups.push(() => ctx.bus.stop());
      const error = await startIngestService(ctx).then(
        async (ingest) => {
          await ingest.stop();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CliError);
      const printed = describeFailure(error, false);
      expect(printed.split("\n")).toHaveLength(1);
      expect(printed).toContain(`the MQTT broker ${broker.url} refused the login of `);
      expect(printed).toContain(
        env.QINGSHAN_MQTT_USERNAME ? `the user "${USER}"` : "a client without user name",
      );
      expect(printed).toContain(
        "set mqtt.username and mqtt.password (QINGSHAN_MQTT_USERNAME, QINGSHAN_MQTT_PASSWORD)",
      );
      expect(printed).not.toContain("wrong-9c1d");
      expect(printed).not.toContain(PASSWORD);
      expect(describeFailure(error, true)).not.toContain("wrong-9c1d");
      expect(log.join("")).not.toContain("wrong-9c1d");
    },
  );

  it("hides a password given in mqtt.url in the message", async () => {
    const broker = await startAuthenticatedMosquitto(cleanups);
    const url = `mqtt://${USER}:url-secret-55@127.0.0.1:${broker.port}`;
    const { ctx } = configured({ url, clientId: clientId(), sessionExpirySeconds: 30 }, {});
    await ctx.bus.start();
    cleanups.push(() => ctx.bus.stop());
    const error = await startIngestService(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    const printed = describeFailure(error, false);
    expect(printed).toContain(
      `the MQTT broker mqtt://${USER}:***@127.0.0.1:${broker.port} refused the login`,
    );
    expect(printed).not.toContain("url-secret-55");
  });

  it("QINGSHAN_MQTT_MAX_IN_FLIGHT bounds the messages the broker has in flight to ingest (MQTT 5 Receive Maximum)", async () => {
    const broker = await startAuthenticatedMosquitto(cleanups);
    const metricsRegistry = new Registry();
    const { ctx } = configured(
      { url: broker.url, clientId: clientId(), username: USER, password: PASSWORD, sessionExpirySeconds: 30 },
      { QINGSHAN_MQTT_MAX_IN_FLIGHT: "3" },
      metricsRegistry,
    );
    await ctx.bus.start();
    cleanups.push(() => ctx.bus.stop());
    // A durable consumer that holds every batch: ingest's publishes wait for it, so nothing is acknowledged.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    cleanups.push(() => release());
    const received: number[] = [];
    await ctx.bus.subscribe<Reading>("readings", { group: "held", durable: true }, async (batch) => {
      await held;
      for (const d of batch) received.push(d.value.value);
    });
    const ingest = await startIngestService(ctx);
    cleanups.push(() => ingest.stop());

    const ts = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    publish(
      broker.port,
      "stations/ld-aq-01/air",
      values.map((v) => JSON.stringify({ ts: ts - v * HOUR_MS, values: { pm25: v } })),
    );
    const inFlight = async () =>
      (await metricsRegistry.getSingleMetric("qingshan_ingest_in_flight")?.get())?.values.find(
        (v) => v.labels.source === "mqtt",
      )?.value;
    await waitFor(async () => (await inFlight()) === 3, { what: "3 messages in flight" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await inFlight()).toBe(3);

    release();
    await waitFor(() => received.length === values.length, { what: "every message handed on" });
    expect([...received].sort((a, b) => a - b)).toEqual(values);
  });
});

describe.skipIf(!mosquittoInstalled)(
  "the demo feed and qingshan simulate on a Mosquitto that requires a login",
  {
    timeout: 90_000,
  },
  () => {
    it("qingshan start: the demo simulator logs in with mqtt.username / QINGSHAN_MQTT_PASSWORD and its readings are stored", async () => {
      const broker = await startAuthenticatedMosquitto(cleanups);
      const { file, dataDir } = configFile({
        url: broker.url,
        clientId: clientId(),
        username: USER,
        sessionExpirySeconds: 30,
      });
      const config = loadConfig({
        root,
        file,
        env: {
          QINGSHAN_DATA_DIR: dataDir,
          QINGSHAN_MQTT_PASSWORD: PASSWORD,
          QINGSHAN_HTTP_PORT: String(await freePort()),
          QINGSHAN_HTTP_HOST: "127.0.0.1",
          QINGSHAN_HJ212_PORT: "0",
          // One simulated hour per second, so the feed publishes within seconds; no generated history.
          QINGSHAN_SIMULATOR_ACCELERATION: "3600",
          QINGSHAN_BACKFILL_DAYS: "0",
        },
      });
      const log: string[] = [];
      const pipeline = await startPipeline(
        config,
        pino({ level: "info" }, { write: (line: string) => log.push(line) }),
        root,
      );
      cleanups.push(() => pipeline.stop());
      const simulator = pipeline.simulator as Simulator;
      await waitFor(() => simulator.stats().published >= 10, {
        timeoutMs: 30_000,
        what: "the demo feed's messages acknowledged by the broker",
      });
      expect(simulator.stats().failed).toBe(0);

      // Through the broker and ingest into the store.
      const from = new Date(simulator.run.startAt).toISOString();
      const to = new Date(Date.now() + HOUR_MS).toISOString();
      let sources: string[] = [];
      await waitFor(
        async () => {
          const response = await fetch(
            `${pipeline.apiUrl}/api/v1/readings?station=ld-aq-01&from=${from}&to=${to}&limit=10000`,
          );
          sources = ((await response.json()) as { readings: Array<{ source: string }> }).readings.map(
            (r) => r.source,
          );
          return sources.length > 0;
        },
        { timeoutMs: 30_000, what: "the demo feed's readings in the store" },
      );
      expect(new Set(sources)).toEqual(new Set(["mqtt-json"]));
      expect(log.join("")).not.toContain(PASSWORD);
    });

    it("qingshan simulate publishes to mqtt.url logged in with mqtt.username / QINGSHAN_MQTT_PASSWORD", async () => {
      const broker = await startAuthenticatedMosquitto(cleanups);
      const { file } = configFile({ url: broker.url, username: USER });
      const result = await simulate(["--backfill-days", "0.05", "--seed", "3"], () =>
        loadConfig({ root, file, env: { QINGSHAN_MQTT_PASSWORD: PASSWORD } }),
      );
      expect(result).toMatchObject({ code: 0, stderr: "" });
      const summary =
        /^backfilled (\d+) observations of 23 demo stations in (\d+) messages to (\S+) \(0\.05 days\)\n$/.exec(
          result.stdout,
        );
      expect(summary?.[3]).toBe(broker.url);
      // Each message acknowledged by the broker (QoS 1).
      expect(Number(summary?.[2])).toBeGreaterThan(0);
    });

    it("qingshan simulate: a refused login is one line naming the broker and the settings, never the password", async () => {
      const broker = await startAuthenticatedMosquitto(cleanups);
      const { file } = configFile({ url: broker.url, username: USER });
      const failure = await simulate(["--backfill-days", "0.05"], () =>
        loadConfig({ root, file, env: { QINGSHAN_MQTT_PASSWORD: "wrong-4e2b" } }),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(CliError);
      const printed = describeFailure(failure, false);
      expect(printed.split("\n")).toHaveLength(1);
      expect(printed).toContain(`the MQTT broker ${broker.url} refused the login of the user "${USER}"`);
      expect(printed).toContain(
        "set mqtt.username and mqtt.password (QINGSHAN_MQTT_USERNAME, QINGSHAN_MQTT_PASSWORD)",
      );
      expect(describeFailure(failure, true)).not.toContain("wrong-4e2b");
    });
  },
);
