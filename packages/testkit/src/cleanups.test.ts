import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Cleanups, runCleanups, tempDir } from "./cleanups.ts";

describe("runCleanups", () => {
  it("runs the steps last pushed first, including steps pushed while cleaning up, and empties the list", async () => {
    const ran: string[] = [];
    const cleanups: Cleanups = [];
    cleanups.push(() => void ran.push("broker"));
    cleanups.push(async () => {
      ran.push("ingest");
      cleanups.push(() => void ran.push("pushed by ingest's step"));
    });
    await runCleanups(cleanups);
    expect(ran).toEqual(["ingest", "pushed by ingest's step", "broker"]);
    expect(cleanups).toEqual([]);
  });

  it("runs every step when one fails, then throws that step's error", async () => {
    const ran: string[] = [];
    const cleanups: Cleanups = [
      () => void ran.push("broker"),
      () => {
        throw new Error("ingest did not stop");
      },
      () => void ran.push("store"),
    ];
    await expect(runCleanups(cleanups)).rejects.toThrow("ingest did not stop");
    expect(ran).toEqual(["store", "broker"]);
  });

  it("throws an AggregateError naming how many failed when several do", async () => {
    const cleanups: Cleanups = [() => Promise.reject(new Error("a")), () => Promise.reject(new Error("b"))];
    const error = await runCleanups(cleanups).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).message).toBe("2 cleanup steps failed");
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(["b", "a"]);
  });
});

describe("tempDir", () => {
  it("makes a directory that its cleanup step removes", async () => {
    const cleanups: Cleanups = [];
    const dir = tempDir(cleanups, "qingshan-testkit-");
    expect(existsSync(dir)).toBe(true);
    await runCleanups(cleanups);
    expect(existsSync(dir)).toBe(false);
  });
});
