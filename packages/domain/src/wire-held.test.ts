// An observation refused for its time or period is not stored, and the station is still told
// what else is wrong with it: every problem at once, not one per resend.
import { describe, expect, it } from "vitest";
import { createStationRegistry } from "./registry.ts";
import { decodeStationMessage } from "./wire.ts";

const registry = createStationRegistry([
  {
    id: "ld-aq-01",
    name: { zh: "测试站", en: "Test" },
    kind: "air",
    location: { lat: 28.45, lon: 119.92 },
    township: "万象街道",
  },
]);
const now = Date.parse("2026-12-01T12:00:00+08:00");
const decode = (payload: object) =>
  decodeStationMessage("stations/ld-aq-01/air", JSON.stringify(payload), {
    now,
    lookupStation: registry.get,
  });

describe("an observation refused for its time or period", () => {
  it("reports its value and flag problems beside the time's, and stores nothing", () => {
    const out = decode({ ts: now + 86_400_000, values: { pm25: "-3.5", pm10: 40 }, flags: { pm10: "Q" } });
    expect(out.readings).toEqual([]);
    expect(out.rejections.map((r) => [r.code, r.path])).toEqual([
      ["ts.future", "ts"],
      ["value.not_number", "values.pm25"],
      ["flag.unknown", "flags.pm10"],
    ]);
  });

  it("a bad period likewise", () => {
    const out = decode({ ts: now - 3_600_000, period: "P1D", values: { pm25: -1, pm10: 40 } });
    expect(out.readings).toEqual([]);
    expect(out.rejections.map((r) => r.code)).toEqual(["period.invalid", "value.out_of_range"]);
  });

  it("with good values, only the time is reported", () => {
    const out = decode({ ts: now - 30 * 86_400_000, values: { pm25: 35, pm10: 40 } });
    expect(out.readings).toEqual([]);
    expect(out.rejections.map((r) => r.code)).toEqual(["ts.too_late"]);
  });
});
