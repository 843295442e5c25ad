/**
 * Keeps the last item per key, in the order of those last occurrences. Bus order is publish
 * order, so this is "the last write of the same key wins" (store.ts) applied inside one batch,
 * where stores that upsert cannot touch one row twice in a statement.
 *
 * @example
 * lastPerKey([{ k: "a", v: 1 }, { k: "b", v: 2 }, { k: "a", v: 3 }], (x) => x.k); // [{b,2},{a,3}]
 */
export function lastPerKey<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const last = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    last.delete(key);
    last.set(key, item);
  }
  return [...last.values()];
}

/**
 * {@link lastPerKey} for readings (key station+metric+ts). The usual batch, where each series' ts
 * only grows, has no repeated key and is returned as is, without a string key per reading.
 */
export function lastPerReading<T extends { stationId: string; metric: string; ts: number }>(
  items: readonly T[],
): readonly T[] {
  const lastTs = new Map<string, Map<string, number>>();
  for (const r of items) {
    let byMetric = lastTs.get(r.stationId);
    if (byMetric === undefined) {
      byMetric = new Map();
      lastTs.set(r.stationId, byMetric);
    }
    const last = byMetric.get(r.metric);
    if (last !== undefined && r.ts <= last) {
      return lastPerKey(items, (x) => `${x.stationId}\u0000${x.metric}\u0000${x.ts}`);
    }
    byMetric.set(r.metric, r.ts);
  }
  return items;
}
