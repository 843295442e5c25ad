/**
 * Items of one connection that must leave in the order they arrived, each once it is settled (a
 * PUBACK line: MQTT 3.1.1 §4.6, 5.0 §4.6). A queue with a head index: `Array.shift` on a line of up
 * to the in-flight window (1000) copied the rest on every acknowledgement and was ingest's largest
 * own cost under load.
 *
 * @example
 * const line = new ArrivalLine<{ state: "pending" | "done" }>();
 * line.push(entry);
 * // … later, once entry.state changed:
 * line.drain((e) => e.state === "pending", (e) => sendPuback(e));
 */
export class ArrivalLine<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  /** Items not yet taken off. */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Takes off, in arrival order, the items at the head that are not pending, calling `leave` for each. */
  drain(isPending: (item: T) => boolean, leave: (item: T) => void): void {
    const { items } = this;
    while (this.head < items.length) {
      const item = items[this.head] as T;
      if (isPending(item)) break;
      items[this.head] = undefined;
      this.head++;
      leave(item);
    }
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }
}
