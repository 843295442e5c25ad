/**
 * The exact set of reading times one series has taken into its windows within the lateness
 * (readings older than newest − lateness are refused by the windows anyway), so that a second
 * copy of any of them — a QoS 1 redelivery, a station resending its unacknowledged messages after a
 * reconnect, an ingest instance restarted mid-batch — is recognised and not counted again, also
 * when it is older than the series' newest reading.
 *
 * Monitoring data lies on a grid (minute data on whole minutes, hourly data on whole hours), so
 * the set is a ring of bits on the series' grid: the greatest common divisor of the differences
 * between the times seen, refined (and the bits moved onto the finer grid) when a time off the grid
 * arrives. Minute data with the default 2 h lateness takes 122 bits (5 words). A series whose
 * times lie on no grid coarser than {@link MAX_WORDS} words can hold (irregular instantaneous values,
 * or seconds-apart data with a long lateness) falls back to recognising a copy of its newest
 * reading only.
 */

/** Bits per word: 30, so a word stays a positive integer through JavaScript's 32-bit bitwise operators. */
const WORD_BITS = 30;
/** 32 words (960 bits): minute data up to 15 h of lateness, 10-second data up to 2.6 h. */
export const MAX_WORDS = 32;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * One series' counted times, in one array of doubles (no object and no boxed numbers: with the
 * default lateness this costs minute data ~112 B per series; issue 4's budget is ≤ 2 KB in all):
 * [origin, step, newest, ...words] — every counted time lies on origin + k × step; step is 0 while
 * only `origin` was seen and −1 once the series fell back to its newest time; slot k (time
 * origin + k × step) is bit k mod (words × 30) of the ring of words.
 */
export type CountedTimes = number[];
const ORIGIN = 0;
const STEP = 1;
const NEWEST = 2;
const WORDS = 3;

/** The counted times of a series whose first counted reading is at `first`. */
export function countedTimes(first: number): CountedTimes {
  const times = new Array<number>(WORDS);
  times[ORIGIN] = first;
  times[STEP] = 0;
  times[NEWEST] = first;
  return times;
}

/** Whether `ts` was counted (always false for a time older than newest − lateness). */
export function wasCounted(times: CountedTimes, ts: number, latenessMs: number): boolean {
  const origin = times[ORIGIN] as number;
  const step = times[STEP] as number;
  const newest = times[NEWEST] as number;
  if (ts === newest || ts === origin) return true;
  if (step <= 0 || ts > newest || ts < newest - latenessMs) return false;
  const offset = ts - origin;
  return offset % step === 0 && bitAt(times, offset / step);
}

/**
 * Records `ts` as counted (call once the windows accepted it); returns the array to keep (a new
 * one when the grid was refined).
 */
export function addCounted(times: CountedTimes, ts: number, latenessMs: number): CountedTimes {
  const origin = times[ORIGIN] as number;
  const step = times[STEP] as number;
  const newest = times[NEWEST] as number;
  if (step === -1 || (step === 0 && ts === origin)) {
    if (ts > newest) times[NEWEST] = ts;
    return times;
  }
  const offset = ts - origin;
  const grid = step === 0 ? Math.abs(offset) : gcd(step, Math.abs(offset) % step);
  const next = grid === step ? times : regrid(times, grid, latenessMs);
  if (next[STEP] === -1) {
    if (ts > newest) next[NEWEST] = ts;
    return next;
  }
  const slot = offset / grid;
  if (ts > newest) {
    clearAfter(next, (newest - origin) / grid, slot);
    next[NEWEST] = ts;
  }
  setBit(next, slot);
  return next;
}

/** Approximate bytes held (for memoryPerSeriesBytes): the array and its doubles. */
export function countedBytes(times: CountedTimes): number {
  return 48 + 8 * times.length;
}

function capacity(times: CountedTimes): number {
  return (times.length - WORDS) * WORD_BITS;
}

/** The set on a finer grid `step` (a divisor of the current one), or fallen back when it would not fit. */
function regrid(times: CountedTimes, step: number, latenessMs: number): CountedTimes {
  const origin = times[ORIGIN] as number;
  const newest = times[NEWEST] as number;
  const words = Math.ceil((Math.floor(latenessMs / step) + 2) / WORD_BITS);
  if (words > MAX_WORDS) {
    const fallen = countedTimes(origin);
    fallen[STEP] = -1;
    fallen[NEWEST] = newest;
    return fallen;
  }
  const next = new Array<number>(WORDS + words).fill(0);
  next[ORIGIN] = origin;
  next[STEP] = step;
  next[NEWEST] = newest;
  const oldStep = times[STEP] as number;
  if (oldStep > 0) {
    const factor = oldStep / step;
    const newestSlot = (newest - origin) / oldStep;
    const oldCapacity = capacity(times);
    for (let k = newestSlot - oldCapacity + 1; k <= newestSlot; k++) {
      // Older than the new ring reaches: older than the lateness, refused by the windows anyway.
      if (bitAt(times, k) && k * factor > newestSlot * factor - capacity(next)) setBit(next, k * factor);
    }
  } else {
    setBit(next, 0); // the origin, the only time seen so far
  }
  return next;
}

function mod(k: number, n: number): number {
  return ((k % n) + n) % n;
}

function bitAt(times: CountedTimes, slot: number): boolean {
  const i = mod(slot, capacity(times));
  return (((times[WORDS + Math.floor(i / WORD_BITS)] as number) >> (i % WORD_BITS)) & 1) === 1;
}

function setBit(times: CountedTimes, slot: number): void {
  const i = mod(slot, capacity(times));
  const w = WORDS + Math.floor(i / WORD_BITS);
  times[w] = (times[w] as number) | (1 << (i % WORD_BITS));
}

/** Clears the slots after `from` up to `to` (the ring reuses them for newer times). */
function clearAfter(times: CountedTimes, from: number, to: number): void {
  const n = capacity(times);
  if (to - from >= n) {
    times.fill(0, WORDS);
    return;
  }
  for (let k = from + 1; k <= to; k++) {
    const i = mod(k, n);
    const w = WORDS + Math.floor(i / WORD_BITS);
    times[w] = (times[w] as number) & ~(1 << (i % WORD_BITS));
  }
}
