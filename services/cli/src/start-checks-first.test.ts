/**
 * Settings that cannot work stop `qingshan start` (and the `run` service concerned) before anything
 * starts, with one line naming the file or the setting and exit status 1 — the installed command as
 * a child process: a rule routed to a route the notifier does not define, a data directory under a
 * file, raw readings kept shorter than ingest's lateness.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "@qingshan/testkit";
import { cleanupsAfterEach, tempDir } from "@qingshan/testkit/cleanups";
import { describe, expect, it } from "vitest";
import { runQingshan as qingshan, repoRoot } from "./testing/cli-process.ts";

const cleanups = cleanupsAfterEach();

/** The shipped rules with the first rule routed to "dutty" instead of "duty". */
function rulesWithTypo(dir: string): string {
  const shipped = readFileSync(join(repoRoot, "config/rules.yaml"), "utf8");
  const file = join(dir, "rules.yaml");
  writeFileSync(
    file,
    shipped.replace("routing: { routes: [duty], tier: 0 }", "routing: { routes: [dutty], tier: 0 }"),
  );
  return file;
}

async function startEnv(dir: string): Promise<Record<string, string>> {
  return {
    QINGSHAN_DATA_DIR: join(dir, "data"),
    QINGSHAN_SIMULATOR: "off",
    QINGSHAN_HTTP_PORT: String(await freePort()),
    QINGSHAN_MQTT_PORT: String(await freePort()),
    QINGSHAN_HJ212_PORT: "0",
  };
}

/** What `run` needs to get past its own checks; nothing listens at these addresses. */
const distributed = {
  QINGSHAN_BUS: "kafka",
  QINGSHAN_KAFKA_BROKERS: "127.0.0.1:9",
  QINGSHAN_STORE: "influx",
  QINGSHAN_INFLUX_URL: "http://127.0.0.1:9",
  QINGSHAN_HTTP_PORT: "0",
};

const ROUTE_LINE = (rules: string) =>
  `qingshan: ${rules}: rule "aqi-hourly-heavy": routing.routes: "dutty" is not a notifier route ` +
  "(notifier.routes: duty, publication); add it to notifier.routes in the configuration or change the rule's routing.routes\n";

describe("checked before anything starts: one line, exit 1", { timeout: 90_000 }, () => {
  it("start: a rule routed to an unknown route names the rules file, the rule and the route", async () => {
    const dir = tempDir(cleanups, "qingshan-checks-");
    const rules = rulesWithTypo(dir);
    const result = await qingshan(["start"], { ...(await startEnv(dir)), QINGSHAN_RULES: rules });
    expect(result).toEqual({ code: 1, stdout: "", stderr: ROUTE_LINE(rules) });
    // Nothing opened: no data directory, no store file.
    expect(existsSync(join(dir, "data"))).toBe(false);
  });

  it("run notifier: the same line, before the bus and the store", async () => {
    const dir = tempDir(cleanups, "qingshan-checks-");
    const rules = rulesWithTypo(dir);
    const result = await qingshan(["run", "notifier"], {
      ...distributed,
      QINGSHAN_DATA_DIR: join(dir, "data"),
      QINGSHAN_RULES: rules,
    });
    expect(result).toEqual({ code: 1, stdout: "", stderr: ROUTE_LINE(rules) });
  });

  it("start: a data directory under a file names dataDir and QINGSHAN_DATA_DIR", async () => {
    const dir = tempDir(cleanups, "qingshan-checks-");
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const result = await qingshan(["start"], {
      ...(await startEnv(dir)),
      QINGSHAN_DATA_DIR: join(file, "sub"),
    });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        `qingshan: dataDir: cannot create the data directory ${join(file, "sub")}: a path component is a file, ` +
        "not a directory (ENOTDIR); set dataDir (QINGSHAN_DATA_DIR) to a directory Qingshan may write\n",
    });
  });

  it("run writer: raw readings kept shorter than ingest's lateness, before the bus and the store", async () => {
    const dir = tempDir(cleanups, "qingshan-checks-");
    const config = join(dir, "qingshan.yaml");
    writeFileSync(config, "store: {rawReadingsDays: 2}\n");
    const result = await qingshan(["run", "writer"], {
      ...distributed,
      QINGSHAN_CONFIG: config,
      QINGSHAN_DATA_DIR: join(dir, "data"),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "qingshan: store.rawReadingsDays: 2 (48 h) is shorter than Qingshan still needs raw readings: " +
        "ingest.maxLatenessHours 168 h (a reading resent that late would be counted again in its hour); " +
        "set store.rawReadingsDays to at least 7, or lower ingest.maxLatenessHours\n",
    );
  });
});
