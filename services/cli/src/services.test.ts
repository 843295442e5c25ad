import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createMemoryBus } from "@qingshan/bus";
import { HOUR_MS, type Reading } from "@qingshan/domain";
import { type NotifierConfig, parseNotifierConfig } from "@qingshan/notifier";
import { loadStationRegistry } from "@qingshan/simulator";
import { createDuckDbStore, StoreError } from "@qingshan/store";
import { freePort, tcpReachable, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { loadConfig, type QingshanConfig } from "./config.ts";
import { CliError, describeFailure } from "./errors.ts";
import {
  checkRuleRoutes,
  createStoreFromConfig,
  type ServiceContext,
  startEvaluatorService,
  startIngestService,
  startNotifierService,
  startStoreWithRetry,
  startWriterService,
} from "./services.ts";
import { holdDuckDbFile, repoRoot as root } from "./testing/cli-process.ts";
import { writeShippedConfig } from "./testing/shipped-config.ts";

const logger = pino({ level: "silent" });
const cleanups = cleanupsAfterEach();

function context(notifier?: Record<string, unknown>, metricsRegistry?: Registry): ServiceContext {
  const dataDir = tempDir(cleanups, "qingshan-cli-");
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
      /^\/.*config\/rules\.yaml: rule "noi-grade": routing\.routes: "publication" is not a notifier route \(notifier\.routes: duty\); add it to notifier\.routes/,
    );
  });

  it("a rules file that cannot be read here is not checked (the evaluator reports it)", () => {
    const ctx = context();
    const dir = tempDir(cleanups, "qingshan-cli-root-");
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

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/**
 * A context loaded from a configuration file: the shipped one with `sections` replaced, the data
 * directory a fresh temp dir, the log lines collected in `lines`.
 */
function configuredContext(sections: {
  writer?: object;
  evaluator?: object;
  hj212?: object;
  mqtt?: object;
}): {
  ctx: ServiceContext;
  lines: LogLine[];
} {
  const { file, dataDir } = writeShippedConfig(cleanups, sections);
  const config = loadConfig({ root, file, env: { QINGSHAN_DATA_DIR: dataDir, QINGSHAN_SIMULATOR: "off" } });
  const lines: LogLine[] = [];
  const collecting = pino(
    { level: "info" },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return {
    ctx: {
      config,
      registry: loadStationRegistry(config.stations),
      logger: collecting,
      bus: createMemoryBus(),
    },
    lines,
  };
}

describe("the writer's consumer group in qingshan start / run writer / run evaluator", () => {
  it.each([
    { name: "default", writer: {}, group: "writer" },
    { name: "writer.readingsGroup set", writer: { readingsGroup: "archive" }, group: "archive" },
  ])(
    "$name: the writer consumes in $group and a new evaluator owner waits for $group",
    async ({ writer: writerSection, group }) => {
      const { ctx, lines } = configuredContext({
        writer: { ...writerSection, maxBatch: 500, retry: { initialMs: 50, maxMs: 5000 } },
        evaluator: { rulesFile: "config/rules.yaml", takeoverWaitMs: 3000 },
      });
      await ctx.bus.start();
      cleanups.push(() => ctx.bus.stop());
      const store = createDuckDbStore({ path: join(ctx.config.dataDir, "q.duckdb"), threads: 1 });
      await store.start();
      cleanups.push(() => store.stop());

      const writer = await startWriterService(ctx, store);
      cleanups.push(() => writer.stop());
      expect(lines.find((l) => l.msg === "writer started")).toMatchObject({
        maxBatch: 500,
        retry: { initialMs: 50, maxMs: 5000 },
      });
      const first = await startEvaluatorService(ctx, store, root);
      const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
      const reading: Reading = {
        stationId: "ld-aq-01",
        metric: "pm25",
        ts: hour,
        periodMs: HOUR_MS,
        value: 35,
        flag: "N",
        source: "mqtt-json",
        receivedAt: hour + HOUR_MS,
      };
      // The writer is durable on the in-process bus: publish resolves once it has stored the reading.
      await ctx.bus.publish("readings", [{ key: reading.stationId, value: reading }]);
      const partition = ctx.bus.partitionFor("readings", reading.stationId);
      expect(await ctx.bus.committedOffsets(group, "readings")).toEqual(new Map([[partition, "1"]]));
      if (group !== "writer") expect(await ctx.bus.committedOffsets("writer", "readings")).toEqual(new Map());
      await waitFor(
        async () => (await ctx.bus.committedOffsets("evaluator", "readings")).get(partition) === "1",
        {
          what: "the evaluator group committed the reading",
        },
      );
      await first.stop();

      // The new owner resumes after the reading: it waits only if its writerGroup is not the writer's group.
      const startedAt = performance.now();
      const second = await startEvaluatorService(ctx, store, root);
      cleanups.push(() => second.stop());
      expect(lines.filter((l) => l.level >= 40 || /waiting for the writer group/.test(l.msg))).toEqual([]);
      expect(performance.now() - startedAt).toBeLessThan(3000);
    },
  );
});

describe("qingshan start on a data directory another Qingshan uses", () => {
  it("fails at once, naming the file, the other process's PID and dataDir (QINGSHAN_DATA_DIR)", async () => {
    const { ctx, lines } = configuredContext({});
    const file = join(ctx.config.dataDir, "qingshan.duckdb");
    const holder = await holdDuckDbFile(file, cleanups);
    const startedAt = performance.now();
    const error = await startStoreWithRetry(createStoreFromConfig(ctx.config), ctx.logger).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - startedAt).toBeLessThan(5000);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).cause).toBeInstanceOf(StoreError);
    expect(((error as Error).cause as StoreError).code).toBe("store.locked");
    const printed = describeFailure(error, false);
    expect(printed).toContain(`the database file ${file} is in use by another process (PID ${holder.pid}`);
    expect(printed).toContain("probably another Qingshan on the same data directory");
    expect(printed).toContain("set dataDir (QINGSHAN_DATA_DIR) to another directory");
    expect(printed).not.toContain("store.path");
    expect(printed).not.toContain("IO Error");
    expect(printed.split("\n")).toHaveLength(1);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});

describe("the HJ 212 TCP listener's address", () => {
  it("binds to hj212.tcpHost from the configuration file", async () => {
    const port = await freePort();
    const { ctx } = configuredContext({
      hj212: { tcpPort: port, tcpHost: "127.0.0.1" },
      mqtt: { url: "", embeddedPort: await freePort(), embeddedHost: "127.0.0.1" },
    });
    expect(ctx.config.hj212).toMatchObject({ tcpPort: port, tcpHost: "127.0.0.1" });
    await ctx.bus.start();
    cleanups.push(() => ctx.bus.stop());
    const ingest = await startIngestService(ctx);
    cleanups.push(() => ingest.stop());
    await tcpReachable("127.0.0.1", port);
    // Bound to 127.0.0.1 only, the port is still free on another loopback address (on 0.0.0.0 it is not).
    const other = createServer();
    await new Promise<void>((resolve, reject) => {
      other.once("error", reject);
      other.listen(port, "127.0.0.2", resolve);
    });
    await new Promise<void>((resolve) => other.close(() => resolve()));
  });
});
