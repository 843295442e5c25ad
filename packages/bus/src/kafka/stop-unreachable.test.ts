/**
 * `stop()` of a Kafka bus whose brokers are all gone: kafkajs retries leaving the group and
 * committing for ~8 s; the bus gives up after `closeTimeoutMs`. The test starts its own broker
 * (test/infra/kafka/start.sh, never a shared one: it kills it by its PID), runs a member in a child
 * process (stop-unreachable.fixture.ts), kills the broker and stops the member.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { requireService, tcpReachable, waitFor } from "@qingshan/testkit";
import { afterAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../../..");
const infra = resolve(repoRoot, "test/infra/kafka");

interface PrivateBroker {
  readonly brokers: string;
  readonly pid: number;
  readonly dir: string;
}

/** A broker of this test's own (start.sh), so killing it disturbs no other test. */
async function startPrivateBroker(): Promise<PrivateBroker> {
  const hasJava = spawnSync("sh", ["-c", "command -v java"], { stdio: "ignore" }).status === 0;
  if (!hasJava) throw new Error("java not found: cannot start a private Kafka broker");
  const out = await new Promise<string>((done, fail) => {
    execFile("bash", [resolve(infra, "start.sh")], { timeout: 600_000 }, (error, stdout, stderr) =>
      error === null ? done(stdout) : fail(new Error(`start.sh failed: ${stderr.trim().slice(-500)}`)),
    );
  });
  const vars = new Map([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
  const broker = {
    brokers: vars.get("QINGSHAN_TEST_KAFKA_BROKERS") ?? "",
    pid: Number(vars.get("QINGSHAN_TEST_KAFKA_PID")),
    dir: vars.get("QINGSHAN_TEST_KAFKA_DIR") ?? "",
  };
  const [host, port] = broker.brokers.split(":");
  await tcpReachable(host ?? "127.0.0.1", Number(port));
  return broker;
}

let broker: PrivateBroker | undefined;
const gate = await requireService("kafka (private broker)", async () => {
  broker = await startPrivateBroker();
});
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (broker === undefined) return;
  const env = {
    ...process.env,
    QINGSHAN_TEST_KAFKA_PID: String(broker.pid),
    QINGSHAN_TEST_KAFKA_DIR: broker.dir,
  };
  await new Promise<void>((done) => execFile("bash", [resolve(infra, "stop.sh")], { env }, () => done()));
});

describe.skipIf(!gate.available)(`kafka bus stop with every broker unreachable${gate.note}`, () => {
  it("resolves within closeTimeoutMs, logs what it gave up on, and the process then exits by itself", async () => {
    const b = broker as PrivateBroker;
    const closeTimeoutMs = 1_500;
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        resolve(here, "stop-unreachable.fixture.ts"),
        b.brokers,
        `stop-unreachable-${process.pid}.`,
        "stop-unreachable",
        String(closeTimeoutMs),
      ],
      { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] },
    );
    children.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    await waitFor(() => output.includes("ready\n"), { timeoutMs: 60_000 });

    process.kill(b.pid, "SIGKILL");
    await waitFor(
      () => {
        try {
          process.kill(b.pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 10_000 },
    );
    // Let the member notice: its fetches and heartbeats now fail and kafkajs starts retrying.
    await new Promise((r) => setTimeout(r, 500));

    child.stdin?.end("stop\n");
    await waitFor(() => /stopped \d+\n/.test(output), { timeoutMs: 30_000 });
    const stoppedAt = performance.now();
    const stopMs = Number(/stopped (\d+)\n/.exec(output)?.[1]);
    // The bound, plus the time the member's handler-free drain and the last fetch take (< 1 s).
    expect(stopMs).toBeLessThan(closeTimeoutMs + 1_000);
    expect(output).toMatch(/log gave up waiting for the consumer of group "stop-unreachable"/);

    // Nothing of the bus keeps the process alive but kafkajs' retries of the abandoned close,
    // which cannot be cancelled: 5 retries of backoff (300 ms doubling, ±20 % each, ~9 s) — not
    // the consumer restarting itself for as long as the brokers stay away (kafkajs does that
    // after a crash, also after disconnect(), unless restartOnFailure says no).
    const code = await exited;
    const exitMs = performance.now() - stoppedAt;
    expect(output).not.toMatch(/unhandled/);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(25_000);
  }, 120_000);
});
