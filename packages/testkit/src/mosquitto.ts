import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, requireService, type ServiceGate, tcpReachable, waitFor } from "./index.ts";

/** Test support: a private Mosquitto per test on a free loopback port (subpath ./mosquitto). */

export const MOSQUITTO_BIN = "/usr/sbin/mosquitto";
export const MOSQUITTO_PASSWD_BIN = "/usr/bin/mosquitto_passwd";

/** Why a private Mosquitto cannot start here ("" when it can): for requireService probes. */
export function mosquittoMissing(options: { login?: boolean } = {}): string {
  const bins = options.login ? [MOSQUITTO_BIN, MOSQUITTO_PASSWD_BIN] : [MOSQUITTO_BIN];
  const missing = bins.filter((bin) => !existsSync(bin));
  return missing.length === 0 ? "" : `${missing.join(", ")} not installed (apt-get install mosquitto)`;
}

/**
 * The requireService gate of tests that start a private Mosquitto: skipped with the reason where
 * it is not installed, a failure under CI=true.
 *
 * @example
 * const probe = await requirePrivateMosquitto();
 * describe.skipIf(!probe.available)(`… (private Mosquitto)${probe.note}`, () => { … });
 */
export function requirePrivateMosquitto(
  options: { login?: boolean; name?: string } = {},
): Promise<ServiceGate> {
  return requireService(options.name ?? "private mosquitto", async () => {
    const missing = mosquittoMissing({ login: options.login });
    if (missing) throw new Error(missing);
  });
}

export interface PrivateMosquitto {
  readonly url: string;
  readonly port: number;
  /** The running broker's PID (a new one after `restart`). */
  readonly pid: number;
  /**
   * Stops the broker (SIGTERM: Mosquitto saves its persistence file) and starts it again on the
   * same port with the same configuration and data directory, as an operator's restart does.
   * Resolves once it listens again.
   */
  restart(): Promise<void>;
  /** Stops the broker (SIGTERM, by its PID) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a private Mosquitto on a free loopback port with the zero-loss settings the README asks
 * for (no queue or in-flight limit, persistence), so a test owns its broker, its sessions and its
 * share groups. With `login`, only that account is admitted (allow_anonymous false). With `port`,
 * it listens there (a broker started again where a stopped one was, for reconnection tests).
 * `config` lines are appended to its configuration (e.g. an `acl_file` the test rewrites before a
 * restart). `restart()` stops it and starts it again with the same port, configuration and persistence
 * (the sessions Mosquitto saved at SIGTERM are restored).
 *
 * @example
 * const broker = await startPrivateMosquitto({ login: { username: "qs", password: "p:w" } });
 * try { ... broker.url ... } finally { await broker.stop(); }
 */
export async function startPrivateMosquitto(
  options: { login?: { username: string; password: string }; port?: number; config?: readonly string[] } = {},
): Promise<PrivateMosquitto> {
  const missing = mosquittoMissing({ login: options.login !== undefined });
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), "qingshan-mosquitto-"));
  const access = ["allow_anonymous true"];
  if (options.login) {
    const passwords = join(dir, "passwords");
    execFileSync(MOSQUITTO_PASSWD_BIN, [
      "-b",
      "-c",
      passwords,
      options.login.username,
      options.login.password,
    ]);
    access.splice(0, 1, "allow_anonymous false", `password_file ${passwords}`);
  }
  const port = options.port ?? (await freePort());
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      // Started as root, Mosquitto would switch to the user "mosquitto", who cannot read this directory.
      `user ${userInfo().username}`,
      ...access,
      "persistence true",
      `persistence_location ${dir}/`,
      "max_queued_messages 0",
      "max_queued_bytes 0",
      "max_inflight_messages 0",
      ...(options.config ?? []),
      "",
    ].join("\n"),
  );
  let child: ChildProcess;
  let exited: Promise<void>;
  function launch(): void {
    child = spawn(MOSQUITTO_BIN, ["-c", conf], { stdio: "ignore" });
    const started = child;
    exited = new Promise<void>((resolve) => started.once("exit", () => resolve()));
  }
  async function terminate(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  }
  async function listening(): Promise<void> {
    await waitFor(() => tcpReachable("127.0.0.1", port).then(() => true), {
      timeoutMs: 10_000,
      what: "the private Mosquitto to listen",
    });
  }
  const stop = async (): Promise<void> => {
    await terminate();
    rmSync(dir, { recursive: true, force: true });
  };
  const restart = async (): Promise<void> => {
    await terminate();
    launch();
    await listening();
  };
  launch();
  try {
    await listening();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid as number;
    },
    restart,
    stop,
  };
}
