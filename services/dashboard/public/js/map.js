import { getJson } from "./api.js";
import {
  categoryOf,
  compareAlerts,
  displayMeasure,
  humanizeTimes,
  SILENT_COLOR,
  shortTime,
  textColorOn,
  WATER_STATUS_HEX,
} from "./format.js";
import { getLang, pick, t } from "./i18n.js";
import {
  LABEL_TEXT,
  lianduMapGeoJson,
  MAP_GEO_LAYOUT,
  placeLabels,
  STATION_SYMBOLS,
  TOWNSHIP_TEXT,
} from "./label-placement.js";
import { unitText, withoutSeverityTag } from "./labels.js";
import { townshipName, townshipNames } from "./townships.js";

let chart;
let geoReady = null;
let selected = null;
let panelChart;
/** The townships as registered with ECharts, each with its name's point `cp`. */
let mapTownships = [];

export function init() {
  const body = document.querySelector("#station-table tbody");
  body.addEventListener("click", (e) => {
    if (e.target.closest("a")) return;
    const row = e.target.closest("tr[data-station]");
    if (row) select(window.qingshan, row.dataset.station);
  });
  // The rows are focusable: Enter or Space opens the station, as a click does.
  body.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    if (e.target.closest("a")) return;
    const row = e.target.closest("tr[data-station]");
    if (!row) return;
    e.preventDefault();
    select(window.qingshan, row.dataset.station);
  });
}

async function loadGeo() {
  const [townships, rivers, district] = await Promise.all(
    ["townships", "rivers", "district"].map((layer) => getJson(`/dashboard/geo/${layer}.geojson`)),
  );
  const geo = lianduMapGeoJson(district, townships);
  mapTownships = geo.features.filter((f) => f.properties.name !== "__district");
  window.echarts.registerMap("liandu", geo);
  return { townships, rivers, townshipNames: townshipNames(townships) };
}

/** Colour, short state text and full state text of a station. */
export function stationLook(app, s) {
  // A station that never reported has not gone offline: it has no data yet.
  if (s.silent && !s.lastReadingAt)
    return { color: SILENT_COLOR, short: t("state.never"), text: t("state.never") };
  if (s.silent)
    return {
      color: SILENT_COLOR,
      short: t("state.silent"),
      text: `${t("state.silent")}${s.lastReadingAt ? ` (${shortTime(s.lastReadingAt)})` : ""}`,
    };
  const state = s.state;
  if (!state) return { color: SILENT_COLOR, short: t("state.nodata"), text: t("state.nodata") };
  if (state.type === "aqi") {
    const c = categoryOf(app.standards.aqiCategories, state.aqi);
    const name = pick(c);
    return {
      color: c.color,
      short: `${name} ${state.aqi}`,
      text: `AQI ${state.aqi} · ${name} (${shortTime(state.label)})`,
    };
  }
  if (state.type === "water") {
    const info = app.standards.waterClasses.find((w) => w.class === state.class);
    const color = WATER_STATUS_HEX[info?.status.color] ?? SILENT_COLOR;
    const meets = state.meetsTarget ? t("state.meets") : t("state.fails");
    const cls = `${state.class}${pick({ zh: "类", en: "" })}`;
    return {
      color,
      short: `${cls}${state.meetsTarget ? "" : " ✗"}`,
      text: `${pick({ zh: "水质", en: "Class" })} ${cls} · ${t("state.target")} ${state.targetClass} · ${meets}`,
      ring: !state.meetsTarget,
    };
  }
  const g = state.grade;
  return {
    color: g.color,
    short: `${pick({ zh: "", en: "Grade " })}${g.grade}${pick({ zh: "级", en: "" })}`,
    // The state is the last full hour's mean, not the latest reading the panel lists.
    text: `${t("state.hourMean")} ${Math.round(state.value)} ${unitText(app.standards.metrics?.noi?.unit ?? "ions/cm³", getLang())} · ${g.grade} · ${pick(g)} (${shortTime(state.label)})`,
  };
}

/** The map layers, loaded once; a failed load is tried again on the next show or refresh. */
function ensureGeo() {
  geoReady ??= loadGeo().catch((error) => {
    geoReady = null;
    throw error;
  });
  return geoReady;
}

export async function show(app) {
  if (!chart) chart = window.echarts.init(document.getElementById("map-chart"), null, { renderer: "svg" });
  await refresh(app);
}

export async function refresh(app) {
  const [geo, network, open] = await Promise.all([
    ensureGeo(),
    getJson("/api/v1/network"),
    getJson("/api/v1/alerts", { status: "open,acknowledged", limit: 500 }),
  ]);
  app.geo = geo;
  app.network = network;
  app.openAlerts = open.alerts;
  app.stationAlerts = alertsByStation(open.alerts);
  // The table first: it does not need the chart, so a chart that fails to draw leaves it shown.
  renderTable(app);
  render(app);
  renderLegend(app);
  if (selected) await select(app, selected, false);
}

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

/**
 * Per station, its open (or acknowledged, not yet resolved) critical and warning alerts: how many,
 * and the most severe. Info alerts (e.g. the NOI fresh-air grade) are news, not trouble: the
 * console lists them, the map does not flag them.
 */
function alertsByStation(alerts) {
  const by = new Map();
  for (const a of alerts) {
    if (a.severity !== "critical" && a.severity !== "warning") continue;
    const seen = by.get(a.stationId);
    const severity =
      seen && (SEVERITY_RANK[seen.severity] ?? 3) <= (SEVERITY_RANK[a.severity] ?? 3)
        ? seen.severity
        : a.severity;
    by.set(a.stationId, { count: (seen?.count ?? 0) + 1, severity });
  }
  return by;
}

/** "⚠ 2 未解除告警" for a station with open alerts, else "". */
function alertText(app, id) {
  const open = app.stationAlerts?.get(id);
  return open ? `⚠ ${open.count} ${t("alerts.open")}` : "";
}

// The stations whose labels the map shows, by series index and data index, and where their
// labels were last placed (recomputed when the markers move: zoom, pan, resize, new data).
let labelOwners = [];
let placement = null;

/** ECharts' labelLayout callback: each station label at its place from `placeLabels`. */
function layoutLabel(params) {
  const owner = labelOwners[params.seriesIndex]?.[params.dataIndex];
  if (!owner) return {};
  const x = params.rect.x + params.rect.width / 2;
  const y = params.rect.y + params.rect.height / 2;
  const anchor = placement?.anchors.get(owner.id);
  if (!anchor || Math.abs(anchor[0] - x) > 0.5 || Math.abs(anchor[1] - y) > 0.5) placement = placeAll();
  const label = placement.labels.get(owner.id);
  if (!label) return {};
  return {
    x: label.x,
    y: label.y,
    align: "left",
    verticalAlign: "top",
    labelLinePoints: label.leader ?? [
      [x, y],
      [x, y],
    ],
  };
}

function placeAll() {
  const [padY, padX] = LABEL_TEXT.padding;
  const font = `${LABEL_TEXT.fontSize}px sans-serif`;
  const anchors = new Map();
  const items = labelOwners.flat().map((owner) => {
    const [x, y] = chart.convertToPixel({ geoIndex: 0 }, owner.value);
    anchors.set(owner.id, [x, y]);
    return {
      id: owner.id,
      x,
      y,
      radius: STATION_SYMBOLS[owner.kind].size / 2,
      width: Math.ceil(window.echarts.format.getTextRect(owner.text, font).width) + 2 * padX,
      height: LABEL_TEXT.lineHeight + 2 * padY,
    };
  });
  const bounds = { x: 0, y: 0, width: chart.getWidth(), height: chart.getHeight() };
  return { anchors, labels: placeLabels(items, bounds, { obstacles: townshipNameBoxes() }) };
}

/** The boxes of the township names ECharts draws, centred on each township's `cp` (label-placement.js). */
function townshipNameBoxes() {
  const font = `${TOWNSHIP_TEXT.fontSize}px sans-serif`;
  const boxes = [];
  for (const f of mapTownships) {
    const cp = f.properties.cp;
    if (!cp) continue;
    const [x, y] = chart.convertToPixel({ geoIndex: 0 }, cp);
    const rect = window.echarts.format.getTextRect(townshipText(window.qingshan, f.properties.name), font);
    // The glyphs drawn (CJK fonts' ascent and descent) run a little past the measured line: 2 px more.
    boxes.push({
      x: x - rect.width / 2 - 2,
      y: y - rect.height / 2 - 2,
      width: rect.width + 4,
      height: rect.height + 4,
    });
  }
  return boxes;
}

/** A township's name (Chinese, as the GeoJSON and the stations name it) in the current language. */
function townshipText(app, zh) {
  return pick(townshipName(app.geo?.townshipNames, zh));
}

function render(app) {
  const stations = app.network.stations;
  const byKind = (kind) =>
    stations
      .filter((s) => s.kind === kind)
      .map((s) => {
        const look = stationLook(app, s);
        const alerted = app.stationAlerts?.has(s.id);
        return {
          name: pick(s.name),
          id: s.id,
          value: [s.location.lon, s.location.lat],
          itemStyle: {
            color: look.color,
            borderColor: look.ring ? "#d62728" : "#222",
            borderWidth: look.ring ? 3 : 1,
          },
          // The label carries the status colour too, so it shows where markers crowd.
          label: {
            show: true,
            formatter: alerted ? `⚠ ${look.short}` : look.short,
            ...LABEL_TEXT,
            color: textColorOn(look.color),
            backgroundColor: look.color,
            // An open alert: a red frame, as the duty console shows it.
            borderColor: alerted ? "#b00020" : "rgba(0,0,0,0.45)",
            borderWidth: alerted ? 2 : 1,
            borderRadius: 3,
          },
          look,
          alerts: alertText(app, s.id),
        };
      });
  const rivers = app.geo.rivers.features.map((f) => ({
    name: pick({ zh: f.properties.name, en: f.properties.nameEn }),
    coords: f.geometry.type === "LineString" ? f.geometry.coordinates : f.geometry.coordinates.flat(),
  }));
  const kinds = ["air", "water", "noi"];
  const data = kinds.map(byKind);
  // Series 0 is the rivers; the stations' series follow in the order of `kinds`.
  labelOwners = [
    [],
    ...data.map((items, k) =>
      items.map((d) => ({ id: d.id, kind: kinds[k], value: d.value, text: d.label.formatter })),
    ),
  ];
  placement = null;
  chart.setOption(
    {
      aria: { enabled: true },
      tooltip: {
        trigger: "item",
        formatter: (p) =>
          p.data?.look
            ? `<b>${escapeHtml(p.name)}</b><br>${escapeHtml(p.data.look.text)}${p.data.alerts ? `<br><b class="bad">${p.data.alerts}</b>` : ""}`
            : p.name === "__district"
              ? ""
              : escapeHtml(p.name),
      },
      geo: {
        map: "liandu",
        roam: true,
        ...MAP_GEO_LAYOUT,
        label: {
          show: true,
          color: "#5b6b5b",
          fontSize: TOWNSHIP_TEXT.fontSize,
          formatter: (p) => (p.name === "__district" ? "" : townshipText(app, p.name)),
        },
        // A component's tooltip does not use the global formatter (ECharts), so the regions have theirs.
        tooltip: {
          show: true,
          formatter: (p) => (p.name === "__district" ? "" : escapeHtml(townshipText(app, p.name))),
        },
        itemStyle: { areaColor: "#eef4ea", borderColor: "#9fb59a" },
        emphasis: { itemStyle: { areaColor: "#dfead8" }, label: { color: "#243" } },
        regions: [
          {
            name: "__district",
            itemStyle: { areaColor: "#f6f8f3", borderColor: "#4d6b47", borderWidth: 2 },
            silent: true,
          },
        ],
      },
      series: [
        {
          id: "rivers",
          type: "lines",
          coordinateSystem: "geo",
          polyline: true,
          silent: true,
          lineStyle: { color: "#4a90d9", width: 2.5, opacity: 0.8 },
          data: rivers,
        },
        ...kinds.map((kind, k) => ({
          id: `stations-${kind}`,
          name: t(`kind.${kind}`),
          type: "scatter",
          coordinateSystem: "geo",
          symbol: STATION_SYMBOLS[kind].symbol,
          symbolSize: STATION_SYMBOLS[kind].size,
          data: data[k],
          labelLayout: layoutLabel,
          labelLine: { show: true, lineStyle: { color: "#333", width: 1 } },
          emphasis: { scale: 1.4 },
          z: 5,
        })),
      ],
    },
    { replaceMerge: ["series"] },
  );
  chart.off("click");
  chart.on("click", (p) => {
    if (p.data?.id) select(app, p.data.id);
  });
}

function renderTable(app) {
  const body = document.querySelector("#station-table tbody");
  body.replaceChildren(
    ...app.network.stations.map((s) => {
      const look = stationLook(app, s);
      const tr = document.createElement("tr");
      tr.dataset.station = s.id;
      tr.dataset.kind = s.kind;
      tr.tabIndex = 0;
      tr.className = s.silent ? "silent" : "";
      const swatch = `<span class="swatch" style="background:${look.color};color:${textColorOn(look.color)}">${escapeHtml(look.short)}</span>`;
      const open = app.stationAlerts?.get(s.id);
      const alerts = open
        ? ` <a class="badge sev-${open.severity}" href="#alerts">${alertText(app, s.id)}</a>`
        : "";
      tr.innerHTML = `<td>${escapeHtml(pick(s.name))} <small class="muted nowrap">${s.id}</small></td><td>${t(`kind.${s.kind}`)}</td><td>${escapeHtml(townshipText(app, s.township))}</td><td class="state">${swatch} ${escapeHtml(look.text)}${alerts}</td><td class="nowrap">${shortTime(s.lastReadingAt)}</td>`;
      return tr;
    }),
  );
}

/**
 * The map legend's NOI line for the grade table in force (standards.json `noi`, the API's and the
 * alerts' table): its grades with their names and colours, then the table's title, and "暂定分级 /
 * provisional grading" only when the table is provisional (negative-oxygen-ions.md §2; a bureau's
 * confirmed table is not).
 */
export function noiLegendHtml(noi) {
  const grades = noi.grades.map(
    (g) =>
      `<span class="swatch" style="background:${escapeHtml(g.color)};color:${textColorOn(g.color)}">${escapeHtml(g.grade)} ${escapeHtml(pick(g))}</span>`,
  );
  const notes = [
    ...(noi.title ? [pick(noi.title)] : []),
    ...(noi.provisional ? [pick({ zh: "暂定分级", en: "provisional grading" })] : []),
  ];
  const note =
    notes.length > 0 ? ` <small>(${escapeHtml(notes.join(pick({ zh: "，", en: ", " })))})</small>` : "";
  return `<b>▲ ${t("kind.noi")}</b> ${grades.join(" ")}${note}`;
}

function renderLegend(app) {
  const items = app.standards.aqiCategories.map(
    (c) =>
      `<span class="swatch" style="background:${c.color};color:${textColorOn(c.color)}">${pick(c)}</span>`,
  );
  const water = app.standards.waterClasses
    .filter((w, i, all) => all.findIndex((x) => x.status.color === w.status.color) === i)
    .map(
      (w) =>
        `<span class="swatch" style="background:${WATER_STATUS_HEX[w.status.color]};color:${textColorOn(WATER_STATUS_HEX[w.status.color])}">${pick(w.status)}</span>`,
    );
  document.getElementById("map-legend").innerHTML =
    `<div><b>● ${t("kind.air")}</b> ${items.join(" ")}</div>` +
    `<div><b>◆ ${t("kind.water")}</b> ${water.join(" ")} <span class="swatch ring">✗ ${t("state.fails")}</span></div>` +
    `<div>${noiLegendHtml(app.standards.noi)}</div>` +
    `<div><span class="swatch" style="background:${SILENT_COLOR};color:#000">${t("state.silent")} / ${t("state.never")}</span></div>`;
}

const MAIN_METRIC = { air: "pm25", water: "nh3n", noi: "noi" };

/** A metric's name in the page's language ("总磷" / "Total phosphorus"), its id when unknown. */
function metricName(app, metric) {
  const m = app.standards.metrics?.[metric];
  return m?.zh ? pick(m) : metric;
}

/**
 * The station's open and acknowledged alerts, most severe first, as the duty console words them:
 * the severity as a badge, so the message goes without its "【严重】" tag.
 */
function openAlertsHtml(app, id) {
  const list = (app.openAlerts ?? []).filter((a) => a.stationId === id).sort(compareAlerts);
  if (list.length === 0) return "";
  const items = list.map(
    (a) =>
      `<li data-alert="${escapeHtml(a.alertId)}"><span class="badge sev-${escapeHtml(a.severity)}">${t(`severity.${a.severity}`)}</span> ${escapeHtml(withoutSeverityTag(humanizeTimes(pick(a.message), getLang(), a.updatedAt)))}${a.status === "acknowledged" ? ` <small class="muted">(${t("status.acknowledged")})</small>` : ""}</li>`,
  );
  return `<h4>${t("alerts.open")} (${list.length})</h4><ul class="panel-alerts">${items.join("")}</ul>
    <p><a href="#alerts">${t("nav.alerts")} →</a></p>`;
}

/** The latest reading of each metric: display name, value as the alerts show it, unit, time, flag. */
function latestHtml(app, s) {
  if (s.latest.length === 0) return `<p class="empty">${t("state.never")}</p>`;
  const flags = app.standards.flags ?? {};
  const rows = s.latest.map((r) => {
    const meaning = flags[r.flag] ? pick(flags[r.flag]) : "";
    return `<tr data-metric="${escapeHtml(r.metric)}"><td>${escapeHtml(metricName(app, r.metric))}</td><td class="num">${displayMeasure(r.value)}</td><td>${escapeHtml(unitText(r.unit, getLang()))}</td><td class="nowrap">${shortTime(r.ts)}</td><td><abbr title="${escapeHtml(meaning)}">${escapeHtml(r.flag)}</abbr></td></tr>`;
  });
  return `<table class="data-table compact latest"><thead><tr><th>${t("col.metric")}</th><th class="num">${t("col.reading")}</th><th>${t("col.unit")}</th><th>${t("col.time")}</th><th title="${escapeHtml(t("col.flagHelp"))}">${t("col.flag")}</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

async function select(app, id, scroll = true) {
  selected = id;
  const s = app.network.stations.find((x) => x.id === id);
  if (!s) return;
  const panel = document.getElementById("station-panel");
  const look = stationLook(app, s);
  const metric = s.state?.deciding?.[0] ?? MAIN_METRIC[s.kind];
  const name = metricName(app, metric);
  panel.innerHTML = `<h3 tabindex="-1">${escapeHtml(pick(s.name))}</h3>
    <p><span class="swatch" style="background:${look.color};color:${textColorOn(look.color)}">${escapeHtml(look.short)}</span> ${escapeHtml(look.text)}</p>
    <p class="muted">${t(`kind.${s.kind}`)} · ${escapeHtml(townshipText(app, s.township))} · ${s.id}</p>
    ${openAlertsHtml(app, s.id)}
    <h4>${t("map.latest")}</h4>
    ${latestHtml(app, s)}
    <h4>${t("map.chart24")} · ${escapeHtml(name)}</h4><div id="panel-chart" class="chart chart-panel"></div>
    <p id="panel-chart-empty" class="empty" hidden>${t("map.noData24")}</p>
    <p><a href="#charts?station=${s.id}&metric=${metric}">${t("nav.charts")} →</a></p>`;
  if (scroll) {
    // The panel sits beside the map: after a click in the table below it is out of view.
    const box = panel.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 80)
      panel.scrollIntoView({ behavior: "smooth", block: "start" });
    panel.querySelector("h3").focus({ preventScroll: true });
  }
  const to = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  const series = await getJson("/api/v1/series", {
    station: s.id,
    metric,
    every: "1h",
    from: String(to - 24 * 3_600_000),
    to: String(to),
  });
  if (selected !== id) return;
  // Hours without a reading of a metric measured less often than hourly are `notSampled` (no value
  // expected): left out so its values join up, as in the charts view.
  const periods = series.periods.filter((p) => !p.notSampled);
  panelChart?.dispose();
  panelChart = null;
  const chartEl = document.getElementById("panel-chart");
  if (!periods.some((p) => typeof p.value === "number")) {
    chartEl.hidden = true;
    document.getElementById("panel-chart-empty").hidden = false;
    return;
  }
  panelChart = window.echarts.init(chartEl, null, { renderer: "svg" });
  panelChart.setOption({
    grid: { left: 44, right: 12, top: 16, bottom: 28 },
    tooltip: { trigger: "axis", valueFormatter: (v) => displayMeasure(v) },
    xAxis: { type: "category", data: periods.map((p) => p.label.slice(11, 16)) },
    yAxis: { type: "value", name: unitText(series.unit, getLang()), scale: true },
    series: [
      {
        type: "line",
        name,
        data: periods.map((p) => p.value),
        connectNulls: false,
        showSymbol: periods.length < series.periods.length,
      },
    ],
  });
}

export function escapeHtml(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}
