import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { processAlive, waitFor } from "@qingshan/testkit";

const run = promisify(execFile);
const INFRA = join(import.meta.dirname, "../../infra/influxdb");

export interface PrivateInfluxd {
  readonly url: string;
  /** The running influxd's PID (changes on restart). */
  readonly pid: number;
  /** SIGTERM by PID and waits until the process is gone (the data dir stays). */
  halt(): Promise<void>;
  /** Starts influxd again on the same config: same port, same data dir. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

export async function influxdInstalled(): Promise<void> {
  await run("sh", ["-c", "command -v influxd"]).catch(() => {
    throw new Error("influxd is not installed (apt-get install -y influxdb)");
  });
}

async function ping(url: string): Promise<boolean> {
  const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2_000) });
  return response.status === 204;
}

/**
 * A private InfluxDB 1.x this test owns, so it can stop and restart it (test/infra/influxdb/start.sh
 * for the first start: free loopback port, temp dir).
 */
export async function startPrivateInfluxd(): Promise<PrivateInfluxd> {
  const { stdout } = await run("bash", [join(INFRA, "start.sh")], { timeout: 90_000 });
  const vars = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  const url = vars.QINGSHAN_TEST_INFLUX_URL as string;
  const dir = vars.QINGSHAN_TEST_INFLUX_DIR as string;
  let pid = Number(vars.QINGSHAN_TEST_INFLUX_PID);
  let child: ChildProcess | undefined;
  const halt = async () => {
    if (!processAlive(pid)) return;
    process.kill(pid, "SIGTERM");
    const current = pid;
    await waitFor(() => !processAlive(current), {
      what: "influxd to exit",
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  };
  return {
    url,
    get pid() {
      return pid;
    },
    halt,
    async restart() {
      child = spawn("influxd", ["-config", join(dir, "influxdb.conf")], { stdio: "ignore" });
      pid = child.pid as number;
      await waitFor(() => ping(url), { what: "influxd to answer /ping again", timeoutMs: 60_000 });
    },
    async stop() {
      await run("bash", [join(INFRA, "stop.sh")], {
        env: { ...process.env, QINGSHAN_TEST_INFLUX_PID: String(pid), QINGSHAN_TEST_INFLUX_DIR: dir },
      });
    },
  };
}
