import { getJson, withParams } from "./api.js";
import { axisLabel, beijingIso, categoryOf, formatMeasure, rangeOf } from "./format.js";
import { getLang, pick, t } from "./i18n.js";
import { airGrade, limitName, lineLabelPositions, metricLabel, metricOption, unitText } from "./labels.js";

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

function thresholdLines(app, station, metric, every) {
  const lines = [];
  const s = app.standards;
  if (station.kind === "air") {
    // GB 3095-2012 §4.2: a class-1 area takes the Grade I limits, a class-2 area Grade II.
    const grade = airGrade(station.airArea);
    const limits = s.gb3095[grade][metric] ?? {};
    const avg =
      every === "1h"
        ? metric === "o3"
          ? "1h"
          : metric === "pm25" || metric === "pm10"
            ? "24h"
            : "1h"
        : every === "1d"
          ? metric === "o3"
            ? "dailyMax8h"
            : "24h"
          : "annual";
    if (limits[avg] !== undefined)
      lines.push({
        yAxis: limits[avg],
        name: `${limitName(avg, grade, getLang())} ${limits[avg]}`,
        lineStyle: { color: "#d62728", type: "dashed" },
      });
    if (avg !== "annual" && limits.annual !== undefined && every !== "1h")
      lines.push({
        yAxis: limits.annual,
        name: `${limitName("annual", grade, getLang())} ${limits.annual}`,
        lineStyle: { color: "#99004c", type: "dotted" },
      });
    if (metric === "pm25")
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
  return lines;
}

export async function load(app) {
  const station = app.stations.find((s) => s.id === form.station.value);
  const q = currentQuery();
  const series = await getJson("/api/v1/series", q);
  document.getElementById("series-csv").href = withParams("/api/v1/series", { ...q, format: "csv" });
  const lines = thresholdLines(app, station, q.metric, q.every);
  // Hours of a metric measured less often than hourly without a reading are `notSampled` (no value
  // was expected): left out, so its values (e.g. every 4 h) join up; missing data stays a gap.
  const periods = series.periods.filter((p) => !p.notSampled);
  const sparse = periods.length < series.periods.length;
  const valid = periods.filter((p) => p.value !== null).length;
  // Labels above their lines inside the plot; close lines' labels at different ends (no overprint).
  const top = Math.max(...periods.map((p) => p.value ?? 0), ...lines.map((l) => l.yAxis));
  const positions = lineLabelPositions(
    lines.map((l) => l.yAxis),
    top * 0.08,
  );
  lines.forEach((l, i) => {
    l.label = { position: positions[i], backgroundColor: "rgba(255,255,255,0.8)", padding: [1, 3] };
  });
  document.getElementById("chart-note").textContent =
    valid === 0
      ? t("charts.noData")
      : [
          pick(station.name),
          metricLabel(q.metric, app.standards.metrics, getLang()),
          unitText(series.unit, getLang()),
          t(`every.${q.every}`),
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
          return `${p.name}<br>${p.marker}${p.seriesName} ${value}${underWay}`;
        },
      },
      xAxis: { type: "category", data: periods.map((p) => axisLabel(p.label)) },
      yAxis: {
        type: "value",
        name: unitText(series.unit, getLang()),
        scale: station.kind !== "air",
        // Threshold lines stay in view whatever the data.
        max: (v) => niceMax(Math.max(v.max, ...lines.map((l) => l.yAxis))),
      },
      dataZoom: [{ type: "inside" }],
      series: [
        {
          type: q.every === "1h" ? "line" : "bar",
          name: metricLabel(q.metric, app.standards.metrics, getLang()),
          data: periods.map((p) => p.value),
          showSymbol: sparse,
          itemStyle: { color: "#2f6f9f" },
          markLine: { symbol: "none", label: { formatter: "{b}" }, data: lines },
        },
      ],
    },
    true,
  );
  await Promise.all([loadAqi(app, station, q), loadWater(app, station)]);
}

async function loadAqi(app, station, q) {
  const block = document.getElementById("aqi-block");
  block.hidden = station.kind !== "air";
  if (block.hidden) return;
  const period = q.every === "1h" ? "hour" : "day";
  const query = { station: station.id, period, from: q.from, to: q.to };
  document.getElementById("aqi-csv").href = withParams("/api/v1/aqi", { ...query, format: "csv" });
  const aqi = await getJson("/api/v1/aqi", query);
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

async function loadWater(app, station) {
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
