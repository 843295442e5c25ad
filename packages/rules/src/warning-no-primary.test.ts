import { HOUR_MS } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { airStation, registry } from "./testdata/noi-and-air-stations.ts";
import { ruleRig, SHIPPED_RULES } from "./testdata/rule-rig.ts";

// Reviewer finding 3: a warning stepping down at AQI24 40 gave as its detail the primary pollutant
// of an earlier hour ("primary pollutant of the 24-h rolling AQI 74 at …") next to 实测 40. An AQI
// ≤ 50 has no primary pollutant (HJ 633): the detail says so for the present value, and the
// earlier pollutant is labelled as the last hour that had one.
const t0 = Date.parse("2026-12-01T01:00:00+08:00");

describe("heavy-pollution warning details at an AQI ≤ 50", () => {
  it("say there is no primary pollutant now, and label the earlier one", () => {
    const { hour, events } = ruleRig({
      rules: SHIPPED_RULES.filter((r) => r.id === "heavy-pollution-warning"),
      registry,
      station: airStation,
      metrics: ["pm25"],
      now: t0,
    });
    for (let i = 0; i < 30; i++) hour(t0 + i * HOUR_MS, { pm25: 300 });
    for (let i = 30; i < 100; i++) hour(t0 + i * HOUR_MS, { pm25: 10 });
    const warning = events.filter((e) => e.ruleId === "heavy-pollution-warning");
    const low = warning.filter((e) => (e.value ?? 999) <= 50);
    expect(low.length).toBeGreaterThan(0);
    for (const e of low) {
      const [now, earlier] = e.details ?? [];
      expect(now).toMatchObject({ metric: "aqi", value: e.value });
      expect(now?.note).toMatch(
        new RegExp(
          `^24小时滑动AQI ${e.value} ≤ 50，无首要污染物（\\d+月\\d+日 \\d\\d:00，HJ 633） / no primary pollutant \\(24-h rolling AQI ≤ 50, HJ 633\\) at \\d+ Dec \\d\\d:00$`,
        ),
      );
      expect(earlier?.metric).toBe("pm25");
      // Chinese first, as the e-mail's Detail row is read; Beijing times as people write them.
      expect(earlier?.note).toMatch(
        /^最近有首要污染物的一小时：24小时均值；24小时滑动AQI \d+（\d+月\d+日 \d\d:00）的首要污染物.* \/ last hour with a primary pollutant: 24-h mean; primary pollutant of the 24-h rolling AQI \d+ at \d+ Dec \d\d:00/,
      );
      expect(earlier?.note).not.toMatch(/\d{4}-\d\d-\d\dT/);
    }
    // Above 50 the detail is the present value's own primary pollutant, unlabelled.
    for (const e of warning.filter((x) => (x.value ?? 0) > 50)) expect(e.details?.[0]?.metric).toBe("pm25");
  });
});
