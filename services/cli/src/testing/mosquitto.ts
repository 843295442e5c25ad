import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, tcpReachable, waitFor } from "@qingshan/testkit";

/** Test support: a private Mosquitto that requires a login, for the CLI's tests. */

const MOSQUITTO = "/usr/sbin/mosquitto";
const MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd";
export const MOSQUITTO_PUB = "/usr/bin/mosquitto_pub";
/** Whether Mosquitto and its tools are installed (tests that need them are skipped otherwise). */
export const mosquittoInstalled = [MOSQUITTO, MOSQUITTO_PASSWD, MOSQUITTO_PUB].every((bin) =>
  existsSync(bin),
);

/** The account the private Mosquitto admits. */
export const MOSQUITTO_USER = "qingshan-ingest";
export const MOSQUITTO_PASSWORD = "correct:horse@7f%3a";

/**
 * Starts a private Mosquitto on a free loopback port that admits only MOSQUITTO_USER with
 * MOSQUITTO_PASSWORD (allow_anonymous false); its stop and the removal of its directory are
 * pushed onto `cleanups`.
 */
export async function startAuthenticatedMosquitto(
  cleanups: Array<() => Promise<void> | void>,
): Promise<{ url: string; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), "qingshan-cli-mosquitto-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const passwords = join(dir, "passwords");
  execFileSync(MOSQUITTO_PASSWD, ["-b", "-c", passwords, MOSQUITTO_USER, MOSQUITTO_PASSWORD]);
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      // Started as root, Mosquitto would switch to the user "mosquitto", who cannot read this directory.
      `user ${userInfo().username}`,
      "allow_anonymous false",
      `password_file ${passwords}`,
      "max_queued_messages 0",
      "max_inflight_messages 0",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ["-c", conf], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null) process.kill(child.pid as number, "SIGTERM");
    await exited;
  });
  await waitFor(() => tcpReachable("127.0.0.1", port).then(() => true), {
    timeoutMs: 10_000,
    what: "the private Mosquitto to listen",
  });
  return { url: `mqtt://127.0.0.1:${port}`, port };
}
