/** Marks "no AQI" in the compact store (AQI values are integers well below it). */
const NONE = 65_535;
const INITIAL_CAPACITY = 8;

/**
 * A bounded history of AQI values (null = none), oldest first, for the warning rules: 2 bytes a
 * value while every value is an integer 0…65 534 (AQI is: HJ 633 rounds each IAQI up to an
 * integer), 8 bytes from the first one that is not. A ring grown by doubling up to `limit`;
 * pushing beyond the limit drops the oldest. Replaces a JS array of up to 240 values per station
 * (8 bytes each): issue 4's memory budget is per series.
 *
 * @example
 * const h = new AqiSeries(240); h.push(153); h.push(null); h.toArray() // [153, null]
 */
export class AqiSeries {
  private data: Uint16Array | Float64Array = new Uint16Array(0);
  private head = 0;
  length = 0;
  /** Changes whenever a value is pushed or a different value set (for caches of what was read). */
  version = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit: expected a positive integer, got ${limit}`);
  }

  get(i: number): number | null {
    if (i < 0 || i >= this.length) return null;
    const v = this.data[(this.head + i) % this.data.length] as number;
    return this.data instanceof Uint16Array ? (v === NONE ? null : v) : Number.isNaN(v) ? null : v;
  }

  set(i: number, value: number | null): void {
    if (i < 0 || i >= this.length) throw new RangeError(`index ${i} outside 0…${this.length - 1}`);
    if (this.get(i) === value) return;
    this.version++;
    this.store(i, value);
  }

  /** Appends a value; returns how many of the oldest were dropped (0 or 1). */
  push(value: number | null): number {
    if (this.length === this.data.length && this.length < this.limit)
      this.grow(
        Math.min(this.limit, Math.max(INITIAL_CAPACITY, 2 * this.length)),
        this.data instanceof Float64Array,
      );
    this.version++;
    let dropped = 0;
    if (this.length === this.limit) {
      this.head = (this.head + 1) % this.data.length;
      this.length--;
      dropped = 1;
    }
    this.length++;
    this.store(this.length - 1, value);
    return dropped;
  }

  toArray(): (number | null)[] {
    const out = new Array<number | null>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i);
    return out;
  }

  /** Bytes of the values (for memory estimates). */
  get byteLength(): number {
    return this.data.byteLength;
  }

  /** Writes the value at index `i` (< length). */
  private store(i: number, value: number | null): void {
    if (this.data instanceof Uint16Array) {
      const slot = (this.head + i) % this.data.length;
      if (value === null) {
        this.data[slot] = NONE;
        return;
      }
      if (Number.isInteger(value) && value >= 0 && value < NONE) {
        this.data[slot] = value;
        return;
      }
      this.grow(this.data.length, true); // not representable in 2 bytes: 8 from now on
    }
    this.data[(this.head + i) % this.data.length] = value ?? Number.NaN;
  }

  /** Re-lays the values from index 0 into a new array of `capacity` (Float64 when `wide`). */
  private grow(capacity: number, wide: boolean): void {
    const next = wide ? new Float64Array(capacity).fill(Number.NaN) : new Uint16Array(capacity).fill(NONE);
    for (let i = 0; i < this.length; i++) {
      const v = this.get(i);
      next[i] = v ?? (wide ? Number.NaN : NONE);
    }
    this.data = next;
    this.head = 0;
  }
}
