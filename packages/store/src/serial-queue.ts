/** Runs async tasks one at a time, in call order. */
export interface SerialQueue {
  /** Queues `task`; resolves or rejects with its outcome once every earlier task has settled. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Resolves when every task queued so far has settled. */
  idle(): Promise<void>;
  /** Tasks queued or running. */
  readonly pending: number;
}

/**
 * A one-in-flight queue. DuckDB has a single writer per database, so every write transaction
 * goes through one of these; a failed task does not stop the ones after it.
 *
 * @example
 * const writes = createSerialQueue();
 * await Promise.all([writes.run(() => insert(a)), writes.run(() => insert(b))]); // a commits before b starts
 */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      pending++;
      const result = tail.then(task).finally(() => {
        pending--;
      });
      // The chain must continue whether this task succeeds or fails.
      tail = result.catch(() => undefined);
      return result;
    },
    async idle(): Promise<void> {
      await tail;
    },
    get pending(): number {
      return pending;
    },
  };
}
