/**
 * The partition of a key: FNV-1a (32-bit) of its UTF-16 code units, modulo the partition count.
 * Stable across processes and runs, so a station always lands on the same partition.
 *
 * @example
 * partitionOf("ld-aq-01", 8); // always the same number in 0..7
 */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
