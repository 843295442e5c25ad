// Which GB 3095 lines an air chart draws, and with which values (no DOM): unit-tested in
// services/dashboard/src/limit-lines.test.ts.
//
// A limit line is the limit of the statistic plotted, never of another one: hourly means against
// the 1-h limit, daily means against the 24-h limit, O3 daily maximum 8-h means against the daily
// maximum 8-h limit (GB 3095 Table 1; air-aqi.md §6). Limits of a longer averaging time are drawn
// only as references, named so ("参考 · 24小时平均二级限值 60"). Values come from the API's
// `gb3095Editions` (built from @qingshan/standards) by the Beijing date of each period, so a chart
// over 2026-03-01 steps from GB 3095-2012 to GB 3095-2026 where the edition changes.

import { limitName } from "./labels.js";

const DAY_MS = 86_400_000;
const BEIJING_MS = 8 * 3_600_000;

/**
 * The statistic a chart plots for a metric at an aggregation: `1h` hourly means, `24h` daily
 * means, `dailyMax8h` the O3 daily maximum 8-h mean (GB 3095's daily O3 statistic), `month`
 * monthly means (no GB 3095 limit).
 *
 * @example
 * plottedStatistic("o3", "1d") // "dailyMax8h"
 */
export function plottedStatistic(metric, every) {
  if (every === "1h") return "1h";
  if (every === "1d") return metric === "o3" ? "dailyMax8h" : "24h";
  return "month";
}

/**
 * The Beijing date whose GB 3095 edition applies to a period: the date of its last instant, so the
 * hour labelled 2026-03-01 00:00 (the last hour of 2026-02-28, air-aqi.md §8) takes GB 3095-2012.
 *
 * @example
 * periodDate({ end: "2026-03-01T00:00:00+08:00" }) // "2026-02-28"
 */
export function periodDate(period) {
  const last = Date.parse(period.end) - 1;
  return new Date(Math.floor((last + BEIJING_MS) / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The limit set in force on a Beijing date among the API's `gb3095Editions` (`from` inclusive,
 * `to` exclusive, null open), or undefined.
 */
export function editionOn(editions, date) {
  return editions.find((e) => (e.from === null || date >= e.from) && (e.to === null || date < e.to));
}

const REFERENCE = ["参考 · ", "Reference · "];

/**
 * The GB 3095 lines of an air chart: `kind` "limit" (of the statistic plotted) or "reference" (a
 * longer averaging time), the averaging time, and per period its value (null without a limit) and
 * edition; `runs` are the stretches of equal value (first and last period index, value, edition),
 * more than one where the edition in force changes the value within the range.
 *
 * Hourly PM10 and PM2.5 (GB 3095 sets no 1-h limit) get the 24-h limit as a reference: hourly PM is
 * indexed on the daily columns (HJ 633-2026; the published 2012 practice), whose IAQI 100 equals it.
 *
 * @example
 * airLimitLines({ editions, grade: "II", metric: "pm25", every: "1d", periods, lang: "zh" })
 * // [{ kind: "limit", averaging: "24h", runs: [{ first: 0, last: 19, value: 75, … }, { first: 20, …, value: 60 }], … },
 * //  { kind: "reference", averaging: "annual", … }]
 */
export function airLimitLines({ editions, grade, metric, every, periods, lang }) {
  const statistic = plottedStatistic(metric, every);
  const wanted = [];
  if (statistic !== "month") wanted.push({ kind: "limit", averaging: statistic });
  if (statistic === "1h" && (metric === "pm25" || metric === "pm10"))
    wanted.push({ kind: "reference", averaging: "24h" });
  if (statistic === "24h" || statistic === "month") wanted.push({ kind: "reference", averaging: "annual" });
  const inForce = periods.map((p) => editionOn(editions, periodDate(p)));
  const i = lang === "zh" ? 0 : 1;
  const lines = [];
  for (const { kind, averaging } of wanted) {
    const values = inForce.map((e) => e?.limits?.[grade]?.[metric]?.[averaging] ?? null);
    if (values.every((v) => v === null)) continue;
    const runs = [];
    values.forEach((value, index) => {
      const last = runs.at(-1);
      if (last && last.value === value) last.last = index;
      else runs.push({ first: index, last: index, value, edition: inForce[index]?.edition ?? null });
    });
    const name = (value) =>
      `${kind === "reference" ? REFERENCE[i] : ""}${limitName(averaging, grade, lang)} ${value}`;
    lines.push({
      kind,
      averaging,
      values,
      runs: runs.filter((r) => r.value !== null).map((r) => ({ ...r, name: name(r.value) })),
    });
  }
  return lines;
}

/**
 * The period indices where the edition in force changes within a chart's periods (the first period
 * of the new edition) with the edition's name and phase, for a marker at the step.
 *
 * @example
 * editionChanges(editions, periods) // [{ index: 20, edition: "GB 3095-2026", phase: "2026-transition" }]
 */
export function editionChanges(editions, periods) {
  const out = [];
  let previous;
  periods.forEach((p, index) => {
    const e = editionOn(editions, periodDate(p));
    if (previous !== undefined && e && e.phase !== previous)
      out.push({ index, edition: e.edition, phase: e.phase });
    if (e) previous = e.phase;
  });
  return out;
}
