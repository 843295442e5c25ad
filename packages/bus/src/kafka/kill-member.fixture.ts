/**
 * A consumer-group member in its own process, for the kill test in kafka-bus.test.ts:
 * node --import tsx kill-member.fixture.ts BROKERS TOPIC_PREFIX GROUP
 * It acknowledges batches whose messages all have seq < 5 and holds any other batch forever, so
 * a `kill -9` leaves that batch uncommitted. Prints "assigned", "acknowledged N", "holding N".
 */
import { createKafkaBus } from "../index.ts";

const [brokers = "", topicPrefix = "", group = ""] = process.argv.slice(2);
const bus = createKafkaBus({
  brokers,
  topicPrefix,
  partitions: 4,
  logLevel: "nothing",
  // 6 s is the broker's default group.min.session.timeout.ms: the smallest any broker accepts.
  consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 100 },
});
await bus.start();
await bus.subscribe<{ seq: number }>(
  "readings",
  { group, maxBatch: 5, onAssigned: () => void process.stdout.write("assigned\n") },
  async (batch) => {
    if (batch.every((d) => d.value.seq < 5)) {
      process.stdout.write(`acknowledged ${batch.length}\n`);
      return;
    }
    process.stdout.write(`holding ${batch.length}\n`);
    await new Promise(() => {});
  },
);
