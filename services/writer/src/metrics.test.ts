import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createWriterMetrics } from "./metrics.ts";

describe("writer metrics", () => {
  it("expose store-write retries at 0 per kind before the first one, so increase() sees the first burst", async () => {
    const registry = new Registry();
    createWriterMetrics(registry);
    const text = await registry.metrics();
    expect(text).toContain('qingshan_write_retries_total{kind="readings"} 0\n');
    expect(text).toContain('qingshan_write_retries_total{kind="deadletters"} 0\n');
  });
});
