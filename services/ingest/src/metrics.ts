import { zeroed } from "@qingshan/domain/prometheus";
import { Counter, Gauge, register as globalRegister, type Registry } from "prom-client";
import { INGEST_SOURCES } from "./ingest-pipeline.ts";

/** The ingest service's counters (Prometheus). Every outcome is counted: accepted, rejected, retried. */
export interface IngestMetrics {
  /** Messages (MQTT messages, HJ 212 packets, import requests) by transport. */
  readonly messages: Counter<"source">;
  /** Readings handed on to the bus, by reading source ("mqtt-json", "tcp-hj212", …). */
  readonly readingsReceived: Counter<"source">;
  /** Rejections (dead letters), label `reason`: the rejection code. */
  readonly readingsRejected: Counter<"reason">;
  /** Bus publishes that failed and were retried. */
  readonly publishRetries: Counter<"source">;
  /** HJ 212 data uploads answered but not stored: their CN is not in the station's `hj212.commands`. */
  readonly hj212NotStored: Counter<"cn">;
  /** HJ 212 heartbeats (CN 9015) of registered stations: counted, not dead-lettered. */
  readonly hj212Heartbeats: Counter;
  /** Messages being decoded or handed on right now. */
  readonly inFlight: Gauge<"source">;
  /** Per-message counting into `messages`, `readingsReceived` and `inFlight` (see {@link IngestCounts}). */
  readonly counts: IngestCounts;
}

/**
 * Counting on the per-message path. prom-client hashes the label object on every `inc` (~0.3 µs,
 * 1–2 % of a message's CPU); these keep a number per label value instead and add it into the
 * metric when the metric is read (its `collect`: every scrape, `get()`, `registry.metrics()`), so
 * every read sees what direct `inc` calls would have given.
 */
export interface IngestCounts {
  message(source: string): void;
  readingsReceived(source: string, n: number): void;
  /** +1 when a message is taken, −1 when it is acknowledged or given up. */
  inFlight(source: string, delta: number): void;
}

type SourceMetric = Counter<"source"> | Gauge<"source">;

/** Increments not yet added into their metric, by label value. */
const pendingOf = new WeakMap<object, Map<string, number>>();

function flushPending(this: SourceMetric): void {
  const pending = pendingOf.get(this);
  if (pending === undefined || pending.size === 0) return;
  // A gauge's net 0 is added too: the series exists once anything was counted, as with inc/dec.
  for (const [source, n] of pending) this.inc({ source }, n);
  pending.clear();
}

/** Adds into `metric` at its next read; directly when the metric was registered by other code. */
function deferredInc(metric: SourceMetric): (source: string, n: number) => void {
  const pending = pendingOf.get(metric);
  if (pending === undefined) return (source, n) => metric.inc({ source }, n);
  return (source, n) => {
    pending.set(source, (pending.get(source) ?? 0) + n);
  };
}

/** The counter `name` in `registry`, created there unless an earlier call did (ingest restarted in-process). */
export function registeredCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labels: readonly L[] = [],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames: labels, registers: [registry] });
}

function deferredCounter(registry: Registry, name: string, help: string): Counter<"source"> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<"source">;
  const metric = new Counter({
    name,
    help,
    labelNames: ["source"],
    registers: [registry],
    collect: flushPending,
  });
  pendingOf.set(metric, new Map());
  return metric;
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
  let inFlight = registry.getSingleMetric(inFlightName) as Gauge<"source"> | undefined;
  if (inFlight === undefined) {
    inFlight = new Gauge({
      name: inFlightName,
      help: "Messages being decoded or handed on to the bus",
      labelNames: ["source"],
      registers: [registry],
      collect: flushPending,
    });
    pendingOf.set(inFlight, new Map());
  }
  const messages = deferredCounter(registry, "qingshan_messages_total", "Messages received, by transport");
  const readingsReceived = deferredCounter(
    registry,
    "qingshan_readings_received_total",
    "Valid readings handed on to the bus, by reading source",
  );
  const addMessages = deferredInc(messages);
  return {
    messages,
    readingsReceived,
    readingsRejected: registeredCounter(
      registry,
      "qingshan_readings_rejected_total",
      "Rejected inputs sent to the dead letters, by reason: the rejection code (value.out_of_range, topic.invalid, …; packages/domain REJECTION_CODES)",
      ["reason"],
    ),
    publishRetries: zeroed(
      registeredCounter(
        registry,
        "qingshan_ingest_publish_retries_total",
        "Bus publishes that failed and were retried, by transport",
        ["source"],
      ),
      "source",
      INGEST_SOURCES,
    ),
    hj212NotStored: registeredCounter(
      registry,
      "qingshan_hj212_uploads_not_stored_total",
      "HJ 212 data uploads answered but not stored, as their CN is not in the station's hj212.commands",
      ["cn"],
    ),
    hj212Heartbeats: registeredCounter(
      registry,
      "qingshan_hj212_heartbeats_total",
      "HJ 212 heartbeats (CN 9015) of registered stations: counted, not dead-lettered",
    ),
    inFlight,
    counts: {
      message: (source) => addMessages(source, 1),
      readingsReceived: deferredInc(readingsReceived),
      inFlight: deferredInc(inFlight),
    },
  };
}
