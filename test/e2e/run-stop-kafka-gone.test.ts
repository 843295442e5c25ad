/**
 * `qingshan run <service>` on SIGTERM while every Kafka broker is gone: the bus gives up its close
 * after `closeTimeoutMs` (3 s by default, packages/bus README "Bounded close") and the process
 * exits then, not when kafkajs' retry timers of the abandoned close run out (~9 s more).
 */

import { rmSync } from "node:fs";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { requireService } from "@qingshan/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { influxdInstalled, type PrivateInfluxd, startPrivateInfluxd } from "./support/influxd.ts";
import { type RunningService, startQingshanService, stopGracefully } from "./support/qingshan-process.ts";

// The writer needs a store another process can share: InfluxDB (DuckDB is one process's file).
const influxGate = await requireService("influxdb", influxdInstalled);
// A broker of this test's own, as it is killed; started only when the test can run.
const kafka = influxGate.available ? await testKafkaBroker({ own: true }) : undefined;
const gate =
  kafka === undefined ? influxGate : await requireService("kafka (own broker)", () => kafka.probe());
let influx: PrivateInfluxd | undefined;
let writer: RunningService | undefined;

afterAll(async () => {
  if (writer !== undefined) {
    await stopGracefully(writer.proc);
    rmSync(writer.dataDir, { recursive: true, force: true });
  }
  await influx?.stop();
  await kafka?.stop();
});

describe.skipIf(!gate.available)(`qingshan run with every Kafka broker gone${gate.note}`, () => {
  it("exits with status 0 within a few seconds of SIGTERM", async () => {
    if (kafka === undefined) throw new Error("no broker: the gate should have skipped this test");
    influx = await startPrivateInfluxd();
    writer = await startQingshanService("writer", "writer", {
      QINGSHAN_STORE: "influx",
      QINGSHAN_INFLUX_URL: influx.url,
      QINGSHAN_INFLUX_DATABASE: `run_stop_${process.pid}`,
      QINGSHAN_BUS: "kafka",
      QINGSHAN_KAFKA_BROKERS: kafka.brokers,
      QINGSHAN_KAFKA_TOPIC_PREFIX: `run-stop-${process.pid}.`,
    });
    await kafka.kill();
    // Let the consumer notice: its fetches and heartbeats fail and kafkajs starts retrying.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const signalledAt = performance.now();
    const code = await writer.proc.stop("SIGTERM");
    const exitMs = performance.now() - signalledAt;
    expect(writer.proc.output()).toMatch(/stopping writer/);
    expect(code).toBe(0);
    // closeTimeoutMs (3 s) plus the service's own shutdown; before, the process lived ~9 s longer.
    expect(exitMs).toBeLessThan(7_000);
  }, 180_000);
});
