import { createStationRegistry, type Reading } from "@qingshan/domain";
import { waitFor } from "@qingshan/testkit";
import { describe, expect, it } from "vitest";
import { evaluatorHarness } from "./testdata/evaluator-harness.ts";
import { airStation, DEC_1, H, shippedRules } from "./testdata/fixtures.ts";

// The QA case: hourly PM2.5 means for the hours labelled 16:00 and 17:00 (air-aqi.md §8: an hour
// is labelled by its end), then one instantaneous sample at 18:24 in the hour 18:00–19:00, which
// an hourly-reporting station credits to the whole hour — evaluated before that hour has ended.
const stations = createStationRegistry([airStation("aq-1")]);
const harness = evaluatorHarness({
  dirPrefix: "qingshan-evaluator-in-progress-",
  registry: stations,
  rules: shippedRules,
  startClock: DEC_1,
});

const MIN = 60_000;

function pm25(
  ts: number,
  periodMs: number,
  value: number,
  receivedAt: number,
): { key: string; value: Reading } {
  return {
    key: "aq-1",
    value: {
      stationId: "aq-1",
      metric: "pm25",
      ts,
      periodMs,
      value,
      flag: "N",
      source: "mqtt-json",
      receivedAt,
    },
  };
}

const heavy = () => harness.alerts.filter((e) => e.ruleId === "aqi-hourly-heavy");

describe("alerts on an hour that has not ended", () => {
  it("a raise on the hour 18:00–19:00 at 18:24 says so; the same hour evaluated after its end adds no event", async () => {
    await harness.evaluator().start();
    harness.clock = DEC_1 + 17 * H + 5 * MIN;
    await harness.bus.publish("readings", [
      pm25(DEC_1 + 15 * H, H, 40, DEC_1 + 16 * H),
      pm25(DEC_1 + 16 * H, H, 45, DEC_1 + 17 * H),
    ]);
    await harness.settled();
    expect(heavy()).toEqual([]);
    harness.clock = DEC_1 + 18 * H + 24 * MIN;
    await harness.bus.publish("readings", [pm25(DEC_1 + 18 * H + 24 * MIN, 0, 320, harness.clock)]);
    await harness.settled();
    await waitFor(() => heavy().length > 0, { timeoutMs: 5000 });
    const [raised] = heavy();
    expect([raised?.type, raised?.value, raised?.dataTime, raised?.message]).toEqual([
      "raised",
      370,
      "2026-12-01T19:00:00+08:00",
      {
        zh:
          "【严重】莲都站：小时AQI重度及以上污染（AQI > 200）（严重污染）。小时AQI 370；1小时均值；阈值 > 300；" +
          "开始于 12月1日 18:00–19:00（北京时间）。" +
          "数据时段 12月1日 18:00–19:00（北京时间，进行中 / in progress）尚未结束，数值为暂定值，可能变化。",
        en:
          "[critical] Liandu station: Hourly AQI heavily or severely polluted (above 200) (severely polluted). " +
          "hourly AQI 370; 1-h mean; threshold > 300; since 1 Dec 18:00–19:00 Beijing time. " +
          "The hour 1 Dec 18:00–19:00 Beijing time (进行中 / in progress) has not ended: the value is provisional and may change.",
      },
    ]);
    // 19:03: the hour's mean arrives after its end and still holds: nothing new to announce.
    harness.clock = DEC_1 + 19 * H + 3 * MIN;
    await harness.bus.publish("readings", [pm25(DEC_1 + 18 * H, H, 318, harness.clock)]);
    await harness.settled();
    expect(heavy().map((e) => e.type)).toEqual(["raised"]);
  });

  it("say the hour's span, in progress, and that the value may change; an ended hour does not", async () => {
    await harness.evaluator().start();
    harness.clock = DEC_1 + 17 * H + 5 * MIN;
    await harness.bus.publish("readings", [
      pm25(DEC_1 + 15 * H, H, 160, DEC_1 + 16 * H),
      pm25(DEC_1 + 16 * H, H, 170, DEC_1 + 17 * H),
    ]);
    await harness.settled();
    const ended = heavy();
    expect(ended.length).toBeGreaterThan(0);
    for (const e of ended) {
      expect(e.message.zh).not.toContain("进行中");
      expect(e.message.en).not.toContain("in progress");
    }
    const before = ended.length;
    // 18:24: PM2.5 320 µg/m³, IAQI 370 for the hour 18:00–19:00, which has not ended.
    harness.clock = DEC_1 + 18 * H + 24 * MIN;
    await harness.bus.publish("readings", [pm25(DEC_1 + 18 * H + 24 * MIN, 0, 320, harness.clock)]);
    await harness.settled();
    await waitFor(() => heavy().length > before, { timeoutMs: 5000 });
    const early = heavy().slice(before);
    expect(early.map((e) => [e.type, e.value, e.dataTime])).toEqual([
      ["level_changed", 370, "2026-12-01T19:00:00+08:00"],
    ]);
    const [e] = early;
    expect(e?.message.zh).toContain(
      "数据时段 12月1日 18:00–19:00（北京时间，进行中 / in progress）尚未结束，数值为暂定值，可能变化。",
    );
    expect(e?.message.en).toContain(
      "The hour 1 Dec 18:00–19:00 Beijing time (进行中 / in progress) has not ended: the value is provisional and may change.",
    );
  });
});
