import type { IHeaders, KafkaMessage, Message } from "kafkajs";

/**
 * Header of a record that holds several bus messages of one key: its value is the JSON array of
 * their values, in publish order. A record without it holds one message (its value is that
 * message's JSON), which is also how records written before packing existed read.
 */
export const PACKED_HEADER = "qingshan-packed";

/** Bytes a packed record keeps free for its header (name, count and their varint lengths). */
const HEADER_ALLOWANCE = 32;

/** One bus message, encoded: its key and the JSON text of its value. */
export interface EncodedMessage {
  readonly key: string;
  readonly value: string;
}

/**
 * Packs the messages of one publish into Kafka records: those sharing a key become as few records
 * as fit in `limitBytes` each (key + packed value + header: the limit a single message has). kafkajs spends
 * its producer CPU per record (framing, varints, the copy into the batch), and the brokers store
 * and the consumers fetch per record too; ingest publishes one message per reading, several per
 * station message. A key's messages keep their order; keys are emitted in order of first
 * appearance. A key with one message gets a plain record.
 *
 * @example
 * packByKey([{ key: "a", value: "1" }, { key: "a", value: "2" }], 1000)
 * // [{ key: "a", value: "[1,2]", headers: { "qingshan-packed": "2" } }]
 */
export function packByKey(messages: readonly EncodedMessage[], limitBytes: number): Message[] {
  const byKey = new Map<string, EncodedMessage[]>();
  for (const m of messages) {
    const list = byKey.get(m.key);
    if (list === undefined) byKey.set(m.key, [m]);
    else list.push(m);
  }
  const records: Message[] = [];
  for (const [key, list] of byKey) {
    if (list.length === 1) {
      records.push({ key, value: (list[0] as EncodedMessage).value });
      continue;
    }
    const keyBytes = Buffer.byteLength(key);
    const packLimit = limitBytes - HEADER_ALLOWANCE;
    let values: string[] = [];
    // "[" + "]" of the packed value.
    let bytes = keyBytes + 2;
    const flush = () => {
      if (values.length === 1) records.push({ key, value: values[0] as string });
      else if (values.length > 1)
        records.push({
          key,
          value: `[${values.join(",")}]`,
          headers: { [PACKED_HEADER]: String(values.length) },
        });
      values = [];
      bytes = keyBytes + 2;
    };
    for (const m of list) {
      const valueBytes = Buffer.byteLength(m.value);
      const cost = valueBytes + (values.length > 0 ? 1 : 0);
      if (values.length > 0 && bytes + cost > packLimit) flush();
      values.push(m.value);
      bytes += valueBytes + (values.length > 1 ? 1 : 0);
    }
    flush();
  }
  return records;
}

/** How many bus messages a fetched record holds (1 unless it is packed). */
export function packedCount(headers: IHeaders | undefined): number {
  const header = headers?.[PACKED_HEADER];
  if (header === undefined) return 1;
  const count = Number(String(header));
  return Number.isInteger(count) && count >= 1 ? count : 1;
}

/**
 * The values of a fetched record: the parsed array of a packed record, or the one parsed value.
 * Throws when the value is not JSON, or a packed value is not an array of the length its header
 * gives.
 */
export function unpackValues(message: KafkaMessage): unknown[] {
  if (message.value === null) throw new Error("message without a value");
  const parsed = JSON.parse(message.value.toString("utf8")) as unknown;
  if (message.headers?.[PACKED_HEADER] === undefined) return [parsed];
  const count = packedCount(message.headers);
  if (!Array.isArray(parsed) || parsed.length !== count) {
    throw new Error(`a packed record must hold a JSON array of ${count} values`);
  }
  return parsed;
}
