import { describe, expect, it } from "vitest";
import { createSerialQueue } from "./serial-queue.ts";

describe("createSerialQueue", () => {
  it("runs one task at a time, in call order", async () => {
    const queue = createSerialQueue();
    const events: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      events.push(`start ${name}`);
      await new Promise<void>((resolve) => setImmediate(resolve));
      events.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([queue.run(task("a")), queue.run(task("b")), queue.run(task("c"))]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(maxRunning).toBe(1);
    expect(events).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("keeps going after a failed task and reports the failure to its caller only", async () => {
    const queue = createSerialQueue();
    const failed = queue.run(async () => {
      throw new Error("boom");
    });
    const next = queue.run(async () => 42);
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe(42);
  });

  it("idle() waits for everything queued and pending counts queued tasks", async () => {
    const queue = createSerialQueue();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let done = false;
    void queue.run(() => gate);
    void queue.run(async () => {
      done = true;
    });
    expect(queue.pending).toBe(2);
    const idle = queue.idle();
    release();
    await idle;
    expect(done).toBe(true);
    expect(queue.pending).toBe(0);
  });
});
