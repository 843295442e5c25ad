import { describe, expect, it } from "vitest";
import { stationLook } from "../public/js/map.js";

const app = { standards: { metrics: { noi: { unit: "ions/cm³" } } } };

describe("stationLook", () => {
  it("says a station that never reported has no data yet, not that it went offline", () => {
    expect(stationLook(app, { silent: true, lastReadingAt: null, state: null })).toMatchObject({
      short: "尚无数据",
      text: "尚无数据",
    });
    expect(stationLook(app, { silent: true, lastReadingAt: "2026-11-29T08:00:00+08:00" }).short).toBe("离线");
  });

  it("labels the NOI state as the hourly mean, in the metric's unit as Chinese writes it (个/cm³)", () => {
    const look = stationLook(app, {
      silent: false,
      state: {
        type: "noi",
        label: "2026-11-29T10:00:00+08:00",
        value: 841.2,
        grade: { grade: "I", zh: "非常清新", en: "very fresh", color: "#1e88e5" },
      },
    });
    // The unit as the alerts and charts write it in Chinese (labels.js unitText).
    expect(look.text).toBe("小时均值 841 个/cm³ · I · 非常清新 (2026-11-29 10:00)");
  });
});
