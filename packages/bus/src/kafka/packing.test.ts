import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { PACKED_HEADER, packByKey, packedCount, unpackValues } from "./packing.ts";

const fetched = (value: string, headers: Record<string, string> = {}): KafkaMessage => ({
  key: Buffer.from("k"),
  value: Buffer.from(value),
  timestamp: "0",
  attributes: 0,
  offset: "7",
  headers,
});

describe("packing a publish's messages into Kafka records", () => {
  it("packs each key's messages into one record, keeping their order, keys in order of first appearance", () => {
    const records = packByKey(
      [
        { key: "b", value: '{"n":1}' },
        { key: "a", value: '{"n":2}' },
        { key: "b", value: '{"n":3}' },
        { key: "b", value: '{"n":4}' },
      ],
      1000,
    );
    expect(records).toEqual([
      { key: "b", value: '[{"n":1},{"n":3},{"n":4}]', headers: { [PACKED_HEADER]: "3" } },
      { key: "a", value: '{"n":2}' },
    ]);
  });

  it("starts a new record before the limit would be passed; a message alone goes as a plain record", () => {
    const value = JSON.stringify({ pad: "x".repeat(90) }); // 100 bytes
    const records = packByKey(
      Array.from({ length: 7 }, () => ({ key: "k", value })),
      // key (1) + brackets (2) + 3 values and 2 commas (302) + the header's allowance (32) = 337
      337,
    );
    expect(records.map((r) => r.headers?.[PACKED_HEADER] ?? "plain")).toEqual(["3", "3", "plain"]);
    for (const r of records) expect(Buffer.byteLength(String(r.value)) + 1 + 32).toBeLessThanOrEqual(337);
    expect(
      records.flatMap((r) => unpackValues(fetched(String(r.value), r.headers as Record<string, string>))),
    ).toHaveLength(7);
  });

  it("reads a packed record as its values and a plain one (also one written before packing) as one value", () => {
    expect(unpackValues(fetched('[{"a":1},[2]]', { [PACKED_HEADER]: "2" }))).toEqual([{ a: 1 }, [2]]);
    expect(unpackValues(fetched("[1,2]"))).toEqual([[1, 2]]);
    expect(packedCount({ [PACKED_HEADER]: Buffer.from("5") })).toBe(5);
    expect(packedCount(undefined)).toBe(1);
  });

  it("refuses a packed record whose value is not an array of the count its header gives", () => {
    expect(() => unpackValues(fetched('{"a":1}', { [PACKED_HEADER]: "1" }))).toThrow(/array of 1 values/);
    expect(() => unpackValues(fetched("[1,2,3]", { [PACKED_HEADER]: "2" }))).toThrow(/array of 2 values/);
    expect(() => unpackValues(fetched("not json"))).toThrow(SyntaxError);
  });
});
