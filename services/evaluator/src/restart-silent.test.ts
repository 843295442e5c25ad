import { createStationRegistry, type Reading } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { shippedRules } from "./testdata/fixtures.ts";

// A station that never reports (the demo's NOI stations): the sweep raises dq-station-silent three
// 5-min intervals after the evaluator started. A restart is a new evaluator on the same store; the
// store holds the alert but no reading of the station.
const MIN = 60_000;
const registry = createStationRegistry([
  {
    id: "noi-1",
    name: { zh: "白云山负氧离子站", en: "Baiyunshan NOI station" },
    kind: "noi",
    metrics: ["noi"],
    reportingIntervalMs: 5 * MIN,
    location: { lat: 28.47, lon: 119.9 },
    township: "白云街道",
  },
]);
const T0 = Date.parse("2026-12-01T21:30:00+08:00");

const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-restart-silent-",
  registry,
  rules: shippedRules,
  startClock: T0,
});
const { evaluator, settled } = harness;

const silent = () =>
  harness.alerts.filter((a) => a.ruleId === "dq-station-silent").map((a) => [a.type, a.alertId, a.startedAt]);

async function sweepAt(e: ReturnType<typeof evaluator>, t: number): Promise<void> {
  harness.clock = t;
  await e.sweep();
  await settled();
}

describe("a restart with an open silence alert and no stored data of the station", () => {
  it("continues the alert: no 'reporting again', no new raise; the station's first reading resolves it", async () => {
    const first = evaluator();
    await first.start();
    await settled();
    await sweepAt(first, T0 + 16 * MIN);
    const id = "dq-station-silent:noi-1:2026-12-01T21:45:00+08:00";
    const raised = ["raised", id, "2026-12-01T21:45:00+08:00"];
    expect(silent()).toEqual([raised]);
    await first.stop();

    harness.clock = T0 + 20 * MIN;
    const second = evaluator();
    await second.start();
    await settled();
    // Before the fix: resolved ("已恢复上报 / reporting again") at the first sweep, and raised
    // again as a new alert (started 15 min after the restart) at a later one.
    for (const t of [T0 + 21 * MIN, T0 + 40 * MIN, T0 + 3 * 60 * MIN]) await sweepAt(second, t);
    expect(silent()).toEqual([raised]);
    expect(second.view("noi-1")).toBeDefined();

    const reading: Reading = {
      stationId: "noi-1",
      metric: "noi",
      ts: T0 + 3 * 60 * MIN,
      periodMs: 5 * MIN,
      value: 1500,
      flag: "N",
      source: "mqtt-json",
      receivedAt: T0 + 3 * 60 * MIN + 5_000,
    };
    harness.clock = reading.receivedAt;
    await harness.bus.publish("readings", [{ key: "noi-1", value: reading }]);
    await settled();
    expect(silent()).toEqual([raised, ["resolved", id, "2026-12-01T21:45:00+08:00"]]);
  });
});
