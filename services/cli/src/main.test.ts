import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startEmbeddedBroker } from "@qingshan/ingest";
import { freePort, waitFor } from "@qingshan/testkit";
import { afterEach, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "services/cli/bin/qingshan.js");
const run = promisify(execFile);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

/** Runs the installed `qingshan` command; its exit status and output. */
async function qingshan(args: string[], env: Record<string, string> = {}) {
  const childEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: root,
      env: childEnv,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "qingshan-main-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("qingshan simulate", { timeout: 90_000 }, () => {
  it("exits 2 on a usage error, printing its usage as qingshan simulate", async () => {
    const result = await qingshan(["simulate", "--bogus"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^qingshan simulate: Unknown option '--bogus'/);
    expect(result.stderr).toContain("usage: qingshan simulate [options]");
    expect(result.stderr).not.toContain("tsx services/simulator");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("sends to the embedded broker port QINGSHAN_MQTT_PORT sets, as qingshan start serves it", async () => {
    const topics: string[] = [];
    const broker = await startEmbeddedBroker({
      port: await freePort(),
      host: "127.0.0.1",
      intake: (message) => {
        topics.push(message.topic);
        return undefined;
      },
    });
    cleanups.push(() => broker.close());
    const result = await qingshan(["simulate", "--backfill-days", "0.05"], {
      QINGSHAN_MQTT_PORT: String(broker.port),
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`to mqtt://127.0.0.1:${broker.port}`);
    expect(topics.length).toBeGreaterThan(0);
  });
});

describe("a second qingshan start on a data directory in use", { timeout: 90_000 }, () => {
  it("exits 1 at once with one line naming the file, the holder's PID and dataDir", async () => {
    const dataDir = tempDir();
    const file = join(dataDir, "qingshan.duckdb");
    // The first Qingshan's hold on the file: a DuckDB instance of another process.
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { DuckDBInstance } from "@duckdb/node-api";
         globalThis.db = await DuckDBInstance.create(${JSON.stringify(file)});
         console.log("opened");
         setInterval(() => {}, 1000);`,
      ],
      { cwd: join(root, "packages/store"), stdio: ["ignore", "pipe", "inherit"] },
    );
    cleanups.push(() => {
      holder.kill();
    });
    let output = "";
    holder.stdout?.on("data", (data: Buffer) => {
      output += data.toString();
    });
    await waitFor(() => output.includes("opened"), { what: "the other process to open the DuckDB file" });

    const startedAt = performance.now();
    const result = await qingshan(["start"], {
      QINGSHAN_DATA_DIR: dataDir,
      QINGSHAN_SIMULATOR: "off",
      QINGSHAN_HTTP_PORT: String(await freePort()),
      QINGSHAN_MQTT_PORT: String(await freePort()),
      QINGSHAN_HJ212_PORT: "0",
    });
    expect(performance.now() - startedAt).toBeLessThan(30_000);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^qingshan: store\\.locked: the database file ${file} is in use by another process \\(PID ${holder.pid}, .*another Qingshan.*set dataDir \\(QINGSHAN_DATA_DIR\\) to another directory$`,
      ),
    );
  });
});
