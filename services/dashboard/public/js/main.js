import * as alerts from "./alerts.js";
import { connection, getJson, onConnection, reportReachable } from "./api.js";
import * as charts from "./charts.js";
import * as compliance from "./compliance.js";
import { clockTime } from "./format.js";
import { applyI18n, getLang, setLang, t } from "./i18n.js";
import * as map from "./map.js";

const VIEWS = { map, alerts, charts, compliance };
const app = { standards: null, network: null, view: "map" };
window.qingshan = app; // for the browser tests and for curious analysts

function currentView() {
  const name = location.hash.replace(/^#/, "").split("?")[0];
  return name in VIEWS ? name : "map";
}

let shows = 0;

/**
 * Shows view `name`. Which views are visible is set at once, before any view loads: a view that
 * is still loading when another is chosen (map, then alerts, quickly) must not hide the later
 * choice when it finishes, and an older call stops once a newer one has begun.
 */
async function show(name) {
  const mine = ++shows;
  app.view = name;
  const wall = document.body.classList.contains("wall");
  const visibleViews = [];
  for (const [key, view] of Object.entries(VIEWS)) {
    // The wall display shows the map and the duty console side by side.
    const visible = wall ? key === "map" || key === "alerts" : key === name;
    document.getElementById(`view-${key}`).hidden = !visible;
    if (visible) visibleViews.push(view);
  }
  for (const a of document.querySelectorAll("nav.tabs a")) {
    a.setAttribute("aria-current", a.dataset.view === name ? "page" : "false");
  }
  for (const view of visibleViews) {
    await view.show(app).catch((error) => toast(String(error.message ?? error)));
    if (mine !== shows) return;
  }
  resizeCharts();
}

/**
 * Each table cell's column heading as its data-label, which the phone layout (CSS, below 700 px)
 * shows beside the value when a table's rows become stacked cards. Kept up as the views re-render
 * their rows and the language changes.
 */
function labelCells(table) {
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  for (const tr of table.querySelectorAll("tbody tr"))
    [...tr.children].forEach((td, i) => {
      const label = heads[i] ?? "";
      if (td.dataset.label !== label) td.dataset.label = label;
    });
}

function labelAllTables() {
  for (const table of document.querySelectorAll("table.data-table")) labelCells(table);
}

function watchTables() {
  // The tables of index.html, and the station panel, which brings its own (not the charts' SVG).
  const observer = new MutationObserver((records) => {
    const tables = new Set();
    for (const r of records) {
      const table = r.target.closest?.("table.data-table");
      if (table) tables.add(table);
      else for (const t of r.target.querySelectorAll?.("table.data-table") ?? []) tables.add(t);
    }
    for (const table of tables) labelCells(table);
  });
  for (const table of document.querySelectorAll("table.data-table"))
    observer.observe(table, { childList: true, subtree: true });
  observer.observe(document.getElementById("station-panel"), { childList: true });
}

function resizeCharts() {
  for (const el of document.querySelectorAll(".chart")) window.echarts.getInstanceByDom(el)?.resize();
}

/** A short message at the bottom of the screen. */
export function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

function relabel() {
  applyI18n();
  document.getElementById("lang-toggle").textContent = getLang() === "zh" ? "English" : "中文";
  document.getElementById("lang-toggle").lang = getLang() === "zh" ? "en" : "zh-CN";
  document.getElementById("wall-toggle").textContent = t(
    document.body.classList.contains("wall") ? "wall.off" : "wall.on",
  );
  document.title = t("title");
  setLive(document.getElementById("live-status").dataset.state);
  labelAllTables();
}

function setLive(state) {
  const el = document.getElementById("live-status");
  el.dataset.state = state;
  el.textContent = t(`live.${state}`);
  renderOffline();
}

/**
 * The "disconnected, data as of 08:42" banner: shown while the API does not answer or the live
 * feed, once connected, is down — the page's data and alert ages are then no longer current.
 */
function renderOffline() {
  const banner = document.getElementById("offline-banner");
  if (!banner) return;
  const live = document.getElementById("live-status").dataset.state;
  const down = !connection.reachable || (app.streamOpened === true && live !== "open");
  banner.hidden = !down;
  document.body.classList.toggle("offline", down);
  if (!down) return;
  const asOf = connection.lastDataAt ? clockTime(connection.lastDataAt) : null;
  banner.textContent = asOf ? t("offline.asOf").replace("{time}", asOf) : t("offline.banner");
  if (!app.probe) {
    // Until the API answers again, ask it every few seconds (the live feed retries by itself).
    app.probe = setInterval(() => {
      getJson("/healthz").catch(() => undefined);
    }, 5000);
  }
}

onConnection(async (state) => {
  renderOffline();
  if (!state.reachable) return;
  clearInterval(app.probe);
  app.probe = null;
  // Back: bring the view shown up to date.
  if (document.body.dataset.ready === "true") await show(currentView());
});

function connectStream() {
  const source = new EventSource("/api/v1/alerts/stream");
  source.onopen = () => {
    app.streamRetry = undefined;
    const again = app.streamOpened === true;
    const wasReachable = connection.reachable;
    app.streamOpened = true;
    setLive("open");
    reportReachable(true);
    // Events sent while the feed was down are lost: reload the view shown (onConnection does
    // when the API was unreachable too).
    if (again && wasReachable && document.body.dataset.ready === "true")
      show(currentView()).catch(() => undefined);
  };
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) return setLive("connecting");
    // The browser gives up on an answer other than an event stream (e.g. a proxy's 502): retry,
    // 5 s after the first failure, up to a minute apart after more.
    setLive("closed");
    app.streamRetry = Math.min(60_000, (app.streamRetry ?? 2500) * 2);
    setTimeout(connectStream, app.streamRetry);
  };
  source.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    reportReachable(true);
    app.lastEvent = event;
    alerts.onEvent(app, event);
    // The map marks stations with open alerts: keep it in step with the console.
    if (!document.getElementById("view-map").hidden && app.network) map.refresh(app).catch(() => undefined);
  };
  app.stream = source;
}

async function start() {
  const params = new URLSearchParams(location.search);
  setLang(params.get("lang") ?? localStorage.getItem("qingshan.lang") ?? "zh");
  if (params.get("wall") === "1" || localStorage.getItem("qingshan.wall") === "1")
    document.body.classList.add("wall");
  relabel();
  watchTables();
  app.standards = await getJson("/dashboard/standards.json");
  app.toast = toast;
  app.refreshMap = () => map.refresh(app);
  for (const view of Object.values(VIEWS)) view.init(app);
  document.getElementById("lang-toggle").addEventListener("click", async () => {
    setLang(getLang() === "zh" ? "en" : "zh");
    localStorage.setItem("qingshan.lang", getLang());
    relabel();
    await show(currentView());
  });
  document.getElementById("wall-toggle").addEventListener("click", async () => {
    document.body.classList.toggle("wall");
    localStorage.setItem("qingshan.wall", document.body.classList.contains("wall") ? "1" : "0");
    relabel();
    await show(currentView());
  });
  window.addEventListener("hashchange", () => show(currentView()));
  window.addEventListener("resize", resizeCharts);
  connectStream();
  await alerts.refreshWarning(app).catch(() => undefined);
  await show(currentView());
  // The map and the console keep themselves current on a wall display.
  setInterval(() => {
    if (!document.getElementById("view-map").hidden) map.refresh(app).catch(() => undefined);
  }, 60_000);
  // Alert ages count on only while the page is connected: disconnected, they may be resolved already.
  setInterval(() => {
    if (!document.body.classList.contains("offline")) alerts.tick(app);
  }, 30_000);
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  document.body.dataset.ready = "error";
  toast(String(error.message ?? error));
});
