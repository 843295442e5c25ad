import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { requireService, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { type RunningOne, startOneService } from "./run.ts";

// Prometheus reads only /metrics, which keeps answering while Kafka is gone: `qingshan_ready` is how
// the alert rules (deploy/prometheus/alerts.yml, QingshanServiceNotReady) learn what /readyz says.

const root = resolve(import.meta.dirname, "../../..");
const kafka = await testKafkaBroker({ own: true });
const gate = await requireService("kafka (own broker)", () => kafka.probe());

const dataDir = mkdtempSync(join(tmpdir(), "qingshan-run-ready-"));
const running: RunningOne[] = [];
afterAll(async () => {
  for (const service of running) await service.stop();
  await kafka.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function readyGauge(url: string): Promise<string | undefined> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  return /^qingshan_ready (\S+)$/m.exec(text)?.[1];
}

describe.skipIf(!gate.available)(`qingshan run: /metrics tells readiness${gate.note}`, () => {
  it("serves qingshan_ready 1 while /readyz is 200, 0 while Kafka is gone, 1 again once it is back", async () => {
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_BUS: "kafka",
        QINGSHAN_KAFKA_BROKERS: kafka.brokers,
        QINGSHAN_KAFKA_TOPIC_PREFIX: `run-ready-${process.pid}.`,
        QINGSHAN_HTTP_PORT: "0",
        QINGSHAN_HTTP_HOST: "127.0.0.1",
        QINGSHAN_MQTT_PORT: "0",
        QINGSHAN_HJ212_PORT: "0",
        QINGSHAN_DATA_DIR: dataDir,
      },
    });
    const ingest = await startOneService("ingest", config, pino({ level: "silent" }), root);
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
});
