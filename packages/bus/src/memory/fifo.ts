/**
 * A first-in first-out queue with O(1) amortised push and removal from the head
 * (Array#shift is O(n), which matters for queues of 100 000 messages).
 */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The first item, without removing it. */
  first(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Removes and returns the first `n` items (or fewer). */
  take(n: number): T[] {
    const taken = this.items.slice(this.head, this.head + n);
    this.head += taken.length;
    if (this.head === this.items.length) {
      // Empty: drop the taken items' references (an idle queue must not keep its last messages alive).
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return taken;
  }

  /** Removes and returns everything. */
  drain(): T[] {
    return this.take(this.size);
  }
}
