import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ImportSummary } from "@qingshan/importer";
import { waitFor } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { startTestApi } from "./testing/api-service.ts";
import { repoRoot } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();
const bin = join(repoRoot, "services/cli/bin/qingshan.js");
const ROWS = 100_000;

/** An API taking imports, with a count of the readings it publishes; a file of ROWS × 6 values. */
async function importRig() {
  const dataDir = tempDir(cleanups, "qingshan-cli-import-signal-");
  const { url, bus } = await startTestApi(cleanups, { dataDir });
  const published = { readings: 0 };
  const subscription = await bus.subscribe("readings", { group: "import-signal-test" }, async (batch) => {
    published.readings += batch.length;
  });
  cleanups.push(() => subscription.close());
  const file = join(dataDir, "history.csv");
  const start = Date.parse("2025-01-01T00:00:00+08:00");
  const stations = ["ld-aq-01", "ld-aq-02", "ld-aq-03", "ld-aq-04"];
  const lines = ["station,ts,pm25,pm10,so2,no2,co,o3"];
  for (let i = 0; i < ROWS; i++) {
    const ts = new Date(start + Math.floor(i / stations.length) * 3_600_000).toISOString();
    lines.push(`${stations[i % stations.length]},${ts},${i % 90},${i % 150},9,40,0.8,60`);
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { url, file, published };
}

function collect(child: ChildProcessWithoutNullStreams) {
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (data: Buffer) => {
    output.stdout += data.toString();
  });
  child.stderr.on("data", (data: Buffer) => {
    output.stderr += data.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return { output, exited };
}

/** The partial summary is whole: every value read was accepted, rejected or left unsent. */
function expectPartial(summary: ImportSummary, published: number) {
  expect(summary.stopped).toBeDefined();
  const stopped = summary.stopped as NonNullable<ImportSummary["stopped"]>;
  expect(stopped.line).toBeGreaterThan(1);
  expect(stopped.line).toBeLessThan(ROWS + 1);
  expect(summary.rows).toBe(stopped.line - 1);
  expect(summary.values).toBe(summary.rows * 6);
  expect(summary.accepted).toBeGreaterThan(0);
  expect(summary.accepted + summary.rejected + stopped.unsent).toBe(summary.values);
  // What the API answered for is all it published: nothing was cut off in flight.
  expect(published).toBe(summary.accepted);
}

describe("qingshan import interrupted", () => {
  it("on SIGINT finishes the submit in flight, prints the partial summary and that re-running is safe, exits 130", async () => {
    const { url, file, published } = await importRig();
    const child = spawn(process.execPath, [bin, "import", file, "--api", url], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    });
    const { output, exited } = collect(child);
    await waitFor(() => published.readings > 0, { what: "the first readings of the import" });
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const summary = JSON.parse(output.stdout) as ImportSummary;
    await waitFor(() => published.readings >= summary.accepted, { what: "the accepted readings published" });
    expectPartial(summary, published.readings);
    expect(output.stderr).toContain(
      `SIGINT: stopping the import of ${file} once the values in flight are answered (SIGINT again to stop at once)…\n`,
    );
    expect(output.stderr).toContain(
      `qingshan: import of ${file} interrupted (SIGINT) after line ${summary.stopped?.line}: `,
    );
    expect(output.stderr).toMatch(
      new RegExp(
        `after line \\d+: ${summary.accepted} values accepted, 0 duplicates, 0 rejected;( \\d+ values read were not sent;)? no later line was read\\. ` +
          "Importing the file again is safe: a value already stored is written again, not added twice \\(the store keeps one reading per station, metric and time\\)\\.\n$",
      ),
    );
  }, 60_000);

  it("under a terminal (Ctrl-C on a pseudo-TTY) restores the cursor and line wrapping the progress bar turned off", async () => {
    const { url, file, published } = await importRig();
    // script(1) runs the command on a pseudo-TTY; ^C written to it is the terminal's SIGINT.
    const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} import ${JSON.stringify(file)} --api ${url}`;
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm" },
    });
    const { output, exited } = collect(child);
    await waitFor(() => output.stdout.includes("importing ["), { what: "the progress bar" });
    child.stdin.write("\x03");
    expect(await exited).toBe(130);
    child.stdin.end();
    const terminal = output.stdout;
    const hidden = terminal.indexOf("\x1b[?25l");
    const unwrapped = terminal.indexOf("\x1b[?7l");
    expect(hidden).toBeGreaterThanOrEqual(0);
    expect(unwrapped).toBeGreaterThanOrEqual(0);
    expect(terminal.indexOf("\x1b[?25h", hidden)).toBeGreaterThan(hidden);
    expect(terminal.indexOf("\x1b[?7h", unwrapped)).toBeGreaterThan(unwrapped);
    // Nothing hides the cursor or stops wrapping again once the bar was stopped.
    expect(terminal.lastIndexOf("\x1b[?25l")).toBeLessThan(terminal.lastIndexOf("\x1b[?25h"));
    expect(terminal.lastIndexOf("\x1b[?7l")).toBeLessThan(terminal.lastIndexOf("\x1b[?7h"));
    const json = terminal
      .slice(terminal.indexOf("{\r\n"), terminal.lastIndexOf("}") + 1)
      .replaceAll("\r\n", "\n");
    const summary = JSON.parse(json) as ImportSummary;
    await waitFor(() => published.readings >= summary.accepted, { what: "the accepted readings published" });
    expectPartial(summary, published.readings);
    expect(terminal).toContain(
      `qingshan: import of ${file} interrupted (SIGINT) after line ${summary.stopped?.line}: `,
    );
    expect(terminal).toContain("Importing the file again is safe");
  }, 60_000);
});
