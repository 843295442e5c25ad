import { Counter, Gauge, register as globalRegister, type Registry } from "prom-client";

/** The ingest service's counters (Prometheus). Every outcome is counted: accepted, rejected, retried. */
export interface IngestMetrics {
  /** Messages (MQTT messages, HJ 212 packets, import requests) by transport. */
  readonly messages: Counter<"source">;
  /** Readings handed on to the bus, by reading source ("mqtt-json", "tcp-hj212", …). */
  readonly readingsReceived: Counter<"source">;
  /** Rejections (dead letters) by rejection code. */
  readonly readingsRejected: Counter<"reason">;
  /** Bus publishes that failed and were retried. */
  readonly publishRetries: Counter<"source">;
  /** Messages being decoded or handed on right now. */
  readonly inFlight: Gauge<"source">;
}

function counter<L extends string>(registry: Registry, name: string, help: string, label: L): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames: [label], registers: [registry] });
}

/**
 * Creates (or reuses, when several ingest instances share a registry) the ingest metrics.
 *
 * @example
 * const metrics = createIngestMetrics(new Registry());
 * metrics.messages.inc({ source: "mqtt" });
 */
export function createIngestMetrics(registry: Registry = globalRegister): IngestMetrics {
  const inFlightName = "qingshan_ingest_in_flight";
  const inFlight =
    (registry.getSingleMetric(inFlightName) as Gauge<"source"> | undefined) ??
    new Gauge({
      name: inFlightName,
      help: "Messages being decoded or handed on to the bus",
      labelNames: ["source"],
      registers: [registry],
    });
  return {
    messages: counter(registry, "qingshan_messages_total", "Messages received, by transport", "source"),
    readingsReceived: counter(
      registry,
      "qingshan_readings_received_total",
      "Valid readings handed on to the bus, by reading source",
      "source",
    ),
    readingsRejected: counter(
      registry,
      "qingshan_readings_rejected_total",
      "Rejected inputs sent to the dead letters, by rejection code",
      "reason",
    ),
    publishRetries: counter(
      registry,
      "qingshan_ingest_publish_retries_total",
      "Bus publishes that failed and were retried, by transport",
      "source",
    ),
    inFlight,
  };
}
