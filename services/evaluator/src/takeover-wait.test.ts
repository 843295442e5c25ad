/**
 * A new owner of a partition waits for the writer group before rebuilding from the store
 * (memory bus, real writer, DuckDB whose writeReadings is held back until the test releases it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus, type MemoryBus } from "@qingshan/bus";
import { createDuckDbStore, type DuckDbStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import { createWriter, parseWriterConfig, type Writer } from "@qingshan/writer";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EvaluatorConfig, parseEvaluatorConfig } from "./config.ts";
import { createEvaluator, type Evaluator } from "./evaluator.ts";
import { DEC_1, H, heldWriterStore, hourlyPm25, oneAirStation, shippedRules } from "./testdata/fixtures.ts";

const START = DEC_1;
const registry = oneAirStation();

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

let dir: string;
let bus: MemoryBus;
let store: DuckDbStore;
let writer: Writer;
let release: () => void;
let lines: LogLine[];
const evaluators: Evaluator[] = [];

function evaluator(extra: EvaluatorConfig): Evaluator {
  const logger = pino(
    { level: "debug" },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  const e = createEvaluator(
    {
      latenessMs: 72 * H,
      sweepSchedule: "0 0 1 1 *",
      group: "evaluator-t",
      writerGroup: "writer-t",
      ...extra,
    },
    { bus, store, registry, rules: shippedRules, logger, now: () => START + 10 * H },
  );
  evaluators.push(e);
  return e;
}

const readings = (count: number) => hourlyPm25(0, count, (i) => 40 + i);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "qingshan-evaluator-takeover-"));
  bus = createMemoryBus({ partitions: 1 });
  await bus.start();
  store = createDuckDbStore({ path: join(dir, "q.duckdb") });
  await store.start();
  const held = heldWriterStore(store);
  release = held.release;
  writer = createWriter({
    bus,
    store: held.store,
    logger: pino({ level: "silent" }),
    readingsGroup: "writer-t",
  });
  await writer.start();
  lines = [];
});

afterEach(async () => {
  release();
  for (const e of evaluators.splice(0)) await e.stop();
  await writer.stop();
  await bus.stop();
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A processes 5 readings (its group commits them) while the writer cannot store them, then stops. */
async function previousOwnerProcessed(takeoverWaitMs: number): Promise<{ published: Promise<void> }> {
  const a = evaluator({ takeoverWaitMs });
  const startedAt = performance.now();
  await a.start();
  // Neither group has committed anything yet: the first owner does not wait.
  expect(performance.now() - startedAt).toBeLessThan(takeoverWaitMs);
  // The writer is durable on the in-process bus: this publish resolves once it has stored them.
  const published = bus.publish("readings", readings(5));
  await waitFor(async () => (await bus.committedOffsets("evaluator-t", "readings")).get(0) === "5", {
    timeoutMs: 10_000,
    what: "the evaluator group committed the 5 readings",
  });
  expect(await bus.committedOffsets("writer-t", "readings")).toEqual(new Map());
  await a.stop();
  // Wrapped: returned bare, the async function would wait for it (the writer is held).
  return { published };
}

describe("evaluator takeover waits for the writer group", () => {
  it("the evaluator's default writer group is the writer's default readings group", () => {
    expect(parseEvaluatorConfig({}).writerGroup).toBe(parseWriterConfig({}).readingsGroup);
    expect(parseEvaluatorConfig({}).takeoverWaitMs).toBe(30_000);
  });

  it("waits at most takeoverWaitMs, then rebuilds anyway and warns naming the partition and both offsets", async () => {
    const { published } = await previousOwnerProcessed(400);
    const b = evaluator({ takeoverWaitMs: 400 });
    const startedAt = performance.now();
    await b.start();
    const waited = performance.now() - startedAt;
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(waited).toBeLessThan(10_000);
    expect(b.stations()).toEqual(["aq-1"]);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      partition: 0,
      evaluatorGroup: "evaluator-t",
      evaluatorOffset: "5",
      writerGroup: "writer-t",
      writerOffset: null,
    });
    expect(warnings[0]?.msg).toMatch(/rebuilding anyway.*missing from the windows/);
    release();
    await published;
  });

  it("does not wait once the writer group has stored what the previous owner processed", async () => {
    const { published } = await previousOwnerProcessed(20_000);
    release();
    await published;
    await waitFor(async () => (await bus.committedOffsets("writer-t", "readings")).get(0) === "5", {
      timeoutMs: 10_000,
      what: "the writer group committed the 5 readings",
    });
    const b = evaluator({ takeoverWaitMs: 20_000 });
    const startedAt = performance.now();
    await b.start();
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(b.stations()).toEqual(["aq-1"]);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});
