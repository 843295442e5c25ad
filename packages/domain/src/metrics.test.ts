import { describe, expect, it } from "vitest";
import { METRIC_IDS, metricInSentence } from "./metrics.ts";

describe("metricInSentence", () => {
  it("writes PM2.5, PM10 and O3 as symbols and lowers the capital of ordinary names only", () => {
    expect(metricInSentence("pm25")).toBe("PM2.5");
    expect(metricInSentence("pm10")).toBe("PM10");
    expect(metricInSentence("o3")).toBe("O3");
    expect(metricInSentence("nh3n")).toBe("ammonia nitrogen");
    expect(metricInSentence("ph")).toBe("pH");
    expect(metricInSentence("las")).toBe("anionic surfactant (LAS)");
  });
  it("names every metric of the catalogue", () => {
    for (const id of METRIC_IDS) expect(metricInSentence(id).length).toBeGreaterThan(1);
  });
});
