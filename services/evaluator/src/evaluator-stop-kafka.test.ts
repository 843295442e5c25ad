/**
 * stop() is bounded while Kafka is unreachable for the evaluator's admin calls: it does not wait
 * for a `committedOffsets` call of the catch-up watch (or the takeover wait) that hangs in the
 * bus's connection retries. Two real brokers: the shared test broker carries the topics and the
 * groups; the evaluator reads the writer group's offsets through a second Kafka bus, on a broker
 * of this file's own (test/infra/kafka/start.sh) that the test kills by its PID. So what stop()
 * takes is the evaluator's doing, not the subscription's close (which, on a dead broker, is the
 * bus's kafkajs retries), and the shared broker is left alone.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { createKafkaBus, type KafkaBus } from "@qingshan/bus";
import { quickRebalanceConfig, testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { requireService, tcpReachable, waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createEvaluator, type Evaluator } from "./evaluator.ts";
import { DEC_1, H, hourlyPm25, oneAirStation, quietKafkaLog, shippedRules } from "./testdata/fixtures.ts";
import { perTestResources } from "./testdata/per-test-resources.ts";

const infra = resolve(import.meta.dirname, "../../../test/infra/kafka");

/** A broker of this file's own: host:port, PID and temp dir as start.sh exports them. */
async function ownKafka(): Promise<Record<string, string>> {
  const out = await new Promise<string>((done, fail) => {
    execFile("bash", [resolve(infra, "start.sh")], { timeout: 600_000 }, (error, stdout, stderr) =>
      error === null
        ? done(stdout)
        : fail(new Error(`start.sh: ${stderr.trim().split("\n").slice(-3).join(" | ")}`)),
    );
  });
  return Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

const shared = await testKafkaBroker();
let doomedVars: Record<string, string> = {};
const kafka = await requireService(
  "kafka (shared test broker and one from test/infra/kafka/start.sh)",
  async () => {
    await shared.probe();
    doomedVars = await ownKafka();
    const [host, port] = (doomedVars.QINGSHAN_TEST_KAFKA_BROKERS ?? "").split(":");
    await tcpReachable(host ?? "127.0.0.1", Number(port));
  },
);
afterAll(async () => {
  await new Promise<void>((done) => {
    execFile("bash", [resolve(infra, "stop.sh")], { env: { ...process.env, ...doomedVars } }, () => done());
  });
  await shared.stop();
});

const doomedBrokers = () => doomedVars.QINGSHAN_TEST_KAFKA_BROKERS ?? "";
const registry = oneAirStation();
const CLOCK = DEC_1 + 26 * H;
/** What stop() may take (the subscription's close on the reachable broker takes ~0.1 s). */
const STOP_BOUND_MS = 2_000;
/** An admin call pending this long is stuck (a reachable broker answers within milliseconds). */
const STUCK_MS = 1_000;

const resources = perTestResources();

/**
 * `main` for everything but the writer group's committed offsets, which come from `admin` (another
 * real Kafka bus); records when each of those calls started and whether it settled.
 */
function writerOffsetsFrom(main: KafkaBus, admin: KafkaBus, writerGroup: string) {
  const calls: { startedAt: number; settled: boolean }[] = [];
  const bus = new Proxy(main, {
    get(target, property) {
      if (property === "committedOffsets")
        return (group: string, topic: Parameters<KafkaBus["committedOffsets"]>[1]) => {
          if (group !== writerGroup) return target.committedOffsets(group, topic);
          const call = { startedAt: performance.now(), settled: false };
          calls.push(call);
          const result = admin.committedOffsets(group, topic);
          const settle = () => {
            call.settled = true;
          };
          result.then(settle, settle);
          return result;
        };
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { bus, pending: () => calls.filter((c) => !c.settled).map((c) => c.startedAt) };
}

async function scenario() {
  const id = `${Date.now().toString(36)}-${process.pid}`;
  const prefix = `qs-stop-${id}.`;
  const evaluatorGroup = `evaluator-${id}`;
  const writerGroup = `writer-${id}`;
  const kafkaBus = (brokers = shared.brokers): KafkaBus =>
    createKafkaBus(quickRebalanceConfig(brokers, prefix, 1, quietKafkaLog));
  const main = kafkaBus();
  const { store } = await resources.startWithHeldWriter(main, {
    dirPrefix: "qingshan-evaluator-stop-",
    writerGroup,
    alertsGroup: `alerts-${id}`,
  });
  // The writer group's offsets as the doomed broker has them (none: it never had the group).
  const admin = kafkaBus(doomedBrokers());
  await admin.start();
  resources.defer(() => admin.stop());

  async function member(takeoverWaitMs: number) {
    const bus = kafkaBus();
    await bus.start();
    const routed = writerOffsetsFrom(bus, admin, writerGroup);
    const evaluator: Evaluator = createEvaluator(
      { latenessMs: 72 * H, sweepSchedule: "0 0 1 1 *", group: evaluatorGroup, writerGroup, takeoverWaitMs },
      {
        bus: routed.bus,
        store,
        registry,
        rules: shippedRules,
        logger: pino({ level: "silent" }),
        now: () => CLOCK,
      },
    );
    resources.defer(async () => {
      await evaluator.stop();
      await bus.stop();
    });
    await evaluator.start();
    return { evaluator, pending: routed.pending };
  }

  /** Evaluator A processes 12 hours (its group commits them) that the held writer never stores; A stops. */
  async function previousOwnerProcessed(): Promise<void> {
    const a = await member(0);
    for (const message of hourlyPm25(0, 12, (i) => 90 + i)) await main.publish("readings", [message]);
    await waitFor(async () => (await main.committedOffsets(evaluatorGroup, "readings")).get(0) === "12", {
      timeoutMs: 30_000,
      what: "the evaluator group committed the 12 hours",
    });
    await a.evaluator.stop();
  }

  return { member, previousOwnerProcessed };
}

/** Kills this file's broker by its PID and waits until its port refuses connections. */
async function killDoomedKafka(): Promise<void> {
  process.kill(Number(doomedVars.QINGSHAN_TEST_KAFKA_PID), "SIGKILL");
  const [host, port] = doomedBrokers().split(":");
  await waitFor(
    () =>
      tcpReachable(host ?? "127.0.0.1", Number(port), 200).then(
        () => false,
        () => true,
      ),
    { timeoutMs: 10_000, what: "the broker's port closed" },
  );
}

describe.skipIf(!kafka.available)(`evaluator stop() with Kafka unreachable${kafka.note}`, () => {
  // One test: it kills the broker.
  it("returns promptly while an admin call of the catch-up watch hangs, without waiting for it", async () => {
    const s = await scenario();
    await s.previousOwnerProcessed();
    // B gives up waiting for the writer group after 500 ms and watches it (an admin call every 200 ms).
    const b = await s.member(500);
    expect(b.evaluator.partitions()).toEqual([0]);
    await killDoomedKafka();
    await waitFor(() => b.pending().some((startedAt) => performance.now() - startedAt >= STUCK_MS), {
      timeoutMs: 30_000,
      what: `a committedOffsets call pending for ${STUCK_MS} ms`,
    });
    const startedAt = performance.now();
    await b.evaluator.stop();
    const stopMs = performance.now() - startedAt;
    expect(stopMs).toBeLessThan(STOP_BOUND_MS);
    expect(b.pending().length, "the admin call was still hanging when stop() returned").toBeGreaterThan(0);
  }, 300_000);
});
