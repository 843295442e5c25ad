import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus, type MemoryBus } from "@qingshan/bus";
import type { DeadLetter, Reading } from "@qingshan/domain";
import { createKeyDictionary } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeRecord } from "./readings-log.ts";
import { openTestStore, type TestStore } from "./testdata/test-store.ts";
import { createWriter, type Writer, type WriterStore } from "./writer.ts";

const T0 = Date.parse("2026-11-28T10:00:00+08:00");
const MINUTE = 60_000;

function reading(stationId: string, i: number, value = i): Reading {
  return {
    stationId,
    metric: "pm25",
    ts: T0 + i * MINUTE,
    periodMs: 0,
    value,
    flag: "N",
    source: "mqtt-json",
    receivedAt: T0 + i * MINUTE + 1000,
  };
}

function deadLetter(i: number): DeadLetter {
  return {
    id: `dl-${i}`,
    receivedAt: T0 + i,
    source: "mqtt",
    origin: "stations/ld-aq-01/air",
    stationId: "ld-aq-01",
    code: "value.out_of_range",
    path: "values.pm25",
    message: `values.pm25 = ${9000 + i} is outside [0, 3000]`,
    payload: `{"values":{"pm25":${9000 + i}}}`,
  };
}

function gate(): { readonly promise: Promise<void>; release(): void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** A real store whose writes fail while `failuresLeft` > 0, or wait while `hold` is set. */
function flaky(inner: WriterStore) {
  const control = {
    failuresLeft: 0,
    hold: undefined as Promise<void> | undefined,
    attempts: 0,
    batchSizes: [] as number[],
  };
  const store: WriterStore = {
    async writeReadings(readings) {
      control.attempts++;
      if (control.hold !== undefined) await control.hold;
      if (control.failuresLeft > 0) {
        control.failuresLeft--;
        throw new Error("IO Error: could not write to data/qingshan.duckdb (test)");
      }
      control.batchSizes.push(readings.length);
      await inner.writeReadings(readings);
    },
    async writeDeadLetters(letters) {
      control.attempts++;
      if (control.failuresLeft > 0) {
        control.failuresLeft--;
        throw new Error("IO Error (test)");
      }
      await inner.writeDeadLetters(letters);
    },
  };
  return { store, control };
}

/** A counter's value, or a histogram's observation count, for the given labels. */
async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => {
    const sample = (v as { metricName?: string }).metricName;
    const matchesName = sample === undefined || sample === name || sample === `${name}_count`;
    return matchesName && Object.entries(labels).every(([k, l]) => v.labels[k] === l);
  });
  return value?.value ?? 0;
}

let bus: MemoryBus;
let db: TestStore;
let registry: Registry;
let logLines: Record<string, unknown>[];
let writers: Writer[];

function logger() {
  return pino({ level: "debug" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
}

function writer(
  target: WriterStore = db.store,
  retry = { initialMs: 5, maxMs: 20 },
  maxBatch?: number,
): Writer {
  const created = createWriter({
    bus,
    store: target,
    registry,
    logger: logger(),
    retry,
    ...(maxBatch === undefined ? {} : { maxBatch }),
  });
  writers.push(created);
  return created;
}

beforeEach(async () => {
  logLines = [];
  writers = [];
  registry = new Registry();
  bus = createMemoryBus({ onHandlerError: () => {} });
  await bus.start();
  db = await openTestStore();
});

afterEach(async () => {
  for (const w of writers) await w.stop();
  await bus.stop();
  await db.close();
});

describe("writer with a readings log (qingshan start)", () => {
  async function logDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "qingshan-writer-log-"));
    return dir;
  }

  function loggedWriter(target: WriterStore, dir: string, lingerMs = 50): Writer {
    const created = createWriter({
      bus,
      store: target,
      registry,
      logger: logger(),
      retry: { initialMs: 5, maxMs: 20 },
      log: { dir, lingerMs },
    });
    writers.push(created);
    return created;
  }

  it("a durable publish resolves once the readings are synced to the log; what arrives within the linger after a write is stored together", async () => {
    const dir = await logDir();
    try {
      const { store: counting, control } = flaky(db.store);
      await loggedWriter(counting, dir, 300).start();
      const batches = [0, 1, 2].map((b) =>
        Array.from({ length: 4 }, (_, i) => reading("ld-aq-01", b * 4 + i)),
      );
      const publish = (batch: Reading[]) =>
        bus.publish(
          "readings",
          batch.map((r) => ({ key: r.stationId, value: r })),
        );
      // An idle writer stores the first batch at once.
      await publish(batches[0] as Reading[]);
      await waitFor(async () => (await db.readings("ld-aq-01")).length === 4, {
        timeoutMs: 5000,
        what: "the first batch stored",
      });
      await publish(batches[1] as Reading[]);
      await publish(batches[2] as Reading[]);
      // Acknowledged: on disk in the log, counted as pending, not in the store yet (within the linger).
      expect((await readdir(dir)).filter((n) => n.endsWith(".log"))).toHaveLength(1);
      expect(await metricValue(registry, "qingshan_writer_log_pending_readings")).toBe(8);
      expect(await db.readings("ld-aq-01")).toHaveLength(4);
      await waitFor(async () => (await db.readings("ld-aq-01")).length === 12, {
        timeoutMs: 5000,
        what: "the logged readings to be stored",
      });
      expect(await db.readings("ld-aq-01")).toEqual(batches.flat());
      expect(control.batchSizes).toEqual([4, 8]);
      expect(await metricValue(registry, "qingshan_readings_written_total")).toBe(12);
      expect(await metricValue(registry, "qingshan_writer_log_pending_readings")).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stop stores what is pending; with the store down it stays in the log and the next start stores it", async () => {
    const dir = await logDir();
    try {
      const { store: failing, control } = flaky(db.store);
      control.failuresLeft = Number.POSITIVE_INFINITY;
      const first = loggedWriter(failing, dir, 10);
      await first.start();
      const readings = Array.from({ length: 30 }, (_, i) => reading("ld-aq-02", i));
      await bus.publish(
        "readings",
        readings.map((r) => ({ key: r.stationId, value: r })),
      );
      await waitFor(() => control.attempts >= 2, { timeoutMs: 5000, what: "store attempts to fail" });
      await first.stop();
      expect(
        logLines.some(
          (l) => l.msg === "readings left in the readings log; stored at the next start" && l.readings === 30,
        ),
      ).toBe(true);
      expect(await db.readings("ld-aq-02")).toEqual([]);

      const second = loggedWriter(db.store, dir);
      await second.start();
      // Stored during start, before the writer takes new batches.
      expect(await db.readings("ld-aq-02")).toEqual(readings);
      expect(
        logLines.some(
          (l) =>
            l.msg === "stored the readings an earlier run left in the readings log" && l.recovered === 30,
        ),
      ).toBe(true);
      await second.stop();
      expect((await readdir(dir)).filter((n) => n.endsWith(".log"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a damaged record in the middle of a recovered segment: the records after it are stored, the warn line names the skip, the segment is kept", async () => {
    const dir = await logDir();
    try {
      const keys = createKeyDictionary();
      const batches = Array.from({ length: 5 }, (_, b) =>
        Array.from({ length: 3 }, (_, i) => reading("ld-aq-03", b * 3 + i)),
      );
      const records = batches.map((batch) => encodeRecord({ keys }, batch));
      const bytes = Buffer.concat(records);
      const offset = (records[0] as Buffer).length + (records[1] as Buffer).length;
      bytes[offset + 8 + 30] = (bytes[offset + 8 + 30] as number) ^ 0x04;
      const path = join(dir, "readings-000000000001.log");
      await writeFile(path, bytes);
      await loggedWriter(db.store, dir).start();
      expect(await db.readings("ld-aq-03")).toEqual([batches[0], batches[1], batches[3], batches[4]].flat());
      const line = logLines.find(
        (l) =>
          l.msg ===
          "stored the readings an earlier run left in the readings log, skipping what could not be read",
      );
      expect(line).toMatchObject({
        level: 40,
        recovered: 12,
        skipped: [
          {
            segment: path,
            offset,
            bytes: (records[2] as Buffer).length,
            why: expect.stringMatching(/^checksum mismatch/),
          },
        ],
        kept: [`${path}.damaged`],
      });
      expect(await readdir(dir)).toEqual(["readings-000000000001.log.damaged"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("writer", () => {
  it("stores published readings before a durable publish resolves, and counts them", async () => {
    await writer().start();
    const readings = [reading("ld-aq-01", 0), reading("ld-aq-01", 1), reading("ld-wq-02", 0)];
    await bus.publish(
      "readings",
      readings.map((r) => ({ key: r.stationId, value: r })),
    );
    // No waiting: the durable subscription made publish wait for the store.
    expect(await db.readings("ld-aq-01")).toEqual([readings[0], readings[1]]);
    expect(await db.readings("ld-wq-02")).toEqual([readings[2]]);
    expect(await metricValue(registry, "qingshan_readings_written_total")).toBe(3);
    expect(
      await metricValue(registry, "qingshan_write_latency_seconds", { kind: "readings" }),
    ).toBeGreaterThan(0);
    expect(bus.depth().readings).toBe(0);
  });

  it("retries a failing store with backoff until written; nothing is lost and publish waits", async () => {
    const { store: failing, control } = flaky(db.store);
    control.failuresLeft = 3;
    await writer(failing).start();
    const readings = Array.from({ length: 50 }, (_, i) => reading("ld-aq-01", i));
    await bus.publish(
      "readings",
      readings.map((r) => ({ key: r.stationId, value: r })),
    );
    expect(control.failuresLeft).toBe(0);
    expect(await db.readings("ld-aq-01")).toEqual(readings);
    expect(await metricValue(registry, "qingshan_write_retries_total", { kind: "readings" })).toBe(3);
    expect(await metricValue(registry, "qingshan_readings_written_total")).toBe(50);
    const warnings = logLines.filter((l) => l.msg === "store write failed; retrying");
    expect(warnings.map((l) => [l.attempt, l.retryInMs, l.kind])).toEqual([
      [1, 5, "readings"],
      [2, 10, "readings"],
      [3, 20, "readings"],
    ]);
    expect(logLines.some((l) => l.msg === "store write succeeded after retries" && l.attempts === 4)).toBe(
      true,
    );
  });

  it("stores dead letters and counts them", async () => {
    await writer().start();
    const letters = [deadLetter(1), deadLetter(2)];
    await bus.publish(
      "deadletters",
      letters.map((d) => ({ key: d.stationId ?? "unknown", value: d })),
    );
    expect(await db.deadLetters()).toEqual(letters);
    expect(await metricValue(registry, "qingshan_deadletters_stored_total")).toBe(2);
  });

  it("retries dead letters too", async () => {
    const { store: failing, control } = flaky(db.store);
    control.failuresLeft = 2;
    await writer(failing).start();
    await bus.publish("deadletters", [{ key: "ld-aq-01", value: deadLetter(7) }]);
    expect(await db.deadLetters()).toEqual([deadLetter(7)]);
    expect(await metricValue(registry, "qingshan_write_retries_total", { kind: "deadletters" })).toBe(2);
  });

  it("writes the last of duplicate readings within one batch", async () => {
    await writer().start();
    await bus.publish("readings", [
      { key: "ld-aq-01", value: reading("ld-aq-01", 0, 10) },
      { key: "ld-aq-01", value: reading("ld-aq-01", 1, 11) },
      { key: "ld-aq-01", value: reading("ld-aq-01", 0, 12) },
    ]);
    expect((await db.readings("ld-aq-01")).map((r) => [r.ts, r.value])).toEqual([
      [T0, 12],
      [T0 + MINUTE, 11],
    ]);
    expect(await metricValue(registry, "qingshan_readings_written_total")).toBe(2);
  });

  it("writes at most maxBatch readings per store call", async () => {
    const { store: counting, control } = flaky(db.store);
    await writer(counting, undefined, 5000).start();
    const readings = Array.from({ length: 12_000 }, (_, i) => reading(`s${i % 40}`, Math.floor(i / 40)));
    await bus.publish(
      "readings",
      readings.map((r) => ({ key: r.stationId, value: r })),
    );
    expect(Math.max(...control.batchSizes)).toBeLessThanOrEqual(5000);
    expect(control.batchSizes.reduce((a, n) => a + n, 0)).toBe(12_000);
    expect(await db.count(Array.from({ length: 40 }, (_, i) => `s${i}`))).toBe(12_000);
  });

  it("stop() waits for a write in progress", async () => {
    const { store: slow, control } = flaky(db.store);
    const hold = gate();
    control.hold = hold.promise;
    const w = writer(slow);
    await w.start();
    const publishing = bus.publish("readings", [{ key: "ld-aq-01", value: reading("ld-aq-01", 0) }]);
    await waitFor(() => control.attempts === 1, { what: "write started" });
    let stopped = false;
    const stopping = w.stop().then(() => {
      stopped = true;
    });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    hold.release();
    await stopping;
    await publishing;
    expect(await db.readings("ld-aq-01")).toHaveLength(1);
  });

  it("stop() while the store is down leaves the batch on the bus for the next writer", async () => {
    const { store: down, control } = flaky(db.store);
    control.failuresLeft = Number.POSITIVE_INFINITY;
    const first = writer(down);
    await first.start();
    const readings = [reading("ld-aq-01", 0), reading("ld-aq-01", 1)];
    let published = false;
    const publishing = bus
      .publish(
        "readings",
        readings.map((r) => ({ key: r.stationId, value: r })),
      )
      .then(() => {
        published = true;
      });
    await waitFor(() => control.attempts >= 2, { what: "retrying" });
    await first.stop();
    expect(published).toBe(false);
    expect(bus.depth().readings).toBe(2);
    expect(await db.count(["ld-aq-01"])).toBe(0);

    await writer(db.store).start();
    await publishing;
    expect(await db.readings("ld-aq-01")).toEqual(readings);
    expect(bus.depth().readings).toBe(0);
  });

  it("bus.stop() while the store is down ends the retries; the waiting publish is not acknowledged", async () => {
    const { store: down, control } = flaky(db.store);
    control.failuresLeft = Number.POSITIVE_INFINITY;
    await writer(down).start();
    const outcome = bus.publish("readings", [{ key: "ld-aq-01", value: reading("ld-aq-01", 0) }]).then(
      () => "stored",
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await waitFor(() => control.attempts >= 2, { what: "retrying" });
    await bus.stop();
    expect(await outcome).toMatch(/bus\.stopped/);
    expect(await db.count(["ld-aq-01"])).toBe(0);
  });

  it("can be created twice on one registry and validates its configuration", () => {
    writer();
    writer();
    expect(() =>
      createWriter({ bus, store: db.store, registry, retry: { initialMs: 100, maxMs: 10 } }),
    ).toThrow(/retry\.maxMs/);
    expect(() => createWriter({ bus, store: db.store, registry, maxBatch: 0 })).toThrow(/maxBatch/);
    expect(createWriter({ bus, store: db.store, registry }).settings).toEqual({
      retry: { initialMs: 100, maxMs: 30_000 },
      maxBatch: 60_000,
      deadLetterMaxBatch: 1000,
      readingsGroup: "writer",
      deadLettersGroup: "writer-deadletters",
      log: { dir: null, lingerMs: 100, maxPendingReadings: 600_000, segmentBytes: 16 * 1024 * 1024 },
    });
  });
});
