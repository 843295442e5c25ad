import { Writable } from "node:stream";
import { createStationRegistry, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createEvaluator } from "./evaluator.ts";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, DEC_1, H, shippedRules } from "./testdata/fixtures.ts";

const stations = createStationRegistry([
  airStation("aq-1"),
  airStation("aq-2", { zh: "碧湖站", en: "Bihu station" }),
]);
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-import-late-",
  registry: stations,
  rules: shippedRules,
  startClock: DEC_1,
});

function pm25(stationId: string, ts: number, value: number, source: Reading["source"]): Reading {
  return { stationId, metric: "pm25", ts, periodMs: H, value, flag: "N", source, receivedAt: ts + H };
}

describe("readings too late for the windows", () => {
  it("imported history is stored and counted, not dead-lettered; a late live reading still is", async () => {
    const lines: Record<string, unknown>[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const metricsRegistry = new Registry();
    const e = createEvaluator(
      { latenessMs: 2 * H, sweepSchedule: "0 0 1 1 *", maxBatch: 2000 },
      {
        bus: harness.bus,
        store: harness.store,
        registry: stations,
        rules: shippedRules,
        logger: pino({ level: "debug" }, logStream),
        metricsRegistry,
        now: () => harness.clock,
      },
    );
    harness.evaluators.push(e);
    await e.start();
    // Live data up to the 48th hour: the newest reading of both stations.
    const newest = DEC_1 + 47 * H;
    harness.clock = newest + H + 60_000;
    await harness.bus.publish(
      "readings",
      ["aq-1", "aq-2"].map((id) => ({ key: id, value: pm25(id, newest, 30, "mqtt-json") })),
    );
    await harness.settled();
    // Then history of the 40 hours before it (`qingshan import`): 38 hours per station are older
    // than the newest reading minus the lateness (2 h).
    const history = ["aq-1", "aq-2"].flatMap((id) =>
      Array.from({ length: 40 }, (_, i) => ({
        key: id,
        value: pm25(id, DEC_1 + (i + 7) * H, 40 + i, "import"),
      })),
    );
    await harness.bus.publish("readings", history);
    await harness.settled();
    // A station sending live data 10 hours late: operators must see it.
    await harness.bus.publish("readings", [
      { key: "aq-1", value: pm25("aq-1", newest - 10 * H, 50, "mqtt-json") },
    ]);
    await harness.settled();

    // The outbox sends dead letters in order: once the live one is stored, any before it is too.
    const live = `evaluator:aq-1:pm25:${newest - 10 * H}`;
    await waitFor(async () => (await harness.store.queryDeadLetters({})).some((l) => l.id === live), {
      timeoutMs: 5_000,
    });
    const letters = await harness.store.queryDeadLetters({});
    expect(letters.map((l) => [l.code, l.stationId, l.id])).toEqual([["window.too_late", "aq-1", live]]);
    // The history is stored and queryable all the same.
    for (const id of ["aq-1", "aq-2"])
      expect(await harness.store.queryReadings({ stationId: id, from: DEC_1, to: newest + H })).toHaveLength(
        41,
      );

    const tooLate = await metricsRegistry
      .getSingleMetric("qingshan_evaluator_readings_too_late_total")
      ?.get();
    const bySource = Object.fromEntries((tooLate?.values ?? []).map((v) => [v.labels.source, v.value]));
    expect(bySource).toEqual({ import: 2 * 38, "mqtt-json": 1 });
    const evaluated = await metricsRegistry
      .getSingleMetric("qingshan_evaluator_readings_evaluated_total")
      ?.get();
    expect(evaluated?.values.map((v) => v.value)).toEqual([2 + 2 * 2]);

    // One info line per batch of history (one per partition here), not one per reading.
    const partitions = new Set(["aq-1", "aq-2"].map((id) => harness.bus.partitionFor("readings", id)));
    const logged = lines.filter((l) => String(l.msg).includes("imported readings older than"));
    expect(logged).toHaveLength(partitions.size);
    expect(logged.every((l) => l.level === 30)).toBe(true);
    expect(logged.reduce((n, l) => n + Number(l.readings), 0)).toBe(2 * 38);
  });
});
