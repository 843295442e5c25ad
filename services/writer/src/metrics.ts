import { zeroed } from "@qingshan/domain/prometheus";
import { Counter, Gauge, register as globalRegister, Histogram, type Registry } from "prom-client";

export type WriteKind = "readings" | "deadletters";

/** The writer's Prometheus metrics. Every outcome is counted: written, retried (STYLE.md "Count every outcome"). */
export interface WriterMetrics {
  readonly readingsWritten: Counter;
  readonly deadLettersStored: Counter;
  /** Store write attempts that failed and will be retried, by kind. */
  readonly retries: Counter<"kind">;
  /** Duration of successful store writes, by kind. */
  readonly latency: Histogram<"kind">;
  /** Readings synced to the writer's log and not yet stored (0 without a log). */
  readonly logPending: Gauge;
}

function reuse<M>(registry: Registry, name: string, make: () => M): M {
  // Several writers (or a re-created one in tests) may share a registry; registering twice throws.
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/**
 * Creates the writer metrics on `registry` (default: prom-client's global registry), reusing any
 * already registered there.
 *
 * @example
 * const metrics = createWriterMetrics(new Registry());
 * metrics.readingsWritten.inc(5000);
 */
export function createWriterMetrics(registry: Registry = globalRegister): WriterMetrics {
  const registers = [registry];
  return {
    readingsWritten: reuse(
      registry,
      "qingshan_readings_written_total",
      () =>
        new Counter({
          name: "qingshan_readings_written_total",
          help: "Readings written to the time-series store",
          registers,
        }),
    ),
    deadLettersStored: reuse(
      registry,
      "qingshan_deadletters_stored_total",
      () =>
        new Counter({
          name: "qingshan_deadletters_stored_total",
          help: "Dead letters written to the time-series store",
          registers,
        }),
    ),
    retries: reuse(registry, "qingshan_write_retries_total", () =>
      // A 0 series per kind from the start: increase() ignores a series' first sample.
      zeroed(
        new Counter({
          name: "qingshan_write_retries_total",
          help: "Store writes that failed and were retried, by kind (readings, deadletters)",
          labelNames: ["kind"],
          registers,
        }),
        "kind",
        ["readings", "deadletters"],
      ),
    ),
    latency: reuse(
      registry,
      "qingshan_write_latency_seconds",
      () =>
        new Histogram({
          name: "qingshan_write_latency_seconds",
          help: "Duration of successful store writes, by kind (readings, deadletters)",
          labelNames: ["kind"],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    ),
    logPending: reuse(
      registry,
      "qingshan_writer_log_pending_readings",
      () =>
        new Gauge({
          name: "qingshan_writer_log_pending_readings",
          help: "Readings acknowledged into the writer's local log and not yet written to the store",
          registers,
        }),
    ),
  };
}
