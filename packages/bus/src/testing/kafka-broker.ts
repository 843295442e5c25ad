/**
 * A real Kafka broker for tests: the one named by QINGSHAN_TEST_KAFKA_BROKERS (as `.ci/run` exports
 * after test/infra/kafka/start.sh), or else one started here with that script when Java and Maven
 * are installed (the first run resolves the broker's jars from Maven Central).
 *
 * @example
 * const kafka = await testKafkaBroker();
 * const gate = await requireService("kafka", () => kafka.probe());
 * afterAll(() => kafka.stop());
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { processAlive, tcpReachable, waitFor } from "@qingshan/testkit";
import type { KafkaBusConfig, KafkaLogEntry } from "../kafka/config.ts";

export interface TestKafkaBroker {
  /** host:port list; empty when none could be had. */
  readonly brokers: string;
  /** Why there is none (for the skip message). */
  readonly problem: string;
  /** Rejects (with the reason) unless the first broker accepts TCP connections. */
  probe(): Promise<void>;
  /** Stops the broker if this module started it. */
  stop(): Promise<void>;
  /**
   * Kills the broker at once (SIGKILL by its PID) and resolves when it is gone, to make every
   * broker unreachable; only for a broker of the test's own (`testKafkaBroker({ own: true })`).
   */
  kill(): Promise<void>;
  /**
   * Starts a killed broker of the test's own again on the same port and data directory (topics,
   * committed offsets and groups kept); resolves once it accepts connections.
   */
  restart(): Promise<void>;
}

const infra = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../test/infra/kafka");

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/**
 * `own: true` always starts a broker of the caller's own with start.sh, never the shared one, so
 * the test may kill it.
 */
export async function testKafkaBroker(options: { own?: boolean } = {}): Promise<TestKafkaBroker> {
  const fromEnv = process.env.QINGSHAN_TEST_KAFKA_BROKERS;
  if (options.own !== true && fromEnv !== undefined && fromEnv !== "")
    return broker(fromEnv, "", async () => {});
  if (!has("java") || !has("mvn")) {
    return broker(
      "",
      "QINGSHAN_TEST_KAFKA_BROKERS is not set and java/mvn are missing to start one",
      async () => {},
    );
  }
  const started = await new Promise<{ out: string; err: string; failed: boolean }>((done) => {
    execFile("bash", [resolve(infra, "start.sh")], { timeout: 600_000 }, (error, out, err) =>
      done({ out, err, failed: error !== null }),
    );
  });
  const vars = new Map<string, string>();
  for (const match of started.out.matchAll(/^export (\w+)=(.*)$/gm)) vars.set(match[1] ?? "", match[2] ?? "");
  const brokers = vars.get("QINGSHAN_TEST_KAFKA_BROKERS") ?? "";
  if (started.failed || brokers === "") {
    return broker(
      "",
      `test/infra/kafka/start.sh failed: ${started.err.trim().split("\n").slice(-3).join(" | ")}`,
      async () => {},
    );
  }
  let pid = Number(vars.get("QINGSHAN_TEST_KAFKA_PID"));
  // A test file that fails before its afterAll is registered, or whose tests are all skipped, never
  // calls stop(): the broker must not outlive the test process.
  const killOnExit = () => {
    if (processAlive(pid)) process.kill(pid, "SIGKILL");
    const dir = vars.get("QINGSHAN_TEST_KAFKA_DIR");
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    await new Promise<void>((done) => {
      execFile(
        "bash",
        [resolve(infra, "stop.sh")],
        { env: { ...process.env, ...Object.fromEntries(vars) } },
        () => done(),
      );
    });
  };
  const kill = async () => {
    process.kill(pid, "SIGKILL");
    await waitFor(() => !processAlive(pid), { timeoutMs: 10_000, what: `Kafka (PID ${pid}) to exit` });
  };
  const restart = async () => {
    if (processAlive(pid)) throw new Error(`Kafka (PID ${pid}) still runs: kill() it first`);
    const dir = vars.get("QINGSHAN_TEST_KAFKA_DIR") ?? "";
    // As start.sh runs it (same properties, so the same ports and log directory).
    const child = spawn(
      "java",
      [
        "-Xms256m",
        "-Xmx768m",
        `-Dlog4j2.configurationFile=${resolve(infra, "log4j2.properties")}`,
        `-Dkafka.log.file=${dir}/kafka.log`,
        "-cp",
        `${resolve(infra, "lib")}/*`,
        "kafka.Kafka",
        `${dir}/server.properties`,
      ],
      { detached: true, stdio: "ignore" },
    );
    child.unref();
    pid = child.pid ?? 0;
    vars.set("QINGSHAN_TEST_KAFKA_PID", String(pid));
    const [host, port] = (brokers.split(",")[0] ?? "").split(":");
    await waitFor(
      () =>
        tcpReachable(host ?? "127.0.0.1", Number(port)).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 90_000, what: `Kafka (PID ${pid}) to listen again on ${brokers}` },
    );
  };
  return broker(brokers, "", stop, kill, restart);
}

function broker(
  brokers: string,
  problem: string,
  stop: () => Promise<void>,
  kill: () => Promise<void> = async () => {
    throw new Error(
      "this test did not start the Kafka broker: use testKafkaBroker({ own: true }) to kill one",
    );
  },
  restart: () => Promise<void> = async () => {
    throw new Error(
      "this test did not start the Kafka broker: use testKafkaBroker({ own: true }) to restart one",
    );
  },
): TestKafkaBroker {
  return {
    brokers,
    problem,
    stop,
    kill,
    restart,
    async probe() {
      if (brokers === "") throw new Error(problem);
      const [host, port] = (brokers.split(",")[0] ?? "").split(":");
      await tcpReachable(host ?? "127.0.0.1", Number(port));
    },
  };
}

/** Kafka bus settings that make rebalances and stops quick on a test broker (heartbeats every 200 ms). */
export function quickRebalanceConfig(
  brokers: string,
  topicPrefix: string,
  partitions: number,
  onLog: (entry: KafkaLogEntry) => void,
): KafkaBusConfig {
  return {
    brokers,
    topicPrefix,
    partitions,
    logLevel: "error",
    onLog,
    consumer: {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 200,
      rebalanceTimeoutMs: 10_000,
      maxWaitTimeMs: 100,
    },
    redelivery: { initialMs: 20, maxMs: 200 },
    depthRefreshMs: 100,
  };
}
