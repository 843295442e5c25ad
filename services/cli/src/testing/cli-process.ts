import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { waitFor } from "@qingshan/testkit";
import type { Cleanups } from "@qingshan/testkit/cleanups";

/** Test support: the installed `qingshan` command and other processes, run as children. */

export const repoRoot = join(import.meta.dirname, "../../../..");
const bin = join(repoRoot, "services/cli/bin/qingshan.js");
const run = promisify(execFile);

/**
 * Runs the installed `qingshan` command in the repository root (or `cwd`) with only PATH, HOME and
 * `env` set; its exit status and output. A run longer than `timeoutMs` is killed.
 */
export async function runQingshan(
  args: string[],
  env: Record<string, string> = {},
  { timeoutMs = 60_000, cwd = repoRoot }: { timeoutMs?: number; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd,
      env: childEnv,
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Another process holding `file` open with DuckDB, as a running Qingshan holds its data file;
 * resolves once the file is open. Its kill is pushed onto `cleanups`.
 */
export async function holdDuckDbFile(file: string, cleanups: Cleanups): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { DuckDBInstance } from "@duckdb/node-api";
       globalThis.db = await DuckDBInstance.create(${JSON.stringify(file)});
       console.log("opened");
       setInterval(() => {}, 1000);`,
    ],
    { cwd: join(repoRoot, "packages/store"), stdio: ["ignore", "pipe", "inherit"] },
  );
  cleanups.push(() => {
    child.kill();
  });
  let output = "";
  child.stdout?.on("data", (data: Buffer) => {
    output += data.toString();
  });
  await waitFor(() => output.includes("opened"), { what: "the other process to open the DuckDB file" });
  return child;
}
