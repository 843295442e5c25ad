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
