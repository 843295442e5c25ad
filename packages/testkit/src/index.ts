/**
 * Gates for tests that need a real external service (MQTT broker, Kafka, InfluxDB, SMTP…).
 *
 * On a developer's machine a missing service turns the suite into skipped tests whose name
 * carries the reason. Under `CI=true` a missing service is a failure: the gate throws, so the
 * test file fails to load and is counted as failed.
 *
 * @example
 * const broker = await requireService("mosquitto", () => tcpReachable("127.0.0.1", 1883));
 * describe.skipIf(!broker.available)(`mosquitto contract${broker.note}`, () => { ... });
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, Socket } from "node:net";

export interface ServiceGate {
  readonly available: boolean;
  /** Empty when available, else " — skipped: <reason>" for use in a describe name. */
  readonly note: string;
  readonly reason: string;
}

export function isCI(): boolean {
  return process.env.CI === "true" || process.env.CI === "1";
}

export async function requireService(name: string, probe: () => Promise<void>): Promise<ServiceGate> {
  try {
    await probe();
    return { available: true, note: "", reason: "" };
  } catch (error) {
    const reason = `${name} unavailable: ${error instanceof Error ? error.message : String(error)}`;
    if (isCI()) throw new Error(`${reason} (CI=true: a missing service is a failure, not a skip)`);
    return { available: false, note: ` — skipped: ${reason}`, reason };
  }
}

/** Resolves when a TCP connection to host:port succeeds within timeoutMs. */
export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${host}:${port}: ${error.message}`));
    });
    socket.connect(port, host);
  });
}

/** A free TCP port on 127.0.0.1, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the listening port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Polls `condition` until it returns a truthy value or timeoutMs passes; returns that value. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25, what = "condition" } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const detail = lastError instanceof Error ? `: last error ${lastError.message}` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

/**
 * Stops `pid` with SIGSTOP and resolves once every thread of it is stopped (state T in
 * /proc/<pid>/task/<tid>/stat). kill() returns when the signal is queued, not when the process has
 * stopped: on a busy machine a thread can still answer a request sent right after it.
 *
 * @example
 * await suspendProcess(influxPid); // a hung server: accepts connections, answers nothing
 * process.kill(influxPid, "SIGCONT");
 */
export async function suspendProcess(pid: number, timeoutMs = 5_000): Promise<void> {
  process.kill(pid, "SIGSTOP");
  await waitFor(() => threadStates(pid).every((state) => state === "T" || state === "t"), {
    timeoutMs,
    intervalMs: 5,
    what: `process ${pid} stopped (every thread in state T)`,
  });
}

/** The scheduler state letter of each thread of `pid` (Linux /proc). */
function threadStates(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  });
}

/** Whether a process with this PID exists (signal 0 checks without signalling; EPERM: exists, not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
