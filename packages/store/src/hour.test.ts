import { describe, expect, it } from "vitest";
import { HOUR_MS, hourEndOf } from "./hour.ts";

describe("hourEndOf (air-aqi.md §8: an hour is labelled by its end)", () => {
  const h3 = Date.UTC(2026, 0, 1, 3);
  it.each([
    ["exactly on the hour opens the next label", h3, h3 + HOUR_MS],
    ["one ms after the hour", h3 + 1, h3 + HOUR_MS],
    ["last ms of the hour", h3 + HOUR_MS - 1, h3 + HOUR_MS],
    ["epoch zero", 0, HOUR_MS],
    ["one ms before epoch", -1, 0],
    ["exactly one hour before epoch", -HOUR_MS, 0],
  ])("%s", (_name, ts, expected) => {
    expect(hourEndOf(ts)).toBe(expected);
  });
});
