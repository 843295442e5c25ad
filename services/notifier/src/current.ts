import {
  type AlertState,
  beijingDayStart,
  beijingHumanDay,
  beijingHumanTime,
  beijingMidnight,
  calendarWindowOf,
  DAY_MS,
  displayValue,
  HOUR_MS,
  isMetricId,
  METRIC_IDS,
  METRICS,
  type MetricId,
  reportingIntervalOf,
  type Station,
  type StationRegistry,
  shortNumber,
} from "@qingshan/domain";
import {
  createSeriesQuality,
  hourlyAqi,
  rollingAqi24,
  type StationView,
  type StatLike,
  tooFewValidDaysText,
  trackQuality,
  WINDOW_TEXT,
  yearDaysThrough,
} from "@qingshan/rules";
import { assessAnnualTarget, assessSection, gb3838Item, waterClassNumber } from "@qingshan/standards";
import type { TimeSeriesStore } from "@qingshan/store";
import { createSeriesWindows } from "@qingshan/windows";
import { validHours } from "./hour-validity.ts";
import { WORST_LOOKBACK_MS } from "./latest.ts";
import { durationText, qualityCheckOf, runStartOf } from "./quality-check.ts";

type Bilingual = { readonly zh: string; readonly en: string };

/**
 * What a reminder or escalation of an alert that is not on a pollutant's window states as current
 * (AQI, water class, data quality): the 最新 Latest row's text, and the value and data time the
 * event then carries instead of the alerted ones (AQI, class number, silent minutes), if any.
 */
export interface CurrentObservation {
  readonly kind: "current";
  readonly text: Bilingual;
  readonly value?: number;
  /** UTC ms. */
  readonly dataTime?: number;
}

export type CurrentStore = Pick<TimeSeriesStore, "queryHourly" | "queryReadings" | "latest">;

// The shipped water rules' maxAge (config/rules.yaml water-*-below-target: window latest, maxAge
// 24h): a parameter's latest hourly value counts for the class for 24 h.
const WATER_MAX_AGE_MS = 24 * HOUR_MS;
// GB 3095-2012 Table 4: 8-h ≥ 6 hourly means, 24-h ≥ 20 (an hourly mean's 45 min: hour-validity.ts).
const ROLLING_MIN_HOURS = { 8: 6, 24: 20 } as const;
const NO_STAT: StatLike = { mean: null, count: 0, valid: false };

const human = (t: number, ref: number): Bilingual => beijingHumanTime(t, ref);

function stationMetrics(station: Station): readonly MetricId[] {
  return station.metrics ?? METRIC_IDS.filter((m) => METRICS[m].kinds.includes(station.kind));
}

/**
 * The valid hourly means of a station's metrics in (from, to], by metric and hour label (the
 * 45-minute rule as the API applies it: hour-validity.ts).
 */
async function hourlyMeans(
  store: CurrentStore,
  station: Station,
  metrics: readonly MetricId[],
  from: number,
  to: number,
): Promise<Map<MetricId, Map<number, number>>> {
  const out = new Map<MetricId, Map<number, number>>();
  await Promise.all(
    metrics.map(async (metric) => {
      const hours = await validHours(store, station, metric, from, to);
      out.set(metric, new Map(hours.map((h) => [h.hourEnd, h.mean])));
    }),
  );
  return out;
}

/** A StationView over stored hourly means, enough for the hourly and 24-h rolling AQI (rules' own functions). */
function storedView(station: Station, means: Map<MetricId, Map<number, number>>): StationView {
  const hourStat = (metric: MetricId, hourEnd: number): StatLike => {
    const v = means.get(metric)?.get(hourEnd);
    return v === undefined ? NO_STAT : { mean: v, count: 1, valid: true };
  };
  return {
    station,
    metrics: () => stationMetrics(station),
    hour: hourStat,
    rolling(metric, hours, hourEnd) {
      const values: number[] = [];
      for (let t = hourEnd - (hours - 1) * HOUR_MS; t <= hourEnd; t += HOUR_MS) {
        const v = means.get(metric)?.get(t);
        if (v !== undefined) values.push(v);
      }
      if (values.length < ROLLING_MIN_HOURS[hours]) return { mean: null, count: values.length, valid: false };
      return { mean: values.reduce((a, b) => a + b, 0) / values.length, count: values.length, valid: true };
    },
    day: () => undefined,
    dailyMax8h: () => undefined,
    month: () => undefined,
    yearToDate: () => undefined,
    latest(metric, at) {
      let best: { hourEnd: number; value: number } | undefined;
      for (const [hourEnd, value] of means.get(metric) ?? [])
        if (hourEnd <= at && (best === undefined || hourEnd > best.hourEnd)) best = { hourEnd, value };
      return best;
    },
    quality: () => undefined,
  };
}

function pollutantCode(pollutant: string): string {
  const zh = METRICS[pollutant as MetricId]?.zh ?? pollutant;
  return /\(([^)]+)\)$/.exec(zh)?.[1] ?? pollutant.toUpperCase();
}

function primaryText(primary: readonly string[]): Bilingual {
  if (primary.length === 0) return { zh: "无首要污染物", en: "no primary pollutant" };
  const codes = primary.map(pollutantCode);
  return { zh: `首要污染物 ${codes.join("、")}`, en: `primary pollutant ${codes.join(", ")}` };
}

/**
 * The hourly (or 24-h rolling) AQI of every hour since the alert began, recomputed from the
 * store's hourly means with the rules engine's own functions: the latest with its primary
 * pollutant, and the highest.
 */
async function currentAqi(
  store: CurrentStore,
  station: Station,
  s: AlertState,
  at: number,
  rolling: boolean,
): Promise<CurrentObservation | undefined> {
  const since = Math.max(Date.parse(s.startedAt ?? s.raisedAt), at - WORST_LOOKBACK_MS);
  const metrics = stationMetrics(station).filter((m) =>
    ["so2", "no2", "co", "o3", "pm10", "pm25"].includes(m),
  );
  // 24-h means, and O3 8-h means inside the 24 h (16 h further back); 8-h O3 and 24-h SO2 (HJ 633-2012).
  const means = await hourlyMeans(store, station, metrics, since - 48 * HOUR_MS, at);
  const view = storedView(station, means);
  const hours = new Set<number>();
  for (const byHour of means.values()) for (const h of byHour.keys()) if (h > since - HOUR_MS) hours.add(h);
  const values: Array<{ aqi: number; hourEnd: number; primary: readonly string[] }> = [];
  for (const hourEnd of [...hours].sort((a, b) => a - b)) {
    if (hourEnd > at) continue;
    const w = rolling ? rollingAqi24(view, hourEnd) : hourlyAqi(view, hourEnd);
    if (w === undefined || w.value === null) continue;
    values.push({ aqi: w.value, hourEnd, primary: w.result.primary });
  }
  const latest = values.at(-1);
  if (latest === undefined) return undefined;
  const worst = values.reduce((w, v) => (v.aqi > w.aqi ? v : w));
  const ref = at;
  const name = rolling
    ? { zh: "24小时滑动AQI", en: "24-h rolling AQI" }
    : { zh: "小时AQI", en: "hourly AQI" };
  const part = (v: (typeof values)[number]) => {
    const when = human(v.hourEnd, ref);
    const p = primaryText(v.primary);
    return {
      zh: `${name.zh} ${v.aqi}（${when.zh}），${p.zh}`,
      en: `${name.en} ${v.aqi} (${when.en}), ${p.en}`,
    };
  };
  const l = part(latest);
  const w = part(worst);
  const sinceText = sinceOf(s, since, ref);
  return {
    kind: "current",
    value: latest.aqi,
    dataTime: latest.hourEnd,
    text: {
      zh: `${l.zh}；${sinceText.zh}最高 ${w.zh}`,
      en: `${l.en}; highest ${sinceText.en}: ${w.en}`,
    },
  };
}

function sinceOf(s: AlertState, since: number, ref: number): Bilingual {
  if (since <= Date.parse(s.startedAt ?? s.raisedAt)) return { zh: "告警以来", en: "since the alert began" };
  const h = human(since, ref);
  return { zh: `${h.zh}以来`, en: `since ${h.en}` };
}

/**
 * The water class of the latest hour with data (环办〔2011〕22号 single factor over each GB 3838
 * parameter's latest value within 24 h, as the water rules assess it) and its deciding
 * parameters; the worst class since the alert began.
 */
async function currentWaterClass(
  store: CurrentStore,
  station: Station,
  s: AlertState,
  at: number,
): Promise<CurrentObservation | undefined> {
  const water = station.water;
  if (water === undefined) return undefined;
  const since = Math.max(Date.parse(s.startedAt ?? s.raisedAt), at - WORST_LOOKBACK_MS);
  const metrics = stationMetrics(station).filter((m) => gb3838Item(m) !== undefined);
  const means = await hourlyMeans(store, station, metrics, since - WATER_MAX_AGE_MS, at);
  const view = storedView(station, means);
  const hours = new Set<number>();
  for (const byHour of means.values()) for (const h of byHour.keys()) if (h >= since && h <= at) hours.add(h);
  const classes: Array<{ cls: string; hourEnd: number; deciding: Bilingual }> = [];
  for (const hourEnd of [...hours].sort((a, b) => a - b)) {
    const values: Record<string, number> = {};
    for (const metric of metrics) {
      const latest = view.latest(metric, hourEnd);
      if (latest !== undefined && hourEnd - latest.hourEnd < WATER_MAX_AGE_MS) values[metric] = latest.value;
    }
    const a = assessSection({ waterBody: water.waterBody, targetClass: water.targetClass, values });
    if (a.class === null) continue;
    const items = a.deciding.map((m) => {
      const item = gb3838Item(m);
      const v = String(Number((values[m] as number).toPrecision(4)));
      return {
        zh: `${item?.zh ?? m} ${v} ${item?.unit ?? ""}`.trim(),
        en: `${item?.en ?? m} ${v} ${item?.unit ?? ""}`.trim(),
      };
    });
    classes.push({
      cls: a.class,
      hourEnd,
      deciding: { zh: items.map((i) => i.zh).join("、"), en: items.map((i) => i.en).join(", ") },
    });
  }
  const latest = classes.at(-1);
  if (latest === undefined) return undefined;
  const worst = classes.reduce((w, c) =>
    waterClassNumber(c.cls as never) > waterClassNumber(w.cls as never) ? c : w,
  );
  const part = (c: (typeof classes)[number]) => {
    const when = human(c.hourEnd, at);
    return {
      zh: `${c.cls}类（${when.zh}），决定指标 ${c.deciding.zh}`,
      en: `Class ${c.cls} (${when.en}), deciding: ${c.deciding.en}`,
    };
  };
  const l = part(latest);
  const w = part(worst);
  const sinceText = sinceOf(s, since, at);
  return {
    kind: "current",
    value: waterClassNumber(latest.cls as never),
    dataTime: latest.hourEnd,
    text: {
      zh: `水质 ${l.zh}；${sinceText.zh}最差 ${w.zh}`,
      en: `water quality ${l.en}; worst ${sinceText.en}: ${w.en}`,
    },
  };
}

/** How long the station has now been silent: from its last data received (as the evaluator's silence check counts). */
async function currentSilence(
  store: CurrentStore,
  station: Station,
  s: AlertState,
  at: number,
  silentText: (minutes: number) => Bilingual,
): Promise<CurrentObservation | undefined> {
  const readings = await store.latest(station.id);
  // A station the store has nothing of (it never reported, or retention removed it): the last data
  // the alert itself counted from (its start less the silent minutes it reported), so a reminder
  // hours later does not repeat the alerted silent time as if it were now.
  const alerted =
    s.value === undefined ? undefined : Date.parse(s.startedAt ?? s.raisedAt) - s.value * 60_000;
  const lastSeen = readings.length > 0 ? Math.max(...readings.map((r) => r.receivedAt)) : alerted;
  if (lastSeen === undefined || lastSeen > at) return undefined;
  const minutes = Math.floor((at - lastSeen) / 60_000);
  const silent = silentText(minutes);
  const last = human(lastSeen, at);
  return {
    kind: "current",
    value: minutes,
    text: {
      zh: `已 ${silent.zh}无数据，最后数据 ${last.zh}（北京时间）`,
      en: `no data for ${silent.en} now, last data ${last.en} (Beijing time)`,
    },
  };
}

/**
 * A stuck sensor or a flag lasting too long, per metric the alert names: the run as it stands
 * now, replayed from the stored readings since the run began with the rules' own tracker.
 */
async function currentQuality(
  store: CurrentStore,
  station: Station,
  s: AlertState,
  at: number,
  check: "stuck" | "flag",
): Promise<CurrentObservation | undefined> {
  const details = s.details ?? [];
  const zh: string[] = [];
  const en: string[] = [];
  for (const d of details) {
    const metric = d.metric as MetricId;
    const def = METRICS[metric];
    if (def === undefined) continue;
    const from = runStartOf(d) ?? Date.parse(s.startedAt ?? s.raisedAt);
    const readings = await store.queryReadings({ stationId: station.id, metric, from, to: at + 1 });
    const q = createSeriesQuality();
    for (const r of [...readings].sort((a, b) => a.ts - b.ts)) trackQuality(q, r);
    if (q.lastTs === undefined || q.lastValue === undefined) continue;
    const latest = human(q.lastTs, at);
    if (check === "stuck") {
      if (q.repeats >= 2 && q.runSince !== undefined) {
        const since = human(q.runSince, at);
        // The run through its latest reading's end: how long the sensor has read the same.
        const lasting = durationText(q.lastTs + reportingIntervalOf(station, metric) - q.runSince);
        const value = `${shortNumber(q.lastValue)}${def.unit === "dimensionless" ? "" : ` ${def.unit}`}`;
        zh.push(
          `${def.zh} 自 ${since.zh} 起连续 ${q.repeats} 次读数相同（${value}），已持续 ${lasting.zh}，最新读数 ${latest.zh}`,
        );
        en.push(
          `${def.en}: ${q.repeats} identical values in a row (${value}) since ${since.en}, for ${lasting.en}, latest reading ${latest.en}`,
        );
      } else {
        zh.push(`${def.zh} 最新读数 ${q.lastValue}（${latest.zh}），已不再相同`);
        en.push(`${def.en} latest reading ${q.lastValue} (${latest.en}), no longer identical`);
      }
    } else if (q.lastFlag !== undefined && q.lastFlag !== "N" && q.flagRunSince !== undefined) {
      const hours = String(
        Number(((q.lastTs + station.reportingIntervalMs - q.flagRunSince) / HOUR_MS).toPrecision(4)),
      );
      const since = human(q.flagRunSince, at);
      zh.push(`${def.zh} 自 ${since.zh} 起标记 ${q.lastFlag} 已持续 ${hours} 小时（最新读数 ${latest.zh}）`);
      en.push(
        `${def.en} flagged ${q.lastFlag} for ${hours} h since ${since.en} (latest reading ${latest.en})`,
      );
    } else {
      zh.push(`${def.zh} 最新读数 ${latest.zh} 标记 ${q.lastFlag ?? "N"}`);
      en.push(`${def.en} latest reading ${latest.en} flagged ${q.lastFlag ?? "N"}`);
    }
  }
  if (zh.length === 0) return undefined;
  return { kind: "current", text: { zh: zh.join("；"), en: en.join("; ") } };
}

const withUnit = (v: number, unit: string): string => `${shortNumber(v)}${unit ? ` ${unit}` : ""}`;

/** The range an out-of-range detail was checked against: its note's (the rule's `ranges`), or for flag T the instrument's. */
function rangeOf(
  metric: MetricId,
  note: string,
): { readonly range: readonly [number, number]; readonly fromNote: boolean } | undefined {
  const m = /^outside \[(\S+), (\S+)\]$/.exec(note);
  if (m !== null) return { range: [Number(m[1]), Number(m[2])], fromNote: true };
  if (note.startsWith("flag T")) return { range: METRICS[metric].instrumentRange, fromNote: false };
  return undefined;
}

/**
 * An out-of-range finding (dq-out-of-range), per metric the alert names: its latest reading by `at`
 * and whether it is still out of range as the rule checks it (packages/rules observeQuality: flag T,
 * HJ 212-2017 Table 8 超测上限, or outside the rule's range, which the detail's note gives).
 */
async function currentOutOfRange(
  store: CurrentStore,
  station: Station,
  s: AlertState,
  at: number,
): Promise<CurrentObservation | undefined> {
  const newest = await store.latest(station.id);
  const zh: string[] = [];
  const en: string[] = [];
  const shown: Array<{ value: number; ts: number }> = [];
  for (const d of s.details ?? []) {
    const metric = d.metric as MetricId;
    const def = METRICS[metric];
    const checked = def === undefined ? undefined : rangeOf(metric, d.note ?? "");
    if (def === undefined || checked === undefined) continue;
    let r = newest.find((x) => x.metric === metric);
    if (r === undefined || r.ts > at) {
      // The store holds readings after `at` (a clock behind it): the latest by `at`.
      const readings = await store.queryReadings({
        stationId: station.id,
        metric,
        from: at - WORST_LOOKBACK_MS,
        to: at + 1,
      });
      r = readings.reduce<(typeof readings)[number] | undefined>(
        (a, b) => (a === undefined || b.ts > a.ts ? b : a),
        undefined,
      );
    }
    if (r === undefined) continue;
    const [lo, hi] = checked.range;
    const flagT = r.flag === "T";
    const outside = flagT || (checked.fromNote && (r.value < lo || r.value > hi));
    const when = human(r.ts, at);
    const range = `[${shortNumber(lo)}, ${shortNumber(hi)}]`;
    const v = withUnit(r.value, def.unit);
    zh.push(
      `${def.zh} 最新读数 ${v}（${when.zh}${flagT ? "，标记 T 超测上限" : ""}），${outside ? `仍超出量程 ${range}` : `已在量程 ${range} 内`}`,
    );
    en.push(
      `${def.en} latest reading ${v} (${when.en}${flagT ? ", flag T: above the measuring upper limit" : ""}), ${outside ? `still outside the range ${range}` : `back within the range ${range}`}`,
    );
    shown.push({ value: r.value, ts: r.ts });
  }
  const only = shown.length === 1 ? shown[0] : undefined;
  if (zh.length === 0) return undefined;
  return {
    kind: "current",
    ...(only !== undefined ? { value: only.value, dataTime: only.ts } : {}),
    text: { zh: zh.join("；"), en: en.join("; ") },
  };
}

/**
 * A month or year-to-date window now: the windows' own statistic (@qingshan/windows month /
 * yearToDate, as the evaluator's rules read it) from the store's hourly means of the Beijing month
 * or year, through the last Beijing day completed by `at` — the rules observe these windows at a
 * day's end over the completed days. An annual-target alert (levels at_risk / exceeded) states the
 * year-to-date mean as the rule assesses it (@qingshan/standards assessAnnualTarget: rounded, with
 * GB 3095 Table 4's pro-rata share of 324 valid days); other alerts the mean when valid (GB 3095
 * Table 4 / HJ 663: ≥ 27 daily means a month, 25 in February; ≥ 324 a year), else that it is not yet.
 */
async function currentCalendarMean(
  store: CurrentStore,
  station: Station,
  s: AlertState,
  at: number,
  window: "month" | "year-to-date",
): Promise<CurrentObservation | undefined> {
  const metric = s.metric;
  if (metric === undefined || !isMetricId(metric)) return undefined;
  const def = METRICS[metric];
  const dayEnd = beijingDayStart(at);
  const { day, year, elapsedDays, daysInYear } = yearDaysThrough(dayEnd);
  const monthKey = day.slice(0, 7);
  const firstDay = window === "month" ? `${monthKey}-01` : `${year}-01-01`;
  const from = beijingMidnight(firstDay);
  const hours = await store.queryHourly({ stationId: station.id, metric, from, to: dayEnd });
  if (hours.length === 0) return undefined;
  const w = createSeriesWindows(metric, {
    latenessMs: HOUR_MS,
    reportingIntervalMs: reportingIntervalOf(station, metric),
    keep: [window === "month" ? "month" : "year"],
  });
  for (const h of hours) w.addHourly(h);
  // The days counted: from the first of the month or year through the last completed day.
  const first = beijingHumanDay(from + DAY_MS, at);
  const last = beijingHumanDay(dayEnd, at);
  const period = { zh: `${first.zh}至${last.zh}`, en: `${first.en} to ${last.en}` };
  const name = WINDOW_TEXT[window];
  if (window === "year-to-date" && (s.level === "at_risk" || s.level === "exceeded")) {
    const ytd = w.yearToDate(year);
    // elapsedDays and daysInYear as observeAnnualTarget counts them (yearDaysThrough).
    const a = assessAnnualTarget({
      sumOfDailyMeans: ytd.sumOfDailyMeans,
      validDays: ytd.count,
      elapsedDays,
      daysInYear,
      target: s.threshold ?? 0,
      monthCounts: ytd.monthCounts,
    });
    if (a.ytdMean === null) return undefined;
    const short = a.sufficientDataProRata ? { zh: "", en: "" } : tooFewValidDaysText(elapsedDays);
    const v = withUnit(a.ytdMean, def.unit);
    return {
      kind: "current",
      value: a.ytdMean,
      dataTime: dayEnd,
      text: {
        zh: `${def.zh}年初至今均值 ${v}（${period.zh}，${a.validDays} 个有效日）${short.zh}`,
        en: `${def.en} year-to-date mean ${v} (${period.en}, ${a.validDays} valid days)${short.en}`,
      },
    };
  }
  const stat = window === "month" ? w.month(monthKey) : w.yearToDate(year);
  if (stat.count === 0 || stat.mean === null) return undefined;
  const v = withUnit(displayValue(stat.mean), def.unit);
  if (!stat.valid)
    return {
      kind: "current",
      text: {
        zh: `${def.zh}${name.zh} 暂无有效值：${period.zh} ${stat.count} 个有效日均值（需 ≥ ${stat.required} 个），其均值 ${v}`,
        en: `${def.en} ${name.en}: no valid value yet, ${stat.count} valid daily means ${period.en} (≥ ${stat.required} needed), averaging ${v}`,
      },
    };
  return {
    kind: "current",
    value: displayValue(stat.mean),
    dataTime: dayEnd,
    text: {
      zh: `${def.zh}${name.zh} ${v}（${period.zh}，${stat.count} 个有效日）`,
      en: `${def.en} ${name.en} ${v} (${period.en}, ${stat.count} valid days)`,
    },
  };
}

/**
 * What is current for an open alert that is not on a pollutant's window (those are latest.ts's):
 * the hourly or 24-h rolling AQI with its primary pollutant (metric `aqi`), the water class with
 * its deciding parameters (`water_class`), how long a silent station has now been silent
 * (`silence`), a stuck sensor's or a long flag's run now (dq-stuck-sensor-*, dq-flag-too-long), an
 * out-of-range finding's latest reading and whether it still is (dq-out-of-range), a month or
 * year-to-date window's mean through the last completed Beijing day (the windows' own statistic).
 * Undefined for other alerts and when nothing was observed since: the reminder keeps the alerted value.
 *
 * @example
 * await currentObservation(store, registry, aqiAlert, Date.parse("2026-11-30T08:00:00+08:00"), silentText);
 * // { kind: "current", value: 236, dataTime: …, text: { zh: "小时AQI 236（11月30日 08:00），首要污染物 PM2.5；告警以来最高 …", en: "…" } }
 */
export async function currentObservation(
  store: CurrentStore,
  registry: StationRegistry,
  s: AlertState,
  at: number,
  silentText: (minutes: number) => Bilingual,
): Promise<CurrentObservation | undefined> {
  const station = registry.get(s.stationId);
  if (station === undefined) return undefined;
  if (s.metric === "aqi" && (s.window === "1-h mean" || s.window === "24-h rolling"))
    return currentAqi(store, station, s, at, s.window === "24-h rolling");
  if (s.metric === "water_class") return currentWaterClass(store, station, s, at);
  if (s.metric === "silence") return currentSilence(store, station, s, at, silentText);
  const calendar = calendarWindowOf(s);
  if (calendar === "month" || calendar === "year-to-date")
    return currentCalendarMean(store, station, s, at, calendar);
  // Data-quality findings say which check in their details' notes (packages/rules observeQuality).
  const check = qualityCheckOf(s);
  if (check === "stuck") return currentQuality(store, station, s, at, "stuck");
  if (check === "flag_duration") return currentQuality(store, station, s, at, "flag");
  if (check === "out_of_range") return currentOutOfRange(store, station, s, at);
  return undefined;
}
