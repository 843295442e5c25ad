/**
 * The compose containers' commands, run for real on loopback: each Qingshan service of
 * docker-compose.yml is started with exactly its `command` (working directory the repository root,
 * as WORKDIR /app in the image; its compose environment with the compose hosts replaced by loopback
 * Kafka, InfluxDB, Mosquitto and SMTP), its healthcheck command answers, and SIGTERM sent to the
 * spawned process — what Docker sends to the container's command under `init: true` — makes the
 * service log its stop and exit 0 within the compose `stop_grace_period`. A `pnpm qingshan …`
 * command fails this: pnpm exits at once with status 1 and leaves the service running without a
 * signal (in a container it is then SIGKILLed: no offset commit, no group leave, no spool flush).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { freePort, processAlive, requireService, waitFor } from "@qingshan/testkit";
import {
  type PrivateMosquitto,
  requirePrivateMosquitto,
  startPrivateMosquitto,
} from "@qingshan/testkit/mosquitto";
import { startTestSmtp, type TestSmtpServer } from "@qingshan/testkit/smtp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { influxdInstalled, type PrivateInfluxd, startPrivateInfluxd } from "../e2e/support/influxd.ts";
import { compose, qingshanServices, root } from "./compose-file.ts";

const run = promisify(execFile);

const kafka = await testKafkaBroker();
const gates = [
  await requireService("kafka", () => kafka.probe()),
  await requirePrivateMosquitto({ name: "mosquitto" }),
  await requireService("influxdb", influxdInstalled),
];
const available = gates.every((g) => g.available);
const note = gates.map((g) => g.note).join("");

/** "30s", "1m30s" → ms (compose duration); Docker's default grace is 10 s. */
function durationMs(value: string | undefined): number {
  if (value === undefined) return 10_000;
  let ms = 0;
  for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(n) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"];
  }
  return ms;
}

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** Whether any process of the group `pgid` still runs. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function start(command: readonly string[], env: Record<string, string>): Started {
  const [file, ...args] = command;
  // Its own process group, as the container's processes are on their own: anything the command
  // leaves behind is found (and killed) by the group id.
  const child = spawn(file ?? "", args, {
    detached: true,
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => text };
}

/** The healthcheck's CMD with the container's localhost:8080 replaced by the process's address. */
function healthcheckCommand(name: string, url: string): string[] {
  const test = compose.services[name]?.healthcheck?.test;
  if (!Array.isArray(test) || test[0] !== "CMD") throw new Error(`${name}: healthcheck is not a CMD list`);
  return test.slice(1).map((arg) => arg.replaceAll("http://localhost:8080", url));
}

describe.skipIf(!available)(`the compose services' commands stop on SIGTERM, for real${note}`, () => {
  const dirs: string[] = [];
  const running: Started[] = [];
  let mosquitto: PrivateMosquitto | undefined;
  let influx: PrivateInfluxd | undefined;
  let smtp: TestSmtpServer | undefined;
  let loopback: Record<string, string> = {};

  beforeAll(async () => {
    mosquitto = await startPrivateMosquitto();
    influx = await startPrivateInfluxd();
    smtp = await startTestSmtp();
    // Every variable docker-compose.yml sets that names a compose host, on loopback instead.
    loopback = {
      QINGSHAN_KAFKA_BROKERS: kafka.brokers,
      QINGSHAN_KAFKA_TOPIC_PREFIX: `stop-${randomUUID().slice(0, 8)}.`,
      QINGSHAN_INFLUX_URL: influx.url,
      QINGSHAN_INFLUX_DATABASE: `qingshan_stop_${randomUUID().replaceAll("-", "")}`,
      QINGSHAN_MQTT_URL: mosquitto.url,
      QINGSHAN_MQTT_SHARE_GROUP: `stop-${randomUUID().slice(0, 8)}`,
      QINGSHAN_SMTP_HOST: "127.0.0.1",
      QINGSHAN_SMTP_PORT: String(smtp.port),
      QINGSHAN_HTTP_HOST: "127.0.0.1",
      QINGSHAN_HJ212_PORT: "0",
    };
  }, 120_000);

  afterAll(async () => {
    for (const started of running) {
      const pgid = started.child.pid as number;
      if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
      await started.exited;
    }
    await smtp?.stop();
    await influx?.stop();
    await mosquitto?.stop();
    await kafka.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const runServices = qingshanServices.filter((s) => s.command.includes("run"));

  it("has the services to check", () => {
    expect(runServices.map((s) => s.command.at(-1)).sort()).toEqual([
      "api",
      "evaluator",
      "ingest",
      "ingest",
      "notifier",
      "writer",
    ]);
  });

  for (const { name, command, env } of runServices) {
    const service = command.at(-1) ?? "";
    const graceMs = durationMs(compose.services[name]?.stop_grace_period);

    it(`${name}: ${command.join(" ")} is ready, then on SIGTERM logs its stop and exits 0 within ${graceMs / 1000} s`, async () => {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), `qingshan-stop-${name}-`));
      dirs.push(dataDir);
      const composeEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
      const started = start(command, {
        ...composeEnv,
        ...loopback,
        ...(service === "ingest"
          ? { QINGSHAN_MQTT_CLIENT_ID: `stop-${name}-${randomUUID().slice(0, 8)}` }
          : {}),
        QINGSHAN_HTTP_PORT: String(port),
        QINGSHAN_DATA_DIR: dataDir,
        QINGSHAN_SIMULATOR: "off",
      });
      running.push(started);
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          if (started.child.exitCode !== null)
            throw new Error(`exited with ${started.child.exitCode}:\n${started.output().slice(-2000)}`);
          return (
            /is running \(distributed mode\)/.test(started.output()) &&
            (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200
          );
        },
        { what: `${name} ready`, timeoutMs: 120_000, intervalMs: 200 },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- ${name} output ---\n${started.output().slice(-3000)}`);
      });

      // The compose healthcheck, run as Docker runs it inside the container: healthy.
      const [file, ...args] = healthcheckCommand(name, url);
      await expect(run(file ?? "", args, { cwd: root })).resolves.toBeDefined();

      const pid = started.child.pid as number;
      const sent = Date.now();
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => started.child.kill("SIGKILL"), graceMs);
      const result = await started.exited;
      clearTimeout(timer);
      const took = Date.now() - sent;
      const output = started.output();
      expect(output, output.slice(-2000)).toContain(`stopping ${service}: finishing in-flight work`);
      expect({ ...result, withinGrace: took < graceMs }, output.slice(-2000)).toEqual({
        code: 0,
        signal: null,
        withinGrace: true,
      });
      // Nothing it started keeps running (a wrapper's orphaned child would): no process of its group
      // is left, the HTTP server is gone and the healthcheck fails.
      expect(processAlive(pid)).toBe(false);
      await waitFor(() => !groupAlive(pid), {
        what: `${name}'s processes gone`,
        timeoutMs: 5_000,
        intervalMs: 100,
      });
      await expect(run(file ?? "", args, { cwd: root })).rejects.toThrow();
    }, 180_000);
  }
});
