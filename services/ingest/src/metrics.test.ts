import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngestMetrics } from "./metrics.ts";

describe("IngestCounts", () => {
  it("shows every count at every read, as direct inc/dec would", async () => {
    const registry = new Registry();
    const metrics = createIngestMetrics(registry);
    metrics.counts.message("mqtt");
    metrics.counts.message("mqtt");
    metrics.counts.message("import");
    metrics.counts.readingsReceived("mqtt-json", 6);
    metrics.counts.inFlight("mqtt", 1);
    metrics.counts.inFlight("mqtt", -1);
    metrics.messages.inc({ source: "mqtt" });
    const text = await registry.metrics();
    expect(text).toContain('qingshan_messages_total{source="mqtt"} 3\n');
    expect(text).toContain('qingshan_messages_total{source="import"} 1\n');
    expect(text).toContain('qingshan_readings_received_total{source="mqtt-json"} 6\n');
    // Taken and acknowledged: the series exists at 0, as after inc and dec.
    expect(text).toContain('qingshan_ingest_in_flight{source="mqtt"} 0\n');
    metrics.counts.inFlight("mqtt", 1);
    metrics.counts.readingsReceived("mqtt-json", 2);
    expect((await metrics.inFlight.get()).values).toEqual([{ labels: { source: "mqtt" }, value: 1 }]);
    expect((await metrics.readingsReceived.get()).values).toEqual([
      { labels: { source: "mqtt-json" }, value: 8 },
    ]);
  });

  it("exposes publish retries at 0 per transport before the first one, so increase() sees the first burst", async () => {
    const registry = new Registry();
    createIngestMetrics(registry);
    const text = await registry.metrics();
    for (const source of ["mqtt", "hj212-tcp", "import", "api"])
      expect(text).toContain(`qingshan_ingest_publish_retries_total{source="${source}"} 0\n`);
  });

  it("shares counts between instances on one registry, and counts directly into a metric registered elsewhere", async () => {
    const registry = new Registry();
    new Counter({
      name: "qingshan_messages_total",
      help: "registered by other code",
      labelNames: ["source"],
      registers: [registry],
    });
    const a = createIngestMetrics(registry);
    const b = createIngestMetrics(registry);
    a.counts.message("mqtt");
    b.counts.message("mqtt");
    a.counts.readingsReceived("tcp-hj212", 3);
    b.counts.readingsReceived("tcp-hj212", 4);
    expect((await a.messages.get()).values).toEqual([{ labels: { source: "mqtt" }, value: 2 }]);
    expect((await b.readingsReceived.get()).values).toEqual([{ labels: { source: "tcp-hj212" }, value: 7 }]);
  });
});
