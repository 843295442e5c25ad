import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "@qingshan/bus";
import { HOUR_MS, type Reading } from "@qingshan/domain";
import { loadStationRegistry } from "@qingshan/simulator";
import { freePort, tcpReachable, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
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

const MOSQUITTO = "/usr/sbin/mosquitto";
const MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd";
const MOSQUITTO_PUB = "/usr/bin/mosquitto_pub";
const installed = [MOSQUITTO, MOSQUITTO_PASSWD, MOSQUITTO_PUB].every((bin) => existsSync(bin));

const root = join(import.meta.dirname, "../../..");
const USER = "qingshan-ingest";
const PASSWORD = "correct horse 7f3a";
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

/** A private Mosquitto on a free loopback port that admits only USER with PASSWORD. */
async function startAuthenticatedMosquitto(): Promise<{ url: string; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), "qingshan-cli-mosquitto-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const passwords = join(dir, "passwords");
  execFileSync(MOSQUITTO_PASSWD, ["-b", "-c", passwords, USER, PASSWORD]);
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      // Started as root, Mosquitto would switch to the user "mosquitto", who cannot read this directory.
      `user ${userInfo().username}`,
      "allow_anonymous false",
      `password_file ${passwords}`,
      "max_queued_messages 0",
      "max_inflight_messages 0",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ["-c", conf], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null) process.kill(child.pid as number, "SIGTERM");
    await exited;
  });
  await waitFor(() => tcpReachable("127.0.0.1", port).then(() => true), {
    timeoutMs: 10_000,
    what: "the private Mosquitto to listen",
  });
  return { url: `mqtt://127.0.0.1:${port}`, port };
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
  const dataDir = mkdtempSync(join(tmpdir(), "qingshan-cli-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const shipped = parseYaml(readFileSync(join(root, "config/qingshan.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  const file = join(dataDir, "qingshan.yaml");
  writeFileSync(file, stringifyYaml({ ...shipped, mqtt: { ...(shipped.mqtt as object), ...mqtt } }));
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

describe.skipIf(!installed)("qingshan run ingest against a Mosquitto that requires a login", () => {
  it("logs in with mqtt.username and QINGSHAN_MQTT_PASSWORD and stores a published reading", async () => {
    const broker = await startAuthenticatedMosquitto();
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
      const broker = await startAuthenticatedMosquitto();
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
    const broker = await startAuthenticatedMosquitto();
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
    const broker = await startAuthenticatedMosquitto();
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
