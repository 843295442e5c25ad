/**
 * The evaluator's in-process harness: a real DuckDB store in a temp dir, the memory bus, the real
 * writer storing the bus's readings, a listener collecting the alert events, and evaluators on a
 * test clock; a restart is a new evaluator on the same store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus, type MemoryBus } from "@qingshan/bus";
import type { AlertEvent, StationRegistry } from "@qingshan/domain";
import type { Rule } from "@qingshan/rules";
import type { AqiSettings } from "@qingshan/standards";
import { createDuckDbStore, type DuckDbStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import { createWriter, type Writer } from "@qingshan/writer";
import { pino } from "pino";
import { afterEach, beforeEach } from "vitest";
import type { EvaluatorConfig } from "../config.ts";
import { createEvaluator, type Evaluator, type EvaluatorStore } from "../evaluator.ts";
import { H } from "./fixtures.ts";

export interface EvaluatorHarnessOptions {
  /** The temp dir's name prefix. */
  readonly dirPrefix: string;
  readonly registry: StationRegistry;
  /** The evaluators' rules unless `evaluator()` is given others. */
  readonly rules: readonly Rule[];
  /** The test clock at the start of each test (UTC ms). */
  readonly startClock: number;
  /** The memory bus's partitions; default 4. */
  readonly partitions?: number;
}

export interface EvaluatorHarness {
  /** This test's bus (started). */
  readonly bus: MemoryBus;
  /** This test's DuckDB store (started), written by the writer. */
  readonly store: DuckDbStore;
  /** Alert events published on the bus, in the order received; a test may replace the list. */
  alerts: AlertEvent[];
  /** The evaluators' wall clock (UTC ms). */
  clock: number;
  /** The evaluators created in this test and not stopped by `restart()`; stopped after the test. */
  readonly evaluators: Evaluator[];
  /**
   * A new evaluator (not started) on the bus and `store` (or the store given), lateness 2 h and no
   * sweep but the test's, with the harness's rules unless others are given.
   */
  evaluator(options?: {
    config?: EvaluatorConfig;
    rules?: readonly Rule[];
    store?: EvaluatorStore;
    /** The AQI settings (qingshan config `air`); default none. */
    aqi?: AqiSettings;
  }): Evaluator;
  /** Resolves once the bus holds no readings or alerts not yet handled. */
  settled(): Promise<void>;
  /** Stops the evaluators, moves the clock 5 min on, starts a new evaluator and waits until settled. */
  restart(): Promise<void>;
}

/** Registers the beforeEach/afterEach that start and stop the harness; call once at a test file's top level. */
export function evaluatorHarness(options: EvaluatorHarnessOptions): EvaluatorHarness {
  const logger = pino({ level: "silent" });
  let dir: string | undefined;
  let bus: MemoryBus | undefined;
  let store: DuckDbStore | undefined;
  let writer: Writer | undefined;
  const evaluators: Evaluator[] = [];
  const inTest = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`evaluator harness: ${what} exists only during a test`);
    return value;
  };

  const harness: EvaluatorHarness = {
    get bus() {
      return inTest(bus, "the bus");
    },
    get store() {
      return inTest(store, "the store");
    },
    alerts: [],
    clock: options.startClock,
    evaluators,
    evaluator({ config = {}, rules = options.rules, store: evaluatorStore, aqi } = {}) {
      const e = createEvaluator(
        { latenessMs: 2 * H, sweepSchedule: "0 0 1 1 *", ...config },
        {
          bus: harness.bus,
          store: evaluatorStore ?? harness.store,
          registry: options.registry,
          rules,
          logger,
          now: () => harness.clock,
          ...(aqi ? { aqi } : {}),
        },
      );
      evaluators.push(e);
      return e;
    },
    async settled() {
      await waitFor(() => harness.bus.depth().readings === 0 && harness.bus.depth().alerts === 0, {
        timeoutMs: 10_000,
      });
    },
    async restart() {
      for (const e of evaluators.splice(0)) await e.stop();
      harness.clock += 5 * 60_000;
      await harness.evaluator().start();
      await harness.settled();
    },
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), options.dirPrefix));
    bus = createMemoryBus({ partitions: options.partitions ?? 4 });
    await bus.start();
    store = createDuckDbStore({ path: join(dir, "q.duckdb") });
    await store.start();
    writer = createWriter({ bus, store, logger });
    await writer.start();
    harness.alerts = [];
    await bus.subscribe<AlertEvent>("alerts", { group: "test" }, async (batch) => {
      harness.alerts.push(...batch.map((d) => d.value));
    });
    harness.clock = options.startClock;
  });

  afterEach(async () => {
    for (const e of evaluators.splice(0)) await e.stop();
    await writer?.stop();
    await bus?.stop();
    await store?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    bus = undefined;
    store = undefined;
    writer = undefined;
  });

  return harness;
}
