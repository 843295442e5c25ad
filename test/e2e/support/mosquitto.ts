import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, tcpReachable, waitFor } from "@qingshan/testkit";

export const MOSQUITTO_BIN = "/usr/sbin/mosquitto";

export interface PrivateMosquitto {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a private Mosquitto on a free loopback port with the zero-loss settings the README asks
 * for (no queue limit, persistence), so a test owns its broker and its share groups.
 */
export async function startPrivateMosquitto(): Promise<PrivateMosquitto> {
  if (!existsSync(MOSQUITTO_BIN))
    throw new Error(`${MOSQUITTO_BIN} not installed (apt-get install mosquitto)`);
  const dir = mkdtempSync(join(tmpdir(), "qingshan-mosquitto-"));
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence true",
      `persistence_location ${dir}/`,
      "max_queued_messages 0",
      "max_queued_bytes 0",
      "max_inflight_messages 0",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(MOSQUITTO_BIN, ["-c", conf], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitFor(() => tcpReachable("127.0.0.1", port).then(() => true), { timeoutMs: 10_000 });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
