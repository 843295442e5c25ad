import { HOUR_MS } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { getOverHttp, reading, T, TEST_STATION, useApiFixture } from "../testdata/api-fixture.ts";

const MIN = 60_000;
const at = (hhmm: string) => T(`2026-11-06T${hhmm}:00+08:00`);

const api = useApiFixture({
  name: "hour-attribution",
  stations: [TEST_STATION.aq1],
  now: T("2026-11-07T12:00:00+08:00"),
  readings: [
    // The audit's import: PT1H samples starting off the hour.
    reading("aq1", "no2", at("02:50"), HOUR_MS, 70), // 10 min in 02:00–03:00
    reading("aq1", "no2", at("00:30"), HOUR_MS, 50), // 30 min in 00:00–01:00
    // Aligned as stations send them: an hourly mean, then twelve 5-min means.
    reading("aq1", "no2", at("03:00"), HOUR_MS, 30),
    ...Array.from({ length: 12 }, (_, i) =>
      reading("aq1", "no2", at("04:00") + i * 5 * MIN, 5 * MIN, 20 + i),
    ),
    // 45 min in the hour: enough (GB 3095 Table 4).
    reading("aq1", "no2", at("05:15"), 45 * MIN, 40),
    // Sub-hourly samples of unequal length: 30 and 15 min.
    reading("aq1", "pm25", at("00:00"), 30 * MIN, 10),
    reading("aq1", "pm25", at("00:30"), 15 * MIN, 40),
  ],
});

const get = getOverHttp(api);

// GB 3095-2012 Table 4 (air-aqi.md §7): a 1-h mean needs ≥ 45 min of sampling IN the hour; a
// sample belongs to the hour holding its start and counts only its minutes before that hour's end.
describe("/series every=1h: a sample counts for its sampling time inside the hour", () => {
  it("a PT1H sample at 02:50 or 00:30 does not make a valid hour; aligned hourly and 5-min data do", async () => {
    const body = await get(
      `/api/v1/series?station=aq1&metric=no2&every=1h&from=${encodeURIComponent("2026-11-06T00:00:00+08:00")}&to=${encodeURIComponent("2026-11-06T06:00:00+08:00")}`,
    );
    const hours = body.periods.map((p: Record<string, unknown>) => [p.label, p.value, p.valid]);
    expect(hours).toEqual([
      ["2026-11-06T01:00:00+08:00", null, false],
      ["2026-11-06T02:00:00+08:00", null, false],
      ["2026-11-06T03:00:00+08:00", null, false],
      ["2026-11-06T04:00:00+08:00", 30, true],
      ["2026-11-06T05:00:00+08:00", 25.5, true],
      ["2026-11-06T06:00:00+08:00", 40, true],
    ]);
    expect(body.periods[0].reason).toMatch(
      /^30 min of valid sampling; GB 3095.* needs ≥ 45 min in the hour$/,
    );
    expect(body.periods[1].reason).toBe("no reading in the hour");
    expect(body.periods[2].reason).toMatch(
      /^10 min of valid sampling; GB 3095.* needs ≥ 45 min in the hour$/,
    );
  });

  // The 45-minute rule counts sampled time, so the hour's concentration is averaged over it.
  it("weighs samples of unequal length by their sampling time: 10 for 30 min and 40 for 15 min → 20", async () => {
    const body = await get(
      `/api/v1/series?station=aq1&metric=pm25&every=1h&from=${encodeURIComponent("2026-11-06T00:00:00+08:00")}&to=${encodeURIComponent("2026-11-06T01:00:00+08:00")}`,
    );
    expect(body.periods).toHaveLength(1);
    expect(body.periods[0]).toMatchObject({ label: "2026-11-06T01:00:00+08:00", value: 20, valid: true });
  });
});
