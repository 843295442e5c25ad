import { describe, expect, it } from "vitest";
import { ArrivalLine } from "./arrival-line.ts";

interface Entry {
  readonly id: number;
  state: "pending" | "done";
}

describe("ArrivalLine", () => {
  it("lets items leave in arrival order, each once it and every earlier one are settled", () => {
    const line = new ArrivalLine<Entry>();
    const entries = [1, 2, 3].map((id): Entry => ({ id, state: "pending" }));
    for (const e of entries) line.push(e);
    const left: number[] = [];
    const drain = () =>
      line.drain(
        (e) => e.state === "pending",
        (e) => left.push(e.id),
      );
    (entries[1] as Entry).state = "done";
    drain();
    expect(left).toEqual([]);
    (entries[0] as Entry).state = "done";
    drain();
    expect(left).toEqual([1, 2]);
    expect(line.length).toBe(1);
    (entries[2] as Entry).state = "done";
    drain();
    expect(left).toEqual([1, 2, 3]);
    expect(line.length).toBe(0);
  });

  it("keeps order across its compaction when the line never empties", () => {
    const line = new ArrivalLine<Entry>();
    const left: number[] = [];
    let next = 0;
    const pending: Entry[] = [];
    // Always one pending item at the tail: the line never empties, so it compacts instead.
    for (let round = 0; round < 5000; round++) {
      const e: Entry = { id: next++, state: "pending" };
      line.push(e);
      pending.push(e);
      if (pending.length > 1) (pending.shift() as Entry).state = "done";
      line.drain(
        (x) => x.state === "pending",
        (x) => left.push(x.id),
      );
      expect(line.length).toBe(1);
    }
    expect(left).toEqual(Array.from({ length: 4999 }, (_, i) => i));
  });
});
