import { createStationRegistry, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, DEC_1, H, shippedRules } from "./testdata/fixtures.ts";

const stations = createStationRegistry([airStation("aq-1")]);
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-too-late-text-",
  registry: stations,
  rules: shippedRules,
  startClock: DEC_1,
});

function pm25(hourEnd: number, value: number): { key: string; value: Reading } {
  const r: Reading = {
    stationId: "aq-1",
    metric: "pm25",
    ts: hourEnd - H,
    periodMs: H,
    value,
    flag: "N",
    source: "mqtt-json",
    receivedAt: hourEnd,
  };
  return { key: "aq-1", value: r };
}

describe("window.too_late dead letters", () => {
  it("name the reading's time in Beijing time, as the rest of the text (domain README: rejections in Beijing time)", async () => {
    await harness.evaluator().start();
    harness.clock = DEC_1 + 10 * H + 60_000;
    await harness.bus.publish("readings", [pm25(DEC_1 + 10 * H, 30)]);
    await harness.settled();
    // The hour 04:00–05:00 Beijing time (2026-11-30T20:00Z), 5 h behind the newest with 2 h lateness.
    await harness.bus.publish("readings", [pm25(DEC_1 + 5 * H, 40)]);
    await harness.settled();
    await waitFor(async () => (await harness.store.queryDeadLetters({ stationId: "aq-1" })).length === 1, {
      timeoutMs: 5000,
    });
    const [letter] = await harness.store.queryDeadLetters({ stationId: "aq-1" });
    expect(letter?.code).toBe("window.too_late");
    expect(letter?.message.startsWith("pm25 at 2026-12-01T04:00:00+08:00: ")).toBe(true);
    expect(letter?.message).not.toMatch(/\d\d:\d\d(:\d\d(\.\d+)?)?Z/);
  });
});
