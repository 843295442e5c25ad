import { createMemoryBus } from "@qingshan/bus";
import { waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DeliveryAbortedError, deliverWithRetry, settleWithin } from "./deliver-with-retry.ts";
import { createIngestPipeline } from "./ingest-pipeline.ts";
import { createIngestMetrics } from "./metrics.ts";
import { clock, registry } from "./testdata/fixtures.ts";

const logger = pino({ level: "silent" });
const payload = JSON.stringify({
  ts: Date.parse("2026-11-28T10:00:00+08:00"),
  values: { pm25: 35, so2: "x" },
});
const policy = { initialDelayMs: 5, maxDelayMs: 20 };

function setup() {
  // Not started yet: the real bus refuses publishes with bus.not_started.
  const bus = createMemoryBus();
  const metricsRegistry = new Registry();
  const metrics = createIngestMetrics(metricsRegistry);
  const pipeline = createIngestPipeline({ bus, registry, clock, metrics });
  const retries = async () => (await metrics.publishRetries.get()).values.reduce((n, v) => n + v.value, 0);
  return { bus, pipeline, metrics, retries };
}

describe("deliverWithRetry", () => {
  it("keeps retrying while the bus refuses, and delivers once it accepts", async () => {
    const { bus, pipeline, metrics, retries } = setup();
    const decoded = pipeline.decodeJson("stations/ld-aq-01/air", payload, { source: "mqtt", origin: "t" });
    const signal = new AbortController().signal;
    const delivered = deliverWithRetry(pipeline, decoded, { signal, policy, logger, metrics });
    await waitFor(async () => (await retries()) >= 2, { what: "two retries" });
    await bus.start();
    const result = await delivered;
    expect(result.accepted).toBe(1);
    expect(result.rejections.map((r) => r.code)).toEqual(["value.not_number"]);
    const received = (await metrics.readingsReceived.get()).values;
    expect(received.map((v) => [v.labels.source, v.value])).toEqual([["mqtt-json", 1]]);
    await bus.stop();
  });

  it("gives up only when aborted, without delivering", async () => {
    const { pipeline, metrics, retries } = setup();
    const decoded = pipeline.decodeJson("stations/ld-aq-01/air", payload, { source: "mqtt", origin: "t" });
    const controller = new AbortController();
    const delivered = deliverWithRetry(pipeline, decoded, {
      signal: controller.signal,
      policy,
      logger,
      metrics,
    });
    await waitFor(async () => (await retries()) >= 1, { what: "a retry" });
    controller.abort();
    await expect(delivered).rejects.toBeInstanceOf(DeliveryAbortedError);
  });
});

describe("settleWithin", () => {
  it("tells whether the work settled in time", async () => {
    expect(await settleWithin(Promise.resolve(), 1000)).toBe(true);
    expect(await settleWithin(new Promise(() => {}), 10)).toBe(false);
  });
});
