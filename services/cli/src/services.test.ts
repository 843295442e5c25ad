import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "@qingshan/bus";
import { type NotifierConfig, parseNotifierConfig } from "@qingshan/notifier";
import { loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore } from "@qingshan/store";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, type QingshanConfig } from "./config.ts";
import { checkRuleRoutes, type ServiceContext, startNotifierService } from "./services.ts";

const root = join(import.meta.dirname, "../../..");
const logger = pino({ level: "silent" });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

function context(notifier?: Record<string, unknown>, metricsRegistry?: Registry): ServiceContext {
  const dataDir = mkdtempSync(join(tmpdir(), "qingshan-cli-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const loaded = loadConfig({ root, env: { QINGSHAN_DATA_DIR: dataDir, QINGSHAN_SIMULATOR: "off" } });
  const config: QingshanConfig =
    notifier === undefined ? loaded : { ...loaded, notifier: { ...loaded.notifier, ...notifier } };
  return {
    config,
    registry: loadStationRegistry(config.stations),
    logger,
    bus: createMemoryBus(),
    ...(metricsRegistry ? { metricsRegistry } : {}),
  };
}

describe("the notifier in qingshan start / run notifier", () => {
  it("the shipped rules name only routes the default notifier configuration defines", () => {
    const ctx = context();
    expect(() =>
      checkRuleRoutes(ctx, parseNotifierConfig(ctx.config.notifier as NotifierConfig), root),
    ).not.toThrow();
  });

  it("refuses to start when a rule routes to a route notifier.routes does not define, naming rule, route and routes", async () => {
    const ctx = context({ routes: [{ name: "duty", channels: ["*"] }] });
    const store = createDuckDbStore({ path: join(ctx.config.dataDir, "q.duckdb"), threads: 1 });
    await expect(
      startNotifierService(ctx, store, { mqttUrl: "", publicUrl: "http://localhost:8080", root }),
    ).rejects.toThrow(
      /rule "noi-grade" routes its alerts to "publication", which is not a notifier route \(notifier\.routes: duty\)\. .*config\/rules\.yaml/,
    );
  });

  it("a rules file that cannot be read here is not checked (the evaluator reports it)", () => {
    const ctx = context();
    const dir = mkdtempSync(join(tmpdir(), "qingshan-cli-root-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "README"), "no config/rules.yaml here\n");
    expect(() => checkRuleRoutes(ctx, parseNotifierConfig({}), dir)).not.toThrow();
  });

  it("registers the notifier metrics in the context's registry (served on /metrics)", async () => {
    const metricsRegistry = new Registry();
    const ctx = context(undefined, metricsRegistry);
    await ctx.bus.start();
    cleanups.push(() => ctx.bus.stop());
    const store = createDuckDbStore({ path: join(ctx.config.dataDir, "q.duckdb"), threads: 1 });
    await store.start();
    cleanups.push(() => store.stop());
    const notifier = await startNotifierService(ctx, store, {
      mqttUrl: "",
      publicUrl: "http://localhost:8080",
      root,
    });
    cleanups.push(() => notifier.stop());
    const text = await metricsRegistry.metrics();
    expect(text).toContain('qingshan_notifications_sent_total{channel="email"} 0');
    expect(text).toContain('qingshan_alerts_open{severity="critical",status="open"} 0');
  });
});
