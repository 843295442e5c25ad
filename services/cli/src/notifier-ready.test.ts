/**
 * The notifier's readiness includes its MQTT alerts channel when it is enabled: not ready, naming
 * the broker, while the broker is down (real Mosquitto of the test's own, real DuckDB store).
 */
import { createMemoryBus } from "@qingshan/bus";
import { loadStationRegistry } from "@qingshan/simulator";
import { mosquittoMissing, startPrivateMosquitto } from "@qingshan/testkit/mosquitto";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import {
  createStoreFromConfig,
  type ServiceContext,
  startNotifierService,
  startStoreWithRetry,
} from "./services.ts";
import { cleanupsAfterEach, tempDir } from "./testing/cleanups.ts";
import { repoRoot as root } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();
const missing = mosquittoMissing({ login: false });

describe.skipIf(missing !== "")(`notifier readiness${missing ? ` (${missing})` : ""}`, () => {
  it("is not ready, naming the MQTT broker, while the alerts channel's broker is down", async () => {
    const broker = await startPrivateMosquitto();
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
    const down = await notifier.ready();
    expect(down.ok).toBe(false);
    expect(down.detail).toContain(`mqtt: MQTT broker ${broker.url} unreachable`);
  });
});
