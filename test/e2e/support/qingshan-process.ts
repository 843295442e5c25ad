import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { waitFor } from "@qingshan/testkit";

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
