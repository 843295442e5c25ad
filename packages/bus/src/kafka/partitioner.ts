import { type ICustomPartitioner, Partitioners } from "kafkajs";

/** Keys whose partition is remembered per topic; past it the memory starts over (a cache only). */
const REMEMBERED_KEYS = 100_000;

/**
 * kafkajs' DefaultPartitioner (murmur2 of the key modulo the partition count, as the Java client)
 * with each key's partition remembered per topic and partition count. kafkajs calls it for every
 * record of every request and it hashes the key and filters the partition list each time, a
 * noticeable part of the producer's CPU; the result depends only on key and partition count, so
 * remembering it changes no partition. Records without a string key or with an explicit partition
 * go to kafkajs' own.
 */
export const rememberingPartitioner: ICustomPartitioner = () => {
  const hashed = Partitioners.DefaultPartitioner();
  const byTopic = new Map<string, { count: number; byKey: Map<string, number> }>();
  return (args) => {
    const { key, partition } = args.message;
    if (typeof key !== "string" || (partition !== undefined && partition !== null)) return hashed(args);
    const count = args.partitionMetadata.length;
    let known = byTopic.get(args.topic);
    if (known === undefined || known.count !== count || known.byKey.size >= REMEMBERED_KEYS) {
      known = { count, byKey: new Map() };
      byTopic.set(args.topic, known);
    }
    let found = known.byKey.get(key);
    if (found === undefined) {
      found = hashed(args);
      known.byKey.set(key, found);
    }
    return found;
  };
};
