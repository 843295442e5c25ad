import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ImportSummary } from "@qingshan/importer";
import { freePort, waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();
const bin = join(repoRoot, "services/cli/bin/qingshan.js");
const ROWS = 120_000;

/** `qingshan` as a child process with only PATH, HOME and `env`; its output collected. */
function qingshanChild(args: string[], env: Record<string, string> = {}) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (data: Buffer) => {
    output.stdout += data.toString();
  });
  child.stderr.on("data", (data: Buffer) => {
    output.stderr += data.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return { child, output, exited };
}

/** How many readings of ld-aq-01 the running Qingshan has stored (at most 1 asked). */
async function storedAny(url: string): Promise<boolean> {
  const response = await fetch(
    `${url}/api/v1/readings?station=ld-aq-01&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&limit=1`,
  ).catch(() => undefined);
  if (!response?.ok) return false;
  const body = (await response.json()) as { readings?: unknown[] };
  return (body.readings?.length ?? 0) > 0;
}

describe("qingshan import when the API dies midway", () => {
  it("prints the partial summary, the last line answered and that importing again is safe, exits 1", async () => {
    const dataDir = tempDir(cleanups, "qingshan-cli-import-api-down-");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = qingshanChild(["start"], {
      QINGSHAN_DATA_DIR: dataDir,
      QINGSHAN_SIMULATOR: "off",
      QINGSHAN_HTTP_PORT: String(port),
      QINGSHAN_MQTT_PORT: String(await freePort()),
      QINGSHAN_HJ212_PORT: "0",
    });
    await waitFor(async () => (await fetch(`${url}/api/v1/stations`).catch(() => undefined))?.ok === true, {
      what: "qingshan start answering",
      timeoutMs: 60_000,
    });

    const file = join(dataDir, "history.csv");
    const start = Date.parse("2025-01-01T00:00:00+08:00");
    const stations = ["ld-aq-01", "ld-aq-02", "ld-aq-03", "ld-aq-04"];
    const lines = ["station,ts,pm25,pm10,so2,no2,co,o3"];
    for (let i = 0; i < ROWS; i++) {
      const ts = new Date(start + Math.floor(i / stations.length) * 3_600_000).toISOString();
      lines.push(`${stations[i % stations.length]},${ts},${i % 90},${i % 150},9,40,0.8,60`);
    }
    writeFileSync(file, `${lines.join("\n")}\n`);

    const importing = qingshanChild(["import", file, "--api", url]);
    await waitFor(() => storedAny(url), { what: "the first imported readings stored", timeoutMs: 60_000 });
    server.child.kill("SIGKILL");
    await server.exited;

    expect(await importing.exited).toBe(1);
    const summary = JSON.parse(importing.output.stdout) as ImportSummary;
    const stopped = summary.stopped as NonNullable<ImportSummary["stopped"]>;
    expect(stopped).toBeDefined();
    expect(stopped.line).toBeLessThan(ROWS + 1);
    expect(summary.rows).toBe(stopped.line - 1);
    expect(summary.values).toBe(summary.rows * 6);
    expect(summary.accepted).toBeGreaterThan(0);
    expect(summary.rejected).toBe(0);
    expect(summary.accepted + stopped.unsent).toBe(summary.values);
    // The rows before the first unsent value were all answered: 4 stations × 6 values a row.
    expect(stopped.confirmed).toBeGreaterThan(1);
    expect(stopped.confirmed).toBeLessThanOrEqual(stopped.line);
    expect((stopped.confirmed - 1) * 6).toBeLessThanOrEqual(summary.accepted);
    expect(importing.output.stderr).toMatch(
      new RegExp(
        `^qingshan: import of ${file} stopped after line ${stopped.line}: the Qingshan API at ${url} (is not reachable \\([A-Z]+\\): is Qingshan running\\? .*|closed the connection without answering \\(.+\\): has Qingshan stopped\\?)\\. ` +
          `Before it stopped: ${summary.accepted} values accepted, 0 duplicates, 0 rejected; every row up to line ${stopped.confirmed} was answered \\(accepted or rejected\\); ` +
          `${stopped.unsent} values read were not sent or not answered; no later line was read\\. ` +
          "Importing the file again is safe: a value already stored is written again, not added twice \\(the store keeps one reading per station, metric and time\\)\\.\n$",
      ),
    );
  }, 180_000);
});
