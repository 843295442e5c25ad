/**
 * A Kafka bus member in its own process, for stop-unreachable.test.ts (so the test can see how long
 * the process lives after `stop()`):
 * node --import tsx stop-unreachable.fixture.ts BROKERS TOPIC_PREFIX GROUP CLOSE_TIMEOUT_MS
 * Subscribes GROUP to readings, publishes one message and prints "ready" once it was handled and
 * committed. On "stop" (a line on stdin) it stops the bus and prints "stopped <ms>"; kafkajs log
 * lines of the bus ("qingshan.bus" namespace) are printed as "log <message>", an unhandled
 * rejection as "unhandled <message>" (exit status 1). It does not call process.exit.
 */
import { createKafkaBus } from "../index.ts";

const [brokers = "", topicPrefix = "", group = "", closeTimeoutMs = ""] = process.argv.slice(2);
process.on("unhandledRejection", (reason) => {
  process.stdout.write(`unhandled ${reason instanceof Error ? reason.message : String(reason)}\n`);
  process.exitCode = 1;
});
const bus = createKafkaBus({
  brokers,
  topicPrefix,
  partitions: 2,
  logLevel: "nothing",
  onLog: (entry) => {
    if (entry.namespace === "qingshan.bus") process.stdout.write(`log ${entry.message}\n`);
  },
  consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 },
  depthRefreshMs: 200,
  closeTimeoutMs: Number(closeTimeoutMs),
});
await bus.start();
let handled = false;
await bus.subscribe("readings", { group }, async () => {
  handled = true;
});
await bus.publish("readings", [{ key: "aq-1", value: { seq: 1 } }]);
for (let i = 0; i < 200 && (!handled || (await bus.committedOffsets(group, "readings")).size === 0); i++)
  await new Promise((r) => setTimeout(r, 50));
process.stdout.write("ready\n");

process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  if (!text.includes("stop")) return;
  process.stdin.pause();
  const started = performance.now();
  void bus.stop().then(() => {
    process.stdout.write(`stopped ${Math.round(performance.now() - started)}\n`);
  });
});
