import { createStationRegistry, type DataFlag, type Station } from "@qingshan/domain";
import { createSeriesQuality, type SeriesQuality, trackQuality } from "@qingshan/rules";
import { describe, expect, it } from "vitest";
import { compareWithCounted, createStationSeries, isCounted, track } from "./station-series.ts";
import { oneAirStation } from "./testdata/fixtures.ts";

const station = oneAirStation().get("aq-1") as Station;
const series = () => createStationSeries(station, { latenessMs: 7_200_000, validFlags: ["N"] });

describe("isCounted (dedupe state per series)", () => {
  it("after a rebuild, everything up to the newest stored ts counts as held, newer readings do not", () => {
    const s = series();
    s.storedThrough.set("pm25", 1000);
    s.newestTs.set("pm25", 1000);
    expect([500, 999, 1000].map((t) => isCounted(s, "pm25", t))).toEqual([true, true, true]);
    expect(isCounted(s, "pm25", 1001)).toBe(false);
    expect(isCounted(s, "pm10", 500)).toBe(false);
  });

  it("a second copy of the newest reading is held; late readings after the rebuild point are not", () => {
    const s = series();
    s.storedThrough.set("pm25", 1000);
    s.newestTs.set("pm25", 3000);
    expect(isCounted(s, "pm25", 3000)).toBe(true);
    expect(isCounted(s, "pm25", 2000)).toBe(false); // out of order, newer than the stored state
  });
});

describe("per-station numbers (one Float64Array per station)", () => {
  it("the quality tracker behaves like @qingshan/rules' plain one, reading by reading", () => {
    const s = series();
    const plain = createSeriesQuality();
    expect(s.view.quality("pm25")).toBeUndefined(); // no tracker before the first reading
    const readings: Array<{ ts: number; value: number; flag: DataFlag }> = [
      { ts: 1, value: 5, flag: "N" },
      { ts: 2, value: 5, flag: "N" },
      { ts: 2, value: 9, flag: "N" }, // not newer: ignored
      { ts: 3, value: 5, flag: "N" },
      { ts: 4, value: 5, flag: "C" },
      { ts: 5, value: 5, flag: "C" },
      { ts: 6, value: 7, flag: "M" },
      { ts: 7, value: 7, flag: "N" },
    ];
    for (const r of readings) {
      trackQuality(s.qualityOf("pm25"), r);
      trackQuality(plain, r);
      expect({ ...snapshot(s.view.quality("pm25")) }).toEqual(snapshot(plain));
    }
    expect(s.view.quality("pm25")?.repeats).toBe(1);
  });

  it("a metric the station was not expected to report gets its own numbers", () => {
    const s = series();
    s.newestTs.set("pm25", 10);
    s.newestTs.set("no2", 20);
    trackQuality(s.qualityOf("no2"), { ts: 20, value: 1, flag: "N" });
    expect([s.newestTs.get("pm25"), s.newestTs.get("no2"), s.newestTs.size]).toEqual([10, 20, 2]);
    expect(s.view.quality("no2")?.lastTs).toBe(20);
    expect(s.view.quality("pm25")).toBeUndefined();
    expect(s.storedThrough.get("no2")).toBeUndefined();
  });
});

describe("compareWithCounted (a copy of a counted time: same, corrected, or cannot tell)", () => {
  const H = 3_600_000;
  const t0 = Date.parse("2026-12-01T00:00:00+08:00");
  const options = { latenessMs: 7_200_000, validFlags: ["N"] as DataFlag[] };
  /** A series that counted `readings` of PM2.5 as the evaluator does (windows, counted times, quality). */
  function counted(readings: Array<{ ts: number; value: number; flag: DataFlag; periodMs?: number }>) {
    const s = createStationSeries(station, options);
    for (const r of readings) {
      expect(s.windowsOf("pm25").add(r).accepted).toBe(true);
      s.markCounted("pm25", r.ts);
      track(s, { metric: "pm25", ...r });
    }
    return s;
  }
  const pm25 = (ts: number, value: number, flag: DataFlag = "N", periodMs = H) => ({
    metric: "pm25" as const,
    ts,
    value,
    flag,
    periodMs,
  });

  it("hourly data: any counted hour is compared exactly, by value and (valid) flag", () => {
    const s = counted([pm25(t0, 20), pm25(t0 + H, 30), pm25(t0 + 2 * H, 40, "C")]);
    const cases: Array<[ReturnType<typeof pm25>, string]> = [
      [pm25(t0, 20), "same"], // an older hour, redelivered
      [pm25(t0, 200), "differs"], // an older hour, corrected
      [pm25(t0, 20, "C"), "differs"], // an older hour, flagged after all
      [pm25(t0 + H, 30), "same"],
      [pm25(t0 + 2 * H, 40, "C"), "same"], // the newest: its flag is known exactly (quality tracker)
      [pm25(t0 + 2 * H, 40, "M"), "differs"],
      [pm25(t0 + 2 * H, 40, "N"), "differs"],
      // The period alone (GB 3095-2012 Table 4: the hour's sampled time decides its validity).
      [pm25(t0, 20, "N", H / 2), "differs"], // an older hour
      [pm25(t0 + 2 * H, 40, "C", H / 2), "differs"], // the newest (its period is kept beside the tracker)
    ];
    expect(cases.map(([r]) => compareWithCounted(s, r, options))).toEqual(cases.map(([, want]) => want));
  });

  it("minute data: the newest reading is compared exactly; an older one cannot be told apart", () => {
    const M = 60_000;
    const s = counted([pm25(t0, 20, "N", M), pm25(t0 + M, 21, "N", M), pm25(t0 + 2 * M, 22, "N", M)]);
    expect(compareWithCounted(s, pm25(t0 + 2 * M, 22, "N", M), options)).toBe("same");
    expect(compareWithCounted(s, pm25(t0 + 2 * M, 23, "N", M), options)).toBe("differs");
    expect(compareWithCounted(s, pm25(t0 + M, 21, "N", M), options)).toBe("unknown");
    expect(compareWithCounted(s, pm25(t0 + 2 * M, 22, "N", 30_000), options)).toBe("differs");
  });

  it("a copy inside the quality tracker's current run that would break it differs; one before the run is unknown", () => {
    const M = 60_000;
    // 25, then 20 three times: a run of identical values since t0 + M.
    const s = counted([25, 20, 20, 20].map((v, k) => pm25(t0 + k * M, v, "N", M)));
    expect(compareWithCounted(s, pm25(t0 + M, 20, "N", M), options)).toBe("unknown"); // the run's value
    expect(compareWithCounted(s, pm25(t0 + M, 21, "N", M), options)).toBe("differs");
    expect(compareWithCounted(s, pm25(t0 + 2 * M, 20, "C", M), options)).toBe("differs");
    expect(compareWithCounted(s, pm25(t0, 20, "N", M), options)).toBe("unknown"); // the store decides
    // N, then M twice: a run of flag M since t0 + M; which invalid flag an older hour had is not kept.
    const f = counted([pm25(t0, 20), pm25(t0 + H, 21, "M"), pm25(t0 + 2 * H, 22, "M")]);
    expect(compareWithCounted(f, pm25(t0 + H, 21, "D"), options)).toBe("differs");
    expect(compareWithCounted(f, pm25(t0 + H, 99, "M"), options)).toBe("unknown");
  });

  it("an older invalid hour is unknown (which invalid flag was counted is not kept); one beyond the lateness is too late", () => {
    const s = counted([pm25(t0, 20, "C"), pm25(t0 + 3 * H, 30)]);
    expect(compareWithCounted(s, pm25(t0, 20, "C"), options)).toBe("too-late");
    const t = counted([pm25(t0, 20, "C"), pm25(t0 + H, 30)]);
    expect(compareWithCounted(t, pm25(t0, 20, "C"), options)).toBe("unknown");
    expect(compareWithCounted(t, pm25(t0, 20, "N"), options)).toBe("differs");
  });
});

function snapshot(q: SeriesQuality | undefined) {
  return {
    lastValue: q?.lastValue,
    lastFlag: q?.lastFlag,
    lastTs: q?.lastTs,
    repeats: q?.repeats,
    runSince: q?.runSince,
    flagRunSince: q?.flagRunSince,
  };
}

describe("O3 daily maximum 8-h mean: the station's GB 3095 area class sets the HJ 663 §6.1.2 limit", () => {
  const H = 3_600_000;
  const day = Date.parse("2026-07-01T00:00:00+08:00");
  /** Hours labelled 01:00…12:00 at 130 µg/m³: 7 valid 8-h windows (< 14), maximum 130. */
  function halfDay(s: ReturnType<typeof createStationSeries>): void {
    const o3 = s.windowsOf("o3");
    for (let i = 1; i <= 12; i++) {
      expect(o3.add({ ts: day + (i - 1) * H, value: 130, flag: "N", periodMs: H }).accepted).toBe(true);
    }
  }

  it("at a class 1 station a maximum above Grade I's 100 makes the day valid, as the API's daily AQI has it", () => {
    const reserve = createStationSeries(
      { ...station, airArea: "class1" },
      { latenessMs: 7_200_000, validFlags: ["N"] },
    );
    halfDay(reserve);
    expect(reserve.windowsOf("o3").dailyMax8h("2026-07-01")).toMatchObject({
      count: 7,
      mean: 130,
      valid: true,
    });
  });

  it("at a class 2 station the same day stays invalid: 130 is below Grade II's 160", () => {
    const city = createStationSeries(
      { ...station, airArea: "class2" },
      { latenessMs: 7_200_000, validFlags: ["N"] },
    );
    halfDay(city);
    expect(city.windowsOf("o3").dailyMax8h("2026-07-01")).toMatchObject({
      count: 7,
      mean: 130,
      valid: false,
    });
  });
});

describe("windows per metric use the metric's registry interval (metricReportingIntervalMs)", () => {
  it("a water station's 4-hourly TP gets a day from 6 values (5 needed); its hourly DO still needs 20", () => {
    const water = createStationRegistry([
      {
        id: "wq-4h",
        name: { zh: "断面", en: "Section" },
        kind: "water",
        location: { lat: 28.3, lon: 119.7 },
        township: "大港头镇",
        metrics: ["ph", "do", "tp"],
        water: { waterBody: "river" },
        // water-gb3838.md §5: nutrients every 4 h (instrument cycle), the five parameters hourly.
        metricReportingIntervalMs: { tp: 4 * 3_600_000 },
      },
    ]).get("wq-4h") as Station;
    const s = createStationSeries(water, { latenessMs: 7_200_000, validFlags: ["N"] });
    const start = Date.parse("2026-11-27T00:00:00+08:00");
    // Instantaneous values (no period): TP credited 4 h each, DO the station's 1 h.
    for (let h = 0; h < 24; h += 4) {
      s.windowsOf("tp").add({ ts: start + h * 3_600_000, value: 0.06, flag: "N" });
      s.windowsOf("do").add({ ts: start + h * 3_600_000, value: 5.8, flag: "N" });
    }
    s.windowsOf("ph").add({ ts: start + 25 * 3_600_000, value: 7.2, flag: "N" });
    expect(s.view.day("tp", "2026-11-27")).toMatchObject({ valid: true, count: 6, required: 5, mean: 0.06 });
    expect(s.view.day("do", "2026-11-27")).toMatchObject({ valid: false, count: 6, required: 20 });
  });
});
