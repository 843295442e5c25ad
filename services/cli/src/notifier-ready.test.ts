/**
 * The notifier's readiness includes its MQTT alerts channel when it is enabled, from the channel's
 * own MQTT client: ready while it is connected, not ready (naming the broker and the client's
 * reason) once the broker is stopped, ready again when the client has reconnected to the broker
 * started again on the same port (real Mosquitto of the test's own, real DuckDB store).
 */
import { createMemoryBus } from "@qingshan/bus";
import { loadStationRegistry } from "@qingshan/simulator";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { requirePrivateMosquitto, startPrivateMosquitto } from "@qingshan/testkit/mosquitto";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import {
  createStoreFromConfig,
  type ServiceContext,
  startNotifierService,
  startStoreWithRetry,
} from "./services.ts";
import { repoRoot as root } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();
const probe = await requirePrivateMosquitto();

describe.skipIf(!probe.available)(`notifier readiness${probe.note}`, () => {
  it("is ready while the alerts channel's client is connected, not ready naming the broker while it is down, ready again after it is back", async () => {
    let broker = await startPrivateMosquitto();
    let brokerRunning = true;
    cleanups.push(() => (brokerRunning ? broker.stop() : undefined));
    const config = loadConfig({
      root,
      env: { QINGSHAN_DATA_DIR: tempDir(cleanups, "qingshan-notifier-ready-"), QINGSHAN_SIMULATOR: "off" },
    });
    const ctx: ServiceContext = {
      config,
      registry: loadStationRegistry(config.stations),
      logger: pino({ level: "silent" }),
      bus: createMemoryBus(),
    };
    const store = createStoreFromConfig(config);
    await startStoreWithRetry(store, ctx.logger);
    cleanups.push(() => store.stop());
    await ctx.bus.start();
    cleanups.push(() => ctx.bus.stop());
    const notifier = await startNotifierService(ctx, store, {
      mqttUrl: broker.url,
      publicUrl: "http://localhost:8080",
      root,
    });
    cleanups.push(() => notifier.stop());
    const up = await notifier.ready();
    expect(up.ok).toBe(true);
    expect(up.detail).toMatch(/; bus: ok; mqtt: ok$/);

    await broker.stop();
    brokerRunning = false;
    // The client notices the closed connection by itself; readiness reports its state, no probe.
    await waitFor(async () => !(await notifier.ready()).ok, { what: "not ready after the broker stopped" });
    const down = await notifier.ready();
    expect(down.ok).toBe(false);
    expect(down.detail).toMatch(/; bus: ok; mqtt: MQTT broker mqtt:\/\/127\.0\.0\.1:\d+ not connected: .+$/);
    expect(down.detail).toContain(`mqtt: MQTT broker ${broker.url} not connected: `);

    broker = await startPrivateMosquitto({ port: broker.port });
    brokerRunning = true;
    // The client reconnects every second (reconnectPeriod).
    await waitFor(async () => (await notifier.ready()).ok, {
      timeoutMs: 15_000,
      what: "ready again after the broker is back",
    });
    expect((await notifier.ready()).detail).toMatch(/; bus: ok; mqtt: ok$/);
  });
});
