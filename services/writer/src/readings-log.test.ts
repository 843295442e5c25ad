import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { Reading } from "@qingshan/domain";
import { createKeyDictionary, type TimeSeriesStore } from "@qingshan/store";
import { waitFor } from "@qingshan/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  createReadingsLog,
  decodeSegment,
  encodeRecord,
  isDamaged,
  ReadingsLogNotWritableError,
  type ReadingsLogOptions,
} from "./readings-log.ts";
import { openTestStore, type TestStore } from "./testdata/test-store.ts";

const T0 = Date.UTC(2026, 10, 30, 1, 0, 0);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function reading(i: number, overrides: Partial<Reading> = {}): Reading {
  return {
    stationId: i % 2 === 0 ? "ld-aq-01" : "ld-aq-02",
    metric: i % 3 === 0 ? "pm25" : "so2",
    ts: T0 + i * 60_000,
    periodMs: 60_000,
    value: 10 + i / 8,
    flag: i % 5 === 0 ? "M" : "N",
    source: "mqtt-json",
    receivedAt: T0 + i * 60_000 + 1234,
    ...overrides,
  };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qingshan-readings-log-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function testStore(): Promise<TestStore> {
  const store = await openTestStore();
  cleanups.push(() => store.close());
  return store;
}

/**
 * An existing directory this process cannot create files in. chmod stops no root process (CI runs
 * tests as root), so as root it is sysfs, whose directories refuse new files even to root
 * (EACCES; EROFS where /sys is mounted read-only); undefined when there is none.
 */
async function unwritableDirectory(): Promise<{ dir: string; how: string } | undefined> {
  if (process.getuid?.() !== 0) {
    const dir = await tempDir();
    await chmod(dir, 0o555);
    cleanups.push(() => chmod(dir, 0o755));
    return { dir, how: "a directory chmod 0555" };
  }
  const sysfs = await stat("/sys").catch(() => undefined);
  return sysfs?.isDirectory() ? { dir: "/sys", how: "sysfs as root" } : undefined;
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(".log")).sort();
}

function options(dir: string, overrides: Partial<ReadingsLogOptions> & Pick<ReadingsLogOptions, "store">) {
  return { dir, lingerMs: 20, maxBatch: 10_000, maxPending: 100_000, segmentBytes: 1 << 20, ...overrides };
}

/** A store write held until `release()` (a slow or unavailable store), then made to `store`. */
function heldWrites(store: TimeSeriesStore): { write: ReadingsLogOptions["store"]; release: () => void } {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    write: async (batch) => {
      await gate;
      await store.writeReadings(batch);
    },
    release,
  };
}

describe("segment records", () => {
  it("decode what was encoded, exactly, across records that share the segment's key codes", () => {
    const segment = { keys: createKeyDictionary() };
    const first = Array.from({ length: 7 }, (_, i) => reading(i));
    const second = Array.from({ length: 5 }, (_, i) =>
      reading(i + 7, { value: Math.PI * i, source: i === 4 ? "tcp-hj212" : "mqtt-json" }),
    );
    const bytes = Buffer.concat([encodeRecord(segment, first), encodeRecord(segment, second)]);
    expect(decodeSegment(bytes)).toEqual({
      readings: [...first, ...second],
      tornBytes: 0,
      skipped: [],
      repaired: [],
      unattributed: 0,
    });
  });

  it("a record cut short at the end is a torn tail: the complete records before it are kept", () => {
    const segment = { keys: createKeyDictionary() };
    const first = [reading(1), reading(2)];
    const complete = encodeRecord(segment, first);
    const second = encodeRecord(segment, [reading(3)]);
    const cut = Buffer.concat([complete, second.subarray(0, second.length - 3)]);
    const decoded = decodeSegment(cut);
    expect(decoded).toEqual({
      readings: first,
      tornBytes: second.length - 3,
      skipped: [{ offset: complete.length, bytes: second.length - 3, why: "torn-tail" }],
      repaired: [],
      unattributed: 0,
    });
    expect(isDamaged(decoded)).toBe(false);
    // A header cut short, too.
    expect(decodeSegment(Buffer.concat([complete, second.subarray(0, 5)])).skipped).toEqual([
      { offset: complete.length, bytes: 5, why: "torn-tail" },
    ]);
  });

  /** Five records of three readings each; the first defines every key. */
  function fiveRecords(): { records: Buffer[]; readings: Reading[][] } {
    const segment = { keys: createKeyDictionary() };
    const readings = Array.from({ length: 5 }, (_, r) => [0, 1, 2].map((i) => reading(r * 30 + i * 6)));
    // Every record uses the same two keys (ld-aq-01, pm25, flag M or N), which the first defines.
    return { records: readings.map((rs) => encodeRecord(segment, rs)), readings };
  }

  it("a record failing its checksum in the middle is skipped alone; the records after it are read", () => {
    const { records, readings } = fiveRecords();
    const bytes = Buffer.concat(records);
    const offset = (records[0] as Buffer).length + (records[1] as Buffer).length;
    const flipAt = offset + 8 + 20;
    bytes[flipAt] = (bytes[flipAt] as number) ^ 0xff;
    const decoded = decodeSegment(bytes);
    expect(decoded.readings).toEqual(readings.filter((_, r) => r !== 2).flat());
    expect(decoded.skipped).toEqual([{ offset, bytes: (records[2] as Buffer).length, why: "checksum" }]);
    expect(decoded.tornBytes).toBe(0);
    expect(isDamaged(decoded)).toBe(true);
  });

  it("the last record failing its checksum is skipped as damage (it cannot be told from damage after the acknowledgement)", () => {
    const { records, readings } = fiveRecords();
    const bytes = Buffer.concat(records);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    const decoded = decodeSegment(bytes);
    expect(decoded.readings).toEqual(readings.slice(0, 4).flat());
    expect(decoded.skipped).toEqual([
      {
        offset: bytes.length - (records[4] as Buffer).length,
        bytes: (records[4] as Buffer).length,
        why: "checksum",
      },
    ]);
    expect(isDamaged(decoded)).toBe(true);
  });

  it("a damaged length prefix: the record is read whole when its checksum proves it, else skipped up to the next record", () => {
    const { records, readings } = fiveRecords();
    const offset = (records[0] as Buffer).length + (records[1] as Buffer).length;
    for (const flip of [0x01, 0x10, 0x80]) {
      for (const byte of [0, 3]) {
        const bytes = Buffer.concat(records);
        bytes[offset + byte] = (bytes[offset + byte] as number) ^ flip;
        const decoded = decodeSegment(bytes);
        expect(decoded.readings).toEqual(readings.flat());
        expect(decoded.skipped).toEqual([]);
        expect(decoded.repaired).toEqual([{ offset, bytes: (records[2] as Buffer).length }]);
        expect(isDamaged(decoded)).toBe(true);
      }
    }
    // The last record's length prefix, too (no record follows to resynchronise on).
    const last = Buffer.concat(records);
    const lastAt = last.length - (records[4] as Buffer).length;
    last[lastAt + 3] = (last[lastAt + 3] as number) ^ 0x40;
    expect(decodeSegment(last).readings).toEqual(readings.flat());
    expect(decodeSegment(last).repaired).toEqual([{ offset: lastAt, bytes: (records[4] as Buffer).length }]);
    // Length prefix and payload both damaged: skipped up to the next whole record.
    const both = Buffer.concat(records);
    both[offset + 3] = (both[offset + 3] as number) ^ 0x40;
    both[offset + 30] = (both[offset + 30] as number) ^ 0x01;
    const decoded = decodeSegment(both);
    expect(decoded.readings).toEqual(readings.filter((_, r) => r !== 2).flat());
    expect(decoded.skipped).toEqual([{ offset, bytes: (records[2] as Buffer).length, why: "length" }]);
  });

  it("a skipped record's key definitions are still used when its keys JSON is intact by its own checksum", () => {
    const segment = { keys: createKeyDictionary() };
    const first = encodeRecord(segment, [reading(0)]);
    // Defines ld-aq-02's key, which the third record uses again.
    const second = encodeRecord(segment, [reading(1)]);
    const third = encodeRecord(segment, [reading(0, { ts: T0 - 1 }), reading(1, { ts: T0 - 1 })]);
    const rowsDamaged = Buffer.concat([first, second, third]);
    const lastRowByte = first.length + second.length - 1;
    rowsDamaged[lastRowByte] = (rowsDamaged[lastRowByte] as number) ^ 0xff;
    const decoded = decodeSegment(rowsDamaged);
    expect(decoded.readings).toEqual([reading(0), reading(0, { ts: T0 - 1 }), reading(1, { ts: T0 - 1 })]);
    expect(decoded.skipped).toEqual([{ offset: first.length, bytes: second.length, why: "checksum" }]);
    expect(decoded.unattributed).toBe(0);
    // The keys JSON itself damaged: the later reading of that key cannot be attributed.
    const keysDamaged = Buffer.concat([first, second, third]);
    const keysByte = first.length + 8 + 8 + 3;
    keysDamaged[keysByte] = (keysDamaged[keysByte] as number) ^ 0x01;
    const lost = decodeSegment(keysDamaged);
    expect(lost.readings).toEqual([reading(0), reading(0, { ts: T0 - 1 })]);
    expect(lost.unattributed).toBe(1);
  });

  it("records of the earlier layout (keys JSON without its own checksum) are still read, and skipped alone when damaged", () => {
    /** The record layout before the keys checksum: [u32 keys length][keys JSON][rows]. */
    function legacyRecord(segment: { keys: ReturnType<typeof createKeyDictionary> }, rs: Reading[]): Buffer {
      const current = encodeRecord(segment, rs);
      const keysBytes = current.readUInt32LE(8) - 0x8000_0000;
      const payload = Buffer.concat([current.subarray(8, 12), current.subarray(16)]);
      payload.writeUInt32LE(keysBytes, 0);
      const header = Buffer.alloc(8);
      header.writeUInt32LE(payload.length, 0);
      header.writeUInt32LE(crc32(payload), 4);
      return Buffer.concat([header, payload]);
    }
    const segment = { keys: createKeyDictionary() };
    const batches = [[reading(0), reading(1)], [reading(2)], [reading(3), reading(4)]];
    const records = batches.map((rs) => legacyRecord(segment, rs));
    expect(decodeSegment(Buffer.concat(records)).readings).toEqual(batches.flat());
    const damaged = Buffer.concat(records);
    const at = (records[0] as Buffer).length;
    damaged[at + 12] = (damaged[at + 12] as number) ^ 0x01;
    const decoded = decodeSegment(damaged);
    // reading(4) uses the key reading(2)'s skipped record defined, with no checksum of its own.
    expect(decoded.readings).toEqual([reading(0), reading(1), reading(3)]);
    expect(decoded.skipped).toEqual([{ offset: at, bytes: (records[1] as Buffer).length, why: "checksum" }]);
    expect(decoded.unattributed).toBe(1);
  });

  it("a whole record naming a key no record defined is still an error when nothing was skipped", () => {
    const segment = { keys: createKeyDictionary() };
    encodeRecord(segment, [reading(0)]);
    // Encoded against a dictionary that already knew the key: the record defines nothing.
    expect(() => decodeSegment(encodeRecord(segment, [reading(0)]))).toThrow(/key code 0/);
  });
});

describe("createReadingsLog with the DuckDB store", () => {
  it("an idle log stores at once; what arrives within the linger after a write is stored together in the next", async () => {
    const dir = await tempDir();
    const { store, readings } = await testStore();
    const writes: number[] = [];
    const log = createReadingsLog(
      options(dir, {
        lingerMs: 300,
        store: async (batch) => {
          writes.push(batch.length);
          await store.writeReadings(batch);
        },
      }),
    );
    await log.start();
    const batches = [0, 1, 2].map((b) => Array.from({ length: 10 }, (_, i) => reading(b * 10 + i)));
    await log.append(batches[0] as Reading[]);
    await waitFor(() => log.pendingReadings() === 0, { timeoutMs: 5000, what: "the first batch stored" });
    await Promise.all([log.append(batches[1] as Reading[]), log.append(batches[2] as Reading[])]);
    // Appended and synced, not stored yet: the next write waits for the linger.
    expect(log.pendingReadings()).toBe(20);
    expect(await segmentFiles(dir)).toHaveLength(1);
    await waitFor(() => log.pendingReadings() === 0, { timeoutMs: 5000, what: "the log to be stored" });
    expect(writes).toEqual([10, 20]);
    const stored = [...(await readings("ld-aq-01")), ...(await readings("ld-aq-02"))];
    expect(stored.sort((a, b) => a.ts - b.ts)).toEqual(batches.flat());
    await waitFor(async () => (await segmentFiles(dir)).length === 0, {
      timeoutMs: 5000,
      what: "segment deleted",
    });
    await log.stop();
  });

  it("readings synced but not stored when the process ends are stored by the next start, once", async () => {
    const dir = await tempDir();
    const { store, readings } = await testStore();
    // The store is unreachable for the first process: its writes fail until it stops.
    const first = createReadingsLog(
      options(dir, {
        store: async () => {
          throw new Error("store unreachable");
        },
      }),
    );
    await first.start();
    const appended = Array.from({ length: 40 }, (_, i) => reading(i));
    await first.append(appended.slice(0, 25));
    await first.append(appended.slice(25));
    await first.stop();
    expect(first.pendingReadings()).toBe(40);
    expect(await segmentFiles(dir)).toHaveLength(1);

    let recoveredCount = 0;
    const second = createReadingsLog(
      options(dir, {
        store: (batch) => store.writeReadings(batch),
        onStored: (count) => {
          recoveredCount += count;
        },
      }),
    );
    expect(await second.start()).toEqual({
      recovered: 40,
      segments: 1,
      skipped: [],
      repaired: [],
      unattributed: 0,
      kept: [],
    });
    expect(recoveredCount).toBe(40);
    expect(await segmentFiles(dir)).toEqual([]);
    const stored = [...(await readings("ld-aq-01")), ...(await readings("ld-aq-02"))];
    expect(stored.sort((a, b) => a.ts - b.ts)).toEqual(appended);

    // New appends go to a new segment, numbered after the recovered one.
    await second.append([reading(100)]);
    expect(await segmentFiles(dir)).toEqual(["readings-000000000002.log"]);
    await second.stop();
    expect((await readings("ld-aq-01")).at(-1)).toEqual(reading(100));
  });

  it("a torn last record (a crash during the write) is not stored; the records before it are", async () => {
    const dir = await tempDir();
    const { store, readings } = await testStore();
    const segment = { keys: createKeyDictionary() };
    const synced = [reading(0), reading(2)];
    const complete = encodeRecord(segment, synced);
    const torn = encodeRecord(segment, [reading(4)]);
    const path = join(dir, "readings-000000000007.log");
    await writeFile(path, Buffer.concat([complete, torn]));
    await truncate(path, (await readFile(path)).length - 5);
    const log = createReadingsLog(options(dir, { store: (batch) => store.writeReadings(batch) }));
    expect(await log.start()).toEqual({
      recovered: 2,
      segments: 1,
      skipped: [{ segment: path, offset: complete.length, bytes: torn.length - 5, why: "torn-tail" }],
      repaired: [],
      unattributed: 0,
      kept: [],
    });
    expect(await readings("ld-aq-01")).toEqual(synced);
    await log.append([reading(6)]);
    // The segment with only a torn tail is deleted as before.
    expect(await readdir(dir)).toEqual(["readings-000000000008.log"]);
    await log.stop();
  });

  it("a record damaged in the middle of a segment loses only itself: the records after it are stored, the segment is kept as .damaged", async () => {
    const dir = await tempDir();
    const { store, readings } = await testStore();
    const segment = { keys: createKeyDictionary() };
    const batches = Array.from({ length: 9 }, (_, b) =>
      Array.from({ length: 4 }, (_, i) => reading(b * 8 + i * 2)),
    );
    const records = batches.map((batch) => encodeRecord(segment, batch));
    const path = join(dir, "readings-000000000003.log");
    const bytes = Buffer.concat(records);
    const offset = records.slice(0, 4).reduce((n, r) => n + r.length, 0);
    bytes[offset + 8 + 40] = (bytes[offset + 8 + 40] as number) ^ 0xff;
    await writeFile(path, bytes);
    const log = createReadingsLog(options(dir, { store: (batch) => store.writeReadings(batch) }));
    expect(await log.start()).toEqual({
      recovered: 32,
      segments: 1,
      skipped: [{ segment: path, offset, bytes: (records[4] as Buffer).length, why: "checksum" }],
      repaired: [],
      unattributed: 0,
      kept: [`${path}.damaged`],
    });
    const expected = batches.filter((_, b) => b !== 4).flat();
    expect(await readings("ld-aq-01")).toEqual(expected.sort((a, b) => a.ts - b.ts));
    // Kept byte for byte, out of the replay set; new segments are numbered after it.
    expect(await readFile(`${path}.damaged`)).toEqual(bytes);
    await log.append([reading(100)]);
    expect((await readdir(dir)).sort()).toEqual([
      "readings-000000000003.log.damaged",
      "readings-000000000004.log",
    ]);
    await log.stop();
    const again = createReadingsLog(options(dir, { store: (batch) => store.writeReadings(batch) }));
    expect((await again.start()).segments).toBe(0);
    await again.append([reading(102)]);
    // A kept segment's number is not reused even when no segment is left to replay (4 was stored and deleted).
    expect((await readdir(dir)).sort()).toEqual([
      "readings-000000000003.log.damaged",
      "readings-000000000004.log",
    ]);
    await again.stop();
  });

  it("a damaged length prefix in the middle of a segment: the record is recovered by its checksum, the segment kept", async () => {
    const dir = await tempDir();
    const { store, readings } = await testStore();
    const segment = { keys: createKeyDictionary() };
    const batches = Array.from({ length: 3 }, (_, b) =>
      Array.from({ length: 4 }, (_, i) => reading(b * 8 + i * 2)),
    );
    const records = batches.map((batch) => encodeRecord(segment, batch));
    const path = join(dir, "readings-000000000001.log");
    const bytes = Buffer.concat(records);
    const offset = (records[0] as Buffer).length;
    bytes[offset + 3] = (bytes[offset + 3] as number) ^ 0x80;
    await writeFile(path, bytes);
    const log = createReadingsLog(options(dir, { store: (batch) => store.writeReadings(batch) }));
    const recovery = await log.start();
    expect(recovery).toMatchObject({
      recovered: 12,
      skipped: [],
      repaired: [{ segment: path, offset, bytes: (records[1] as Buffer).length }],
      kept: [`${path}.damaged`],
    });
    expect(await readings("ld-aq-01")).toEqual(batches.flat());
    await log.stop();
  });

  it("a resend logged after the first value replaces it also when both are recovered (log order)", async () => {
    const dir = await tempDir();
    const { store, readings } = await testStore();
    const first = createReadingsLog(options(dir, { store: () => Promise.reject(new Error("down")) }));
    await first.start();
    await first.append([reading(0, { value: 1 })]);
    await first.append([reading(0, { value: 2, flag: "N" })]);
    await first.stop();
    const second = createReadingsLog(options(dir, { store: (batch) => store.writeReadings(batch) }));
    await second.start();
    expect((await readings("ld-aq-01")).map((r) => r.value)).toEqual([2]);
    await second.stop();
  });

  it("appends wait while maxPending readings are not stored (backpressure), and go on once they are", async () => {
    const dir = await tempDir();
    const { store } = await testStore();
    const { write, release } = heldWrites(store);
    const log = createReadingsLog(
      options(dir, {
        maxPending: 20,
        maxBatch: 20,
        store: write,
      }),
    );
    await log.start();
    await log.append(Array.from({ length: 20 }, (_, i) => reading(i)));
    let third = false;
    const waiting = log.append([reading(50)]).then(() => {
      third = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(third).toBe(false);
    release();
    await waiting;
    await waitFor(() => log.pendingReadings() === 0, { timeoutMs: 5000, what: "everything stored" });
    await log.stop();
  });

  it("a large segment is closed and a new one started; stored segments are deleted oldest first", async () => {
    const dir = await tempDir();
    const { store, count } = await testStore();
    const { write, release } = heldWrites(store);
    const log = createReadingsLog(
      options(dir, {
        segmentBytes: 4096,
        store: write,
      }),
    );
    await log.start();
    // 36 bytes a row: 200 readings fill more than one 4 KiB segment each.
    for (let b = 0; b < 3; b++) await log.append(Array.from({ length: 200 }, (_, i) => reading(b * 200 + i)));
    expect(await segmentFiles(dir)).toEqual([
      "readings-000000000001.log",
      "readings-000000000002.log",
      "readings-000000000003.log",
    ]);
    release();
    await waitFor(() => log.pendingReadings() === 0, { timeoutMs: 5000, what: "everything stored" });
    await log.stop();
    expect(await segmentFiles(dir)).toEqual([]);
    expect(await count(["ld-aq-01", "ld-aq-02"])).toBe(600);
  });

  it("stop waits for a store write that is deleting its segments", async () => {
    const dir = await tempDir();
    const { store, count } = await testStore();
    let stopped: Promise<void> | undefined;
    const cleanupErrors: unknown[] = [];
    const { write, release } = heldWrites(store);
    const log = createReadingsLog(
      options(dir, {
        // One segment per append: the write that stores them all then deletes 200 segments.
        segmentBytes: 16,
        store: write,
        // The readings are stored; the write deletes their segments next, and is doing so when
        // the stop comes.
        onStored: () => {
          setImmediate(() => {
            stopped ??= log.stop();
          });
        },
        onCleanupError: (error) => cleanupErrors.push(error),
      }),
    );
    await log.start();
    for (let i = 0; i < 200; i++) await log.append([reading(i)]);
    expect(await segmentFiles(dir)).toHaveLength(200);
    release();
    await waitFor(() => stopped !== undefined, { timeoutMs: 5000, what: "the store write" });
    await stopped;
    // Nothing of the log touches the directory after stop: it can be removed at once.
    expect(await segmentFiles(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cleanupErrors).toEqual([]);
    expect(await count(["ld-aq-01", "ld-aq-02"])).toBe(200);
  });

  it("segments that cannot be deleted are reported, and later appends are still stored", async () => {
    const dir = await tempDir();
    const { store, count } = await testStore();
    const cleanupErrors: unknown[] = [];
    const log = createReadingsLog(
      options(dir, {
        store: (batch) => store.writeReadings(batch),
        onCleanupError: (error) => cleanupErrors.push(error),
      }),
    );
    await log.start();
    await log.append([reading(1)]);
    // The directory vanishes under the log (a full disk cleaned by hand, a lost mount): deleting
    // the stored segment and syncing the directory fail inside the write's timer.
    await rm(dir, { recursive: true, force: true });
    await waitFor(() => cleanupErrors.length > 0, { timeoutMs: 5000, what: "the cleanup error" });
    expect((cleanupErrors[0] as NodeJS.ErrnoException).code).toBe("ENOENT");
    expect(log.pendingReadings()).toBe(0);
    // Once the directory is back, appends open a new segment and are stored as before.
    await mkdir(dir, { recursive: true });
    await log.append([reading(2), reading(3)]);
    await waitFor(() => log.pendingReadings() === 0, { timeoutMs: 5000, what: "the later readings stored" });
    await log.stop();
    expect(await count(["ld-aq-01", "ld-aq-02"])).toBe(3);
    expect(await segmentFiles(dir)).toEqual([]);
  });

  it("start fails naming the directory and writer.log.dir when the log directory path is a regular file", async () => {
    const parent = await tempDir();
    const dir = join(parent, "writer-log");
    await writeFile(dir, "not a directory\n");
    const { store } = await testStore();
    const log = createReadingsLog(options(dir, { store: (batch) => store.writeReadings(batch) }));
    const error = await log.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReadingsLogNotWritableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot create or write the readings log directory ${dir} \\(.*EEXIST.*\\); set writer\\.log\\.dir to a writable directory`,
      ),
    );
  });

  it("start fails when the log directory exists but cannot be written (else batches would be taken and never acknowledged)", async (ctx) => {
    const unwritable = await unwritableDirectory();
    if (unwritable === undefined) {
      ctx.skip("running as root and /sys is not here: no directory root cannot write without mounting one");
      return;
    }
    const { store } = await testStore();
    const log = createReadingsLog(options(unwritable.dir, { store: (batch) => store.writeReadings(batch) }));
    const error = await log.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, unwritable.how).toBeInstanceOf(ReadingsLogNotWritableError);
    expect((error as Error).message).toContain(`readings log directory ${unwritable.dir} (`);
    expect((error as Error).message).toContain("set writer.log.dir");
  });

  it("refuses appends once stopping (the bus keeps the batch)", async () => {
    const dir = await tempDir();
    const { store } = await testStore();
    const log = createReadingsLog(options(dir, { store: (batch) => store.writeReadings(batch) }));
    await log.start();
    await log.stop();
    await expect(log.append([reading(1)])).rejects.toThrow(/stopping/);
  });
});
