import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { CliError, describeFailure, isExpectedError } from "./errors.ts";
import { startPipeline } from "./start.ts";
import { runQingshan as qingshan, repoRoot as root } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();

async function occupiedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe("describeFailure", () => {
  it("prints an expected error's message on one line, without a stack", () => {
    const text = describeFailure(new ConfigError('QINGSHAN_X="1" (setting x): too small'), false);
    expect(text).toBe('qingshan: QINGSHAN_X="1" (setting x): too small');
  });

  it("adds the cause's message when the message does not contain it", () => {
    const cause = Object.assign(new Error("listen EADDRINUSE: address already in use 0.0.0.0:8080"), {
      code: "EADDRINUSE",
    });
    expect(describeFailure(new CliError("HTTP port 8080 is already in use", { cause }), false)).toBe(
      "qingshan: HTTP port 8080 is already in use (listen EADDRINUSE: address already in use 0.0.0.0:8080)",
    );
  });

  it("keeps the stack for an unexpected error, and for any error in debug mode", () => {
    const bug = new TypeError("cannot read properties of undefined");
    expect(isExpectedError(bug)).toBe(false);
    expect(describeFailure(bug, false)).toMatch(/TypeError: cannot read properties of undefined\n\s+at /);
    expect(describeFailure(new CliError("port taken"), true)).toMatch(/CliError: port taken\n\s+at /);
  });
});

describe("the qingshan command on failure", { timeout: 60_000 }, () => {
  it("names the environment variable of a bad setting, exit status 1, no stack", async () => {
    const result = await qingshan(["start"], { QINGSHAN_MAX_LATENESS_HOURS: "-1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^qingshan: QINGSHAN_MAX_LATENESS_HOURS="-1" \(setting ingest\.maxLatenessHours\): .*Too small/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a stations or rules file that cannot be read, or a port that is not a number: one line naming the setting and the variable, nothing logged", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [
        { QINGSHAN_STATIONS: "/nonexistent.json" },
        'qingshan: QINGSHAN_STATIONS="/nonexistent.json" (setting stations): stations: cannot read the station registry /nonexistent.json: no such file (ENOENT)',
      ],
      [
        { QINGSHAN_RULES: "/nonexistent.yaml" },
        'qingshan: QINGSHAN_RULES="/nonexistent.yaml" (setting evaluator.rulesFile): evaluator.rulesFile: cannot read the rules file /nonexistent.yaml: no such file (ENOENT)',
      ],
      [
        { QINGSHAN_HTTP_PORT: "eighty" },
        'qingshan: QINGSHAN_HTTP_PORT="eighty" (setting http.port): http.port: expected an integer',
      ],
    ];
    for (const [env, line] of cases) {
      const result = await qingshan(["start"], {
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_DATA_DIR: tempDir(cleanups, "qingshan-cli-"),
        QINGSHAN_MQTT_PORT: "0",
        QINGSHAN_HJ212_PORT: "0",
        ...env,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`${line}\n`);
      expect(result.stdout).toBe("");
    }
  });

  it("prints the stack with --debug or QINGSHAN_DEBUG=1", async () => {
    const flag = await qingshan(["run", "writer", "--debug"]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(
      /CliError: qingshan run writer: services in separate processes[^\n]*\n\s+at /,
    );
    const env = await qingshan(["run", "writer"], { QINGSHAN_DEBUG: "1" });
    expect(env.stderr).toMatch(/\n\s+at /);
  });

  it("`run writer` without Kafka: one message saying what to set", async () => {
    const result = await qingshan(["run", "writer"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "qingshan: qingshan run writer: services in separate processes need a shared bus — set bus.kind: kafka " +
        "(QINGSHAN_BUS=kafka, QINGSHAN_KAFKA_BROKERS=host:port); `qingshan start` runs everything in one process",
    );
  });
});

describe("a port already in use", () => {
  it("stops `start` with a CliError naming the HTTP setting", async () => {
    const dataDir = tempDir(cleanups, "qingshan-cli-");
    const port = await occupiedPort();
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_DATA_DIR: dataDir,
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_MQTT_PORT: "0",
        QINGSHAN_HJ212_PORT: "0",
        QINGSHAN_HTTP_PORT: String(port),
      },
    });
    const failure = await startPipeline(config, pino({ level: "silent" }), root).then(
      async (pipeline) => {
        await pipeline.stop();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CliError);
    expect(describeFailure(failure, false)).toBe(
      `qingshan: HTTP port ${port} is already in use: set http.port (QINGSHAN_HTTP_PORT) to a free port ` +
        `(listen EADDRINUSE: address already in use 0.0.0.0:${port})`,
    );
  });
});

describe("a readings log directory that cannot be written", () => {
  it("stops `start` with a message naming the directory and writer.log.dir, no stack", async () => {
    const dataDir = tempDir(cleanups, "qingshan-cli-");
    // A file where the log directory goes: fails for root too (chmod does not).
    writeFileSync(join(dataDir, "writer-log"), "not a directory\n");
    const config = loadConfig({
      root,
      env: {
        QINGSHAN_DATA_DIR: dataDir,
        QINGSHAN_SIMULATOR: "off",
        QINGSHAN_MQTT_PORT: "0",
        QINGSHAN_HJ212_PORT: "0",
        QINGSHAN_HTTP_PORT: "0",
      },
    });
    const failure = await startPipeline(config, pino({ level: "silent" }), root).then(
      async (pipeline) => {
        await pipeline.stop();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(isExpectedError(failure)).toBe(true);
    const text = describeFailure(failure, false);
    expect(text).toMatch(
      new RegExp(
        `^qingshan: cannot create or write the readings log directory ${join(dataDir, "writer-log")} \\(EEXIST[^)]*\\); set writer\\.log\\.dir to a writable directory`,
      ),
    );
    expect(text).not.toMatch(/\n\s+at /);
  });
});
