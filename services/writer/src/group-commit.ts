/**
 * Group commit: calls of `submit` that arrive while a write is running (or in the same tick) are
 * written together in one call of `write`, so concurrent bus batches (one per partition) share one
 * store transaction, up to `maxItems` items per call (a larger submission is written alone). If a combined write fails, each submitter's items are written alone, so one
 * bad batch fails only its own submitter (which the bus redelivers), not its neighbours.
 *
 * @example
 * const submit = groupCommit((readings: Reading[]) => store.writeReadings(readings));
 * await Promise.all([submit(batchA), submit(batchB)]); // one writeReadings call
 */
export function groupCommit<T>(
  write: (items: readonly T[]) => Promise<void>,
  maxItems = Number.POSITIVE_INFINITY,
): (items: readonly T[]) => Promise<void> {
  interface Waiter {
    readonly items: readonly T[];
    resolve(): void;
    reject(error: unknown): void;
  }
  let pending: Waiter[] = [];
  let running = false;

  async function flush(): Promise<void> {
    while (pending.length > 0) {
      // The head always goes; followers join while the call stays within maxItems.
      let count = (pending[0] as Waiter).items.length;
      let take = 1;
      while (take < pending.length && count + (pending[take] as Waiter).items.length <= maxItems) {
        count += (pending[take] as Waiter).items.length;
        take++;
      }
      const group = pending.slice(0, take);
      pending = pending.slice(take);
      if (group.length === 1) {
        const only = group[0] as Waiter;
        await write(only.items).then(only.resolve, only.reject);
      } else {
        try {
          await write(concatItems(group));
          for (const w of group) w.resolve();
        } catch {
          for (const w of group) await write(w.items).then(w.resolve, w.reject);
        }
      }
      // The submitters just answered hand in their next items within microtasks (the bus delivers
      // that partition's next batch): one macrotask lets them join the next write. Without it the
      // next write started with the others only, and a partition waited for every second write.
      await new Promise((resolve) => setImmediate(resolve));
    }
    running = false;
  }

  function concatItems(group: readonly Waiter[]): T[] {
    let count = 0;
    for (const w of group) count += w.items.length;
    const all: T[] = new Array(count);
    let at = 0;
    for (const w of group) for (let i = 0; i < w.items.length; i++) all[at++] = w.items[i] as T;
    return all;
  }

  return (items) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ items, resolve, reject });
      if (running) return;
      running = true;
      // One microtask later: the handler calls of one bus dispatch pass join the first write.
      queueMicrotask(() => void flush());
    });
}
