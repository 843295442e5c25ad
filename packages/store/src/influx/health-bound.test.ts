import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requireService, suspendProcess, waitFor } from "@qingshan/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { createInfluxStore } from "./influx-store.ts";

// The services' /readyz reports the store's health(): against an InfluxDB that accepts connections
// but does not answer (here: influxd stopped with SIGSTOP), it used to wait for the whole request
// timeout (10 s, 30 s below) and Docker's 5 s healthcheck gave up before learning why.

const run = promisify(execFile);
const INFRA = join(dirname(fileURLToPath(import.meta.url)), "../../../../test/infra/influxdb");

const gate = await requireService("influxdb", async () => {
  await run("sh", ["-c", "command -v influxd"]).catch(() => {
    throw new Error("influxd is not installed (apt-get install -y influxdb)");
  });
});

let server: { url: string; pid: number; dir: string } | undefined;

afterAll(async () => {
  if (!server) return;
  try {
    process.kill(server.pid, "SIGCONT");
  } catch {}
  await run("bash", [join(INFRA, "stop.sh")], {
    env: {
      ...process.env,
      QINGSHAN_TEST_INFLUX_PID: String(server.pid),
      QINGSHAN_TEST_INFLUX_DIR: server.dir,
    },
  });
});

/** The influxd of this file, started by the first test that needs it (stopped in afterAll). */
async function startServer(): Promise<{ url: string; pid: number; dir: string }> {
  if (server !== undefined) return server;
  const { stdout } = await run("bash", [join(INFRA, "start.sh")], { timeout: 90_000 });
  const vars = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  server = {
    url: vars.QINGSHAN_TEST_INFLUX_URL as string,
    pid: Number(vars.QINGSHAN_TEST_INFLUX_PID),
    dir: vars.QINGSHAN_TEST_INFLUX_DIR as string,
  };
  return server;
}

describe.skipIf(!gate.available)(`InfluxDB store health() against a hung server${gate.note}`, () => {
  it("says /ping did not answer within 1500 ms instead of waiting for the request timeout, and is ok again once the server answers", async () => {
    server = await startServer();
    const store = createInfluxStore({ url: server.url, database: "health_bound", timeoutMs: 30_000 });
    await store.start();
    try {
      expect(await store.health()).toMatchObject({ ok: true });
      await suspendProcess(server.pid);
      const hung = await store.health();
      expect(hung).toEqual({
        ok: false,
        detail: `influxdb ${server.url} (health_bound): /ping did not answer within 1500 ms`,
      });
      process.kill(server.pid, "SIGCONT");
      await waitFor(async () => (await store.health()).ok, { timeoutMs: 20_000 });
    } finally {
      process.kill(server.pid, "SIGCONT");
      await store.stop();
    }
  }, 60_000);

  it("a write given up by its signal (the writer stopping) rejects at once instead of waiting out the request timeout and its retries; written again later it is stored", async () => {
    const influx = await startServer();
    // 30 s per request and 2 retries: without the signal, this write would hold its caller ~90 s.
    const store = createInfluxStore({ url: influx.url, database: "write_abort", timeoutMs: 30_000 });
    await store.start();
    const reading = {
      stationId: "ld-aq-01",
      metric: "pm25" as const,
      ts: Date.parse("2026-11-30T10:00:00+08:00"),
      periodMs: 3_600_000,
      value: 41,
      flag: "N" as const,
      source: "mqtt-json" as const,
      receivedAt: Date.parse("2026-11-30T11:00:00+08:00"),
    };
    try {
      process.kill(influx.pid, "SIGSTOP");
      const stopping = new AbortController();
      const write = store.writeReadings([reading], { signal: stopping.signal });
      const settled = write.then(
        () => "stored",
        (error: Error) => error.name,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      stopping.abort();
      // Settles while the server is still hung: the request was aborted, not timed out.
      expect(await settled).toBe("StoreError");
      process.kill(influx.pid, "SIGCONT");
      await store.writeReadings([reading]);
      const stored = await store.queryReadings({
        stationId: "ld-aq-01",
        from: reading.ts,
        to: reading.ts + 1,
      });
      expect(stored.map((r) => r.value)).toEqual([41]);
    } finally {
      process.kill(influx.pid, "SIGCONT");
      await store.stop();
    }
  }, 60_000);
});
