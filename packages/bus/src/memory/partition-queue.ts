import type { Delivery } from "../bus.ts";
import type { Chunk } from "./message.ts";

/**
 * One group's queue of one partition: chunks (the messages of one publish) in publish order,
 * consumed from the head message by message. Queuing per chunk rather than per message keeps
 * the in-process bus at one queue entry per publish and group.
 *
 * @example
 * const q = new PartitionQueue(); q.push({ deliveries, ticket: undefined });
 * const batch = q.peek(1000); // … handler resolves …
 * q.take(batch.length);
 */
export class PartitionQueue {
  /** Messages queued (taken ones excluded). */
  size = 0;
  private chunks: Chunk[] = [];
  /** Index of the head chunk in `chunks`. */
  private head = 0;
  /** Messages of the head chunk already taken. */
  private within = 0;

  push(chunk: Chunk): void {
    if (chunk.deliveries.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.deliveries.length;
  }

  /** The first `n` messages (or fewer), without removing them. */
  peek(n: number): Delivery<unknown>[] {
    const out: Delivery<unknown>[] = [];
    let skip = this.within;
    for (let c = this.head; c < this.chunks.length && out.length < n; c++) {
      const deliveries = (this.chunks[c] as Chunk).deliveries;
      const end = Math.min(deliveries.length, skip + n - out.length);
      for (let i = skip; i < end; i++) out.push(deliveries[i] as Delivery<unknown>);
      skip = 0;
    }
    return out;
  }

  /** Removes the first `n` messages (or fewer), counting them on their chunks' tickets; returns how many. */
  take(n: number): number {
    const taken = Math.min(n, this.size);
    let left = taken;
    this.size -= taken;
    while (left > 0) {
      const chunk = this.chunks[this.head] as Chunk;
      const count = Math.min(left, chunk.deliveries.length - this.within);
      left -= count;
      this.within += count;
      if (this.within === chunk.deliveries.length) {
        this.head++;
        this.within = 0;
      }
      chunk.ticket?.acknowledge(count);
    }
    this.compact();
    return taken;
  }

  /** Removes everything; returns the chunks that were (partly) queued. */
  drain(): Chunk[] {
    const left = this.chunks.slice(this.head);
    this.chunks = [];
    this.head = 0;
    this.within = 0;
    this.size = 0;
    return left;
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      // Empty: drop the taken chunks' references (an idle queue must not keep its last messages alive).
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
