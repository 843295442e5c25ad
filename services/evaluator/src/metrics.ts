import { Counter, Gauge, register as globalRegister, Histogram, type Registry } from "prom-client";

/** The evaluator's Prometheus metrics (STYLE.md "Count every outcome"). */
export interface EvaluatorMetrics {
  /** Readings added to the rolling windows and evaluated by the rules. */
  readonly readingsEvaluated: Counter;
  /**
   * Readings too late for the windows (stored by the writer, not evaluated), by the reading's
   * `source`: live ones are dead-lettered, imported history (`import`) is not.
   */
  readonly readingsTooLate: Counter<"source">;
  /** Alert events published on the bus, by type (raised, resolved, escalated, …). */
  readonly alertEvents: Counter<"type">;
  /** How long rebuilding one station's windows from the store took. */
  readonly rebuildDuration: Histogram;
  /** Data time (`ts`) of the newest reading evaluated, Unix seconds. */
  readonly lastEvaluatedDataTime: Gauge;
}

function reuse<M>(registry: Registry, name: string, make: () => M): M {
  // A re-created evaluator (tests, a restart in one process) may share a registry; registering twice throws.
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/**
 * Creates the evaluator metrics on `registry` (default: prom-client's global registry), reusing
 * any already registered there. `stations` counts the stations whose windows are loaded.
 *
 * @example
 * const metrics = createEvaluatorMetrics(new Registry(), () => 0);
 * metrics.readingsEvaluated.inc();
 */
export function createEvaluatorMetrics(
  registry: Registry = globalRegister,
  stations: () => number = () => 0,
): EvaluatorMetrics {
  const registers = [registry];
  const loaded = registry.getSingleMetric("qingshan_evaluator_stations_loaded");
  if (loaded !== undefined) registry.removeSingleMetric("qingshan_evaluator_stations_loaded");
  new Gauge({
    name: "qingshan_evaluator_stations_loaded",
    help: "Stations whose windows the evaluator holds (those of its partitions of bus readings)",
    registers,
    collect() {
      this.set(stations());
    },
  });
  return {
    readingsEvaluated: reuse(
      registry,
      "qingshan_evaluator_readings_evaluated_total",
      () =>
        new Counter({
          name: "qingshan_evaluator_readings_evaluated_total",
          help: "Readings added to the evaluator's rolling windows and evaluated by the rules",
          registers,
        }),
    ),
    readingsTooLate: reuse(
      registry,
      "qingshan_evaluator_readings_too_late_total",
      () =>
        new Counter({
          name: "qingshan_evaluator_readings_too_late_total",
          help: "Readings too late for the evaluator's windows (stored, not evaluated), by reading source; all but source import are dead-lettered as window.too_late",
          labelNames: ["source"],
          registers,
        }),
    ),
    alertEvents: reuse(
      registry,
      "qingshan_evaluator_alert_events_total",
      () =>
        new Counter({
          name: "qingshan_evaluator_alert_events_total",
          help: "Alert events the evaluator published on bus alerts, by event type",
          labelNames: ["type"],
          registers,
        }),
    ),
    rebuildDuration: reuse(
      registry,
      "qingshan_evaluator_rebuild_duration_seconds",
      () =>
        new Histogram({
          name: "qingshan_evaluator_rebuild_duration_seconds",
          help: "Duration of rebuilding one station's windows from the store (at assignment, offset gaps, catch-up)",
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers,
        }),
    ),
    lastEvaluatedDataTime: reuse(
      registry,
      "qingshan_evaluator_last_evaluated_data_time_seconds",
      () =>
        new Gauge({
          name: "qingshan_evaluator_last_evaluated_data_time_seconds",
          help: "Data time of the newest reading the evaluator evaluated, Unix seconds (now minus it: how far behind it is)",
          registers,
        }),
    ),
  };
}
