import { StoreError } from "./errors.ts";

/** Where a store is in its life; a failed start goes back to "stopped", from where start may run again. */
export type LifecycleState = "created" | "starting" | "started" | "stopping" | "stopped";

/** The start/stop state of a store adapter and the reads it must wait for when stopping. */
export interface Lifecycle {
  /** The current state. */
  readonly state: LifecycleState;
  /** Throws store.not_started before a successful start, store.stopped once stop began. */
  assertOpen(): void;
  /**
   * Runs `open` unless already started; store.not_started while starting or stopping. A failed
   * `open` leaves the store "stopped" and rethrows its error.
   */
  start(open: () => Promise<void>): Promise<void>;
  /**
   * Refuses new calls, waits for `drain` (the accepted writes) and then for every running read,
   * then runs `close`. Does nothing unless started.
   */
  stop(drain: () => Promise<unknown>, close?: () => void): Promise<void>;
  /** Checks the store is open, runs `query` and keeps its promise until it settles, for `stop`. */
  read<T>(query: () => Promise<T>): Promise<T>;
}

/**
 * The lifecycle both adapters share (see TimeSeriesStore): `name` says which store an error is
 * about (`startName`, when given, in the error of a start while starting or stopping).
 *
 * @example
 * const lifecycle = createLifecycle("/data/qingshan.duckdb");
 * await lifecycle.start(open);
 * const rows = await lifecycle.read(() => query());
 * await lifecycle.stop(() => writes.idle(), close);
 */
export function createLifecycle(name: string, startName = name): Lifecycle {
  const reads = new Set<Promise<unknown>>();
  let state: LifecycleState = "created";

  function assertOpen(): void {
    if (state === "started") return;
    if (state === "stopping" || state === "stopped") {
      throw new StoreError("store.stopped", `the store on ${name} is ${state}`);
    }
    throw new StoreError("store.not_started", `call start() before using the store on ${name}`);
  }

  return {
    get state(): LifecycleState {
      return state;
    },

    assertOpen,

    async start(open: () => Promise<void>): Promise<void> {
      if (state === "started") return;
      if (state === "starting" || state === "stopping") {
        throw new StoreError(
          "store.not_started",
          `start() called while the store on ${startName} is ${state}`,
        );
      }
      state = "starting";
      try {
        await open();
        state = "started";
      } catch (error) {
        state = "stopped";
        throw error;
      }
    },

    async stop(drain: () => Promise<unknown>, close?: () => void): Promise<void> {
      if (state !== "started") return;
      // New calls are refused from here on; what was accepted before still completes.
      state = "stopping";
      await drain();
      await Promise.allSettled([...reads]);
      close?.();
      state = "stopped";
    },

    read<T>(query: () => Promise<T>): Promise<T> {
      assertOpen();
      const task = query();
      reads.add(task);
      void task.then(
        () => reads.delete(task),
        () => reads.delete(task),
      );
      return task;
    },
  };
}
