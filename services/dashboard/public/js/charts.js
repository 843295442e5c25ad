import { getJson, withParams } from "./api.js";
import { axisLabel, beijingIso, categoryOf, formatMeasure, rangeOf } from "./format.js";
import { getLang, pick, t } from "./i18n.js";
import { airGrade, lineLabelPositions, metricLabel, metricOption, unitText } from "./labels.js";
import { airLimitLines, editionChanges, plottedStatistic } from "./limit-lines.js";

let seriesChart;
let aqiChart;
let waterChart;
let form;

export function init(app) {
  form = document.getElementById("chart-controls");
  form.addEventListener("change", (e) => {
    if (e.target.name === "station") fillMetrics(app);
    load(app).catch((error) => app.toast(String(error.message ?? error)));
  });
}

function fillMetrics(app, wanted) {
  const station = app.stations.find((s) => s.id === form.station.value);
  const current = wanted ?? form.metric.value;
  form.metric.replaceChildren(
    ...station.metrics.map((m) => {
      const o = new Option(metricOption(m, app.standards.metrics, getLang()), m);
      return o;
    }),
  );
  if (station.metrics.includes(current)) form.metric.value = current;
}

export async function show(app) {
  if (!app.stations) app.stations = (await getJson("/api/v1/stations")).stations;
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const previous = form.station.value;
  form.station.replaceChildren(...app.stations.map((s) => new Option(`${pick(s.name)} (${s.id})`, s.id)));
  form.station.value = params.get("station") ?? (previous || app.stations[0].id);
  fillMetrics(app, params.get("metric") ?? undefined);
  if (!seriesChart)
    seriesChart = window.echarts.init(document.getElementById("series-chart"), null, { renderer: "svg" });
  await load(app);
}

/** The query the series chart shows: the CSV link repeats it with format=csv. */
export function currentQuery() {
  const { from, to } = rangeOf(form.range.value, Date.now());
  return {
    station: form.station.value,
    metric: form.metric.value,
    every: form.every.value,
    from: beijingIso(from),
    to: beijingIso(to),
  };
}

const LIMIT_STYLE = { color: "#d62728", type: "dashed" };
const REFERENCE_STYLE = { color: "#99004c", type: "dotted" };

/**
 * The chart's lines. Air: the GB 3095 limit of the statistic plotted and references of longer
 * averaging times (limit-lines.js), with the values of the edition in force on each period's date —
 * a markLine across the plot when that is one value, else a stepped line series (`steps`: the step
 * falls between the last period of one edition and the first of the next, each stretch named at its
 * start) and a marker on the first period of the new edition; the PM2.5 target on daily and monthly
 * charts. `at(i)` names the GB 3095 lines' values at period i (for the tooltip).
 */
function thresholdLines(app, station, metric, every, periods) {
  const lines = [];
  const steps = [];
  const s = app.standards;
  const at = [];
  if (station.kind === "air") {
    // GB 3095-2012 §4.2: a class-1 area takes the Grade I limits, a class-2 area Grade II.
    const grade = airGrade(station.airArea);
    const editions = s.gb3095Editions ?? [];
    const air = airLimitLines({ editions, grade, metric, every, periods, lang: getLang() });
    for (const line of air) {
      const lineStyle = line.kind === "limit" ? LIMIT_STYLE : REFERENCE_STYLE;
      const [only] = line.runs;
      if (line.runs.length === 1 && only.first === 0 && only.last === periods.length - 1) {
        lines.push({ yAxis: only.value, name: only.name, lineStyle });
      } else {
        const starts = new Map(line.runs.map((r) => [r.first, r.name]));
        steps.push({
          type: "line",
          step: "middle",
          silent: true,
          z: 3, // over the bars, as the markLines are
          // Labels ride on symbols: every point keeps one, of no size.
          symbol: "circle",
          symbolSize: 0,
          showSymbol: true,
          showAllSymbol: true,
          tooltip: { show: false },
          lineStyle: { ...lineStyle, width: 1 },
          itemStyle: { color: lineStyle.color },
          data: line.values.map((value, i) =>
            starts.has(i)
              ? {
                  value,
                  label: {
                    show: true,
                    position: "top",
                    align: "left",
                    formatter: starts.get(i),
                    color: lineStyle.color,
                    backgroundColor: "rgba(255,255,255,0.8)",
                    padding: [1, 3],
                  },
                }
              : value,
          ),
        });
      }
      at.push((i) => line.runs.find((r) => r.first <= i && i <= r.last)?.name);
    }
    if (steps.length > 0)
      for (const change of editionChanges(editions, periods))
        lines.push({
          xAxis: axisLabel(periods[change.index].label),
          name: `${change.edition} ${t(`edition.${change.phase}`)}`.trim(),
          lineStyle: { color: "#555", type: "solid", width: 1 },
          label: { position: "end", formatter: "{b}" },
        });
    if (metric === "pm25" && every !== "1h")
      lines.push({
        yAxis: s.pm25Target.value,
        name: t("limit.target"),
        lineStyle: { color: "#2e7d32", type: "solid", width: 2 },
      });
  } else if (station.kind === "water") {
    const item = s.gb3838.find((i) => i.metric === metric);
    const limits = item?.[station.water?.waterBody === "lake" ? "lake" : "river"];
    if (limits) {
      ["I", "II", "III", "IV", "V"].forEach((cls, i) => {
        lines.push({
          yAxis: limits[i],
          name: `${cls}${t("limit.class")} ${limits[i]}`,
          lineStyle: {
            color: cls === "III" ? "#d62728" : "#999",
            type: cls === "III" ? "solid" : "dotted",
            width: cls === "III" ? 2 : 1,
          },
        });
      });
    }
  } else if (metric === "noi") {
    for (const g of s.noi.grades.filter((g) => g.min > 0))
      lines.push({
        yAxis: g.min,
        // One unit text per language, as the alerts write it (个/cm³ / ions/cm³).
        name: `${g.grade} ≥ ${g.min} ${unitText(s.metrics?.noi?.unit ?? "ions/cm³", getLang())}`,
        lineStyle: { color: g.color, type: "dashed" },
      });
  }
  return { lines, steps, at: (i) => at.map((f) => f(i)).filter(Boolean) };
}

/**
 * The series the chart plots: `/series` (fn=mean) except for O3 at daily resolution, whose GB 3095
 * statistic is the daily maximum 8-h mean — the `o3_8h` indicator of `/aqi?period=day` (HJ 663
 * §6.1.2 windows and validity), its unrounded value. `csv` is the same request as CSV.
 */
async function plottedSeries(app, station, q) {
  if (station.kind === "air" && plottedStatistic(q.metric, q.every) === "dailyMax8h") {
    const query = { station: q.station, period: "day", from: q.from, to: q.to };
    const aqi = await getJson("/api/v1/aqi", query);
    return {
      unit: app.standards.metrics?.o3?.unit ?? "µg/m³",
      statistic: "dailyMax8h",
      periods: aqi.results.map((r) => {
        const o3 = r.indicators?.o3_8h;
        return {
          label: r.label,
          start: r.start,
          end: r.end,
          inProgress: r.inProgress,
          value: o3?.value ?? null,
          ...(o3?.reason ? { reason: o3.reason } : {}),
        };
      }),
      csv: withParams("/api/v1/aqi", { ...query, format: "csv" }),
    };
  }
  const series = await getJson("/api/v1/series", q);
  return { ...series, statistic: undefined, csv: withParams("/api/v1/series", { ...q, format: "csv" }) };
}

/** Loads started; an answer to an earlier one than the latest is dropped (pickers changed meanwhile). */
let loads = 0;

export async function load(app) {
  const station = app.stations.find((s) => s.id === form.station.value);
  const q = currentQuery();
  const mine = ++loads;
  const latest = () => mine === loads;
  const series = await plottedSeries(app, station, q);
  // A slower answer to an earlier choice must not overwrite the chart of the current one.
  if (!latest()) return;
  document.getElementById("series-csv").href = series.csv;
  // Hours of a metric measured less often than hourly without a reading are `notSampled` (no value
  // was expected): left out, so its values (e.g. every 4 h) join up; missing data stays a gap.
  const periods = series.periods.filter((p) => !p.notSampled);
  const { lines, steps, at } = thresholdLines(app, station, q.metric, q.every, periods);
  const levels = [
    ...lines.map((l) => l.yAxis).filter((v) => v !== undefined),
    ...steps.flatMap((st) => st.data.map((d) => d?.value ?? d)).filter((v) => v != null),
  ];
  const seriesName = series.statistic
    ? `${metricLabel(q.metric, app.standards.metrics, getLang())} ${t(`stat.${series.statistic}`)}`
    : metricLabel(q.metric, app.standards.metrics, getLang());
  const sparse = periods.length < series.periods.length;
  const valid = periods.filter((p) => p.value !== null).length;
  // Labels above their lines inside the plot; close lines' labels at different ends (no overprint).
  const top = Math.max(...periods.map((p) => p.value ?? 0), ...levels);
  const horizontal = lines.filter((l) => l.yAxis !== undefined);
  const positions = lineLabelPositions(
    horizontal.map((l) => l.yAxis),
    top * 0.08,
  );
  horizontal.forEach((l, i) => {
    l.label = { position: positions[i], backgroundColor: "rgba(255,255,255,0.8)", padding: [1, 3] };
  });
  document.getElementById("chart-note").textContent =
    valid === 0
      ? t("charts.noData")
      : [
          pick(station.name),
          metricLabel(q.metric, app.standards.metrics, getLang()),
          unitText(series.unit, getLang()),
          series.statistic ? t(`stat.${series.statistic}`) : t(`every.${q.every}`),
        ]
          .filter((x) => x)
          .join(" · ");
  seriesChart.setOption(
    {
      aria: { enabled: true },
      grid: { left: 56, right: 24, top: 28, bottom: 40 },
      tooltip: {
        trigger: "axis",
        // The period under way says so; an invalid period says it has no valid value ("—").
        formatter: (ps) => {
          const p = ps[0];
          const period = periods[p.dataIndex];
          const value = period?.value == null ? "—" : formatMeasure(period.value);
          const underWay = period?.inProgress ? `<br>${t("charts.inProgress")}` : "";
          // The limits in force on this period's date (the edition may change within the range).
          const limits = at(p.dataIndex)
            .map((name) => `<br>${name}`)
            .join("");
          return `${p.name}<br>${p.marker}${p.seriesName} ${value}${limits}${underWay}`;
        },
      },
      xAxis: { type: "category", data: periods.map((p) => axisLabel(p.label)) },
      yAxis: {
        type: "value",
        name: unitText(series.unit, getLang()),
        scale: station.kind !== "air",
        // Threshold lines stay in view whatever the data.
        max: (v) => niceMax(Math.max(v.max, ...levels)),
      },
      dataZoom: [{ type: "inside" }],
      series: [
        {
          type: q.every === "1h" ? "line" : "bar",
          name: seriesName,
          data: periods.map((p) => p.value),
          showSymbol: sparse,
          itemStyle: { color: "#2f6f9f" },
          markLine: { symbol: "none", label: { formatter: "{b}" }, data: lines },
        },
        ...steps,
      ],
    },
    true,
  );
  await Promise.all([loadAqi(app, station, q, latest), loadWater(app, station, latest)]);
}

async function loadAqi(app, station, q, latest) {
  const block = document.getElementById("aqi-block");
  block.hidden = station.kind !== "air";
  if (block.hidden) return;
  const period = q.every === "1h" ? "hour" : "day";
  const query = { station: station.id, period, from: q.from, to: q.to };
  document.getElementById("aqi-csv").href = withParams("/api/v1/aqi", { ...query, format: "csv" });
  const aqi = await getJson("/api/v1/aqi", query);
  if (!latest()) return;
  if (!aqiChart)
    aqiChart = window.echarts.init(document.getElementById("aqi-chart"), null, { renderer: "svg" });
  const cats = app.standards.aqiCategories;
  const noAqi = aqi.results.every((r) => r.aqi == null);
  aqiChart.setOption(
    {
      aria: { enabled: true },
      // An empty plot says why instead of showing nothing.
      title: noAqi
        ? {
            text: t("charts.noAqi"),
            left: "center",
            top: "middle",
            textStyle: { fontSize: 13, fontWeight: "normal", color: "#555" },
          }
        : { show: false },
      grid: { left: 48, right: 16, top: 24, bottom: 40 },
      tooltip: {
        trigger: "axis",
        formatter: (ps) => {
          const p = ps[0];
          const c = categoryOf(cats, p.value);
          const underWay = aqi.results[p.dataIndex]?.inProgress ? `<br>${t("charts.inProgress")}` : "";
          return `${p.name}<br>AQI ${p.value ?? "NA"}${c ? ` · ${pick(c)}` : ""}${underWay}`;
        },
      },
      xAxis: { type: "category", data: aqi.results.map((r) => axisLabel(r.label)) },
      yAxis: { type: "value", name: "AQI" },
      series: [
        {
          type: "bar",
          // The hour or day under way (inProgress) is drawn faded with a dashed border: its AQI is
          // from the data so far and will change, unlike the others.
          data: aqi.results.map((r) => {
            const c = categoryOf(cats, r.aqi);
            return {
              value: r.aqi,
              itemStyle: r.inProgress
                ? {
                    color: c?.color ?? "#ccc",
                    borderColor: "#555",
                    borderWidth: 1,
                    borderType: "dashed",
                    opacity: 0.45,
                  }
                : { color: c?.color ?? "#ccc", borderColor: "#555", borderWidth: 0.5 },
            };
          }),
          label:
            aqi.results.length * 48 <= document.getElementById("aqi-chart").clientWidth
              ? {
                  show: true,
                  position: "top",
                  formatter: (p) => (p.value == null ? "" : pick(categoryOf(cats, p.value))),
                }
              : { show: false },
        },
      ],
    },
    true,
  );
}

async function loadWater(app, station, latest) {
  const block = document.getElementById("water-block");
  block.hidden = station.kind !== "water";
  if (block.hidden) return;
  const to = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  const res = await getJson("/api/v1/water/class", {
    station: station.id,
    period: "1d",
    from: beijingIso(to - 24 * 3_600_000),
    to: beijingIso(to),
  });
  if (!latest()) return;
  const last = [...res.results].reverse().find((r) => r.valid) ?? res.results.at(-1);
  const body = station.water?.waterBody === "lake" ? "lake" : "river";
  const rows = Object.entries(last?.means ?? {})
    .map(([metric, value]) => {
      const item = app.standards.gb3838.find((i) => i.metric === metric);
      const limit = item?.[body]?.[2];
      if (limit === undefined || item.direction === "none" || item.direction === "range") return null;
      // DO is a lower bound: the ratio is limit / value so that > 1 is worse than Class III too.
      const ratio = item.direction === "min" ? limit / value : value / limit;
      return { metric, label: `${pick(item)} (${metric})`, ratio: Number(ratio.toFixed(2)), value, limit };
    })
    .filter(Boolean);
  if (!waterChart)
    waterChart = window.echarts.init(document.getElementById("water-chart"), null, { renderer: "svg" });
  waterChart.setOption(
    {
      grid: { left: 160, right: 40, top: 16, bottom: 24 },
      tooltip: { formatter: (p) => `${p.name}<br>${p.data.v} / Ⅲ ${p.data.l}` },
      xAxis: { type: "value", name: "× III" },
      yAxis: { type: "category", data: rows.map((r) => r.label) },
      series: [
        {
          type: "bar",
          data: rows.map((r) => ({
            value: r.ratio,
            v: r.value,
            l: r.limit,
            itemStyle: { color: r.ratio > 1 ? "#d62728" : "#2e9d4f" },
          })),
          label: { show: true, position: "right", formatter: (p) => `${p.value}×` },
          markLine: {
            symbol: "none",
            data: [{ xAxis: 1, name: "Ⅲ" }],
            label: { formatter: "Ⅲ" },
            lineStyle: { color: "#d62728" },
          },
        },
      ],
    },
    true,
  );
}

/** A little headroom above the largest value or threshold. */
function niceMax(value) {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil((value * 1.08) / (step / 2)) * (step / 2);
}
