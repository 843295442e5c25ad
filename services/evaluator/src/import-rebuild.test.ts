import { createStationRegistry } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, DEC_1, H, hourPm25, shippedRules } from "./testdata/fixtures.ts";

const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-import-",
  registry: createStationRegistry([airStation("aq-1")]),
  rules: shippedRules,
  startClock: DEC_1,
});

const heavyEvents = () =>
  harness.alerts.filter((a) => a.ruleId === "aqi-hourly-heavy" && a.stationId === "aq-1").map((a) => a.type);

describe("imported readings the live windows cannot take", { timeout: 30_000 }, () => {
  it("an audited value imported over a live one rebuilds the station from the store, and the rules see it", async () => {
    await harness.evaluator({ config: { importSettleMs: 100 } }).start();
    const h1 = DEC_1 + H;
    harness.clock = h1 + 60_000;
    // Live: PM2.5 20 µg/m³ over the hour (an instrument fault, it turns out).
    await harness.bus.publish("readings", [
      { key: "aq-1", value: hourPm25(h1, 20, { source: "mqtt-json" }) },
    ]);
    await harness.settled();
    expect(heavyEvents()).toEqual([]);
    // The audited data of the same hour, imported: 200 µg/m³, IAQI 250 (HJ 633-2012 Table 1), above 200.
    await harness.bus.publish("readings", [{ key: "aq-1", value: hourPm25(h1, 200, { source: "import" }) }]);
    await waitFor(() => heavyEvents().length > 0, { timeoutMs: 15_000 });
    expect(heavyEvents()).toEqual(["raised"]);
    expect(
      (await harness.store.queryReadings({ stationId: "aq-1", from: DEC_1, to: h1 })).map((r) => r.value),
    ).toEqual([200]);
  });
});
