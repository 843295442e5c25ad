import {
  createStationRegistry,
  DAY_MS,
  decodeStationMessage,
  HOUR_MS,
  type Station,
  stationTopic,
} from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { generateObservations, type SimObservation } from "./generate.ts";
import { generateHistory } from "./history.ts";
import { createRandom } from "./random.ts";
import { SCENARIOS, type ScenarioId } from "./scenarios.ts";
import { loadStationRegistry } from "./seeds.ts";

const registry = loadStationRegistry();
const station = (id: string) => registry.get(id) as Station;
const FROM = Date.parse("2026-11-16T00:00:00+08:00");

function series(id: string, scenario: ScenarioId, days: number, seed = 1): SimObservation[] {
  return [
    ...generateHistory({
      stations: [station(id)],
      scenario,
      seed,
      from: FROM,
      to: FROM + days * DAY_MS,
      dataGaps: "none",
    }),
  ].flatMap((b) => b.observations);
}

const value = (o: SimObservation, metric: string) => (o.values as Record<string, number>)[metric] as number;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const hourOf = (o: SimObservation) => Number(o.ts.slice(11, 13));

function meanAtHours(obs: SimObservation[], metric: string, hours: number[]): number {
  return mean(obs.filter((o) => hours.includes(hourOf(o))).map((o) => value(o, metric)));
}

describe("generateObservations", () => {
  const run = { scenario: SCENARIOS["clean-week"], startAt: FROM };

  it("is deterministic in the seed and independent of call order", () => {
    const t = FROM + 30 * HOUR_MS;
    const a = generateObservations(station("ld-aq-01"), t, run, createRandom(42));
    generateObservations(station("ld-wq-03"), t + HOUR_MS, run, createRandom(42));
    const b = generateObservations(station("ld-aq-01"), t, run, createRandom(42));
    expect(b).toEqual(a);
    expect(series("ld-wq-05", "clean-week", 2, 7)).toEqual(series("ld-wq-05", "clean-week", 2, 7));
    expect(series("ld-wq-05", "clean-week", 2, 7)).not.toEqual(series("ld-wq-05", "clean-week", 2, 8));
  });

  it("emits one observation per period in the wire format, with the period start as ts", () => {
    const t = Date.parse("2026-11-21T08:00:00+08:00");
    const [obs] = generateObservations(station("ld-aq-01"), t, run, createRandom(1), { dataGaps: "none" });
    expect(obs?.ts).toBe("2026-11-21T08:00:00+08:00");
    expect(obs?.period).toBe("PT1H");
    expect(Object.keys(obs?.values ?? {}).sort()).toEqual(["co", "no2", "o3", "pm10", "pm25", "so2"]);
    const [noi] = generateObservations(station("ld-noi-01"), t, run, createRandom(1), { dataGaps: "none" });
    expect(noi?.period).toBe("PT5M");
    expect(Object.keys(noi?.values ?? {}).sort()).toEqual(["noi", "rh", "temp"]);
  });

  it("produces payloads the ingest decoder accepts whole, for every station and scenario", () => {
    const now = FROM + 7 * DAY_MS;
    for (const scenario of Object.keys(SCENARIOS) as ScenarioId[]) {
      for (const batch of generateHistory({ stations: registry.stations, scenario, from: FROM, to: now })) {
        const result = decodeStationMessage(batch.topic, JSON.stringify(batch.observations), {
          now,
          lookupStation: registry.get,
        });
        expect(result.rejections, `${scenario} ${batch.topic}`).toEqual([]);
        expect(batch.topic).toBe(stationTopic(batch.stationId, batch.kind));
      }
    }
  });

  it("keeps realistic levels in a clean week", () => {
    const air = series("ld-aq-01", "clean-week", 7);
    expect(mean(air.map((o) => value(o, "pm25")))).toBeGreaterThan(20);
    expect(mean(air.map((o) => value(o, "pm25")))).toBeLessThan(60);
    const co = air.map((o) => value(o, "co"));
    expect(mean(co)).toBeGreaterThan(0.5);
    expect(mean(co)).toBeLessThan(1);
    const water = series("ld-wq-05", "clean-week", 7);
    expect(mean(water.map((o) => value(o, "ph")))).toBeCloseTo(7.2, 0);
    expect(mean(water.map((o) => value(o, "codmn")))).toBeGreaterThan(2);
    expect(mean(water.map((o) => value(o, "codmn")))).toBeLessThan(3);
    expect(mean(water.map((o) => value(o, "nh3n")))).toBeGreaterThan(0.2);
    expect(mean(water.map((o) => value(o, "nh3n")))).toBeLessThan(0.4);
    expect(mean(water.map((o) => value(o, "tp")))).toBeGreaterThan(0.05);
    expect(mean(water.map((o) => value(o, "tp")))).toBeLessThan(0.1);
    const forest = mean(series("ld-noi-01", "clean-week", 3).map((o) => value(o, "noi")));
    const town = mean(series("ld-noi-05", "clean-week", 3).map((o) => value(o, "noi")));
    expect(forest).toBeGreaterThan(1000);
    expect(forest).toBeLessThan(4000);
    expect(town).toBeLessThan(forest / 2);
  });

  it("has the diurnal shapes: PM2.5 morning and evening peaks, O3 afternoon peak, NO2 rush hours, DO afternoon high", () => {
    const air = series("ld-aq-01", "clean-week", 28);
    const pmAfternoon = meanAtHours(air, "pm25", [14, 15, 16]);
    expect(meanAtHours(air, "pm25", [7, 8, 9])).toBeGreaterThan(pmAfternoon * 1.15);
    expect(meanAtHours(air, "pm25", [20, 21, 22])).toBeGreaterThan(pmAfternoon * 1.25);
    expect(meanAtHours(air, "o3", [13, 14, 15])).toBeGreaterThan(2 * meanAtHours(air, "o3", [1, 2, 3, 4]));
    const no2Midday = meanAtHours(air, "no2", [13, 14, 15]);
    expect(meanAtHours(air, "no2", [7, 8, 9])).toBeGreaterThan(no2Midday * 1.3);
    expect(meanAtHours(air, "no2", [18, 19])).toBeGreaterThan(no2Midday * 1.3);
    const water = series("ld-wq-05", "clean-week", 28);
    expect(meanAtHours(water, "do", [14, 15, 16])).toBeGreaterThan(meanAtHours(water, "do", [2, 3, 4]));
    const noi = series("ld-noi-01", "clean-week", 14);
    expect(meanAtHours(noi, "noi", [5, 6, 7])).toBeGreaterThan(meanAtHours(noi, "noi", [16, 17, 18]));
  });

  it("adds gaps and C/M flags only in realistic mode", () => {
    const to = FROM + 56 * DAY_MS;
    const obs = (dataGaps: "realistic" | "none") =>
      [
        ...generateHistory({
          stations: [station("ld-wq-03")],
          scenario: "clean-week",
          from: FROM,
          to,
          dataGaps,
        }),
      ].flatMap((b) => b.observations);
    const clean = obs("none");
    const real = obs("realistic");
    expect(clean).toHaveLength(56 * 24);
    expect(clean.every((o) => o.flags === undefined && Object.keys(o.values).length === 9)).toBe(true);
    const flags = real.flatMap((o) => Object.values(o.flags ?? {}));
    expect(flags).toContain("C");
    expect(flags).toContain("M");
    expect(real.some((o) => Object.keys(o.values).length < 9)).toBe(true);
  });
});

describe("scenarios", () => {
  it("heavy-pollution: PM2.5 above 150 in the build-up, above 250 at the peak, clean after", () => {
    const air = series("ld-aq-01", "heavy-pollution", 7);
    const pm = air.map((o) => value(o, "pm25"));
    const window = (fromHour: number, toHour: number) => mean(pm.slice(fromHour, toHour));
    expect(window(0, 24)).toBeLessThan(75);
    expect(window(72, 96)).toBeGreaterThan(150);
    expect(window(108, 132)).toBeGreaterThan(250);
    expect(window(146, 168)).toBeLessThan(75);
  });

  it("heavy-pollution: rolling 24-h PM2.5 meets the 2024 preset's yellow, orange and red conditions", () => {
    const pm = series("ld-aq-01", "heavy-pollution", 7).map((o) => value(o, "pm25"));
    const rolling = pm.slice(23).map((_, i) => mean(pm.slice(i, i + 24)));
    const longestRun = (limit: number) => {
      let best = 0;
      let run = 0;
      for (const v of rolling) {
        run = v > limit ? run + 1 : 0;
        best = Math.max(best, run);
      }
      return best;
    };
    // heavy-pollution-warning.md §2.4 (2024 preset) and §3.2 run-length reading: "> X for H hours"
    // holds once H − 23 consecutive rolling values exceed X. AQI > 200 ⇔ PM2.5 > 150, AQI > 300 ⇔ > 250.
    expect(longestRun(150)).toBeGreaterThanOrEqual(72 - 23); // red: AQI > 200 for 72 h
    expect(longestRun(250)).toBeGreaterThanOrEqual(1); // red: AQI > 300 for 24 h
    expect(rolling.at(-1)).toBeLessThan(115); // cleared: below the AQI 150 line
  });

  it("water-degrading: NH3-N at Bihu crosses the Class III limit (1.0 mg/L) into Class IV, then recovers", () => {
    const obs = series("ld-wq-03", "water-degrading", 7);
    const nh3n = obs.map((o) => value(o, "nh3n"));
    // GB 3838-2002 Table 1: NH3-N Class III ≤ 1.0, Class IV ≤ 1.5 mg/L.
    expect(Math.max(...nh3n.slice(0, 24))).toBeLessThan(1.0);
    expect(mean(nh3n.slice(60, 84))).toBeGreaterThan(1.0);
    expect(Math.max(...nh3n)).toBeLessThan(1.5);
    expect(Math.max(...nh3n.slice(140))).toBeLessThan(1.0);
    const dissolved = obs.map((o) => value(o, "do"));
    expect(mean(dissolved.slice(60, 84))).toBeLessThan(5); // below the Class III floor
    expect(Math.min(...dissolved)).toBeGreaterThanOrEqual(3); // still Class IV
    // Other sections are untouched.
    expect(Math.max(...series("ld-wq-05", "water-degrading", 7).map((o) => value(o, "nh3n")))).toBeLessThan(
      1.0,
    );
  });

  it("station-silent: the Bihu air station publishes nothing in its first eight hours and resumes after", () => {
    const obs = series("ld-aq-04", "station-silent", 3);
    const hours = obs.map((o) => (Date.parse(o.ts) - FROM) / HOUR_MS);
    expect(hours.filter((h) => h < 8)).toEqual([]);
    expect(hours[0]).toBe(8);
    expect(obs).toHaveLength(72 - 8);
    expect(series("ld-aq-01", "station-silent", 3)).toHaveLength(72);
  });

  it("a silent window silences every period overlapping it: a start mid-hour silences the hour in progress", () => {
    const bihu = station("ld-aq-04");
    const startAt = FROM + 20 * 60_000; // 00:20
    const run = { scenario: SCENARIOS["station-silent"], startAt };
    const published = (t: number) =>
      generateObservations(bihu, t, run, createRandom(1), { dataGaps: "none" }).length > 0;
    // [00:20, 08:20): the hours 00:00 … 08:00 overlap it; 09:00 does not, nor does the hour before.
    expect([-1, 0, 1, 7, 8, 9].map((h) => published(FROM + h * HOUR_MS))).toEqual([
      true,
      false,
      false,
      false,
      false,
      true,
    ]);
    const noi = station("ld-noi-01");
    expect(generateObservations(noi, FROM, run, createRandom(1), { dataGaps: "none" })).toHaveLength(1);
  });
});

describe("createStationRegistry on a custom station", () => {
  it("generates for stations without an explicit metric list (all metrics of the kind that the model knows)", () => {
    const custom = createStationRegistry([
      {
        id: "x-1",
        name: { zh: "测试", en: "Test" },
        kind: "water",
        location: { lat: 28.4, lon: 119.9 },
        township: "碧湖镇",
        water: { waterBody: "river" },
      },
    ]).get("x-1") as Station;
    const [obs] = generateObservations(
      custom,
      FROM,
      { scenario: SCENARIOS["clean-week"], startAt: FROM },
      createRandom(1),
      {
        dataGaps: "none",
      },
    );
    expect(Object.keys(obs?.values ?? {}).sort()).toEqual([
      "codmn",
      "cond",
      "do",
      "nh3n",
      "ph",
      "temp",
      "tn",
      "tp",
      "turb",
    ]);
  });
});
