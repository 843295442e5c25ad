import { mkdtemp, rm } from "node:fs/promises";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, createMemoryBus } from "@qingshan/bus";
import {
  type AlertEvent,
  createStationRegistry,
  type MetricId,
  type Reading,
  type StationRegistry,
} from "@qingshan/domain";
import { createDuckDbStore, type DuckDbStore } from "@qingshan/store";
import { startTestSmtp, type TestSmtpServer } from "@qingshan/testkit/smtp";
import { Aedes } from "aedes";
import { connectAsync, type MqttClient } from "mqtt";
import { pino } from "pino";
import { afterEach } from "vitest";
import type { NotifierConfig } from "../config.ts";
import { createNotifier, type Notifier, type NotifierDeps } from "../notifier.ts";

export const T0 = Date.parse("2026-11-28T10:00:00+08:00");
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export const registry: StationRegistry = createStationRegistry([
  {
    id: "ld-aq-01",
    name: { zh: "莲都监测站", en: "Liandu station" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
  },
]);

export const ROSTER: NotifierConfig["roster"] = {
  people: [
    {
      id: "duty-a",
      name: "测试值班员 Test Duty",
      email: "duty@test.example",
      phone: "13800000000",
      wecomUserId: "dutya",
    },
    { id: "duty-n", name: "夜班值班员 Night Duty", email: "night@test.example" },
    { id: "chief", name: "测试科长 Test Chief", email: "chief@test.example" },
  ],
  shifts: [
    { name: "day", start: "08:00", end: "20:00", tiers: [["duty-a"], ["chief"]] },
    { name: "night", start: "20:00", end: "08:00", tiers: [["duty-n"], ["chief"]] },
  ],
};

/** Hourly readings (hour starts at `from` + i h, received at the hour's end) of one series. */
export function hourly(
  stationId: string,
  metric: MetricId,
  from: number,
  values: readonly number[],
): Reading[] {
  return values.map((value, i) => ({
    stationId,
    metric,
    ts: from + i * HOUR,
    periodMs: HOUR,
    value,
    flag: "N" as const,
    source: "api" as const,
    receivedAt: from + (i + 1) * HOUR,
  }));
}

/** A raised event as the evaluator publishes it (PM2.5 24-hour mean over the Grade II limit). */
export function raised(alertId = "a1", at = T0): AlertEvent {
  return {
    id: `${alertId}:raised`,
    alertId,
    type: "raised",
    at: new Date(at).toISOString(),
    ruleId: "gb3095-24h-pm25",
    stationId: "ld-aq-01",
    severity: "warning",
    metric: "pm25",
    value: 180.4,
    threshold: 75,
    window: "24h rolling",
    standard: "GB 3095-2012 表1 二级 / Table 1 Grade II",
    startedAt: "2026-11-28T09:00:00+08:00",
    message: { zh: "PM2.5 24小时均值 180.4 > 75 µg/m³", en: "PM2.5 24-hour mean 180.4 > 75 µg/m³" },
  };
}

export function acknowledged(alertId: string, at: number): AlertEvent {
  return {
    ...raised(alertId),
    id: `${alertId}:acknowledged:${at}`,
    type: "acknowledged",
    at: new Date(at).toISOString(),
    actor: "duty-a",
    note: "已通知执法大队 / enforcement team informed",
  };
}

/** Publishes alert events on bus "alerts", keyed by station as the evaluator does. */
export async function publishAlerts(bus: Bus, ...events: AlertEvent[]): Promise<void> {
  await bus.publish(
    "alerts",
    events.map((e) => ({ key: e.stationId, value: e })),
  );
}

export class Cleanup {
  private readonly steps: Array<() => Promise<unknown>> = [];
  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    while (this.steps.length > 0) {
      try {
        await this.steps.pop()?.();
      } catch {
        // keep cleaning up
      }
    }
  }
}

/** A Cleanup run after each test of the file calling this (at its top level). */
export function cleanupAfterEach(): Cleanup {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  return cleanup;
}

export const silentLogger = pino({ level: "silent" });

export async function tempDir(cleanup: Cleanup): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qingshan-notifier-"));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function startStore(path: string, cleanup: Cleanup): Promise<DuckDbStore> {
  const store = createDuckDbStore({ path, threads: 1 });
  await store.start();
  cleanup.add(() => store.stop());
  return store;
}

export async function startBus(cleanup: Cleanup): Promise<Bus> {
  const bus = createMemoryBus();
  await bus.start();
  cleanup.add(() => bus.stop());
  return bus;
}

/** A temp dir, a DuckDB store in it (q.duckdb) and an in-process bus, all released by `cleanup`. */
export async function startStoreAndBus(
  cleanup: Cleanup,
): Promise<{ dir: string; store: DuckDbStore; bus: Bus }> {
  const dir = await tempDir(cleanup);
  const store = await startStore(join(dir, "q.duckdb"), cleanup);
  const bus = await startBus(cleanup);
  return { dir, store, bus };
}

/** The notifier's SMTP settings for a test server on 127.0.0.1 (plain, no TLS). */
export function localSmtp(port: number): { host: string; port: number; secure: boolean } {
  return { host: "127.0.0.1", port, secure: false };
}

/** A started notifier (default: the harness registry, silent logger), stopped by `cleanup`. */
export async function startNotifier(
  cleanup: Cleanup,
  config: NotifierConfig,
  deps: Omit<NotifierDeps, "registry"> & Partial<Pick<NotifierDeps, "registry">>,
): Promise<Notifier> {
  const notifier = createNotifier(config, { registry, logger: silentLogger, ...deps });
  await notifier.start();
  cleanup.add(() => notifier.stop());
  return notifier;
}

/** A real SMTP server in process (`@qingshan/testkit/smtp`), stopped by `cleanup`. */
export async function startSmtp(cleanup: Cleanup): Promise<TestSmtpServer> {
  const smtp = await startTestSmtp();
  cleanup.add(() => smtp.stop());
  return smtp;
}

export interface Received {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly status: number;
}

/**
 * A real HTTP receiver. `respond` decides each answer (status, body), may be async (to hold a request).
 */
export async function startReceiver(
  cleanup: Cleanup,
  respond: (
    req: IncomingMessage,
    n: number,
  ) => Promise<{ status: number; body: string }> | { status: number; body: string } = () => ({
    status: 200,
    body: '{"errcode":0,"errmsg":"ok"}',
  }),
): Promise<{ url: string; received: Received[]; requests: () => number }> {
  const received: Received[] = [];
  let count = 0;
  const server: Server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const n = ++count;
      const answer = await respond(req, n);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      received.push({
        path: url.pathname,
        query: url.searchParams,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>,
        status: answer.status,
      });
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, received, requests: () => count };
}

/** An embedded aedes broker on a free port and a subscriber on alerts/#. */
export async function startBroker(
  cleanup: Cleanup,
): Promise<{ url: string; messages: Array<{ topic: string; event: AlertEvent }>; subscriber: MqttClient }> {
  const broker = await Aedes.createBroker();
  const server = createNetServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  cleanup.add(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const url = `mqtt://127.0.0.1:${port}`;
  const subscriber = await connectAsync(url, { clientId: `test-sub-${port}`, reconnectPeriod: 0 });
  cleanup.add(() => subscriber.endAsync(true));
  const messages: Array<{ topic: string; event: AlertEvent }> = [];
  subscriber.on("message", (topic, payload) => {
    messages.push({ topic, event: JSON.parse(payload.toString("utf8")) as AlertEvent });
  });
  await subscriber.subscribeAsync("alerts/#", { qos: 1 });
  return { url, messages, subscriber };
}

/** Base test config: manual ticks (timer effectively off), no cron, fast retries. */
export function baseConfig(dir: string, overrides: Partial<NotifierConfig> = {}): NotifierConfig {
  return {
    publicUrl: "http://qingshan.test:8080/",
    tickMs: 3_600_000,
    spoolFile: join(dir, "spool.jsonl"),
    drainTimeoutMs: 2_000,
    retry: { initialMs: 50, maxMs: 200, maxAttempts: 6 },
    roster: ROSTER,
    schedule: { enabled: false },
    mqtt: { enabled: false },
    email: { smtp: { host: "" }, outboxDir: join(dir, "outbox") },
    ...overrides,
  };
}
