import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit.ts";

describe("groupCommit", () => {
  it("writes submissions that arrive while a write runs in one call, in submission order", async () => {
    const calls: number[][] = [];
    let release: () => void = () => undefined;
    const submit = groupCommit<number>(async (items) => {
      calls.push([...items]);
      if (calls.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = submit([1]);
    await new Promise((r) => setTimeout(r, 0));
    const rest = [submit([2, 3]), submit([4]), submit([5])];
    release();
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([[1], [2, 3, 4, 5]]);
  });

  it("a submitter answered by one write, handing in more at once, joins the next write with those that waited", async () => {
    const calls: string[][] = [];
    let release: () => void = () => undefined;
    const submit = groupCommit<string>(async (items) => {
      calls.push([...items]);
      if (calls.length === 1) await new Promise<void>((r) => (release = r));
    });
    // As a bus partition does: its next batch is handed in as soon as the previous one is written,
    // a few promise hops later (handler, acknowledgement, dispatch).
    const partitionA = submit(["a1"]).then(async () => {
      for (let hop = 0; hop < 10; hop++) await Promise.resolve();
      await submit(["a2"]);
    });
    await new Promise((r) => setTimeout(r, 0));
    const partitionB = submit(["b1"]);
    release();
    await Promise.all([partitionA, partitionB]);
    expect(calls).toEqual([["a1"], ["b1", "a2"]]);
  });

  it("fails only the submitter whose items the store refuses", async () => {
    const calls: number[][] = [];
    const submit = groupCommit<number>(async (items) => {
      calls.push([...items]);
      if (items.includes(13)) throw new Error("refused");
    });
    const results = await Promise.allSettled([submit([1]), submit([13]), submit([2])]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(calls).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it("keeps each call within maxItems", async () => {
    const calls: number[][] = [];
    const submit = groupCommit<number>(async (items) => {
      calls.push([...items]);
    }, 3);
    await Promise.all([submit([1, 2]), submit([3]), submit([4, 5]), submit([6, 7, 8, 9])]);
    expect(calls).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ]);
  });
});
