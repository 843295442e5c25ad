import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { holdDuckDbFile, runQingshan as qingshan } from "./testing/cli-process.ts";
import { recordingBroker } from "./testing/recording-broker.ts";

const cleanups = cleanupsAfterEach();

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
    const { broker, topics } = await recordingBroker(cleanups);
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
    const dataDir = tempDir(cleanups, "qingshan-main-");
    const file = join(dataDir, "qingshan.duckdb");
    // The first Qingshan's hold on the file: a DuckDB instance of another process.
    const holder = await holdDuckDbFile(file, cleanups);
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

describe("qingshan start with a rules file that has errors", { timeout: 90_000 }, () => {
  it("exits 1 before opening anything, printing the file's errors only: no stack, no service log", async () => {
    const dir = tempDir(cleanups, "qingshan-main-");
    const rulesFile = join(dir, "rules.yaml");
    writeFileSync(
      rulesFile,
      "rules:\n  - id: pm25-high\n    window: hour\n    subject: { metric: pm25 }\n    threshold: { above: 75 }\n",
    );
    const dataDir = join(dir, "data");
    const result = await qingshan(["start"], {
      QINGSHAN_RULES: rulesFile,
      QINGSHAN_DATA_DIR: dataDir,
      QINGSHAN_SIMULATOR: "off",
      QINGSHAN_HTTP_PORT: String(await freePort()),
      QINGSHAN_MQTT_PORT: String(await freePort()),
      QINGSHAN_HJ212_PORT: "0",
    });
    expect(result.code).toBe(1);
    // Every problem on its own line, each naming the file, the rule and the field.
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      `qingshan: ${rulesFile}: rule "pm25-high": description: required: { zh: "…", en: "…" }`,
      `${rulesFile}: rule "pm25-high": appliesTo: required: { kind: air | water | noi }`,
      `${rulesFile}: rule "pm25-high": window: expected one of 1h, 8h, 24h, day, month, year-to-date, latest, received "hour"`,
      `${rulesFile}: rule "pm25-high": threshold: expected a number, or { gb3095: { grade, averaging } }, received {"above":75}`,
      `${rulesFile}: rule "pm25-high": severity: required: one of info, warning, critical`,
      `${rulesFile}: rule "pm25-high": standard: required: the standard and clause it comes from, e.g. "GB 3095-2012 表1"`,
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe(""); // no service started, so none logged
    expect(existsSync(dataDir)).toBe(false); // nor was the store opened
  });
});

describe("QINGSHAN_* variables", { timeout: 90_000 }, () => {
  it("a misspelt one is named at start with the setting it is closest to, not ignored in silence", async () => {
    const dataDir = tempDir(cleanups, "qingshan-main-");
    // The store is held by another process, so the start fails fast once its configuration is read.
    await holdDuckDbFile(join(dataDir, "qingshan.duckdb"), cleanups);
    const result = await qingshan(["start"], {
      QINGSHAN_DATA_DIR: dataDir,
      QINGSHAN_SIMULATOR: "off",
      QINGSHAN_HTTP_PRT: "8080",
      QINGSHAN_MQTT_PORT: String(await freePort()),
      QINGSHAN_HJ212_PORT: "0",
      QINGSHAN_TEST_KAFKA_BROKERS: "127.0.0.1:9",
    });
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "warning: QINGSHAN_HTTP_PRT is not a Qingshan setting and is ignored (did you mean QINGSHAN_HTTP_PORT?); `qingshan --help` lists them",
    );
    expect(lines.slice(1).join("\n")).toMatch(/^qingshan: store\.locked: /);
    expect(result.stderr).not.toContain("QINGSHAN_TEST_KAFKA_BROKERS");
  });

  it("qingshan --help lists every variable with the setting it overrides", async () => {
    const result = await qingshan(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}QINGSHAN_HTTP_PORT +http\.port$/m);
    expect(result.stdout).toMatch(/^ {2}QINGSHAN_MQTT_MAX_IN_FLIGHT +mqtt\.maxInFlight$/m);
    expect(result.stdout).toMatch(/^ {2}QINGSHAN_DEBUG +on failure/m);
  });
});
