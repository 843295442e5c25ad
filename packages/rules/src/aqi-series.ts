/** Marks "no AQI" in the compact store (AQI values are integers well below it). */
const NONE = 65_535;
const INITIAL_CAPACITY = 8;

/**
 * A bounded history of AQI values (null = none), oldest first, for the warning rules: 2 bytes a
 * value while every value is an integer 0…65 534 (AQI is: HJ 633 rounds each IAQI up to an
 * integer), 8 bytes from the first one that is not; plus, from the first value given one, a tag
 * byte a value (0…255; the engine's: the value's partial flag and primary pollutants). A ring
 * grown by doubling up to `limit`; pushing beyond the limit drops the oldest. Replaces a JS array
 * of up to 240 values per station (8 bytes each): issue 4's memory budget is per series.
 *
 * @example
 * const h = new AqiSeries(240); h.push(153); h.push(null); h.toArray() // [153, null]
 * h.push(112, 0x80); h.tag(2) // 128
 */
export class AqiSeries {
  private data: Uint16Array | Float64Array = new Uint16Array(0);
  /** Tag byte per slot of `data` (same ring), allocated with the first non-zero tag. */
  private tagged: Uint8Array | undefined;
  private head = 0;
  length = 0;
  /** Changes whenever a value is pushed or a different value or tag set (for caches of what was read). */
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

  /** The tag of the value at index `i` (0 when none was given, or outside 0…length − 1). */
  tag(i: number): number {
    if (i < 0 || i >= this.length || this.tagged === undefined) return 0;
    return this.tagged[(this.head + i) % this.data.length] as number;
  }

  set(i: number, value: number | null, tag = 0): void {
    if (i < 0 || i >= this.length) throw new RangeError(`index ${i} outside 0…${this.length - 1}`);
    checkTag(tag);
    if (this.get(i) === value && this.tag(i) === tag) return;
    this.version++;
    this.store(i, value, tag);
  }

  /** Appends a value (and its tag); returns how many of the oldest were dropped (0 or 1). */
  push(value: number | null, tag = 0): number {
    checkTag(tag);
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
    this.store(this.length - 1, value, tag);
    return dropped;
  }

  toArray(): (number | null)[] {
    const out = new Array<number | null>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i);
    return out;
  }

  /** The tags, oldest first (0 where none was given). */
  tags(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.tag(i);
    return out;
  }

  /** Bytes of the values and tags (for memory estimates). */
  get byteLength(): number {
    return this.data.byteLength + (this.tagged?.byteLength ?? 0);
  }

  /** Writes the value and tag at index `i` (< length). */
  private store(i: number, value: number | null, tag: number): void {
    if (tag !== 0 && this.tagged === undefined) this.tagged = new Uint8Array(this.data.length);
    if (this.tagged !== undefined) this.tagged[(this.head + i) % this.data.length] = tag;
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

  /** Re-lays the values (and tags) from index 0 into new arrays of `capacity` (Float64 when `wide`). */
  private grow(capacity: number, wide: boolean): void {
    const next = wide ? new Float64Array(capacity).fill(Number.NaN) : new Uint16Array(capacity).fill(NONE);
    const nextTags = this.tagged === undefined ? undefined : new Uint8Array(capacity);
    for (let i = 0; i < this.length; i++) {
      const v = this.get(i);
      next[i] = v ?? (wide ? Number.NaN : NONE);
      if (nextTags !== undefined) nextTags[i] = this.tag(i);
    }
    this.data = next;
    this.tagged = nextTags;
    this.head = 0;
  }
}

function checkTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > 255)
    throw new RangeError(`tag: expected an integer 0…255, got ${tag}`);
}
