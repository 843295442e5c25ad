import { describe, expect, it } from "vitest";
import type { Delivery } from "../bus.ts";
import { PublishTicket } from "./message.ts";
import { PartitionQueue } from "./partition-queue.ts";

function deliveries(from: number, count: number): Delivery<number>[] {
  return Array.from({ length: count }, (_, i) => ({
    key: "k",
    value: from + i,
    partition: 0,
    offset: String(from + i),
  }));
}

describe("PartitionQueue", () => {
  it("peeks and takes across chunk boundaries in publish order", () => {
    const q = new PartitionQueue();
    q.push({ deliveries: deliveries(0, 3), ticket: undefined });
    q.push({ deliveries: [], ticket: undefined });
    q.push({ deliveries: deliveries(3, 2), ticket: undefined });
    q.push({ deliveries: deliveries(5, 4), ticket: undefined });
    expect(q.size).toBe(9);
    expect(q.peek(4).map((d) => d.value)).toEqual([0, 1, 2, 3]);
    expect(q.take(4)).toBe(4);
    expect(q.size).toBe(5);
    expect(q.peek(3).map((d) => d.value)).toEqual([4, 5, 6]);
    expect(q.peek(100).map((d) => d.value)).toEqual([4, 5, 6, 7, 8]);
    expect(q.take(100)).toBe(5);
    expect(q.size).toBe(0);
    expect(q.peek(10)).toEqual([]);
  });

  it("resolves a ticket only once all its messages, in every chunk, were taken", async () => {
    const ticket = new PublishTicket(5);
    let resolved = false;
    void ticket.promise.then(() => {
      resolved = true;
    });
    const q = new PartitionQueue();
    q.push({ deliveries: deliveries(0, 2), ticket: undefined });
    q.push({ deliveries: deliveries(2, 3), ticket });
    const other = new PartitionQueue();
    other.push({ deliveries: deliveries(10, 2), ticket });
    q.take(4);
    other.take(2);
    await Promise.resolve();
    expect(ticket.remaining).toBe(1);
    expect(resolved).toBe(false);
    q.take(1);
    await ticket.promise;
    expect(resolved).toBe(true);
    ticket.reject(new Error("too late"));
    await expect(ticket.promise).resolves.toBeUndefined();
  });

  it("drain returns the chunks not fully taken", () => {
    const q = new PartitionQueue();
    const a = { deliveries: deliveries(0, 2), ticket: undefined };
    const b = { deliveries: deliveries(2, 2), ticket: undefined };
    q.push(a);
    q.push(b);
    q.take(3);
    expect(q.drain()).toEqual([b]);
    expect(q.size).toBe(0);
  });
});
