import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { runQingshan as qingshan, repoRoot } from "./testing/cli-process.ts";

/**
 * Failures an operator meets at start, through the installed command: each is one line naming
 * what to change (README: "a failure prints one line and exits with status 1"), no stack trace.
 */
const cleanups = cleanupsAfterEach();
const noStack = /\n\s+at /;

/** Settings for a `start` that opens nothing another test or Qingshan uses. */
async function startEnv(dir: string): Promise<Record<string, string>> {
  return {
    QINGSHAN_DATA_DIR: join(dir, "data"),
    QINGSHAN_SIMULATOR: "off",
    QINGSHAN_HTTP_PORT: String(await freePort()),
    QINGSHAN_MQTT_PORT: String(await freePort()),
    QINGSHAN_HJ212_PORT: "0",
  };
}

const demoStations = () =>
  JSON.parse(readFileSync(join(repoRoot, "seeds/liandu/stations.json"), "utf8")) as Array<
    Record<string, unknown>
  >;

describe("a station registry that cannot be used", { timeout: 120_000 }, () => {
  it("a JSON syntax error: one line naming the file, line and column (was: SyntaxError at a character position, and a stack)", async () => {
    const dir = tempDir(cleanups, "qingshan-setup-");
    const file = join(dir, "stations.json");
    // An unterminated string on line 3 of the file.
    writeFileSync(file, '[\n  {\n    "id": "ld-aq-01,\n    "kind": "air"\n  }\n]\n');
    const result = await qingshan(["start"], { ...(await startEnv(dir)), QINGSHAN_STATIONS: file });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^qingshan: ${file}:3:\\d+: not valid JSON: [^\\n]+\\n$`));
    expect(result.stderr).not.toMatch(noStack);
  });

  it("invalid stations: every problem, each with the station, the field and what is expected (was: the first only, with a stack)", async () => {
    const dir = tempDir(cleanups, "qingshan-setup-");
    const file = join(dir, "stations.json");
    const stations = demoStations();
    const second = stations[1] as Record<string, unknown>;
    const fourth = stations[3] as Record<string, unknown>;
    second.kind = "aire";
    fourth.location = { lat: 128.4, lon: 119.9 };
    delete fourth.township;
    writeFileSync(file, JSON.stringify(stations, null, 2));
    const result = await qingshan(["start"], { ...(await startEnv(dir)), QINGSHAN_STATIONS: file });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      `qingshan: ${file}: station [1] "${second.id}": kind: expected one of "air"|"water"|"noi", received "aire"`,
      `${file}: station [3] "${fourth.id}": location.lat: Too big: expected number to be <=90, received 128.4; township: required: expected string`,
    ]);
  });
});

describe("URL settings", { timeout: 120_000 }, () => {
  it("QINGSHAN_MQTT_URL and QINGSHAN_PUBLIC_URL that are not URLs: one line at load naming the variable and the form expected (was: 'Missing protocol' and a stack; accepted)", async () => {
    const dir = tempDir(cleanups, "qingshan-setup-");
    const env = await startEnv(dir);
    const [mqtt, publicUrl] = await Promise.all([
      qingshan(["start"], { ...env, QINGSHAN_MQTT_URL: "notaurl" }),
      qingshan(["start"], { ...env, QINGSHAN_PUBLIC_URL: "notaurl" }),
    ]);
    expect([mqtt.code, mqtt.stderr]).toEqual([
      1,
      'qingshan: QINGSHAN_MQTT_URL="notaurl" (setting mqtt.url): mqtt.url: expected a broker URL such as mqtt://host:1883, mqtts://host:8883, ws://host/mqtt or wss://host/mqtt (empty: the embedded broker)\n',
    ]);
    expect([publicUrl.code, publicUrl.stderr]).toEqual([
      1,
      'qingshan: QINGSHAN_PUBLIC_URL="notaurl" (setting publicUrl): publicUrl: expected the API\'s address as users reach it, an http:// or https:// URL such as https://qingshan.example.org (empty: http://localhost:{http.port})\n',
    ]);
    expect(mqtt.stdout).toBe(""); // refused before anything started
  });
});

describe("an HTTP host that is not an address of this machine", { timeout: 120_000 }, () => {
  it("is one line naming http.host and QINGSHAN_HTTP_HOST (was: listen EADDRNOTAVAIL alone)", async () => {
    const dir = tempDir(cleanups, "qingshan-setup-");
    // 192.0.2.1: TEST-NET-1 (RFC 5737), never an address of this machine.
    const result = await qingshan(["start"], { ...(await startEnv(dir)), QINGSHAN_HTTP_HOST: "192.0.2.1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^qingshan: HTTP host 192\.0\.2\.1 is not an address of this machine: set http\.host \(QINGSHAN_HTTP_HOST\) to one of its addresses, or 0\.0\.0\.0 for all of them \(listen EADDRNOTAVAIL[^\n]*\)\n$/,
    );
  });
});

describe("the configuration file", { timeout: 120_000 }, () => {
  it("run from another directory without config/qingshan.yaml: the defaults apply (was: config …/config/qingshan.yaml: ENOENT)", async () => {
    const cwd = tempDir(cleanups, "qingshan-cwd-");
    // `run ingest` loads the configuration, then stops because the default bus is in-process.
    const result = await qingshan(["run", "ingest"], {}, { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^qingshan: qingshan run ingest: services in separate processes need a shared bus/,
    );
    expect(result.stderr).not.toContain("qingshan.yaml");
  });

  it("a QINGSHAN_CONFIG file that is not there: one line naming the file and the variable", async () => {
    const cwd = tempDir(cleanups, "qingshan-cwd-");
    const result = await qingshan(["run", "ingest"], { QINGSHAN_CONFIG: "etc/qingshan.yaml" }, { cwd });
    expect([result.code, result.stderr]).toEqual([
      1,
      `qingshan: cannot read the configuration file ${join(cwd, "etc/qingshan.yaml")} (QINGSHAN_CONFIG="etc/qingshan.yaml"): no such file (ENOENT); set QINGSHAN_CONFIG to the configuration file's path, or leave it unset for the defaults\n`,
    ]);
  });
});

describe("a misspelt QINGSHAN_* variable", { timeout: 120_000 }, () => {
  it("QINGSHAN_SMTP_PASSWORD is taken for QINGSHAN_SMTP_PASS, not the MQTT broker's password", async () => {
    const result = await qingshan(["run", "ingest"], {
      QINGSHAN_SMTP_PASSWORD: "x",
      QINGSHAN_MQTT_USER: "ops",
    });
    expect(result.stderr.split("\n").slice(0, 2)).toEqual([
      "warning: QINGSHAN_MQTT_USER is not a Qingshan setting and is ignored (did you mean QINGSHAN_MQTT_USERNAME?); `qingshan --help` lists them",
      "warning: QINGSHAN_SMTP_PASSWORD is not a Qingshan setting and is ignored (did you mean QINGSHAN_SMTP_PASS?); `qingshan --help` lists them",
    ]);
  });
});
