import type { Message, Producer, TopicMessages } from "kafkajs";
import { BusError } from "../errors.ts";

interface Pending {
  readonly topic: string;
  readonly messages: Message[];
  /** Estimated encoded size of each message (record overhead included). */
  readonly sizes: number[];
  /** Index of the first message not yet put into a request. */
  next: number;
  settled: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/*
 * Upper bounds of the produce request framing (Kafka protocol, Produce v3+ with record batch v2),
 * so that the estimate never comes out below what kafkajs puts on the wire.
 */
/** Request header, client id, transactional id, acks, timeout, topic array length. */
const REQUEST_OVERHEAD = 512;
/** Topic name length prefix and partition array length. */
const TOPIC_OVERHEAD = 8;
/** Partition id, record set size and the record batch header (61 bytes) of one partition. */
const BATCH_OVERHEAD = 80;
/** Record framing: length, attributes, timestamp and offset deltas, key/value lengths, header count (varints). */
const RECORD_OVERHEAD = 40;

function byteLength(data: Message["key"] | Message["value"]): number {
  if (data === null || data === undefined) return 0;
  return typeof data === "string" ? Buffer.byteLength(data) : data.length;
}

/** Header framing: key and value lengths (varints). */
const HEADER_OVERHEAD = 10;

/** Estimated encoded size of one record (an upper bound). */
export function recordSize(message: Message): number {
  let size = byteLength(message.key) + byteLength(message.value) + RECORD_OVERHEAD;
  if (message.headers !== undefined) {
    for (const [name, value] of Object.entries(message.headers)) {
      size += Buffer.byteLength(name) + HEADER_OVERHEAD;
      if (typeof value === "string" || Buffer.isBuffer(value)) size += byteLength(value);
      else if (Array.isArray(value)) for (const v of value) size += byteLength(v) + HEADER_OVERHEAD;
    }
  }
  return size;
}

/** Estimated size of a produce request holding just this record (an upper bound). */
function aloneSize(topic: string, size: number): number {
  return REQUEST_OVERHEAD + Buffer.byteLength(topic) + TOPIC_OVERHEAD + BATCH_OVERHEAD + size;
}

/**
 * Largest key + value (bytes) of a message that fits alone in a produce request of
 * `maxRequestBytes` to `topic` (the Kafka topic name): the request's framing subtracted.
 *
 * @example
 * maxMessageBytesFor("qingshan.readings", 900_000) // 899 343
 */
export function maxMessageBytesFor(topic: string, maxRequestBytes: number): number {
  return maxRequestBytes - aloneSize(topic, RECORD_OVERHEAD);
}

/**
 * True when the brokers refused a request because of its size: MESSAGE_TOO_LARGE (a record batch
 * above `message.max.bytes` / the topic's `max.message.bytes`) or RECORD_LIST_TOO_LARGE (above the
 * segment size). kafkajs does not retry these; the same request would fail again anyway.
 */
export function isTooLargeError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === "object"; depth++) {
    const type = (current as { type?: unknown }).type;
    if (type === "MESSAGE_TOO_LARGE" || type === "RECORD_LIST_TOO_LARGE") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Sends publishes through one idempotent producer with one request in flight: whatever was
 * published while a request was on the wire goes out in the next requests (natural batching,
 * like the in-process bus), cut so that no request exceeds `maxRequestBytes` (the brokers refuse
 * larger ones) or `maxRequestRecords` records. Because requests never overlap and are cut in
 * queue order, publishes reach each partition in call order even when callers do not await each
 * other.
 */
export class Publisher {
  /** Publishes not yet completely put into a request; `queue[0]` may be partly sent. */
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private producer: Producer;
  private closed = false;
  /** Set while requests fail (since when, why); cleared by a request or a reconnect that succeeds. */
  failing: { readonly since: number; readonly reason: string } | undefined;

  /**
   * `createProducer` makes an idempotent producer; a new one replaces it after a failed request.
   * `onReplace` is told why.
   */
  constructor(
    private readonly createProducer: () => Producer,
    private readonly maxRequestBytes: number,
    private readonly onReplace: (error: unknown) => void = () => {},
    private readonly maxRequestRecords = Number.POSITIVE_INFINITY,
  ) {
    this.producer = createProducer();
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Disconnects the producer; call after `drain`. */
  async disconnect(): Promise<void> {
    this.closed = true;
    await this.producer.disconnect();
  }

  /**
   * Resolves once the brokers acknowledged every message (acks = all). Rejects at once with
   * `bus.message_too_large` when one message alone does not fit in a request; nothing of that
   * publish is sent, and other publishes are not held up.
   */
  send(topic: string, messages: Message[]): Promise<void> {
    const sizes: number[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as Message;
      const size = recordSize(message);
      if (aloneSize(topic, size) > this.maxRequestBytes) {
        return Promise.reject(
          new BusError(
            "bus.message_too_large",
            `message ${i} of the publish to "${topic}" (key "${String(message.key)}") is ${size} bytes encoded; a produce request holding it would exceed maxRequestBytes = ${this.maxRequestBytes} bytes`,
          ),
        );
      }
      sizes[i] = size;
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, messages, sizes, next: 0, settled: false, resolve, reject });
      if (this.flushing === undefined) this.flushing = this.flush();
    });
  }

  /**
   * Waits up to `timeoutMs` for everything queued to be sent; what is still queued then is
   * rejected with `error` (never completely sent, so upstream must not acknowledge it).
   */
  async drain(timeoutMs: number, error: unknown): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const sent = (async () => {
      while (this.flushing !== undefined) await this.flushing;
    })();
    await Promise.race([sent, timeout]);
    clearTimeout(timer);
    for (const p of this.queue.splice(0)) this.settle(p, error);
  }

  private async flush(): Promise<void> {
    // Let the publishes of this tick join the first request.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const { topicMessages, involved, completed, bytes, count } = this.nextRequest();
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
        this.failing = undefined;
        for (const p of completed) this.settle(p);
      } catch (error) {
        const failure = isTooLargeError(error)
          ? new BusError(
              "bus.message_too_large",
              `the brokers refused a produce request of ${count} messages (~${bytes} bytes) as too large; set maxRequestBytes below the brokers' message.max.bytes and the topics' max.message.bytes`,
              { cause: error },
            )
          : error;
        if (!isTooLargeError(error)) this.noteFailure(error);
        // A publish partly sent before stays failed: its rest is not sent (the caller retries it whole).
        for (const p of involved) {
          this.settle(p, failure);
          const at = this.queue.indexOf(p);
          if (at >= 0) this.queue.splice(at, 1);
        }
        await this.replaceProducer(error);
      }
    }
    this.flushing = undefined;
  }

  /**
   * After a failed request kafkajs rolls back the sequence numbers of every partition in it, also
   * of partitions the broker did append (a request refused for one partition is applied for the
   * others). The next batch to such a partition would reuse those numbers, and the broker would
   * acknowledge it as a duplicate without writing it — a silent loss. A new producer (new producer
   * id, fresh sequences) cannot collide.
   */
  private async replaceProducer(error: unknown): Promise<void> {
    if (this.closed) return;
    this.onReplace(error);
    const old = this.producer;
    void old.disconnect().catch(() => {});
    for (let delayMs = 100; !this.closed; delayMs = Math.min(delayMs * 2, 5_000)) {
      const next = this.createProducer();
      try {
        await next.connect();
        this.producer = next;
        this.failing = undefined;
        if (this.closed) await next.disconnect().catch(() => {});
        return;
      } catch (connectError) {
        this.noteFailure(connectError);
        this.onReplace(connectError);
        await next.disconnect().catch(() => {});
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  private noteFailure(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.failing = { since: this.failing?.since ?? Date.now(), reason };
  }

  /** Takes messages from the head of the queue, in order, until the next would exceed a limit. */
  private nextRequest(): {
    topicMessages: TopicMessages[];
    involved: Pending[];
    completed: Pending[];
    bytes: number;
    count: number;
  } {
    const byTopic = new Map<string, Message[]>();
    const batches = new Set<string>();
    const involved: Pending[] = [];
    const completed: Pending[] = [];
    let bytes = REQUEST_OVERHEAD;
    let count = 0;
    let taken = 0;
    let full = false;
    for (const p of this.queue) {
      let list = byTopic.get(p.topic);
      while (p.next < p.messages.length) {
        const message = p.messages[p.next] as Message;
        let cost = p.sizes[p.next] as number;
        if (list === undefined) cost += Buffer.byteLength(p.topic) + TOPIC_OVERHEAD;
        // Batches are per partition; one per key bounds them without running the partitioner here.
        const batch = `${p.topic}\u0000${String(message.key)}`;
        const newBatch = !batches.has(batch);
        if (newBatch) cost += BATCH_OVERHEAD;
        if (count > 0 && (bytes + cost > this.maxRequestBytes || count >= this.maxRequestRecords)) {
          full = true;
          break;
        }
        if (list === undefined) {
          list = [];
          byTopic.set(p.topic, list);
        }
        if (newBatch) batches.add(batch);
        list.push(message);
        bytes += cost;
        count++;
        if (involved.at(-1) !== p) involved.push(p);
        p.next++;
      }
      if (full) break;
      completed.push(p);
      taken++;
    }
    this.queue.splice(0, taken);
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    return { topicMessages, involved, completed, bytes, count };
  }

  private settle(p: Pending, error?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    if (error === undefined) p.resolve();
    else p.reject(error);
  }
}
