/**
 * Keeps docker-compose.yml valid and in step with the code (issue 5): the file validates with
 * `docker-compose config -q`, every Qingshan container runs a command the CLI has, and every
 * QINGSHAN_* variable it sets is one the configuration reads.
 */
import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { requireService } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { compose, qingshanServices, root } from "./compose-file.ts";

/** Where the CLI's commands and its environment variables are defined: the one place to look. */
const CLI_MAIN = resolve(root, "services/cli/src/main.ts");
const CLI_CONFIG = resolve(root, "services/cli/src/config.ts");

/** `qingshan X` commands in the CLI's usage text, and the services of `qingshan run a|b|c`. */
function cliCommands(): { commands: Set<string>; runServices: Set<string> } {
  const usage = readFileSync(CLI_MAIN, "utf8");
  const commands = new Set([...usage.matchAll(/^\s*qingshan ([a-z][a-z-]*)/gm)].map((m) => m[1] ?? ""));
  const run = usage.match(/^\s*qingshan run <?([a-z|]+)>?/m);
  return { commands, runServices: new Set(run?.[1]?.split("|") ?? []) };
}

const binary = await requireService("docker-compose", async () => {
  const found = spawnSync("docker-compose", ["version", "--short"], { encoding: "utf8" });
  if (found.error !== undefined || found.status !== 0) {
    throw new Error(`docker-compose binary not usable: ${found.error?.message ?? found.stderr}`);
  }
});

describe("docker-compose.yml", () => {
  it.skipIf(!binary.available)(`validates with docker-compose config -q${binary.note}`, async () => {
    const result = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile("docker-compose", ["config", "-q"], { cwd: root }, (error, _stdout, stderr) =>
        done({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
      );
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("runs every distributed service, ingest twice", () => {
    const runs = qingshanServices.filter((s) => s.command.includes("run")).map((s) => s.command.at(-1));
    expect(runs.sort()).toEqual(["api", "evaluator", "ingest", "ingest", "notifier", "writer"]);
  });

  it("gives every Qingshan container a command the CLI has (`qingshan run <service>` or another command)", () => {
    const { commands, runServices } = cliCommands();
    const problems: string[] = [];
    for (const { name, command } of qingshanServices) {
      // node itself, not `pnpm qingshan`: SIGTERM must reach the service (test/compose/stop.test.ts).
      const [node, flag, loader, main, sub, service] = command;
      if (
        node !== "node" ||
        flag !== "--import" ||
        loader !== "tsx" ||
        main !== "services/cli/src/main.ts" ||
        sub === undefined
      ) {
        problems.push(
          `${name}: command ${JSON.stringify(command)} is not "node --import tsx services/cli/src/main.ts …"`,
        );
      } else if (!commands.has(sub)) {
        problems.push(`${name}: "qingshan ${sub}" is not in the CLI usage (${CLI_MAIN})`);
      } else if (sub === "run" && (service === undefined || !runServices.has(service))) {
        problems.push(
          `${name}: "qingshan run ${service}" is not one of ${[...runServices].join("|") || "(none)"}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it("checks every `qingshan run` container's readiness (/readyz) and starts the simulator on ready ingests", () => {
    const problems: string[] = [];
    for (const { name, command } of qingshanServices.filter((s) => s.command.includes("run"))) {
      const test = compose.services[name]?.healthcheck?.test;
      if (!Array.isArray(test) || !test.join(" ").includes("http://localhost:8080/readyz"))
        problems.push(
          `${name}: no healthcheck on /readyz (${JSON.stringify(test)}) for ${command.join(" ")}`,
        );
    }
    expect(problems).toEqual([]);
    const simulatorDeps = compose.services.simulator?.depends_on as Record<string, { condition?: string }>;
    for (const ingest of qingshanServices.filter((s) => s.command.at(-1) === "ingest"))
      expect(simulatorDeps?.[ingest.name]?.condition, ingest.name).toBe("service_healthy");
  });

  it("starts every service whose /readyz needs the MQTT broker (ingest, notifier) once Mosquitto is healthy", () => {
    const needBroker = qingshanServices.filter((s) =>
      ["ingest", "notifier"].includes(s.command.at(-1) ?? ""),
    );
    expect(needBroker.map((s) => s.command.at(-1)).sort()).toEqual(["ingest", "ingest", "notifier"]);
    for (const { name } of needBroker) {
      const deps = compose.services[name]?.depends_on as Record<string, { condition?: string }> | undefined;
      expect(deps?.mosquitto?.condition, name).toBe("service_healthy");
    }
  });

  it("lets every ingest replica leave the share group when it stops (more than one replica)", () => {
    const ingests = qingshanServices.filter((s) => s.command.at(-1) === "ingest");
    expect(ingests.length).toBeGreaterThan(1);
    // services/ingest README "Several ingest instances": a stopped replica's session would keep its
    // share of the stations' messages until the same client id reconnects.
    for (const ingest of ingests)
      expect(String(ingest.env.QINGSHAN_MQTT_LEAVE_ON_STOP), ingest.name).toBe("true");
  });

  it("keeps the notifier's data directory (spool, outbox) in a named volume", () => {
    const volumes = compose.services.notifier?.volumes ?? [];
    // config/qingshan.yaml dataDir ./data under WORKDIR /app (Dockerfile).
    expect(
      volumes.some((v) => /^[a-z][a-z0-9_-]*:\/app\/data$/.test(v)),
      JSON.stringify(volumes),
    ).toBe(true);
  });

  it("sets only QINGSHAN_* variables that the configuration reads", () => {
    const config = readFileSync(CLI_CONFIG, "utf8");
    const used = new Set(
      qingshanServices.flatMap((s) => Object.keys(s.env)).filter((k) => k.startsWith("QINGSHAN_")),
    );
    expect(used.size).toBeGreaterThan(0);
    const unknown = [...used].filter((name) => !config.includes(`"${name}"`)).sort();
    expect(unknown, `variables not read by ${CLI_CONFIG}`).toEqual([]);
  });
});
