/**
 * What an evaluator test starts and must release after it: a DuckDB store in a temp dir, a bus, a
 * writer whose store writes are held back, and whatever else the test defers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bus } from "@qingshan/bus";
import type { AlertEvent } from "@qingshan/domain";
import { createDuckDbStore, type DuckDbStore } from "@qingshan/store";
import { createWriter } from "@qingshan/writer";
import { pino } from "pino";
import { afterEach } from "vitest";
import { heldWriterStore } from "./fixtures.ts";

/** A store, a writer on the bus whose writes reach the store only after `release()`, and the alerts seen on the bus. */
export interface HeldWriterSetup {
  readonly store: DuckDbStore;
  /** Lets the writer store what it holds and everything after it. */
  readonly release: () => void;
  /** Alert events published on the bus, in the order the listener received them. */
  readonly alerts: AlertEvent[];
}

export interface PerTestResources {
  /** Runs `cleanup` after the test, before the cleanups deferred earlier; its failure is ignored. */
  defer(cleanup: () => Promise<void>): void;
  /** A started DuckDB store in a new temp dir (named `dirPrefix…`); stopped, and the dir removed, after the test. */
  duckDbStore(dirPrefix: string): Promise<DuckDbStore>;
  /**
   * Starts a DuckDB store (see `duckDbStore`), then `bus`, a writer in `writerGroup` on them whose
   * store writes are held back until `release()` (or the end of the test), and a listener in
   * `alertsGroup` collecting the alerts; all stopped after the test.
   */
  startWithHeldWriter(
    bus: Bus,
    options: { dirPrefix: string; writerGroup: string; alertsGroup: string },
  ): Promise<HeldWriterSetup>;
}

/**
 * Registers an afterEach releasing what each test started through the returned functions. Call it
 * once at the top level of a test file.
 *
 * @example
 * const resources = perTestResources();
 * it("…", async () => {
 *   const { store, release, alerts } = await resources.startWithHeldWriter(createMemoryBus({ partitions: 1 }), {
 *     dirPrefix: "qingshan-evaluator-x-",
 *     writerGroup: "writer-x",
 *     alertsGroup: "alerts-x",
 *   });
 * });
 */
export function perTestResources(): PerTestResources {
  let dir: string | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  let releaseWriter: () => void = () => {};
  afterEach(async function releasePerTestResources() {
    // First: stopping the writer waits for the store writes it holds, forever if never released.
    releaseWriter();
    releaseWriter = () => {};
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const defer = (cleanup: () => Promise<void>) => {
    cleanups.push(cleanup);
  };

  async function duckDbStore(dirPrefix: string): Promise<DuckDbStore> {
    dir = mkdtempSync(join(tmpdir(), dirPrefix));
    const store = createDuckDbStore({ path: join(dir, "q.duckdb") });
    await store.start();
    defer(() => store.stop());
    return store;
  }

  async function startWithHeldWriter(
    bus: Bus,
    options: { dirPrefix: string; writerGroup: string; alertsGroup: string },
  ): Promise<HeldWriterSetup> {
    const store = await duckDbStore(options.dirPrefix);
    await bus.start();
    defer(() => bus.stop());
    const held = heldWriterStore(store);
    releaseWriter = held.release;
    const writer = createWriter({
      bus,
      store: held.store,
      logger: pino({ level: "silent" }),
      readingsGroup: options.writerGroup,
    });
    await writer.start();
    defer(() => writer.stop());
    const alerts: AlertEvent[] = [];
    await bus.subscribe<AlertEvent>("alerts", { group: options.alertsGroup }, async (batch) => {
      alerts.push(...batch.map((d) => d.value));
    });
    return { store, release: held.release, alerts };
  }

  return { defer, duckDbStore, startWithHeldWriter };
}
