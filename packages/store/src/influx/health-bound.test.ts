import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requireService, waitFor } from "@qingshan/testkit";
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

describe.skipIf(!gate.available)(`InfluxDB store health() against a hung server${gate.note}`, () => {
  it("says /ping did not answer within 1500 ms instead of waiting for the request timeout, and is ok again once the server answers", async () => {
    const { stdout } = await run("bash", [join(INFRA, "start.sh")], { timeout: 90_000 });
    const vars = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    server = {
      url: vars.QINGSHAN_TEST_INFLUX_URL as string,
      pid: Number(vars.QINGSHAN_TEST_INFLUX_PID),
      dir: vars.QINGSHAN_TEST_INFLUX_DIR as string,
    };
    const store = createInfluxStore({ url: server.url, database: "health_bound", timeoutMs: 30_000 });
    await store.start();
    try {
      expect(await store.health()).toMatchObject({ ok: true });
      process.kill(server.pid, "SIGSTOP");
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
});
