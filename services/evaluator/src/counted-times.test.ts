import { describe, expect, it } from "vitest";
import {
  addCounted,
  type CountedTimes,
  countedBytes,
  countedTimes,
  MAX_WORDS,
  wasCounted,
} from "./counted-times.ts";

const MIN = 60_000;
const H = 3_600_000;
const LATENESS = 2 * H;
const T0 = Date.UTC(2026, 10, 30, 16); // 2026-12-01 00:00 Beijing

/** The counted times as a set: has and add (what the evaluator's series holder does with them). */
class Counted {
  private times: CountedTimes;
  constructor(first: number) {
    this.times = countedTimes(first);
  }
  has(ts: number): boolean {
    return wasCounted(this.times, ts, LATENESS);
  }
  add(ts: number): void {
    this.times = addCounted(this.times, ts, LATENESS);
  }
  bytes(): number {
    return countedBytes(this.times);
  }
}

function countedOf(times: readonly number[]): Counted {
  const counted = new Counted(times[0] as number);
  for (const t of times.slice(1)) counted.add(t);
  return counted;
}

describe("CountedTimes (the times a series counted within the lateness)", () => {
  it("minute data: every minute counted within the lateness is recognised, older than the newest too; a gap is not", () => {
    const minutes = Array.from({ length: 90 }, (_, i) => T0 + i * MIN).filter((t) => t !== T0 + 40 * MIN);
    const counted = countedOf(minutes);
    expect(counted.has(T0 + 89 * MIN)).toBe(true); // the newest
    expect(counted.has(T0 + 80 * MIN)).toBe(true); // a resend of an older one
    expect(counted.has(T0)).toBe(true);
    expect(counted.has(T0 + 40 * MIN)).toBe(false); // never received
    expect(counted.has(T0 + 40 * MIN + 30_000)).toBe(false); // off the grid
    expect(counted.has(T0 + 90 * MIN)).toBe(false); // newer than anything counted
    counted.add(T0 + 40 * MIN); // the late minute arrives
    expect(counted.has(T0 + 40 * MIN)).toBe(true);
    expect(counted.bytes()).toBeLessThanOrEqual(48 + 8 * 8); // 122 bits: 5 words beside 3 numbers
  });

  it("times older than the lateness are not held (the windows refuse them), and the ring reuses their bits", () => {
    const counted = countedOf(Array.from({ length: 121 }, (_, i) => T0 + i * MIN));
    counted.add(T0 + 300 * MIN); // three hours later: the ring moved on
    expect(counted.has(T0 + 300 * MIN)).toBe(true);
    // Within the lateness of the newest, never counted: their slots held times of 2 h before.
    for (const m of [181, 200, 240, 299]) expect(counted.has(T0 + m * MIN)).toBe(false);
    expect(counted.has(T0 + 100 * MIN)).toBe(false); // older than newest − lateness
  });

  it("a time off the grid refines it: hourly times, then half-hours, all still recognised", () => {
    const counted = countedOf([T0, T0 + H, T0 + 2 * H]);
    counted.add(T0 + 2 * H + 30 * MIN);
    for (const t of [T0 + H, T0 + 2 * H, T0 + 2 * H + 30 * MIN]) expect(counted.has(t)).toBe(true);
    expect(counted.has(T0 + H + 30 * MIN)).toBe(false);
    // The first step is the difference of the first two times; a later time between refines it.
    const gapFirst = countedOf([T0, T0 + 2 * H, T0 + H]);
    for (const t of [T0, T0 + H, T0 + 2 * H]) expect(gapFirst.has(t)).toBe(true);
  });

  it("agrees with an exact set over a long out-of-order feed with resends (5-min data, some off-grid minutes)", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const exact = new Set<number>();
    let newest = T0;
    const counted = new Counted(T0);
    exact.add(T0);
    for (let i = 1; i < 5000; i++) {
      const step = random() < 0.05 ? MIN : 5 * MIN;
      const back = random() < 0.3 ? Math.floor(random() * 20) * step : -step;
      const t = Math.max(T0, newest - back);
      if (t < newest - LATENESS) continue; // the windows would refuse it: never added
      if (!(counted.has(t) === exact.has(t))) throw new Error(`disagree at ${i}: ${t - T0}`);
      counted.add(t);
      exact.add(t);
      newest = Math.max(newest, t);
      // Probe every minute of the lateness now and then.
      if (i % 250 === 0)
        for (let p = newest - LATENESS; p <= newest + MIN; p += MIN)
          expect([p - T0, counted.has(p)]).toEqual([p - T0, exact.has(p) && p <= newest]);
    }
  });

  it("times on no grid the ring can hold fall back to recognising the newest only, with bounded memory", () => {
    const irregular = [T0, T0 + 1_001, T0 + 2_503, T0 + 3_700];
    const counted = countedOf(irregular);
    expect(counted.has(T0 + 3_700)).toBe(true);
    expect(counted.has(T0 + 2_503)).toBe(false); // said in the evaluator README
    counted.add(T0 + 5_000);
    expect(counted.has(T0 + 5_000)).toBe(true);
    expect(counted.bytes()).toBeLessThanOrEqual(48 + 8 * MAX_WORDS);
  });
});
