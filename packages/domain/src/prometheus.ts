/**
 * Helpers for the services' Prometheus metrics, typed structurally so that this package needs no
 * prom-client dependency (a prom-client `Counter` fits `LabelledCounter`).
 */

/** The part of a labelled prom-client Counter that `zeroed` uses. */
export interface LabelledCounter<L extends string> {
  inc(labels: Partial<Record<L, string | number>>, value?: number): void;
}

/**
 * `counter` with a 0 series for each of `values` of `label`: Prometheus' increase() ignores a
 * series' first sample, so a counter that appears only at its first increment hides that first
 * burst from alerts.
 */
export function zeroed<L extends string, C extends LabelledCounter<L>>(
  counter: C,
  label: L,
  values: readonly string[],
): C {
  for (const value of values) counter.inc({ [label]: value } as Partial<Record<L, string>>, 0);
  return counter;
}
