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
 * {@link lastPerKey} for readings (key station+metric+ts). The usual batch has no repeated key
 * and is returned as is, without a string key or a map entry per reading: it is made of runs of
 * one station's readings at one ts (one message), and when each station's runs grow in ts and
 * no metric repeats within a run, no key can repeat. Any other batch takes the exact path.
 */
export function lastPerReading<T extends { stationId: string; metric: string; ts: number }>(
  items: readonly T[],
): readonly T[] {
  const lastTs = new Map<string, number>();
  let runStation: string | undefined;
  let runTs = 0;
  let runStart = 0;
  for (let i = 0; i < items.length; i++) {
    const r = items[i] as T;
    if (r.stationId === runStation && r.ts === runTs) {
      for (let j = runStart; j < i; j++) {
        if ((items[j] as T).metric === r.metric) return lastPerKey(items, readingKey);
      }
      continue;
    }
    const last = lastTs.get(r.stationId);
    if (last !== undefined && r.ts <= last) return lastPerKey(items, readingKey);
    lastTs.set(r.stationId, r.ts);
    runStation = r.stationId;
    runTs = r.ts;
    runStart = i;
  }
  return items;
}

function readingKey(r: { stationId: string; metric: string; ts: number }): string {
  return `${r.stationId}\u0000${r.metric}\u0000${r.ts}`;
}
