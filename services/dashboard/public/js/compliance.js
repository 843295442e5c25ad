import { annualCell } from "./air-annual.js";
import { getJson, withParams } from "./api.js";
import { humanTime, textColorOn } from "./format.js";
import { getLang, pick, t } from "./i18n.js";
import { airGrade, gradeName, metricLabel, waterShareNote } from "./labels.js";
import { escapeHtml } from "./map.js";

const STATUS_COLOR = {
  on_track: "#2e9d4f",
  at_risk: "#f2a100",
  exceeded: "#d62728",
  met: "#2e9d4f",
  not_met: "#d62728",
  no_data: "#9e9e9e",
  insufficient_data: "#bdbdbd",
};
let pm25Chart;
let daysChart;
let form;

/** The year list's first year, the current Beijing year: by the browser's clock until the API says otherwise. */
let currentYear;

export function init(app) {
  form = document.getElementById("compliance-controls");
  fillYears(new Date(Date.now() + 8 * 3_600_000).getUTCFullYear());
  form.addEventListener("change", () => show(app).catch((e) => app.toast(String(e.message ?? e))));
}

/** The year picker: `year` and the two before it, the first selected. */
function fillYears(year) {
  currentYear = year;
  form.year.replaceChildren(...[0, 1, 2].map((d) => new Option(String(year - d), String(year - d))));
}

/**
 * The API's current Beijing year when it refused `asked` as a year not begun (a browser clock
 * ahead of the server's around New Year): its 400 names it ("… expected a year from 2000 to 2026
 * (the current Beijing year): 2027 has not begun"), else the year before. Undefined for any other error.
 */
function serverYear(error, asked) {
  const text = String(error?.message ?? "");
  if (!text.includes('"year"') || !text.includes("has not begun")) return undefined;
  const named = Number(/to (\d{4}) \(the current Beijing year\)/.exec(text)?.[1]);
  const year = Number.isInteger(named) && named > 0 ? named : asked - 1;
  return year < asked ? year : undefined;
}

/** Counts show() calls: only the latest one renders, so a slower answer for an earlier year selected never overwrites a later one. */
let showCount = 0;

export async function show(app) {
  const call = ++showCount;
  if (app && !app.stations) app.stations = (await getJson("/api/v1/stations")).stations;
  const year = form.year.value;
  let answers;
  try {
    answers = await Promise.all([
      getJson("/api/v1/compliance/pm25", { year }),
      getJson("/api/v1/compliance/water", { period: "month", at: waterAt(year) }),
      getJson("/api/v1/compliance/water", { period: "year", at: waterAt(year) }),
      getJson("/api/v1/compliance/aqi-days", { year }),
      getJson("/api/v1/compliance/air-annual", { year }),
    ]);
  } catch (error) {
    // The browser's clock is in a year the API's has not reached: the list starts at the API's year.
    const server = serverYear(error, Number(year));
    if (server === undefined || call !== showCount) throw error;
    fillYears(server);
    return show(app);
  }
  if (call !== showCount) return;
  const [pm25, waterMonth, waterYear, days, annual] = answers;
  renderPm25(pm25, app?.stations ?? []);
  renderWater(waterMonth, waterYear);
  renderDays(days);
  renderAnnual(annual);
}

/**
 * The time the water cards are for: now in the current (Beijing) year, else the selected year's last
 * day (its year, and its December as "the month").
 */
function waterAt(year) {
  return Number(year) === currentYear ? undefined : `${year}-12-31T12:00:00+08:00`;
}

function renderPm25(pm25, stations) {
  const rows = [...pm25.stations, pm25.district];
  if (!pm25Chart)
    pm25Chart = window.echarts.init(document.getElementById("pm25-chart"), null, { renderer: "svg" });
  const limit = pm25.district.nationalLimit?.value;
  const band = (document.getElementById("pm25-chart").clientWidth - 72) / rows.length;
  const targetName = t("limit.target");
  const limitName = limit !== undefined ? `GB 3095 ${limit}` : undefined;
  const targetStyle = { color: "#2e7d32", width: 2 };
  const limitStyle = { color: "#d62728", type: "dashed" };
  // The target and limit lines are named in a legend above the plot, not by labels on the lines:
  // those overprinted the bars' labels and each other (32 and 30 are close).
  const legendEntry = (name, lineStyle) => ({
    type: "line",
    name,
    data: [],
    lineStyle,
    itemStyle: { color: lineStyle.color },
    symbol: "none",
  });
  pm25Chart.setOption(
    {
      aria: { enabled: true },
      grid: { left: 48, right: 24, top: 44, bottom: 60 },
      legend: { top: 0, selectedMode: false, data: [targetName, ...(limitName ? [limitName] : [])] },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map((r) => pick(r.name)), axisLabel: { rotate: 30 } },
      // The target and the national limit stay in view whatever the data.
      yAxis: {
        type: "value",
        name: "µg/m³",
        max: (v) => Math.ceil(Math.max(v.max, pm25.target.value, limit ?? 0) * 1.1),
      },
      series: [
        {
          type: "bar",
          // A year without a valid mean (insufficient_data: GB 3095 says it must not be used) has no
          // bar, but keeps its label at the base ("—" over 不评价), so the chart says why it is empty.
          data: rows.map((r) =>
            r.ytdMean === null
              ? { value: 0, itemStyle: { color: "transparent" } }
              : { value: r.ytdMean, itemStyle: { color: STATUS_COLOR[r.status] } },
          ),
          tooltip: { valueFormatter: (_value, dataIndex) => `${rows[dataIndex]?.ytdMean ?? "—"}` },
          label: {
            show: true,
            position: "top",
            // The value over its short status, on two lines: whole words fit a bar's width.
            // A narrow bar (a phone) shows the value only: the status is the bar's colour and the table's.
            formatter: (p) =>
              band >= 64
                ? `${rows[p.dataIndex].ytdMean ?? "—"}\n${t(`targetShort.${rows[p.dataIndex].status}`)}`
                : `${rows[p.dataIndex].ytdMean ?? "—"}`,
            // Readable where a bar's top meets the target or limit line.
            backgroundColor: "rgba(255,255,255,0.85)",
            padding: [1, 3],
          },
          markLine: {
            // Under the bars and their labels: a bar over the target hides the line.
            z: 1,
            symbol: "none",
            label: { show: false },
            data: [
              { yAxis: pm25.target.value, name: targetName, lineStyle: targetStyle },
              ...(limit !== undefined ? [{ yAxis: limit, name: limitName, lineStyle: limitStyle }] : []),
            ],
          },
        },
        legendEntry(targetName, targetStyle),
        ...(limitName ? [legendEntry(limitName, limitStyle)] : []),
      ],
    },
    true,
  );
  const table = document.getElementById("pm25-table");
  table.tHead.innerHTML = `<tr><th>${t("col.station")}</th><th>${t("col.ytd")} µg/m³</th><th>${t("col.status")}</th><th>${t("col.validDays")}</th><th>${t("col.required")}</th><th>${t("col.limit")}</th></tr>`;
  table.tBodies[0].innerHTML = rows
    .map(
      (r) =>
        `<tr data-station="${r.stationId}"><td>${escapeHtml(pick(r.name))}</td><td class="num">${r.ytdMean ?? "—"}</td><td><span class="swatch" style="background:${STATUS_COLOR[r.status]};color:${textColorOn(STATUS_COLOR[r.status])}">${t(`target.${r.status}`)}</span></td><td class="num">${r.validDays} / ${r.elapsedDays}</td><td class="num">${r.requiredMeanForRest === null ? "—" : r.requiredMeanForRest.toFixed(1)}</td><td class="num">${limitCell(r, stations)}</td></tr>`,
    )
    .join("");
  table.title = t("compliance.districtNote");
}

/** A row's GB 3095 annual limit with its grade: the station's area class decides (GB 3095-2012 §4.2); the district's is Grade II. */
function limitCell(row, stations) {
  if (row.nationalLimit?.value === undefined) return "";
  const station = stations.find((s) => s.id === row.stationId);
  const grade = airGrade(station?.airArea);
  const name = gradeName(grade, getLang());
  return getLang() === "zh"
    ? `${row.nationalLimit.value}（${name}）`
    : `${row.nationalLimit.value} (${name})`;
}

function pct(share) {
  return share.share === null ? "—" : `${Math.round(share.share * 1000) / 10}%`;
}

function renderWater(month, year) {
  document.getElementById("water-share").innerHTML = [
    [t("compliance.month"), month.all, month, month.sections],
    [t("compliance.year"), year.all, year, year.sections],
    [
      `${t("compliance.drinking")} · ${t("compliance.year")}`,
      year.drinkingWater,
      year,
      year.sections.filter((x) => x.drinkingWaterSource),
    ],
  ]
    .map(
      ([title, s, period, sections]) =>
        `<div class="share-card"><div class="share-title">${title} (${period.label})</div><div class="share-value">${pct(s)}</div><div class="muted share-note">${escapeHtml(waterShareNote(s, sections, getLang(), period))}</div></div>`,
    )
    .join("");
  const table = document.getElementById("water-table");
  table.tHead.innerHTML = `<tr><th>${t("col.station")}</th><th>${t("col.class")} (${t("compliance.month")})</th><th>${t("col.class")} (${t("compliance.year")})</th><th>${t("col.target")}</th><th>${t("col.meets")}</th><th>${t("col.deciding")}</th></tr>`;
  table.tBodies[0].innerHTML = month.sections
    .map((s) => {
      const y = year.sections.find((x) => x.stationId === s.stationId);
      const meets = s.meetsTarget === null ? "—" : s.meetsTarget ? `✓ ${t("yes")}` : `✗ ${t("no")}`;
      return `<tr><td>${escapeHtml(pick(s.name))}${s.drinkingWaterSource ? ` <small>(${t("compliance.drinking")})</small>` : ""}</td><td>${s.class ?? "—"}</td><td>${y?.class ?? "—"}</td><td>${s.targetClass}</td><td class="${s.meetsTarget === false ? "bad" : ""}">${meets}</td><td>${s.deciding.join(", ")}</td></tr>`;
    })
    .join("");
}

function renderDays(days) {
  if (!daysChart)
    daysChart = window.echarts.init(document.getElementById("aqi-days-chart"), null, { renderer: "svg" });
  const levels = ["1", "2", "3", "4", "5", "6"];
  const levelSeries = levels.map((k) => {
    const c = days.categories.find((x) => String(x.level) === k);
    return {
      type: "bar",
      stack: "days",
      name: pick(c),
      itemStyle: { color: c.color },
      data: days.stations.map((s) => s.counts[k]),
    };
  });
  // Days with pollutants missing and an AQI ≤ 100 from the others (the API's incompleteDays) are in
  // no level and out of the ratio (HJ 633-2012 §5 / HJ 633-2026 §5.3.1): shown as a hatched bar of
  // their own, not dropped, so days = Σ levels + incomplete + na on every station's bar.
  const incompleteSeries = {
    type: "bar",
    stack: "days",
    name: t("days.incomplete"),
    itemStyle: {
      color: INCOMPLETE_COLOR,
      decal: {
        symbol: "rect",
        dashArrayX: [1, 0],
        dashArrayY: [2, 3],
        rotation: -Math.PI / 4,
        color: "rgba(255,255,255,0.7)",
      },
    },
    data: days.stations.map((s) => s.incompleteDays),
  };
  const naSeries = {
    type: "bar",
    stack: "days",
    name: t("days.na"),
    itemStyle: { color: NA_COLOR },
    data: days.stations.map((s) => s.counts.na),
  };
  daysChart.setOption(
    {
      aria: { enabled: true },
      // Days without a valid AQI are hidden until asked for (the legend toggles them).
      legend: { top: 0, selected: { [t("days.na")]: false } },
      grid: { left: 48, right: 16, top: 48, bottom: 60 },
      tooltip: { trigger: "axis", formatter: (params) => daysTooltip(days, params) },
      xAxis: { type: "category", data: days.stations.map((s) => pick(s.name)), axisLabel: { rotate: 30 } },
      // Whole days on the axis (no 0.5 day ticks).
      yAxis: { type: "value", name: pick({ zh: "天", en: "days" }), minInterval: 1 },
      series: [...levelSeries, incompleteSeries, naSeries],
    },
    true,
  );
}

const INCOMPLETE_COLOR = "#8d99ae";
const NA_COLOR = "#d0d0d0";

/** A station's days by category with the excellent/good-day ratio and what it leaves out. */
function daysTooltip(days, params) {
  const index = params[0]?.dataIndex ?? 0;
  const s = days.stations[index];
  if (!s) return "";
  const lines = params.map((p) => `${p.marker}${escapeHtml(p.seriesName)}: ${p.value}`);
  const ratio = s.excellentGoodShare === null ? "—" : `${Math.round(s.excellentGoodShare * 1000) / 10}%`;
  lines.push(
    t("days.ratio")
      .replace("{ratio}", ratio)
      .replace("{good}", String(s.excellentGoodDays))
      .replace("{valid}", String(s.validAqiDays)),
  );
  return [`<b>${escapeHtml(pick(s.name))}</b>`, ...lines].join("<br>");
}

/** "PM2.5 年均值" / "SO₂ 98th percentile of daily means": an HJ 663 annual statistic's name. */
function statisticName(s) {
  const what =
    s.percentile === null
      ? t("annual.mean")
      : t(s.pollutant === "o3" ? "annual.p8h" : "annual.p24h").replace("{p}", String(s.percentile));
  return `${metricLabel(s.pollutant)} ${what}`;
}

/**
 * The HJ 663 annual assessment (/compliance/air-annual) of the selected year: a row per air station
 * and the district, a column per statistic with its value, GB 3095 limit, verdict and valid days.
 * While the year runs there is no verdict; too few valid days is said, never shown as a pass.
 */
function renderAnnual(annual) {
  const rows = [...annual.stations, annual.district];
  const columns = annual.district.statistics;
  const context = { inProgress: annual.inProgress, elapsedDays: annual.elapsedDays };
  document.getElementById("annual-period").textContent = annual.inProgress
    ? t("annual.inProgress")
        .replace("{year}", String(annual.year))
        .replace("{to}", humanTime(annual.to, getLang()))
        .replace("{elapsed}", String(annual.elapsedDays))
        .replace("{days}", String(annual.daysInYear))
    : t("annual.ended").replace("{year}", String(annual.year)).replace("{days}", String(annual.daysInYear));
  document.getElementById("annual-csv").href = withParams("/api/v1/compliance/air-annual", {
    year: annual.year,
    format: "csv",
  });
  // A statistic whose validity rule is provisional (the percentiles) is starred, the note says why.
  const provisional = (s) => (s.validity?.provisional ? "*" : "");
  const table = document.getElementById("annual-table");
  table.tHead.innerHTML = `<tr><th>${t("col.station")}</th><th>${t("col.status")}</th>${columns
    .map(
      (s) =>
        `<th data-stat="${escapeHtml(s.id)}">${escapeHtml(statisticName(s))}${provisional(s)} <small class="unit">${escapeHtml(s.unit)}</small></th>`,
    )
    .join("")}</tr>`;
  table.tBodies[0].innerHTML = rows
    .map((r) => {
      const status = annual.inProgress ? "in_progress" : r.status;
      const exceeding =
        status === "not_met" && r.exceeding?.length
          ? `<small>${r.exceeding
              .map((id) => {
                const s = r.statistics.find((x) => x.id === id);
                return escapeHtml(s ? statisticName(s) : id);
              })
              .join(getLang() === "zh" ? "、" : ", ")}</small>`
          : "";
      const cells = columns
        .map((column) => {
          const s = r.statistics.find((x) => x.id === column.id);
          if (!s) return `<td class="num annual-cell" data-stat="${escapeHtml(column.id)}">—</td>`;
          const c = annualCell(s, context);
          const title = c.exact ? ` title="${escapeHtml(`${t("annual.exact")} ${c.exact} ${s.unit}`)}"` : "";
          return `<td class="num annual-cell verdict-${c.verdict}" data-stat="${escapeHtml(s.id)}"${title}><span class="annual-value${c.verdict === "exceeds" ? " bad" : ""}">${escapeHtml(c.value)}</span><small class="annual-limit">${t("annual.limit")} ${escapeHtml(c.limit)}</small><small class="annual-verdict${c.verdict === "exceeds" ? " bad" : ""}">${t(`annual.verdict.${c.verdict}`)}</small><small class="annual-days">${t("annual.days").replace("{days}", escapeHtml(c.days))}</small></td>`;
        })
        .join("");
      return `<tr data-station="${escapeHtml(r.stationId)}"><td>${escapeHtml(pick(r.name))} <small class="muted">${escapeHtml(gradeName(r.grade, getLang()))}</small></td><td class="annual-status status-${status}${status === "not_met" ? " bad" : ""}">${t(`annual.status.${status}`)}${exceeding}</td>${cells}</tr>`;
    })
    .join("");
  document.getElementById("annual-note").textContent = [
    t("annual.note"),
    ...(columns.some((s) => s.validity?.provisional) ? [t("annual.provisional")] : []),
  ].join(" ");
}
