import type { MetricId } from "@qingshan/domain";
import { describe, expect, it } from "vitest";
import { createSeriesWindows, createSeriesWindowsGroup } from "./index.ts";

const H = 3_600_000;
const MIN = 60_000;
/** UTC ms of a Beijing wall-clock time. */
const bj = (iso: string): number => Date.parse(`${iso}+08:00`);
/** Means keep 12 significant digits, as in the API (services/api/src/series/mean.ts). */
const c12 = (v: number): number => Number(v.toPrecision(12));

/** One valid hourly reading (averaging period 1 h) for each hour label in [firstLabel, firstLabel + count·h). */
function feedHours(
  w: ReturnType<typeof createSeriesWindows>,
  firstLabel: number,
  count: number,
  value: (i: number) => number | undefined,
): void {
  for (let i = 0; i < count; i++) {
    const v = value(i);
    if (v === undefined) continue;
    const out = w.add({ ts: firstLabel + i * H - H, value: v, flag: "N", periodMs: H });
    expect(out.accepted).toBe(true);
  }
}

describe("hour (GB 3095 Table 4: ≥ 45 min of sampling)", () => {
  it("credits a reading only its sampling time inside its hour (a PT1H sample at 02:50 has 10 min in 02:00–03:00)", () => {
    const w = createSeriesWindows("no2", { latenessMs: 6 * H });
    const t = (hhmm: string) => bj(`2026-11-06T${hhmm}:00`);
    w.add({ ts: t("00:30"), value: 50, flag: "N", periodMs: H });
    w.add({ ts: t("02:50"), value: 70, flag: "N", periodMs: H });
    w.add({ ts: t("04:00"), value: 30, flag: "N", periodMs: H });
    w.add({ ts: t("05:15"), value: 20, flag: "N", periodMs: 45 * MIN });
    expect(w.hour(t("01:00"))).toMatchObject({ valid: false, sampledMs: 30 * MIN, count: 1 });
    expect(w.hour(t("03:00"))).toMatchObject({ valid: false, sampledMs: 10 * MIN, count: 1 });
    expect(w.hour(t("05:00"))).toMatchObject({ valid: true, sampledMs: H, mean: 30 });
    expect(w.hour(t("06:00"))).toMatchObject({ valid: true, sampledMs: 45 * MIN, mean: 20 });
  });

  it("44 one-minute means are not enough, 45 are", () => {
    const w = createSeriesWindows("so2", { latenessMs: 2 * H });
    const start = bj("2026-05-10T09:00:00");
    for (let i = 0; i < 44; i++)
      w.add({ ts: start + i * MIN, value: 10 + (i % 2), flag: "N", periodMs: MIN });
    const label = start + H;
    const h44 = w.hour(label);
    expect(h44).toMatchObject({ count: 44, required: 45, valid: false, sampledMs: 44 * MIN, totalCount: 44 });
    w.add({ ts: start + 44 * MIN, value: 10, flag: "N", periodMs: MIN });
    const h45 = w.hour(label);
    expect(h45).toMatchObject({
      count: 45,
      required: 45,
      valid: true,
      sampledMs: 45 * MIN,
      min: 10,
      max: 11,
    });
    expect(h45.mean).toBe(c12((23 * 10 + 22 * 11) / 45));
    expect(h45.rule).toBe("GB 3095-2026 Table 4: 1-h mean needs ≥ 45 min of sampling in the hour");
  });

  it("instantaneous readings are credited the reporting interval: 8 × 5 min fail, 9 pass", () => {
    const w = createSeriesWindows("no2", { latenessMs: H });
    const start = bj("2025-12-01T09:00:00");
    for (let i = 0; i < 8; i++) w.add({ ts: start + i * 5 * MIN, value: 40, flag: "N" });
    expect(w.hour(start + H)).toMatchObject({ count: 8, required: 9, valid: false, mean: 40 });
    expect(w.hour(start + H).rule).toContain("GB 3095-2012");
    w.add({ ts: start + 40 * MIN, value: 49, flag: "N" });
    expect(w.hour(start + H)).toMatchObject({ count: 9, valid: true, mean: 41, max: 49 });
  });

  it("flags outside validFlags are counted but never enter statistics", () => {
    const w = createSeriesWindows("pm25", { latenessMs: H });
    const start = bj("2026-05-10T09:00:00");
    for (let i = 0; i < 12; i++)
      w.add({ ts: start + i * 5 * MIN, value: i < 9 ? 30 : 999, flag: i < 9 ? "N" : i === 9 ? "C" : "M" });
    expect(w.hour(start + H)).toMatchObject({ mean: 30, max: 30, count: 9, totalCount: 12, valid: true });
    const lenient = createSeriesWindows("pm25", { latenessMs: H, validFlags: ["N", "C"] });
    for (let i = 0; i < 12; i++)
      lenient.add({
        ts: start + i * 5 * MIN,
        value: i < 9 ? 30 : 999,
        flag: i < 9 ? "N" : i === 9 ? "C" : "M",
      });
    expect(lenient.hour(start + H)).toMatchObject({ max: 999, count: 10, totalCount: 12 });
  });
});

describe("rolling and daily means", () => {
  it("a Beijing day needs 20 valid hourly means: 19 is invalid, 20 valid", () => {
    const w = createSeriesWindows("pm25", { latenessMs: 2 * H });
    const dayStart = bj("2026-11-29T00:00:00");
    // hours labelled 01:00 … 19:00 of the day with values 1 … 19
    feedHours(w, dayStart + H, 19, (i) => i + 1);
    expect(w.day("2026-11-29")).toMatchObject({
      count: 19,
      required: 20,
      valid: false,
      mean: 10,
      min: 1,
      max: 19,
    });
    const r19 = w.rolling(24, dayStart + 24 * H);
    expect(r19).toMatchObject({ count: 19, required: 20, valid: false });
    feedHours(w, dayStart + 20 * H, 1, () => 20);
    expect(w.day("2026-11-29")).toMatchObject({ count: 20, valid: true, mean: 10.5 });
    expect(w.day("2026-11-29").rule).toBe("GB 3095-2026 Table 4: daily mean needs ≥ 20 hourly means");
    expect(w.rolling(24, dayStart + 24 * H)).toMatchObject({ count: 20, valid: true, mean: 10.5 });
    // the 24-h window ending 23:00 of the previous day… ending at 20:00 of this day holds 20 hours too
    expect(w.rolling(24, dayStart + 20 * H)).toMatchObject({ count: 20, valid: true });
    expect(w.rolling(24, dayStart + 19 * H)).toMatchObject({ count: 19, valid: false });
  });

  it("an 8-h mean needs 6 valid hourly means: 5 is invalid, 6 valid", () => {
    const w = createSeriesWindows("o3", { latenessMs: H });
    const t = bj("2026-07-01T00:00:00");
    feedHours(w, t + H, 5, (i) => 100 + 10 * i); // labels 01:00…05:00: 100…140
    const end = t + 8 * H;
    expect(w.rolling(8, end)).toMatchObject({ count: 5, required: 6, valid: false, mean: 120 });
    feedHours(w, t + 6 * H, 1, () => 150);
    expect(w.rolling(8, end)).toMatchObject({ count: 6, valid: true, mean: 125, min: 100, max: 150 });
    expect(w.rolling(8, end).rule).toBe("GB 3095-2026 Table 4: 8-h mean needs ≥ 6 hourly means");
  });

  it("the Beijing day boundary: 15:59:59Z closes day D (hour 24:00), 16:00:00Z opens D+1", () => {
    const w = createSeriesWindows("pm10", { latenessMs: H });
    const a = w.add({ ts: Date.parse("2026-11-29T15:59:59Z"), value: 50, flag: "N" });
    expect(a).toEqual({ accepted: true, hourEnd: bj("2026-11-30T00:00:00") });
    const b = w.add({ ts: Date.parse("2026-11-29T16:00:00Z"), value: 70, flag: "N" });
    expect(b).toEqual({ accepted: true, hourEnd: bj("2026-11-30T01:00:00") });
    expect(w.day("2026-11-29")).toMatchObject({ totalCount: 1, mean: null });
    expect(w.day("2026-11-30")).toMatchObject({ totalCount: 1, mean: null });
    expect(w.hour(bj("2026-11-30T00:00:00"))).toMatchObject({ count: 1, mean: 50 });
    expect(w.hour(bj("2026-11-30T01:00:00"))).toMatchObject({ count: 1, mean: 70 });
  });
});

describe("rule texts name the edition by the Beijing date of the period's end", () => {
  it("the hour and rolling windows ending 2026-03-01 00:00 are 2012's, those ending 01:00 are 2026's", () => {
    const w = createSeriesWindows("o3", { latenessMs: 2 * H });
    const midnight = bj("2026-03-01T00:00:00");
    feedHours(w, midnight - 23 * H, 25, () => 50);
    for (const [end, edition] of [
      [midnight, "2012"],
      [midnight + H, "2026"],
    ] as const) {
      expect(w.hour(end).rule).toBe(
        `GB 3095-${edition} Table 4: 1-h mean needs ≥ 45 min of sampling in the hour`,
      );
      expect(w.rolling(8, end).rule).toBe(`GB 3095-${edition} Table 4: 8-h mean needs ≥ 6 hourly means`);
      // Table 4's 24-h row does not list O3: a local rule by analogy.
      expect(w.rolling(24, end).rule).toBe(
        `local rule (GB 3095-${edition} Table 4's 24-h minimum applied to O3): 24-h mean needs ≥ 20 hourly means`,
      );
    }
    expect(() => w.rolling(24, midnight - 10 * H)).toThrow(
      /^24-h window ending 2026-02-28T14:00:00\+08:00: hour 2026-02-27T15:00:00\+08:00 has left the windows' ring/,
    );
  });
});

describe("O3 daily maximum 8-h mean (HJ 663 §6.1.2)", () => {
  it("takes the largest of the 17 windows ending 08:00…24:00 and ignores windows reaching into the previous day", () => {
    const w = createSeriesWindows("o3", { latenessMs: H });
    const d = bj("2026-07-01T00:00:00");
    feedHours(w, d - 6 * H, 7, () => 900); // previous day's last hours (labels 18:00…24:00): huge, must not count
    feedHours(w, d + H, 24, (i) => 10 * (i + 1)); // hour labelled i: 10·i
    // window ending e averages 10·(e−7…e) = 10·(e − 3.5): from 45 (08:00) to 205 (24:00)
    const s = w.dailyMax8h("2026-07-01");
    expect(s).toMatchObject({ mean: 205, max: 205, min: 45, count: 17, required: 14, valid: true });
    expect(s.rule).toContain("HJ 663-2026 §6.1.2");
    // the rolling 8-h mean ending 07:00 does reach back into the previous day
    expect(w.rolling(8, d + 7 * H)).toMatchObject({ count: 8, mean: (900 + 10 * 28) / 8 });
  });

  it("fewer than 14 valid windows: invalid below the limit, valid above it", () => {
    const low = createSeriesWindows("o3", { latenessMs: H });
    const d = bj("2025-07-01T00:00:00");
    feedHours(low, d + H, 12, (i) => 10 * (i + 1)); // hours 01…12
    // windows ending 08…14 have ≥ 6 hours (14:00: hours 07…12); max = mean(70…120) = 95
    expect(low.dailyMax8h("2025-07-01")).toMatchObject({ count: 7, mean: 95, valid: false });
    expect(low.dailyMax8h("2025-07-01").rule).toContain("HJ 663-2013");
    const high = createSeriesWindows("o3", { latenessMs: H });
    feedHours(high, d + H, 12, (i) => 100 * (i + 1));
    expect(high.dailyMax8h("2025-07-01")).toMatchObject({ count: 7, mean: 950, valid: true });
  });
});

describe("month and year to date", () => {
  /** A valid day (24 hourly means of `value`) for each day index listed, from `monthStart`. */
  function feedDays(
    w: ReturnType<typeof createSeriesWindows>,
    monthStart: number,
    days: number[],
    value = 30,
  ): void {
    for (const day of days) feedHours(w, monthStart + day * 24 * H + H, 24, () => value);
  }

  it("a month needs 27 valid daily means (25 in February), and YTD sums them", () => {
    const w = createSeriesWindows("pm25", { latenessMs: 2 * H });
    const feb = bj("2026-02-01T00:00:00");
    feedDays(w, feb, [...Array(24).keys()], 40);
    expect(w.month("2026-02")).toMatchObject({ count: 24, required: 25, valid: false, mean: 40 });
    feedDays(w, feb, [24], 40);
    expect(w.month("2026-02")).toMatchObject({ count: 25, valid: true });
    const apr = bj("2026-04-01T00:00:00");
    feedDays(w, apr, [...Array(26).keys()], 20);
    expect(w.month("2026-04")).toMatchObject({ count: 26, required: 27, valid: false });
    feedDays(w, apr, [26], 20);
    expect(w.month("2026-04")).toMatchObject({ count: 27, valid: true, mean: 20 });
    const ytd = w.yearToDate(2026);
    expect(ytd).toMatchObject({ count: 52, required: 324, valid: false, sumOfDailyMeans: 25 * 40 + 27 * 20 });
    expect(ytd.monthCounts).toEqual([0, 25, 0, 27, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ytd.mean).toBe(c12((25 * 40 + 27 * 20) / 52));
    // months older than the previous one have left the windows
    expect(() => w.month("2026-02")).toThrow(RangeError);
  });

  it("a full year of daily means is a valid annual mean (≥ 324 and every month at its minimum)", () => {
    const w = createSeriesWindows("pm25", { latenessMs: H });
    const start = bj("2025-01-01T00:00:00");
    feedHours(w, start + H, 365 * 24, (i) => (Math.floor(i / 24) % 10 === 0 ? undefined : 33));
    // every tenth day has no data: 328 valid days, no month below 27 (February: 25)
    const ytd = w.yearToDate(2025);
    expect(ytd).toMatchObject({ count: 328, valid: true, mean: 33 });
    expect(ytd.rule).toContain("GB 3095-2012 Table 4");
  });
});

describe("rule texts cite GB 3095 Table 4 / HJ 663 only for the metrics they list", () => {
  const day = "2026-05-10";
  const hourEnd = bj("2026-05-11T00:00:00");
  const texts = (metric: MetricId) => {
    const w = createSeriesWindows(metric, { latenessMs: H });
    feedHours(w, bj(`${day}T01:00:00`), 24, () => 10);
    return {
      hour: w.hour(hourEnd).rule,
      rolling8: w.rolling(8, hourEnd).rule,
      rolling24: w.rolling(24, hourEnd).rule,
      day: w.day(day).rule,
      month: w.month("2026-05").rule,
      year: w.yearToDate(2026).rule,
    };
  };
  it("a gas Table 4 lists (SO2): Table 4 at 1 h, 24 h, day and year; HJ 663 for the month; 8 h is O3's", () => {
    expect(texts("so2")).toEqual({
      hour: "GB 3095-2026 Table 4: 1-h mean needs ≥ 45 min of sampling in the hour",
      rolling8:
        "local rule (GB 3095-2026 Table 4's 8-h minimum applied to sulphur dioxide): 8-h mean needs ≥ 6 hourly means",
      rolling24: "GB 3095-2026 Table 4: 24-h mean needs ≥ 20 hourly means",
      day: "GB 3095-2026 Table 4: daily mean needs ≥ 20 hourly means",
      month: "HJ 663-2026 (provisional, not read): monthly mean needs ≥ 27 daily means (≥ 25 in February)",
      year: "GB 3095-2026 Table 4: annual mean needs ≥ 324 daily means and ≥ 27 in every month (≥ 25 in February)",
    });
  });
  it("PM2.5: a local rule for the hour (Table 4 has no 1-h PM mean), the API's wording", () => {
    const t = texts("pm25");
    expect(t.hour).toBe(
      "local rule (GB 3095-2026 Table 4's 1-h minimum applied to PM2.5): 1-h mean needs ≥ 45 min of sampling in the hour",
    );
    expect(t.day).toBe("GB 3095-2026 Table 4: daily mean needs ≥ 20 hourly means");
    expect(t.year).toMatch(/^GB 3095-2026 Table 4: annual mean/);
  });
  it("O3: Table 4 at 1 h and 8 h, HJ 663 for the month; local rules for its 24-h, day and annual means", () => {
    const t = texts("o3");
    expect(t.hour).toBe("GB 3095-2026 Table 4: 1-h mean needs ≥ 45 min of sampling in the hour");
    expect(t.rolling8).toBe("GB 3095-2026 Table 4: 8-h mean needs ≥ 6 hourly means");
    expect(t.day).toBe(
      "local rule (GB 3095-2026 Table 4's 24-h minimum applied to O3): daily mean needs ≥ 20 hourly means",
    );
    expect(t.month).toBe(
      "HJ 663-2026 (provisional, not read): monthly mean needs ≥ 27 daily means (≥ 25 in February)",
    );
    expect(t.year).toMatch(/^local rule \(GB 3095-2026 Table 4's annual minimum applied to O3\)/);
  });
  it("a water metric (ammonia nitrogen): local rules by analogy throughout, before 2026-03-01 too", () => {
    const t = texts("nh3n");
    expect(t.hour).toBe(
      "local rule (GB 3095-2026 Table 4's 1-h minimum applied to ammonia nitrogen): 1-h mean needs ≥ 45 min of sampling in the hour",
    );
    for (const text of Object.values(t)) expect(text).toMatch(/^local rule \(/);
    const old = createSeriesWindows("nh3n", { latenessMs: H });
    old.add({ ts: bj("2025-12-01T09:00:00"), value: 1, flag: "N", periodMs: H });
    expect(old.hour(bj("2025-12-01T10:00:00")).rule).toBe(
      "local rule (GB 3095-2012 Table 4's 1-h minimum applied to ammonia nitrogen): 1-h mean needs ≥ 45 min of sampling in the hour",
    );
    expect(createSeriesWindows("co", { latenessMs: H }).yearToDate(2026).rule).toMatch(
      /^local rule \(GB 3095-2026 Table 4's annual minimum applied to carbon monoxide\)/,
    );
  });
});

describe("lateness", () => {
  it("late readings within the lateness update hour, rolling, day and month; later ones are refused", () => {
    const w = createSeriesWindows("pm25", { latenessMs: 2 * H });
    const monthStart = bj("2026-06-01T00:00:00");
    // 27 valid days except the hour labelled 06-27 05:00, so June 27 has 23 hours
    feedHours(w, monthStart + H, 27 * 24, (i) => (i === 26 * 24 + 4 ? undefined : 10));
    // 5-min readings up to 06-28 01:00, so June 27 (ends 06-28 00:00) is still open for 2 h
    for (let t = bj("2026-06-28T00:00:00"); t < bj("2026-06-28T01:00:00"); t += 5 * MIN)
      w.add({ ts: t, value: 10, flag: "N" });
    expect(w.day("2026-06-27")).toMatchObject({ count: 23 });
    const before = w.month("2026-06");
    expect(before).toMatchObject({ count: 27, mean: 10 });
    // a 5-min mean for 23:30 arrives 1.5 h late, within the 2-h lateness
    const late = bj("2026-06-27T23:30:00");
    expect(w.add({ ts: late, value: 34, flag: "N", periodMs: 5 * MIN })).toMatchObject({ accepted: true });
    // the hour labelled 06-28 00:00 had one 10 (PT1H), now 10 and 34 (PT5M): weighted by their
    // times, 60 and 5 min (GB 3095-2012 Table 4, as the store)
    const mixed = c12((10 * 60 + 34 * 5) / 65);
    expect(w.hour(bj("2026-06-28T00:00:00"))).toMatchObject({ count: 2, mean: mixed });
    expect(w.rolling(24, bj("2026-06-28T00:00:00"))).toMatchObject({ count: 23, max: mixed });
    expect(w.day("2026-06-27")).toMatchObject({ count: 23, max: mixed, mean: c12((22 * 10 + mixed) / 23) });
    const after = w.month("2026-06");
    expect(after.mean).toBe(c12((26 * 10 + c12((22 * 10 + mixed) / 23)) / 27));

    const cutoff = w.latestHourEnd();
    expect(cutoff).toBe(bj("2026-06-28T01:00:00"));
    const tooLate = w.add({ ts: bj("2026-06-27T22:54:59"), value: 500, flag: "N" });
    expect(tooLate).toMatchObject({ accepted: false, code: "window.too_late" });
    expect(tooLate.accepted === false && tooLate.reason).toContain("lateness of 120 min");
    // the boundary itself (newest − lateness) is still accepted
    expect(w.add({ ts: bj("2026-06-27T22:55:00"), value: 10, flag: "N" }).accepted).toBe(true);
  });

  it("sealed days are served from the cache, older ones and hours out of the ring throw RangeError", () => {
    const w = createSeriesWindows("pm25", { latenessMs: H, sealedDaysKept: 2 });
    const start = bj("2026-03-01T00:00:00");
    feedHours(w, start + H, 10 * 24, () => 12);
    // newest is the hour labelled 03-11 00:00; 03-10 is not sealed yet (within lateness)
    expect(w.day("2026-03-10")).toMatchObject({ count: 24, valid: true });
    expect(w.day("2026-03-09")).toMatchObject({ count: 24, valid: true, mean: 12 });
    expect(w.dailyMax8h("2026-03-08")).toMatchObject({ count: 17, mean: 12 });
    expect(() => w.day("2026-03-07")).toThrow(/sealed and no longer kept/);
    expect(w.rolling(24, bj("2026-03-11T00:00:00"))).toMatchObject({ count: 24 });
    expect(() => w.rolling(24, bj("2026-03-09T12:00:00"))).toThrow(/left the windows' ring/);
    expect(() => w.hour(bj("2026-03-05T12:00:00"))).toThrow(RangeError);
    expect(w.month("2026-03")).toMatchObject({ count: 10, mean: 12 });
    // future periods are simply empty
    expect(w.day("2026-04-01")).toMatchObject({ count: 0, totalCount: 0, valid: false, mean: null });
  });
});

describe("an hour mixing averaged and instantaneous readings (GB 3095 Table 4: ≥ 45 min)", () => {
  const t = (hhmm: string) => bj(`2026-12-13T${hhmm}:00`);
  const fiveMinutes = { latenessMs: 6 * H, reportingIntervalMs: 5 * MIN };

  it("credits a PT15M reading its 15 min and each instantaneous reading the 5-min interval", () => {
    const w = createSeriesWindows("pm10", fiveMinutes);
    w.add({ ts: t("03:00"), value: 40, flag: "N", periodMs: 15 * MIN });
    for (let m = 15; m <= 55; m += 5) w.add({ ts: t(`03:${m}`), value: 50, flag: "N" });
    expect(w.hour(t("04:00"))).toMatchObject({ valid: true, sampledMs: H, count: 10, mean: 49 });

    w.add({ ts: t("04:00"), value: 40, flag: "N", periodMs: 15 * MIN });
    for (const m of ["15", "20", "25"]) w.add({ ts: t(`04:${m}`), value: 50, flag: "N" });
    expect(w.hour(t("05:00"))).toMatchObject({ valid: false, sampledMs: 30 * MIN, count: 4 });
  });

  it("an hour seeded from instantaneous readings' aggregate keeps their credit when live readings join it", () => {
    const w = createSeriesWindows("pm10", fiveMinutes);
    w.addHourly({
      hourEnd: t("04:00"),
      mean: 50,
      min: 50,
      max: 50,
      validCount: 6,
      totalCount: 6,
      validPeriodMs: 0,
    });
    expect(w.hour(t("04:00"))).toMatchObject({ valid: false, sampledMs: 30 * MIN });
    for (const m of ["30", "35", "40"]) w.add({ ts: t(`03:${m}`), value: 50, flag: "N" });
    expect(w.hour(t("04:00"))).toMatchObject({ valid: true, sampledMs: 45 * MIN, count: 9 });
  });
});

describe("addHourly rebuild", () => {
  it("seeding stored hourly aggregates gives the same windows as feeding the raw readings", () => {
    const L = 2 * H;
    const raw = createSeriesWindows("o3", { latenessMs: L });
    const seeded = createSeriesWindows("o3", { latenessMs: L });
    const start = bj("2026-01-25T00:00:00");
    const hours = 12 * 24 + 7;
    for (let h = 0; h < hours; h++) {
      const label = start + (h + 1) * H;
      let sum = 0;
      let n = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      const readings = h % 17 === 3 ? 8 : 12; // every 17th hour has only 40 min
      for (let i = 0; i < readings; i++) {
        const value = ((h * 7 + i * 13) % 90) + 20;
        const flag = i === 5 && h % 5 === 0 ? ("D" as const) : ("N" as const);
        raw.add({ ts: label - H + i * 5 * MIN, value, flag });
        if (flag !== "N") continue;
        sum += value;
        n++;
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      seeded.addHourly({
        hourEnd: label,
        mean: n > 0 ? sum / n : null,
        min: n > 0 ? min : null,
        max: n > 0 ? max : null,
        validCount: n,
        totalCount: readings,
        validPeriodMs: 0,
      });
    }
    expect(seeded.latestHourEnd()).toBe(raw.latestHourEnd());
    const last = raw.latestHourEnd() as number;
    for (let label = last - 17 * H; label <= last; label += H) {
      expect(seeded.hour(label)).toEqual(raw.hour(label));
      expect(seeded.rolling(8, label)).toEqual(raw.rolling(8, label));
    }
    expect(seeded.rolling(24, last)).toEqual(raw.rolling(24, last));
    for (const day of ["2026-02-04", "2026-02-05", "2026-02-06"]) {
      expect(seeded.day(day)).toEqual(raw.day(day));
      expect(seeded.dailyMax8h(day)).toEqual(raw.dailyMax8h(day));
    }
    expect(seeded.month("2026-01")).toEqual(raw.month("2026-01"));
    expect(seeded.month("2026-02")).toEqual(raw.month("2026-02"));
    expect(seeded.yearToDate(2026)).toEqual(raw.yearToDate(2026));
    expect(raw.month("2026-01").count).toBeGreaterThan(0);
    // older than the lateness: refused
    expect(() =>
      seeded.addHourly({
        hourEnd: start + H,
        mean: 1,
        min: 1,
        max: 1,
        validCount: 1,
        totalCount: 1,
        validPeriodMs: H,
      }),
    ).toThrow(RangeError);
  });
});

describe("memory", () => {
  it("stays under 2 KB per series and does not grow with a year of 5-minute data", () => {
    const w = createSeriesWindows("pm25", { latenessMs: 2 * H });
    const start = bj("2026-01-01T00:00:00");
    const initial = w.memoryBytes();
    let afterDay = 0;
    for (let i = 0; i < 366 * 288; i++) {
      w.add({ ts: start + i * 5 * MIN, value: (i % 97) + 3, flag: i % 50 === 0 ? "M" : "N" });
      if (i === 288) afterDay = w.memoryBytes();
    }
    expect(initial).toBeLessThan(2048);
    expect(w.memoryBytes()).toBe(initial);
    expect(afterDay).toBe(initial);
    expect(w.yearToDate(2026)).toMatchObject({ count: 365, valid: true });
  });

  it("grows with the lateness only (32 bytes per hour of lateness)", () => {
    const a = createSeriesWindows("pm25", { latenessMs: H }).memoryBytes();
    const b = createSeriesWindows("pm25", { latenessMs: 3 * H }).memoryBytes();
    expect(b - a).toBe(2 * 32);
  });

  it("series of a group share the buffer's overhead; periods not kept cost nothing", () => {
    const options = { latenessMs: 2 * H };
    const alone = createSeriesWindows("pm25", options).memoryBytes();
    const group = createSeriesWindowsGroup(
      ["pm25", "pm10", "so2", "no2", "co", "o3"].map((metric) => ({ metric: metric as "pm25", options })),
    );
    const shared = group[0]?.memoryBytes() as number;
    expect(alone - shared).toBe((5 / 6) * (96 + 3 * 96));
    const lean = createSeriesWindows("pm25", { ...options, keep: [] }).memoryBytes();
    // hour extremes: 27 ring hours × 2 f64; daily max 8-h of 3 sealed days: 3 × (2 f64 + 2 u16);
    // month: 6 f64, 2 i32, 4 u16; year: 6 f64, 2 i32, 28 u16
    expect(alone - lean).toBe(27 * 16 + 3 * 20 + (48 + 8 + 8) + (48 + 8 + 56));
  });
});

describe("keep: optional statistics a series does not keep", () => {
  it("throws RangeError for them, and computes unsealed days' daily max 8-h from the ring", () => {
    const w = createSeriesWindows("o3", { latenessMs: 0, keep: [] });
    const full = createSeriesWindows("o3", { latenessMs: 0 });
    const first = bj("2026-06-01T01:00:00");
    for (const x of [w, full]) feedHours(x, first, 30, (i) => 100 + (i % 7) * 10);
    expect(() => w.month("2026-06")).toThrow(/keep excludes "month"/);
    expect(() => w.yearToDate(2026)).toThrow(/keep excludes "year"/);
    expect(() => w.dailyMax8h("2026-06-01")).toThrow(/keep excludes "dailyMax8h"/);
    expect(full.dailyMax8h("2026-06-01").count).toBe(17);
    expect(w.day("2026-06-01")).toEqual(full.day("2026-06-01"));
    expect(w.dailyMax8h("2026-06-02")).toEqual(full.dailyMax8h("2026-06-02"));
    expect(w.rolling(24, first + 29 * H)).toEqual(full.rolling(24, first + 29 * H));
    const hour = first + 29 * H;
    expect(full.hour(hour)).toMatchObject({ mean: 110, min: 110, max: 110, valid: true });
    expect(w.hour(hour)).toEqual({ ...full.hour(hour), min: null, max: null });
    expect(() => createSeriesWindows("o3", { latenessMs: 0, keep: ["week" as "month"] })).toThrow(
      /keep: unknown statistic "week"/,
    );
  });
});

describe("a metric measured every 4 h (reportingIntervalMs 4 h: @qingshan/standards dailyMinimum, as the API)", () => {
  const FOUR_H = 4 * H;
  /** Instantaneous TP values at 00:00, 04:00 … 20:00 of Beijing `date`, except the hours in `missed`. */
  function feedCycles(
    w: ReturnType<typeof createSeriesWindows>,
    date: string,
    missed: readonly number[] = [],
  ) {
    for (let h = 0; h < 24; h += 4) {
      if (missed.includes(h)) continue;
      const out = w.add({ ts: bj(`${date}T${String(h).padStart(2, "0")}:00:00`), value: 0.06, flag: "N" });
      expect(out.accepted).toBe(true);
    }
  }

  it("a day and a 24-h window need 5 of the 6 values; a month counts those days as before", () => {
    const w = createSeriesWindows("tp", { latenessMs: 2 * H, reportingIntervalMs: FOUR_H });
    for (let d = 1; d <= 27; d++) feedCycles(w, `2026-10-${String(d).padStart(2, "0")}`);
    feedCycles(w, "2026-10-28", [8]); // 5 of 6
    feedCycles(w, "2026-10-29", [8, 16]); // 4 of 6
    feedCycles(w, "2026-10-30");
    // Each instantaneous value is credited 4 h (capped at 1 h): its hour is valid.
    expect(w.hour(bj("2026-10-30T01:00:00"))).toMatchObject({ valid: true, count: 1, mean: 0.06 });
    expect(w.day("2026-10-28")).toMatchObject({ valid: true, count: 5, required: 5, mean: 0.06 });
    expect(w.day("2026-10-29")).toMatchObject({ valid: false, count: 4, required: 5 });
    expect(w.day("2026-10-28").rule).toBe(
      "local rule (GB 3095-2026 Table 4's 24-h minimum of 20 of 24 hourly means, scaled to total phosphorus measured every 4 h): daily mean needs ≥ 5 of the 6 values expected in 24 h",
    );
    const r24 = w.rolling(24, bj("2026-10-31T00:00:00"));
    expect(r24).toMatchObject({ valid: true, count: 6, required: 5 });
    expect(r24.rule).toContain("24-h mean needs ≥ 5 of the 6 values expected in 24 h");
    // Month: the 27 complete days, the 5-of-6 day and the 30th are valid; the 4-of-6 day is not.
    expect(w.month("2026-10")).toMatchObject({ valid: true, count: 29, required: 27, mean: 0.06 });
  });

  it("an hourly metric of the same station still needs 20 hourly means", () => {
    const w = createSeriesWindows("tp", { latenessMs: 2 * H, reportingIntervalMs: H });
    const first = bj("2026-10-01T01:00:00");
    feedHours(w, first, 19, () => 0.06);
    feedHours(w, first + 24 * H, 1, () => 0.06);
    expect(w.day("2026-10-01")).toMatchObject({ valid: false, count: 19, required: 20 });
    expect(w.day("2026-10-01").rule).toBe(
      "local rule (GB 3095-2026 Table 4's 24-h minimum applied to total phosphorus): daily mean needs ≥ 20 hourly means",
    );
  });
});
