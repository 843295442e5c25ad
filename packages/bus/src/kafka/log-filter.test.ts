import { describe, expect, it } from "vitest";
import type { KafkaLogEntry } from "./config.ts";
import { KafkaLogFilter } from "./log-filter.ts";

function entry(
  level: KafkaLogEntry["level"],
  message: string,
  extra: Record<string, unknown> = {},
): KafkaLogEntry {
  return { level, namespace: "Connection", message, extra };
}

describe("KafkaLogFilter", () => {
  it("lowers routine coordination lines and keeps other errors as errors", () => {
    const out: KafkaLogEntry[] = [];
    const filter = new KafkaLogFilter((e) => out.push(e));
    filter.log(
      entry("error", "Response GroupCoordinator(key: 10, version: 2)", {
        error: "The coordinator is loading and hence can't process requests",
      }),
    );
    filter.log(
      entry("error", "Response Heartbeat(key: 12, version: 3)", {
        error: "The group is rebalancing, so a rejoin is needed",
      }),
    );
    filter.log(entry("error", "Crash: KafkaJSNumberOfRetriesExceeded: The coordinator is not available"));
    filter.log(
      entry("error", "Response Produce(key: 0, version: 7)", {
        error: "The request included message batch larger than the configured segment size on the server",
      }),
    );
    expect(out.map((e) => e.level)).toEqual(["info", "debug", "warn", "error"]);
  });

  it("lowers what a first start against a fresh Kafka logs (topics created concurrently, coordinator not elected yet)", () => {
    const out: KafkaLogEntry[] = [];
    const filter = new KafkaLogFilter((e) => out.push(e));
    // The lines kafkajs 2.2.4 writes (network/connection.js, logError on a response that failed to parse).
    filter.log(
      entry("error", "Response CreateTopics(key: 19, version: 3)", {
        error: "Topic creation errors",
        correlationId: 3,
        size: 120,
      }),
    );
    filter.log(
      entry("error", "Response GroupCoordinator(key: 10, version: 2)", {
        error: "The group coordinator is not available",
        correlationId: 5,
        size: 55,
      }),
    );
    filter.log(
      entry("error", "Response FindCoordinator(key: 10, version: 2)", {
        error: "The group coordinator is not available",
      }),
    );
    // Other failures of the same requests stay errors.
    filter.log(
      entry("error", "Response CreateTopics(key: 19, version: 3)", {
        error: "The server experienced an unexpected error when processing the request",
      }),
    );
    filter.log(
      entry("error", "Response JoinGroup(key: 11, version: 5)", {
        error: "Not authorized to access group: Group authorization failed.",
      }),
    );
    expect(out.map((e) => [e.message, e.level])).toEqual([
      ["Response CreateTopics(key: 19, version: 3)", "info"],
      ["Response GroupCoordinator(key: 10, version: 2)", "info"],
      ["Response FindCoordinator(key: 10, version: 2)", "info"],
      ["Response CreateTopics(key: 19, version: 3)", "error"],
      ["Response JoinGroup(key: 11, version: 5)", "error"],
    ]);
  });

  it("writes the first connection error at warn, then a summary of its repeats per window", async () => {
    const out: KafkaLogEntry[] = [];
    const filter = new KafkaLogFilter((e) => out.push(e), 100);
    for (let i = 0; i < 10; i++)
      filter.log(
        entry("error", `Connection error: connect ECONNREFUSED 127.0.0.1:${9092}`, { retryCount: i }),
      );
    expect(out).toEqual([
      expect.objectContaining({
        level: "warn",
        message: "Connection error: connect ECONNREFUSED 127.0.0.1:9092",
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(out[1]).toMatchObject({
      level: "warn",
      message: "Connection error: connect ECONNREFUSED 127.0.0.1:9092 (repeated 9 times in the last 0 s)",
      extra: { repeated: 9 },
    });
    // Quiet for a whole window: the next one is written at once again.
    await new Promise((resolve) => setTimeout(resolve, 150));
    filter.log(entry("error", "Connection error: connect ECONNREFUSED 127.0.0.1:9092"));
    expect(out).toHaveLength(3);
    filter.flush();
  });
});
