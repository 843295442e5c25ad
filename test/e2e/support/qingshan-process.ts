import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "@qingshan/testkit";

const ROOT = join(import.meta.dirname, "../../..");
const MAIN = join(ROOT, "services/cli/src/main.ts");

export interface QingshanProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the output matches `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM (graceful) or SIGKILL, then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `qingshan <args>` as its own process (the way `pnpm qingshan` does), with `env` added to
 * the test's environment.
 */
export function spawnQingshan(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
): QingshanProcess {
  // node --import tsx (not the tsx CLI, which runs node as a child): the PID is the service itself,
  // so a SIGKILL in a test kills the service, not a wrapper.
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: ROOT,
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
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    name,
    child,
    output: () => text,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      await waitFor(
        () => {
          if (child.exitCode !== null)
            throw new Error(`${name} exited with ${child.exitCode}:\n${text.slice(-2000)}`);
          return pattern.test(text);
        },
        { timeoutMs, intervalMs: 50, what: `${name} to print ${pattern}` },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- ${name} output ---\n${text.slice(-3000)}`);
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface RunningService {
  readonly proc: QingshanProcess;
  /** http://127.0.0.1:<port> of its HTTP server (ops endpoints, or the API). */
  readonly url: string;
  /** Its own data directory (the caller removes it). */
  readonly dataDir: string;
}

/**
 * Starts `qingshan run <service>` on a free HTTP port with a data directory of its own and
 * resolves once it is ready (`/readyz` answers 200).
 */
export async function startQingshanService(
  name: string,
  service: string,
  env: Record<string, string>,
  runningTimeoutMs = 120_000,
): Promise<RunningService> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `qingshan-e2e-${name}-`));
  const proc = spawnQingshan(name, ["run", service], {
    ...env,
    QINGSHAN_HTTP_PORT: String(port),
    QINGSHAN_DATA_DIR: dataDir,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await proc.waitForOutput(/is running \(distributed mode\)/, runningTimeoutMs);
    await waitFor(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${name} exited:\n${proc.output().slice(-2000)}`);
        return (await fetch(`${url}/readyz`)).status === 200;
      },
      { what: `${name} /readyz`, timeoutMs: 60_000, intervalMs: 200 },
    );
  } catch (error) {
    await stopGracefully(proc);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return { proc, url, dataDir };
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopGracefully(proc: QingshanProcess, graceMs = 15_000): Promise<void> {
  const stopped = proc.stop("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), graceMs);
  await stopped;
  clearTimeout(timer);
}
