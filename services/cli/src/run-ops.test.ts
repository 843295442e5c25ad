/**
 * `qingshan run <service>` in distributed mode, through its real ops HTTP server: /readyz follows
 * the Kafka bus (503 naming it while the brokers are gone, 200 once they are back), kafkajs' log
 * lines are JSON through the service's pino logger, and /metrics has prom-client's process metrics
 * and the evaluator's own series. A Kafka broker of this file's own (it is killed) and a private
 * InfluxDB (the evaluator needs a store other processes can share).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { type Bus, createKafkaBus } from "@qingshan/bus";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import type { Reading } from "@qingshan/domain";
import { requireService, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningOne, startOneService } from "./run.ts";
import { runServiceConfig } from "./testing/run-config.ts";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../../..");
const influxInfra = join(root, "test/infra/influxdb");

const influxGate = await requireService("influxdb", () =>
  run("sh", ["-c", "command -v influxd"]).then(() => undefined),
);
const kafka = influxGate.available ? await testKafkaBroker({ own: true }) : undefined;
const gate =
  kafka === undefined ? influxGate : await requireService("kafka (own broker)", () => kafka.probe());

let influxVars: Record<string, string> = {};
/** The api, started beside the evaluator (same store), checked again while Kafka is gone. */
let api: RunningOne | undefined;
const running: RunningOne[] = [];
const dataDir = mkdtempSync(join(tmpdir(), "qingshan-run-ops-"));
afterAll(async () => {
  for (const service of running) await service.stop();
  if (influxVars.QINGSHAN_TEST_INFLUX_PID !== undefined)
    await run("bash", [join(influxInfra, "stop.sh")], { env: { ...process.env, ...influxVars } });
  await kafka?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Each line the logger writes, as written. */
function capturingLogger(lines: string[]) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter((l) => l !== ""),
      );
      done();
    },
  });
  return pino({ level: "debug" }, sink);
}

function configFor(prefix: string, env: Record<string, string> = {}) {
  return runServiceConfig({ root, brokers: kafka?.brokers ?? "", topicPrefix: prefix, dataDir, env });
}

async function readyz(url: string): Promise<{ status: number; body: { ready: boolean; detail: string } }> {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as { ready: boolean; detail: string } };
}

describe.skipIf(!gate.available)(`qingshan run: readiness, logs and metrics${gate.note}`, () => {
  it("the evaluator's /metrics has its qingshan_evaluator_* series and process metrics", async () => {
    const { stdout } = await run("bash", [join(influxInfra, "start.sh")], { timeout: 90_000 });
    influxVars = Object.fromEntries(
      [...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    const prefix = `run-ops-eval-${process.pid}.`;
    const config = configFor(prefix, {
      QINGSHAN_STORE: "influx",
      QINGSHAN_INFLUX_URL: influxVars.QINGSHAN_TEST_INFLUX_URL ?? "",
      QINGSHAN_INFLUX_DATABASE: `run_ops_${process.pid}`,
    });
    const evaluator = await startOneService("evaluator", config, pino({ level: "silent" }), root);
    running.push(evaluator);
    const publisher: Bus = createKafkaBus({
      brokers: kafka?.brokers ?? "",
      topicPrefix: prefix,
      logLevel: "nothing",
    });
    await publisher.start();
    try {
      const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      const reading: Reading = {
        stationId: "ld-aq-01",
        metric: "pm25",
        ts: hour,
        periodMs: 3_600_000,
        value: 35,
        flag: "N",
        source: "mqtt-json",
        receivedAt: Date.now(),
      };
      await publisher.publish("readings", [{ key: reading.stationId, value: reading }]);
      const text = await waitFor(
        async () => {
          const body = await (await fetch(`${evaluator.httpUrl}/metrics`)).text();
          return /^qingshan_evaluator_readings_evaluated_total 1$/m.test(body) ? body : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: "the evaluator to count the reading" },
      );
      expect(text).toMatch(/^qingshan_evaluator_last_evaluated_data_time_seconds (\d+)$/m);
      expect(Number(/^qingshan_evaluator_last_evaluated_data_time_seconds (\d+)$/m.exec(text)?.[1])).toBe(
        hour / 1000,
      );
      expect(text).toMatch(/^# TYPE qingshan_evaluator_alert_events_total counter$/m);
      expect(text).toMatch(/^qingshan_evaluator_rebuild_duration_seconds_count [1-9]\d*$/m);
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    } finally {
      await publisher.stop();
    }
    await evaluator.stop();
    running.splice(running.indexOf(evaluator), 1);
    api = await startOneService("api", config, pino({ level: "silent" }), root);
    running.push(api);
  }, 180_000);

  it("ingest's (and the api's) /readyz is 503 naming Kafka while the broker is gone and 200 once it is back; kafkajs logs JSON", async () => {
    if (kafka === undefined) throw new Error("no broker: the gate should have skipped this test");
    const lines: string[] = [];
    const ingest = await startOneService(
      "ingest",
      configFor(`run-ops-ingest-${process.pid}.`),
      capturingLogger(lines),
      root,
    );
    running.push(ingest);
    expect((await readyz(ingest.httpUrl)).status).toBe(200);
    const metrics = await (await fetch(`${ingest.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^process_cpu_user_seconds_total /m);

    await kafka.kill();
    const down = await waitFor(
      async () => {
        const r = await readyz(ingest.httpUrl);
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: "/readyz 503 with Kafka gone" },
    );
    expect(down.body.ready).toBe(false);
    expect(down.body.detail).toMatch(/bus: kafka: brokers 127\.0\.0\.1:\d+ (unreachable|did not answer)/);
    // The api's /readyz has a bus check beside the store's.
    if (api !== undefined) {
      const response = await fetch(`${api.httpUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as {
        notReady: string[];
        checks: Record<string, { detail: string }>;
      };
      expect(response.status).toBe(503);
      expect(body.notReady).toEqual(["bus"]);
      expect(body.checks.bus?.detail).toMatch(/^kafka: brokers /);
    }

    // kafkajs notices the broken connection and logs it through pino: JSON, level mapped.
    await waitFor(() => lines.some((l) => l.includes('"component":"kafka"')), {
      timeoutMs: 30_000,
      what: "a kafkajs log line",
    });
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const kafkaLines = lines.map((l) => JSON.parse(l)).filter((l) => l.component === "kafka");
    // Routine and repeated connection errors are warnings at most (the bus' own crash line too).
    expect(kafkaLines.filter((l) => typeof l.namespace !== "string" || l.level > 40)).toEqual([]);

    await kafka.restart();
    await waitFor(async () => (await readyz(ingest.httpUrl)).status === 200, {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: "/readyz 200 once Kafka is back",
    });
    if (api !== undefined)
      await waitFor(async () => (await fetch(`${api?.httpUrl}/readyz`)).status === 200, {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: "the api's /readyz 200 once Kafka is back",
      });
  }, 240_000);
});
