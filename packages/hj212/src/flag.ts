/** The decoded Flag byte: bits V5…V0 D A (hj212.md §1.2). */
export interface PacketFlag {
  readonly value: number;
  /** A (bit 0): the receiver must answer. */
  readonly needAck: boolean;
  /** D (bit 1): the message is split; PNUM and PNO are present. */
  readonly split: boolean;
  /** V5…V0: 0 HJ/T 212-2005, 1 HJ 212-2017, 2 HJ 212-2025 (unverified). */
  readonly version: number;
}

/**
 * Splits a Flag value into its bits.
 *
 * @example
 * decodeFlag(5) // { value: 5, needAck: true, split: false, version: 1 }
 */
export function decodeFlag(value: number): PacketFlag {
  return { value, needAck: (value & 1) === 1, split: (value & 2) === 2, version: value >> 2 };
}

/**
 * Builds a Flag value from its bits.
 *
 * @example
 * encodeFlag({ version: 1, split: false, needAck: true }) // 5
 */
export function encodeFlag(bits: { version: number; split: boolean; needAck: boolean }): number {
  if (!Number.isInteger(bits.version) || bits.version < 0 || bits.version > 63) {
    throw new RangeError(`Flag version must be 0…63, got ${bits.version}`);
  }
  return (bits.version << 2) | (bits.split ? 2 : 0) | (bits.needAck ? 1 : 0);
}
