import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { requireService, suspendProcess, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningOne, startOneService } from "./run.ts";
import { runServiceConfig } from "./testing/run-config.ts";

// Prometheus reads only /metrics, which keeps answering while Kafka is gone: `qingshan_ready` is how
// the alert rules (deploy/prometheus/alerts.yml, QingshanServiceNotReady) learn what /readyz says.

const root = resolve(import.meta.dirname, "../../..");
const kafka = await testKafkaBroker({ own: true });
const gate = await requireService("kafka (own broker)", () => kafka.probe());

const run = promisify(execFile);
const influxInfra = join(root, "test/infra/influxdb");
const influxGate = await requireService("influxdb", () =>
  run("sh", ["-c", "command -v influxd"]).then(() => undefined),
);
let influxVars: Record<string, string> = {};

const dataDir = mkdtempSync(join(tmpdir(), "qingshan-run-ready-"));
const running: RunningOne[] = [];
afterAll(async () => {
  for (const service of running) await service.stop();
  if (influxVars.QINGSHAN_TEST_INFLUX_PID !== undefined)
    await run("bash", [join(influxInfra, "stop.sh")], { env: { ...process.env, ...influxVars } });
  await kafka.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function configFor(env: Record<string, string> = {}) {
  return runServiceConfig({
    root,
    brokers: kafka.brokers,
    topicPrefix: `run-ready-${process.pid}.`,
    dataDir,
    env,
  });
}

async function readyGauge(url: string): Promise<string | undefined> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  return /^qingshan_ready (\S+)$/m.exec(text)?.[1];
}

describe.skipIf(!gate.available)(`qingshan run: /metrics tells readiness${gate.note}`, () => {
  it("serves qingshan_ready 1 while /readyz is 200, 0 while Kafka is gone, 1 again once it is back", async () => {
    const ingest = await startOneService("ingest", configFor(), pino({ level: "silent" }), root);
    running.push(ingest);
    expect((await fetch(`${ingest.httpUrl}/readyz`)).status).toBe(200);
    expect(await readyGauge(ingest.httpUrl)).toBe("1");

    await kafka.kill();
    await waitFor(async () => (await readyGauge(ingest.httpUrl)) === "0", {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: "qingshan_ready 0 with Kafka gone",
    });
    expect((await fetch(`${ingest.httpUrl}/readyz`)).status).toBe(503);

    await kafka.restart();
    await waitFor(async () => (await readyGauge(ingest.httpUrl)) === "1", {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: "qingshan_ready 1 once Kafka is back",
    });
  }, 240_000);

  it.skipIf(!influxGate.available)(
    `the api serves qingshan_ready too, 0 while its InfluxDB is gone${influxGate.note}`,
    async () => {
      const { stdout } = await run("bash", [join(influxInfra, "start.sh")], { timeout: 90_000 });
      influxVars = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
      const api = await startOneService(
        "api",
        configFor({
          QINGSHAN_STORE: "influx",
          QINGSHAN_INFLUX_URL: influxVars.QINGSHAN_TEST_INFLUX_URL ?? "",
          QINGSHAN_INFLUX_DATABASE: `run_ready_${process.pid}`,
        }),
        pino({ level: "silent" }),
        root,
      );
      running.push(api);
      await waitFor(async () => (await readyGauge(api.httpUrl)) === "1", {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: "the api's qingshan_ready 1",
      });
      try {
        await suspendProcess(Number(influxVars.QINGSHAN_TEST_INFLUX_PID));
        expect(await readyGauge(api.httpUrl)).toBe("0");
        expect((await fetch(`${api.httpUrl}/readyz`)).status).toBe(503);
      } finally {
        process.kill(Number(influxVars.QINGSHAN_TEST_INFLUX_PID), "SIGCONT");
      }
      await waitFor(async () => (await readyGauge(api.httpUrl)) === "1", {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: "the api's qingshan_ready 1 once InfluxDB answers",
      });
    },
    180_000,
  );
});
