import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
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
 * `[u32 2^31 + keys length][u32 crc32 of the keys JSON][keys JSON][rows]` (records of earlier
 * versions: `[u32 keys length][keys JSON][rows]`, still read): the keys JSON lists the (station,
 * metric, flag, source) combinations new to this segment as `[code, station, metric, flag, source]`
 * — its own checksum lets later records be read when rows of this one are damaged —, and each row is
 * `u32 code, f64 ts, f64 periodMs, f64 value, f64 receivedAt` (little endian). At recovery a record
 * cut short at the end of a segment (a write that never completed, never acknowledged) is skipped;
 * a damaged record is skipped alone and the records after it are read (decodeSegment), and a
 * segment with such damage is kept as `readings-<seq>.log.damaged` for inspection.
 */

const ROW_BYTES = 4 + 8 * 4;
const HEADER_BYTES = 8;
/** Set in the keys length of a record whose keys JSON has its own CRC-32 (after the length). */
const KEYS_CHECKED = 0x8000_0000;
const SEGMENT = /^readings-(\d{12})\.log$/;
/** A segment, or one kept for inspection after damage (never replayed; its number is not reused). */
const SEGMENT_OR_DAMAGED = /^readings-(\d{12})\.log(\.damaged)?$/;
/** Suffix of a segment kept for inspection because recovery skipped damaged records of it. */
export const DAMAGED_SUFFIX = ".damaged";

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

/** What `start` recovered from the segments an earlier process left. */
export interface Recovery {
  readonly recovered: number;
  readonly segments: number;
  /** Bytes skipped, per segment (path as it was found), in log order. */
  readonly skipped: ReadonlyArray<SkippedBytes & { readonly segment: string }>;
  /** Records read whole although their length prefix was damaged. */
  readonly repaired: ReadonlyArray<{
    readonly segment: string;
    readonly offset: number;
    readonly bytes: number;
  }>;
  /** Readings of intact records that named a key only a skipped record defined (not stored). */
  readonly unattributed: number;
  /** Segments kept for inspection (renamed `….damaged`) instead of deleted. */
  readonly kept: readonly string[];
}

export interface ReadingsLog {
  /**
   * Creates the directory and proves it writable (else rejects with ReadingsLogNotWritableError),
   * stores what an earlier process left in it, and deletes those segments (a damaged one is
   * renamed `….damaged` instead).
   */
  start(): Promise<Recovery>;
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

/**
 * The log directory cannot be created or written (a read-only mount, permissions, a file in the
 * way): `start` fails with it rather than accept batches it could never acknowledge.
 */
export class ReadingsLogNotWritableError extends Error {
  override readonly name = "ReadingsLogNotWritableError";
  readonly code = "writer.log_not_writable";
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super(
      `cannot create or write the readings log directory ${dir} (${(cause as Error).message}); ` +
        "set writer.log.dir to a writable directory (unset, qingshan start uses {dataDir}/writer-log: dataDir / QINGSHAN_DATA_DIR)",
      { cause },
    );
  }
}

/** Name of the file `start` writes, syncs and deletes to prove the directory writable (never a segment). */
const WRITE_TEST = ".write-test";

/** Creates `dir` and proves it writable as an append would use it: create, write, sync, delete. */
async function checkWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const path = join(dir, WRITE_TEST);
    const handle = await open(path, "w");
    try {
      await handle.write(Buffer.from("qingshan readings log write test\n"));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await unlink(path);
    await syncDirectory(dir);
  } catch (error) {
    throw new ReadingsLogNotWritableError(dir, error);
  }
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
  const payloadBytes = 8 + keysJson.length + readings.length * ROW_BYTES;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  buffer.writeUInt32LE(payloadBytes, 0);
  buffer.writeUInt32LE(KEYS_CHECKED + keysJson.length, HEADER_BYTES);
  buffer.writeUInt32LE(crc32(keysJson), HEADER_BYTES + 4);
  keysJson.copy(buffer, HEADER_BYTES + 8);
  let at = HEADER_BYTES + 8 + keysJson.length;
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

/** Why bytes of a segment were skipped at recovery. */
export type SkipReason =
  /** The segment ends in a record cut short and no record follows: a write a crash interrupted (never acknowledged). */
  | "torn-tail"
  /** A record whose length fits but whose checksum fails: damaged after it was written. */
  | "checksum"
  /** A length prefix that does not fit the segment, with records after it: a damaged header. */
  | "length";

export interface SkippedBytes {
  /** Byte offset in the segment where the skipped bytes begin. */
  readonly offset: number;
  readonly bytes: number;
  readonly why: SkipReason;
}

export interface DecodedSegment {
  /** The readings of every record that could be read, in log order. */
  readonly readings: Reading[];
  /** Bytes of the torn tail (0 when the segment ends on a record boundary). */
  readonly tornBytes: number;
  /** What was skipped, in segment order (a torn tail last). */
  readonly skipped: SkippedBytes[];
  /** Records whose length prefix was damaged, read whole because their checksum matched (offset, bytes). */
  readonly repaired: Array<{ readonly offset: number; readonly bytes: number }>;
  /**
   * Readings of intact records after a skipped one whose key code only the skipped record
   * defined (a segment's key dictionary grows record by record): they cannot be attributed.
   */
  readonly unattributed: number;
}

/** True when decoding found damage (anything but a torn tail): the segment is kept for inspection. */
export function isDamaged(decoded: DecodedSegment): boolean {
  return decoded.repaired.length > 0 || decoded.skipped.some((s) => s.why !== "torn-tail");
}

interface ParsedRecord {
  readonly end: number;
  readonly rowsStart: number;
  readonly added: Array<[number, ...Key]>;
}

/**
 * The record starting at `at` if it is whole: its length prefix (or, given, `end`) fits the
 * segment, its checksum matches and its payload is well formed; else undefined.
 */
function recordAt(bytes: Buffer, at: number, end?: number): ParsedRecord | undefined {
  if (at + HEADER_BYTES + 4 > bytes.length) return undefined;
  const payloadBytes = end === undefined ? bytes.readUInt32LE(at) : end - at - HEADER_BYTES;
  const stop = at + HEADER_BYTES + payloadBytes;
  if (payloadBytes < 4 || stop > bytes.length) return undefined;
  const layout = keysLayout(bytes, at, stop);
  if (layout === undefined || (stop - layout.rowsStart) % ROW_BYTES !== 0) return undefined;
  if (crc32(bytes.subarray(at + HEADER_BYTES, stop)) !== bytes.readUInt32LE(at + 4)) return undefined;
  const added = parseKeys(bytes, layout);
  return added === undefined ? undefined : { end: stop, rowsStart: layout.rowsStart, added };
}

interface KeysLayout {
  readonly keysAt: number;
  readonly rowsStart: number;
  /** Offset of the keys JSON's own CRC-32 (records of earlier versions have none). */
  readonly crcAt: number | undefined;
}

/** Where the keys JSON of the record at `at` (ending at `stop`) lies, if it fits. */
function keysLayout(bytes: Buffer, at: number, stop: number): KeysLayout | undefined {
  const field = bytes.readUInt32LE(at + HEADER_BYTES);
  const checked = field >= KEYS_CHECKED;
  const keysAt = at + HEADER_BYTES + (checked ? 8 : 4);
  const keysBytes = checked ? field - KEYS_CHECKED : field;
  if (keysAt + keysBytes > stop) return undefined;
  // The keys JSON is an array: cheap to test before a checksum when scanning for a record.
  if (keysBytes > 0 && (bytes[keysAt] !== 0x5b || bytes[keysAt + keysBytes - 1] !== 0x5d)) return undefined;
  return { keysAt, rowsStart: keysAt + keysBytes, crcAt: checked ? at + HEADER_BYTES + 4 : undefined };
}

function parseKeys(bytes: Buffer, layout: KeysLayout): Array<[number, ...Key]> | undefined {
  if (layout.rowsStart === layout.keysAt) return [];
  let added: unknown;
  try {
    added = JSON.parse(bytes.toString("utf8", layout.keysAt, layout.rowsStart));
  } catch {
    return undefined;
  }
  if (!Array.isArray(added) || !added.every((k) => Array.isArray(k) && typeof k[0] === "number"))
    return undefined;
  return added as Array<[number, ...Key]>;
}

/**
 * The key definitions of a record skipped as damaged whose keys JSON is intact by its own
 * checksum (records of earlier versions have none: nothing), so later records using them are read.
 */
function salvageKeys(bytes: Buffer, at: number, stop: number): Array<[number, ...Key]> {
  if (at + HEADER_BYTES + 8 > stop) return [];
  const layout = keysLayout(bytes, at, stop);
  if (layout?.crcAt === undefined) return [];
  if (crc32(bytes.subarray(layout.keysAt, layout.rowsStart)) !== bytes.readUInt32LE(layout.crcAt)) return [];
  return parseKeys(bytes, layout) ?? [];
}

/** The first offset at or after `from` where a whole record starts, or undefined. */
function nextRecord(bytes: Buffer, from: number): number | undefined {
  for (let at = from; at + HEADER_BYTES + 4 <= bytes.length; at++) if (recordAt(bytes, at)) return at;
  return undefined;
}

/**
 * The readings of one segment file, in order, skipping what cannot be read.
 *
 * The key definitions of a skipped record are still used when its keys JSON's own checksum matches.
 *
 * Resynchronisation, at an offset where no whole record starts (length prefix that fits, matching
 * CRC-32, well-formed payload):
 * 1. If its length prefix fits and a whole record starts where it ends (or it ends the segment),
 *    that one record is skipped (`checksum`).
 * 2. Otherwise the length prefix may be damaged: the next offset where a whole record starts is
 *    searched byte by byte (the end of the segment if none). If the bytes up to there carry the
 *    record's checksum, only its length was damaged and the record is read (`repaired`); else they
 *    are skipped: `checksum` if the length fitted, `length` if it did not and a record follows,
 *    `torn-tail` if it did not and none follows (a crash cut the last write short: never
 *    acknowledged). A false resynchronisation needs a 32-bit checksum to match by chance.
 */
export function decodeSegment(bytes: Buffer): DecodedSegment {
  const keys = new Map<number, Key>();
  const readings: Reading[] = [];
  const skipped: SkippedBytes[] = [];
  const repaired: Array<{ offset: number; bytes: number }> = [];
  let unattributed = 0;
  let at = 0;
  while (at < bytes.length) {
    let record = recordAt(bytes, at);
    if (record === undefined) {
      const payloadBytes = at + HEADER_BYTES <= bytes.length ? bytes.readUInt32LE(at) : -1;
      const claimedEnd = at + HEADER_BYTES + payloadBytes;
      const fits = payloadBytes >= 4 && claimedEnd <= bytes.length;
      let next: number | undefined;
      if (fits && (claimedEnd === bytes.length || recordAt(bytes, claimedEnd) !== undefined))
        next = claimedEnd;
      else next = nextRecord(bytes, at + 1);
      const stop = next ?? bytes.length;
      record = stop === claimedEnd ? undefined : recordAt(bytes, at, stop);
      if (record !== undefined) repaired.push({ offset: at, bytes: stop - at });
      else {
        const why: SkipReason = fits ? "checksum" : next === undefined ? "torn-tail" : "length";
        skipped.push({ offset: at, bytes: stop - at, why });
        // Its rows are lost; the keys it defined for later records may not be.
        if (why !== "torn-tail")
          for (const [code, ...key] of salvageKeys(bytes, at, stop)) keys.set(code, key);
        at = stop;
        continue;
      }
    }
    for (const [code, ...key] of record.added) keys.set(code, key);
    for (let row = record.rowsStart; row < record.end; row += ROW_BYTES) {
      const key = keys.get(bytes.readUInt32LE(row));
      if (key === undefined) {
        // Defined by a record skipped above: the reading cannot be attributed. Without a skip
        // before it, a whole record naming an unknown code is a defect of the writer.
        if (skipped.length > 0) {
          unattributed++;
          continue;
        }
        throw new Error(
          `readings log: a row names key code ${bytes.readUInt32LE(row)}, which no record defined`,
        );
      }
      readings.push({
        stationId: key[0],
        metric: key[1],
        flag: key[2],
        source: key[3],
        ts: bytes.readDoubleLE(row + 4),
        periodMs: bytes.readDoubleLE(row + 12),
        value: bytes.readDoubleLE(row + 20),
        receivedAt: bytes.readDoubleLE(row + 28),
      });
    }
    at = record.end;
  }
  const torn = skipped.at(-1);
  return { readings, tornBytes: torn?.why === "torn-tail" ? torn.bytes : 0, skipped, repaired, unattributed };
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

  async function recover(): Promise<Recovery> {
    const all = await readdir(options.dir);
    for (const name of all) {
      const seq = SEGMENT_OR_DAMAGED.exec(name)?.[1];
      if (seq !== undefined) nextSeq = Math.max(nextSeq, Number(seq) + 1);
    }
    const names = all.filter((n) => SEGMENT.test(n)).sort();
    let recovered = 0;
    let unattributed = 0;
    const skipped: Array<SkippedBytes & { segment: string }> = [];
    const repaired: Array<{ segment: string; offset: number; bytes: number }> = [];
    const kept: string[] = [];
    for (const name of names) {
      const path = join(options.dir, name);
      const decoded = decodeSegment(await readFile(path));
      const { readings } = decoded;
      for (let i = 0; i < readings.length; i += options.maxBatch) {
        const batch = readings.slice(i, i + options.maxBatch);
        await options.store(batch);
        options.onStored?.(batch.length);
      }
      recovered += readings.length;
      unattributed += decoded.unattributed;
      for (const s of decoded.skipped) skipped.push({ segment: path, ...s });
      for (const r of decoded.repaired) repaired.push({ segment: path, ...r });
      if (isDamaged(decoded)) {
        // Out of the replay set (the name no longer matches), kept for whoever inspects the damage.
        await rename(path, path + DAMAGED_SUFFIX);
        kept.push(path + DAMAGED_SUFFIX);
      } else await unlink(path);
    }
    if (names.length > 0) await syncDirectory(options.dir);
    return { recovered, segments: names.length, skipped, repaired, unattributed, kept };
  }

  return {
    async start() {
      stopping = false;
      await checkWritable(options.dir);
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
