import { Partitioners, type PartitionMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import { rememberingPartitioner } from "./partitioner.ts";

const partitions = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({
    partitionId: i,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));

describe("rememberingPartitioner", () => {
  it("gives every key the partition kafkajs' DefaultPartitioner gives it, also after the partition count changed", () => {
    const remembering = rememberingPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 500 }, (_, i) => `LD-AIR-${i}`);
    for (const count of [6, 6, 12, 1, 6]) {
      const partitionMetadata = partitions(count);
      for (const key of keys) {
        const args = { topic: "qingshan.readings", partitionMetadata, message: { key, value: "{}" } };
        expect(remembering(args)).toBe(reference(args));
      }
    }
  });

  it("keeps a record's explicit partition", () => {
    const remembering = rememberingPartitioner();
    const partitionMetadata = partitions(6);
    const key = "LD-AIR-01";
    const hashed = remembering({ topic: "t", partitionMetadata, message: { key, value: "{}" } });
    const other = (hashed + 1) % 6;
    expect(
      remembering({ topic: "t", partitionMetadata, message: { key, value: "{}", partition: other } }),
    ).toBe(other);
  });
});
