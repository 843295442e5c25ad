/**
 * `stop()` of a Kafka bus whose brokers are all gone: kafkajs retries leaving the group and
 * committing for ~8 s; the bus gives up after `closeTimeoutMs`. The test starts its own broker
 * (test/infra/kafka/start.sh, never a shared one: it kills it by its PID), runs a member in a child
 * process (stop-unreachable.fixture.ts), kills the broker and stops the member.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { requireService, waitFor } from "@qingshan/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { testKafkaBroker } from "../testing/kafka-broker.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../../..");

// A broker of this test's own, so killing it disturbs no other test.
const kafka = await testKafkaBroker({ own: true });
const gate = await requireService("kafka (own broker)", () => kafka.probe());
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await kafka.stop();
});

describe.skipIf(!gate.available)(`kafka bus stop with every broker unreachable${gate.note}`, () => {
  it("resolves within closeTimeoutMs, logs what it gave up on, and the process then exits by itself", async () => {
    const closeTimeoutMs = 1_500;
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        resolve(here, "stop-unreachable.fixture.ts"),
        kafka.brokers,
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

    await kafka.kill();
    // Let the member notice: its fetches and heartbeats now fail and kafkajs starts retrying.
    await new Promise((r) => setTimeout(r, 500));

    child.stdin?.end("stop\n");
    await waitFor(() => /stopped \d+\n/.test(output), { timeoutMs: 30_000 });
    const stoppedAt = performance.now();
    const stopMs = Number(/stopped (\d+)\n/.exec(output)?.[1]);
    // The bound, plus the time the member's handler-free drain and the last fetch take (< 1 s).
    expect(stopMs).toBeLessThan(closeTimeoutMs + 1_000);
    // What it gave up on: the consumer leaving its group — or, when the consumer had already crashed
    // on the lost brokers (a loaded machine gets there within the 500 ms), what was still pending.
    expect(output).toMatch(
      /log gave up waiting for the (consumer of group "stop-unreachable"|consumer-lag refresh)/,
    );
    if (!output.includes('gave up waiting for the consumer of group "stop-unreachable"'))
      expect(output).toMatch(/log consumer of group "stop-unreachable" on "readings" crashed/);

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
