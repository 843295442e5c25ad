import { type FileHandle, mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { DataFlag, MetricId, Reading, ReadingSource } from "@qingshan/domain";
import { createKeyDictionary, type KeyDictionary } from "@qingshan/store";

/**
 * The writer's local write-ahead log of readings (embedded mode): a bus batch is acknowledged once
 * its readings are appended here and synced (fdatasync), and the readings reach the store in
 * larger, less frequent transactions behind it. Every store transaction has a fixed cost of
 * milliseconds (DuckDB: statements and commit), so loading every `lingerMs` instead of once per
 * acknowledged batch halves the store's CPU per reading under load, and an MQTT in-flight window
 * no longer waits for the store. A crash loses nothing acknowledged: `start` loads what the
 * segments left behind into the store (writes are idempotent on station+metric+ts, in log order).
 *
 * Segment files `readings-<seq>.log` hold records `[u32 length][u32 crc32][payload]`, payload =
 * `[u32 keys length][keys JSON][rows]`: the keys JSON lists the (station, metric, flag, source)
 * combinations new to this segment as `[code, station, metric, flag, source]`, and each row is
 * `u32 code, f64 ts, f64 periodMs, f64 value, f64 receivedAt` (little endian). A record cut short
 * or failing its CRC ends the segment (a write that never completed was never acknowledged).
 */

const ROW_BYTES = 4 + 8 * 4;
const HEADER_BYTES = 8;
const SEGMENT = /^readings-(\d{12})\.log$/;

export interface ReadingsLogOptions {
  readonly dir: string;
  /** How long logged readings gather before one store write (unless `maxBatch` are waiting). */
  readonly lingerMs: number;
  /** Largest store write, in readings. */
  readonly maxBatch: number;
  /** Logged readings not yet stored above which `append` waits (backpressure towards the bus). */
  readonly maxPending: number;
  /** A segment at least this large is closed; the next append starts a new one. */
  readonly segmentBytes: number;
  /** Writes readings to the store, retrying as the writer does; rejects only when stopping. */
  readonly store: (readings: readonly Reading[]) => Promise<void>;
  /** Called after each store write with the readings it stored. */
  readonly onStored?: (count: number) => void;
  /**
   * Called when stored segments could not be deleted (they are tried again after the next store
   * write; until then a restart replays them, which the store's idempotent writes absorb).
   */
  readonly onCleanupError?: (error: unknown) => void;
}

export interface ReadingsLog {
  /** Creates the directory, stores what an earlier process left in it, and deletes those segments. */
  start(): Promise<{ readonly recovered: number; readonly segments: number }>;
  /** Resolves once `readings` are durably in the log; they are stored later. */
  append(readings: readonly Reading[]): Promise<void>;
  /** Stops appending, stores what is pending (one attempt cycle), closes; what failed stays on disk. */
  stop(): Promise<void>;
  /** Readings logged and not yet stored. */
  pendingReadings(): number;
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  handle: FileHandle | undefined;
  readonly keys: KeyDictionary;
  bytes: number;
  appended: number;
  stored: number;
}

interface Chunk {
  readonly readings: readonly Reading[];
  readonly segment: Segment;
}

interface QueuedAppend {
  readonly readings: readonly Reading[];
  resolve(): void;
  reject(error: unknown): void;
}

/** Error of an append refused because the log is stopping: the bus keeps the batch. */
export class ReadingsLogStoppedError extends Error {
  override readonly name = "ReadingsLogStoppedError";
}

function segmentName(seq: number): string {
  return `readings-${String(seq).padStart(12, "0")}.log`;
}

/** One record of `readings` for `segment` (its key dictionary learns their combinations). */
export function encodeRecord(segment: Pick<Segment, "keys">, readings: readonly Reading[]): Buffer {
  const { codes, added } = segment.keys.encode(readings);
  const newKeys = (added[0] ?? []).map((code, i) => [code, ...added.slice(1).map((column) => column[i])]);
  const keysJson = Buffer.from(newKeys.length === 0 ? "" : JSON.stringify(newKeys), "utf8");
  const payloadBytes = 4 + keysJson.length + readings.length * ROW_BYTES;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  buffer.writeUInt32LE(payloadBytes, 0);
  buffer.writeUInt32LE(keysJson.length, HEADER_BYTES);
  keysJson.copy(buffer, HEADER_BYTES + 4);
  let at = HEADER_BYTES + 4 + keysJson.length;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    buffer.writeUInt32LE(codes[i] as number, at);
    buffer.writeDoubleLE(r.ts, at + 4);
    buffer.writeDoubleLE(r.periodMs, at + 12);
    buffer.writeDoubleLE(r.value, at + 20);
    buffer.writeDoubleLE(r.receivedAt, at + 28);
    at += ROW_BYTES;
  }
  buffer.writeUInt32LE(crc32(buffer.subarray(HEADER_BYTES)), 4);
  return buffer;
}

type Key = readonly [station: string, metric: MetricId, flag: DataFlag, source: ReadingSource];

/**
 * The readings of one segment file's complete records, in order, and whether it ended in a record
 * cut short or corrupt (ignored: it was never acknowledged).
 */
export function decodeSegment(bytes: Buffer): { readonly readings: Reading[]; readonly tornBytes: number } {
  const keys = new Map<number, Key>();
  const readings: Reading[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= bytes.length) {
    const payloadBytes = bytes.readUInt32LE(at);
    const end = at + HEADER_BYTES + payloadBytes;
    if (payloadBytes < 4 || end > bytes.length) break;
    const payload = bytes.subarray(at + HEADER_BYTES, end);
    if (crc32(payload) !== bytes.readUInt32LE(at + 4)) break;
    const keysBytes = payload.readUInt32LE(0);
    if (4 + keysBytes > payload.length || (payload.length - 4 - keysBytes) % ROW_BYTES !== 0) break;
    if (keysBytes > 0) {
      const added = JSON.parse(payload.toString("utf8", 4, 4 + keysBytes)) as Array<[number, ...Key]>;
      for (const [code, ...key] of added) keys.set(code, key);
    }
    for (let row = 4 + keysBytes; row < payload.length; row += ROW_BYTES) {
      const key = keys.get(payload.readUInt32LE(row));
      if (key === undefined)
        throw new Error(
          `readings log: a row names key code ${payload.readUInt32LE(row)}, which no record defined`,
        );
      readings.push({
        stationId: key[0],
        metric: key[1],
        flag: key[2],
        source: key[3],
        ts: payload.readDoubleLE(row + 4),
        periodMs: payload.readDoubleLE(row + 12),
        value: payload.readDoubleLE(row + 20),
        receivedAt: payload.readDoubleLE(row + 28),
      });
    }
    at = end;
  }
  return { readings, tornBytes: bytes.length - at };
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * @example
 * const log = createReadingsLog({ dir: "data/writer-log", lingerMs: 100, maxBatch: 60_000, maxPending: 600_000,
 *   segmentBytes: 16 << 20, store: (r) => store.writeReadings(r) });
 * await log.start();
 * await log.append(readings); // durable: acknowledge the bus batch now
 */
export function createReadingsLog(options: ReadingsLogOptions): ReadingsLog {
  const segments: Segment[] = [];
  let nextSeq = 1;
  let queue: QueuedAppend[] = [];
  let appending: Promise<void> | undefined;
  const pending: Chunk[] = [];
  let pendingCount = 0;
  let loading: Promise<void> | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  /** performance.now() when the last store write began (-Infinity: none yet). */
  let lastLoadStart = Number.NEGATIVE_INFINITY;
  let stopping = false;
  let roomWaiters: Array<() => void> = [];

  async function openSegment(): Promise<Segment> {
    const seq = nextSeq++;
    const path = join(options.dir, segmentName(seq));
    const handle = await open(path, "wx");
    // The new name must survive a power loss as the records synced into it do.
    await syncDirectory(options.dir);
    const segment: Segment = {
      seq,
      path,
      handle,
      keys: createKeyDictionary(),
      bytes: 0,
      appended: 0,
      stored: 0,
    };
    segments.push(segment);
    return segment;
  }

  async function writableSegment(): Promise<Segment> {
    const last = segments.at(-1);
    if (last?.handle !== undefined && last.bytes < options.segmentBytes) return last;
    if (last?.handle !== undefined) await closeSegment(last);
    return openSegment();
  }

  async function closeSegment(segment: Segment): Promise<void> {
    const handle = segment.handle;
    segment.handle = undefined;
    await handle?.close();
  }

  /** Deletes the oldest segments whose readings are all stored (in order: a replay must never skip one). */
  async function deleteStoredSegments(): Promise<void> {
    let deleted = false;
    while (segments.length > 0) {
      const oldest = segments[0] as Segment;
      if (oldest.stored < oldest.appended) break;
      // The segment being appended to is closed first only when nothing waits to go into it.
      if (oldest.handle !== undefined && (oldest !== segments.at(-1) || queue.length > 0 || appending)) break;
      await closeSegment(oldest);
      // Oldest first, and out of the list only once its file is gone: a newer segment is never
      // deleted while an older one is still on disk, which a restart would replay after it.
      await unlink(oldest.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
      segments.shift();
      deleted = true;
    }
    // A deleted segment must stay deleted across a power loss: replayed after newer ones were
    // stored, it would put older values of a resent reading back.
    if (deleted) await syncDirectory(options.dir);
  }

  /** deleteStoredSegments for the store-write path: a failure is reported, never thrown from a timer. */
  async function cleanUp(): Promise<void> {
    try {
      await deleteStoredSegments();
    } catch (error) {
      options.onCleanupError?.(error);
    }
  }

  /** Group commit: every append queued while a write+sync runs goes into the next one. */
  async function drainQueue(): Promise<void> {
    while (queue.length > 0) {
      const taken = queue;
      queue = [];
      let readings: Reading[];
      if (taken.length === 1) readings = (taken[0] as QueuedAppend).readings as Reading[];
      else {
        readings = [];
        for (const a of taken) for (const r of a.readings) readings.push(r);
      }
      let segment: Segment | undefined;
      try {
        segment = await writableSegment();
        const record = encodeRecord(segment, readings);
        await (segment.handle as FileHandle).write(record);
        await (segment.handle as FileHandle).datasync();
        segment.bytes += record.length;
        segment.appended += readings.length;
      } catch (error) {
        // The segment may end in a partial record now: close it (replay stops there) and start anew.
        if (segment !== undefined) await closeSegment(segment).catch(() => {});
        for (const a of taken) a.reject(error);
        continue;
      }
      pending.push({ readings, segment });
      pendingCount += readings.length;
      for (const a of taken) a.resolve();
      scheduleLoad();
    }
  }

  /**
   * Store writes start at most every `lingerMs` (counted from the previous write's start, so a
   * write that took longer is followed at once), or as soon as `maxBatch` readings wait.
   */
  function scheduleLoad(): void {
    if (loading !== undefined || pendingCount === 0) return;
    const wait = lastLoadStart + options.lingerMs - performance.now();
    if (pendingCount >= options.maxBatch || stopping || wait <= 0) {
      if (lingerTimer !== undefined) clearTimeout(lingerTimer);
      lingerTimer = undefined;
      loading = load();
    } else if (lingerTimer === undefined) {
      lingerTimer = setTimeout(() => {
        lingerTimer = undefined;
        if (loading === undefined) loading = load();
      }, wait);
    }
  }

  /** Stores the oldest pending readings (up to maxBatch), then deletes the segments fully stored. */
  async function load(): Promise<void> {
    lastLoadStart = performance.now();
    const chunks: Chunk[] = [];
    let count = 0;
    while (pending.length > 0) {
      const next = pending[0] as Chunk;
      if (chunks.length > 0 && count + next.readings.length > options.maxBatch) break;
      chunks.push(next);
      pending.shift();
      count += next.readings.length;
    }
    let readings: readonly Reading[];
    if (chunks.length === 1) readings = (chunks[0] as Chunk).readings;
    else {
      const all: Reading[] = [];
      for (const c of chunks) for (const r of c.readings) all.push(r);
      readings = all;
    }
    let stored = false;
    try {
      await options.store(readings);
      stored = true;
    } catch {
      // Only a stop ends the store's retries: these readings stay in the log for the next start.
      pending.unshift(...chunks);
    }
    if (stored) {
      pendingCount -= count;
      for (const c of chunks) c.segment.stored += c.readings.length;
      options.onStored?.(count);
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const wake of waiters) wake();
      await cleanUp();
    }
    loading = undefined;
    if (stored) scheduleLoad();
  }

  async function recover(): Promise<{ recovered: number; segments: number }> {
    const names = (await readdir(options.dir)).filter((n) => SEGMENT.test(n)).sort();
    let recovered = 0;
    for (const name of names) {
      const seq = Number(SEGMENT.exec(name)?.[1]);
      nextSeq = Math.max(nextSeq, seq + 1);
      const path = join(options.dir, name);
      const { readings } = decodeSegment(await readFile(path));
      for (let i = 0; i < readings.length; i += options.maxBatch) {
        const batch = readings.slice(i, i + options.maxBatch);
        await options.store(batch);
        options.onStored?.(batch.length);
      }
      recovered += readings.length;
      await unlink(path);
    }
    if (names.length > 0) await syncDirectory(options.dir);
    return { recovered, segments: names.length };
  }

  return {
    async start() {
      stopping = false;
      await mkdir(options.dir, { recursive: true });
      return recover();
    },

    async append(readings) {
      if (stopping) throw new ReadingsLogStoppedError("the readings log is stopping");
      if (readings.length === 0) return;
      while (pendingCount >= options.maxPending) {
        await new Promise<void>((resolve) => roomWaiters.push(resolve));
        if (stopping) throw new ReadingsLogStoppedError("the readings log is stopping");
      }
      await new Promise<void>((resolve, reject) => {
        queue.push({ readings, resolve, reject });
        if (appending === undefined) {
          appending = drainQueue().finally(() => {
            appending = undefined;
          });
        }
      });
    },

    async stop() {
      stopping = true;
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const wake of waiters) wake();
      while (appending !== undefined) await appending;
      if (lingerTimer !== undefined) clearTimeout(lingerTimer);
      lingerTimer = undefined;
      // Store what is pending; a failed (stopped) store write leaves the rest in the segments.
      // A load already running (even one whose readings are stored and is deleting their
      // segments) finishes before the log is closed.
      if (loading !== undefined) await loading;
      while (pendingCount > 0) {
        if (loading === undefined) loading = load();
        const before = pendingCount;
        await loading;
        if (pendingCount === before) break;
      }
      await cleanUp();
      for (const segment of segments) await closeSegment(segment);
    },

    pendingReadings: () => pendingCount,
  };
}
