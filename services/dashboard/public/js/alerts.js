import { getJson, postJson } from "./api.js";
import { compareAlerts, formatAge, formatMeasure, humanizeTimes, humanTime, shortTime } from "./format.js";
import { getLang, pick, t } from "./i18n.js";
import {
  alertInProgressPeriod,
  alertStartMs,
  alertSubject,
  alertValueText,
  districtLevelText,
  eventLabel,
  inProgressMark,
  inProgressPeriod,
  levelText,
  ruleConditions,
  ruleLine,
  silenceLastDataMs,
  standardLine,
  warningLine,
  withoutSeverityTag,
} from "./labels.js";
import { escapeHtml } from "./map.js";

/** An alert message in the page's language, its times as people read them (older messages carry ISO times). */
function messageText(message, referenceIso) {
  return humanizeTimes(pick(message), getLang(), referenceIso);
}

/** A message as a row shows it: without the severity tag, which the row's badge already shows. */
function rowText(message, referenceIso) {
  return withoutSeverityTag(messageText(message, referenceIso));
}

/** An alert's rule under its message: "规则：…" with the rule id on hover; "" without a description. */
function ruleHtml(alert) {
  const line = ruleLine(alert, getLang());
  return line
    ? `<br><small class="rule" title="${escapeHtml(alert.ruleId)}">${escapeHtml(line)}</small>`
    : "";
}

/** "碧湖镇 · 饮用水水源地水质未达目标类别（III类） · 开始于 11月23日 12:00": which alert, for the dialog and the toast. */
function alertTitle(app, alert) {
  const lang = getLang();
  const start = humanTime(new Date(alertStartMs(alert)).toISOString(), lang, alert.updatedAt);
  return [
    stationName(app, alert.stationId),
    alertSubject(messageText(alert.message, alert.updatedAt), lang),
    lang === "zh" ? `开始于 ${start}` : `since ${start}`,
  ].join(" · ");
}

/**
 * The mark of a value of a period not yet ended (air-aqi.md §8): "18:00–19:00 进行中 · 暂定值";
 * `data-until` lets `tick` take it off once the page's clock passes the period's end. "" for none.
 */
function inProgressHtml(period) {
  if (!period) return "";
  return ` <span class="badge in-progress" data-until="${period.end}" title="${escapeHtml(t("alerts.provisionalNote"))}" style="border-color:#888;border-style:dashed;font-weight:normal">${escapeHtml(inProgressMark(period, getLang()))}</span>`;
}

/** The events whose value the notifier too calls provisional (render.ts): raise, level change, resolution. */
const VALUE_EVENTS = new Set(["raised", "level_changed", "resolved"]);

const WARNING_COLORS = { blue: "#1565c0", yellow: "#f2c500", orange: "#ff7e00", red: "#d62728" };
let openAlerts = [];
let ackTarget = null;

function stationOf(app, id) {
  return app.stations?.find((x) => x.id === id) ?? app.network?.stations.find((x) => x.id === id);
}

function stationName(app, id) {
  if (id === "district") return t("compliance.district");
  const s = stationOf(app, id);
  return s ? pick(s.name) : id;
}

export function init(app) {
  holdRowsUnderPointer(app);
  const form = document.getElementById("ack-form");
  form.actor.value = localStorage.getItem("qingshan.actor") ?? "";
  document
    .getElementById("ack-cancel")
    .addEventListener("click", () => document.getElementById("ack-dialog").close());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const actor = form.actor.value.trim();
    const note = form.note.value.trim();
    const error = document.getElementById("ack-error");
    error.textContent = "";
    if (!actor) {
      error.textContent = t("ack.actor");
      return;
    }
    let answer;
    try {
      answer = await postJson(`/api/v1/alerts/${encodeURIComponent(ackTarget)}/ack`, {
        actor,
        ...(note ? { note } : {}),
      });
    } catch (err) {
      error.textContent = String(err.message ?? err);
      return;
    }
    localStorage.setItem("qingshan.actor", actor);
    document.getElementById("ack-dialog").close();
    form.note.value = "";
    const acked = openAlerts.find((a) => a.alertId === ackTarget);
    app.toast(`${t("ack.done")}: ${acked ? alertTitle(app, acked) : ackTarget}`);
    // The answer carries the alert as stored: shown at once, whether or not the refresh below
    // gets through (it is an acknowledgement that succeeded, not one to retry).
    showAcknowledged(app, answer.alert);
    await refresh(app).catch((err) => app.toast(`${t("ack.done")}; ${String(err.message ?? err)}`));
  });
  for (const id of ["open-alerts", "history-alerts"]) {
    document.getElementById(id).addEventListener("click", (e) => {
      const ack = e.target.closest("button[data-ack]");
      if (ack) return openAck(app, ack.dataset.ack);
      const row = e.target.closest("tr[data-alert]");
      if (row) showHistory(app, row.dataset.alert);
    });
  }
}

/** Replaces an open alert's row by its state from an acknowledgement's answer (rendered even under the pointer). */
function showAcknowledged(app, alert) {
  const at = openAlerts.findIndex((a) => a.alertId === alert?.alertId);
  if (at < 0) return;
  openAlerts[at] = alert;
  renderOpen(app);
}

function openAck(app, alertId) {
  ackTarget = alertId;
  const alert = openAlerts.find((a) => a.alertId === alertId);
  const what = document.getElementById("ack-what");
  what.textContent = alert ? alertTitle(app, alert) : alertId;
  what.dataset.alert = alertId;
  const rule = document.getElementById("ack-rule");
  rule.textContent = alert ? ruleLine(alert, getLang()) : "";
  rule.hidden = rule.textContent === "";
  document.getElementById("ack-error").textContent = "";
  document.getElementById("ack-dialog").showModal();
}

export async function show(app) {
  if (!app.stations) app.stations = (await getJson("/api/v1/stations")).stations;
  await refresh(app);
}

// Refreshes can overlap (a live event and an acknowledgement): a live answer renders only if no
// refresh started after it, so an older answer arriving last cannot put back an earlier state.
// An explicit refresh (after an acknowledgement) always renders, even while live updates are held.
let refreshes = 0;

export async function refresh(app, { live = false } = {}) {
  const mine = ++refreshes;
  const [open, history] = await Promise.all([
    getJson("/api/v1/alerts", { status: "open,acknowledged", limit: 500 }),
    getJson("/api/v1/alerts", { status: "resolved", limit: 50 }),
    refreshWarning(app),
  ]);
  if (live && mine !== refreshes) return;
  openAlerts = open.alerts.sort(compareAlerts);
  renderOpen(app, { live });
  renderHistory(app, history.alerts);
}

function severityBadge(severity) {
  return `<span class="badge sev-${severity}">${t(`severity.${severity}`)}</span>`;
}

/**
 * A level's badge: its name where the rule file gives one (levelName: 严重污染), a warning colour on
 * its path ("建议黄色预警", or "健康提示 · 黄色级别" for a health advisory: heavy-pollution-warning.md
 * §3.3), else the id.
 */
function levelBadge(level, levelName, path) {
  if (!level) return "";
  const color = WARNING_COLORS[level] ?? "#666";
  const name = levelText(level, levelName, path, getLang());
  const advisory = !levelName && WARNING_COLORS[level] && path === "healthAdvisory";
  return ` <span class="badge level${advisory ? " advisory" : ""}" data-level="${escapeHtml(level)}" data-path="${escapeHtml(path ?? "")}" style="border-color:${color}">${escapeHtml(name)}</span>`;
}

// While the duty officer points at the table, live updates wait: rows must not move under the cursor.
let pointerOverTable = false;
let renderPending = null;

function holdRowsUnderPointer(app) {
  const table = document.getElementById("open-alerts");
  table.addEventListener("pointerenter", () => {
    pointerOverTable = true;
  });
  table.addEventListener("pointerleave", () => {
    pointerOverTable = false;
    if (renderPending) {
      renderPending = null;
      renderOpen(app);
    }
  });
}

function renderOpen(app, { live = false } = {}) {
  if (live && pointerOverTable) {
    renderPending = app;
    return;
  }
  const now = Date.now();
  const body = document.querySelector("#open-alerts tbody");
  body.replaceChildren(
    ...openAlerts.map((a) => {
      const tr = document.createElement("tr");
      tr.dataset.alert = a.alertId;
      tr.dataset.status = a.status;
      tr.dataset.rule = a.ruleId;
      tr.className = `sev-row-${a.severity}${a.status === "acknowledged" ? " acked" : ""}`;
      const value = alertValueText(a, {
        metrics: app.standards?.metrics,
        targetClass: stationOf(app, a.stationId)?.water?.targetClass,
        lang: getLang(),
        now,
      });
      // A silence's length goes on growing: `tick` keeps it current from the last data time.
      const silentSince = silenceLastDataMs(a);
      tr.innerHTML = `<td>${severityBadge(a.severity)}${levelBadge(a.level, a.levelName, a.path)}</td>
        <td>${escapeHtml(stationName(app, a.stationId))}</td>
        <td class="message">${escapeHtml(rowText(a.message, a.updatedAt))}${ruleHtml(a)}${a.standard ? `<br><small class="muted">${escapeHtml(standardLine(a.standard, getLang()))}</small>` : ""}</td>
        <td class="num">${silentSince === undefined ? escapeHtml(value) : `<span data-silent-since="${silentSince}">${escapeHtml(value)}</span>`}${inProgressHtml(alertInProgressPeriod(a, now))}</td>
        <td data-since="${alertStartMs(a)}">${formatAge(alertStartMs(a), now, getLang())}</td>
        <td class="status">${t(`status.${a.status}`)}${a.acknowledgedBy ? `<br><small>${escapeHtml(a.acknowledgedBy)}${a.acknowledgeNote ? `: ${escapeHtml(a.acknowledgeNote)}` : ""}</small>` : ""}</td>
        <td>${a.status === "open" ? `<button type="button" class="primary" data-ack="${escapeHtml(a.alertId)}">${t("alerts.ack")}</button>` : ""} <button type="button" class="link">${t("alerts.details")}</button></td>`;
      return tr;
    }),
  );
  document.getElementById("open-empty").hidden = openAlerts.length > 0;
}

function renderHistory(app, alerts) {
  const body = document.querySelector("#history-alerts tbody");
  body.replaceChildren(
    ...alerts.map((a) => {
      const tr = document.createElement("tr");
      tr.dataset.alert = a.alertId;
      tr.innerHTML = `<td>${severityBadge(a.severity)}${levelBadge(a.level, a.levelName, a.path)}</td><td>${escapeHtml(stationName(app, a.stationId))}</td><td class="message">${escapeHtml(rowText(a.message, a.updatedAt))}${ruleHtml(a)}</td><td>${shortTime(new Date(alertStartMs(a)).toISOString())}</td><td>${shortTime(a.resolvedAt)}</td><td>${escapeHtml(a.acknowledgedBy ?? "")}</td>`;
      return tr;
    }),
  );
}

/** The rules of GET /api/v1/rules by id, read once; empty (and asked again next time) when the API cannot say. */
async function rulesById(app) {
  if (app.rules) return app.rules;
  try {
    const answer = await getJson("/api/v1/rules");
    app.rules = new Map(answer.rules.map((r) => [r.id, r]));
    return app.rules;
  } catch {
    return new Map();
  }
}

/** The detail's rule section: its description and id, then what raises, steps down and clears it. */
function ruleSection(app, alert, rule) {
  const lang = getLang();
  const description = pick(rule?.description ?? alert.ruleDescription);
  if (!description && !rule) return "";
  const lines = rule ? ruleConditions(rule, { metrics: app.standards?.metrics, lang }) : [];
  return `<section class="rule-detail" data-rule="${escapeHtml(alert.ruleId)}"><h4>${t("alerts.rule")}</h4>
    <p>${escapeHtml(description)} <small class="muted">${escapeHtml(alert.ruleId)}</small></p>
    ${lines.length ? `<dl class="rule-conditions">${lines.map((l) => `<dt>${escapeHtml(l.label)}</dt><dd>${escapeHtml(l.text)}</dd>`).join("")}</dl>` : ""}</section>`;
}

/**
 * The level badge of an event in an alert's history. A raise or level change states its level's
 * name and path. Another event (acknowledged, renotified, …) restates the alert's current ones, but
 * one stored before it did carries only the level id: it takes them from the raise or level change
 * it follows, when that is at the same level, so its badge reads 严重污染 or 健康提示 · 橙色级别 as
 * that one's did — not "severe", nor a suggested warning. `events` in time order.
 */
function eventLevelBadge(events, index) {
  const e = events[index];
  if (!e.level) return "";
  if (e.type === "raised" || e.type === "level_changed") return levelBadge(e.level, e.levelName, e.path);
  const before = events
    .slice(0, index)
    .filter((x) => x.type === "raised" || x.type === "level_changed")
    .at(-1);
  const same = before?.level === e.level ? before : undefined;
  return levelBadge(e.level, e.levelName ?? same?.levelName, e.path ?? same?.path);
}

async function showHistory(app, alertId) {
  const { alert, events } = await getJson(`/api/v1/alerts/${encodeURIComponent(alertId)}`);
  // Only an API started with the rules file describes rules; one without answers GET /rules with a
  // 503, which the page would take for a lost server (api.js), so it is not asked.
  const rules = alert.ruleDescription ? await rulesById(app) : new Map();
  const now = Date.now();
  const provisional = (e) => (VALUE_EVENTS.has(e.type) ? inProgressPeriod(e, now) : undefined);
  // The alert's value is that of its latest raise or level change: provisional while that one is.
  const valueEvent = events.filter((e) => e.type === "raised" || e.type === "level_changed").at(-1);
  const current = alert.status === "resolved" || !valueEvent ? undefined : provisional(valueEvent);
  document.getElementById("history-body").innerHTML =
    `<h3>${escapeHtml(messageText(alert.message, alert.updatedAt))}</h3>
    <p>${severityBadge(alert.severity)}${levelBadge(alert.level, alert.levelName, alert.path)} ${escapeHtml(stationName(app, alert.stationId))} · ${t(`status.${alert.status}`)}${inProgressHtml(current)}</p>
    ${ruleSection(app, alert, rules.get(alert.ruleId))}
    ${alert.details?.length ? `<ul>${alert.details.map((d) => `<li>${escapeHtml(d.metric)}: ${formatMeasure(d.value)}${d.limit !== undefined ? ` (${formatMeasure(d.limit)})` : ""} ${escapeHtml(d.note ?? "")}</li>`).join("")}</ul>` : ""}
    <h4>${t("alerts.events")}</h4>
    <ol class="events">${events
      .map(
        (e, i) =>
          `<li data-event="${escapeHtml(e.id)}"><time>${shortTime(e.at)}</time> <b>${escapeHtml(eventLabel(events, i, getLang(), t(`event.${e.type}`)))}</b> ${eventLevelBadge(events, i)}${inProgressHtml(provisional(e))} ${escapeHtml(messageText(e.message, e.at))}${e.actor ? ` — ${escapeHtml(e.actor)}` : ""}${e.note ? `: ${escapeHtml(e.note)}` : ""}</li>`,
      )
      .join("")}</ol>`;
  document.getElementById("history-dialog").showModal();
}

/** The heavy-pollution warning banner (top bar) and panel (console). */
export async function refreshWarning(app) {
  const w = await getJson("/api/v1/warning");
  app.warning = w;
  const banner = document.getElementById("warning-banner");
  const level = w.district.level;
  banner.dataset.level = level ?? "none";
  banner.style.setProperty("--level-color", WARNING_COLORS[level] ?? "transparent");
  // A health advisory (heavy-pollution-warning.md §3.3) is no warning: the label does not call it one.
  const label = t(w.district.path === "healthAdvisory" ? "warning.districtAdvisory" : "warning.district");
  banner.dataset.path = w.district.path ?? "warning";
  banner.textContent = level ? `${label}: ${districtLevelText(w.district, getLang())}` : t("warning.none");
  const panel = document.getElementById("warning-panel");
  panel.innerHTML = `<p class="warning-level" data-level="${level ?? "none"}" data-path="${escapeHtml(w.district.path ?? "warning")}" style="--level-color:${WARNING_COLORS[level] ?? "#ccc"}"><b>${level ? label : t("warning.district")}:</b> <span class="warning-text">${escapeHtml(level ? warningLine(w.district, getLang(), (iso) => humanTime(iso, getLang())) : t("warning.none"))}</span></p>
    ${w.stations.length ? `<ul class="inline">${w.stations.map((s) => `<li data-station="${escapeHtml(s.stationId)}">${escapeHtml(stationName(app, s.stationId))}: ${levelBadge(s.level, undefined, s.path)}</li>`).join("")}</ul>` : ""}
    <p class="muted">${t("warning.note")}</p>`;
  return w;
}

/** A live alert event from the stream: refresh without reloading the page. */
export function onEvent(app, event) {
  if (event.type === "raised") app.toast(`${t("alerts.new")}: ${messageText(event.message, event.at)}`);
  refresh(app, { live: true }).catch(() => undefined);
}

/** Keeps the ages current, and takes the in-progress mark off a period that has ended. */
export function tick() {
  const now = Date.now();
  for (const td of document.querySelectorAll("#open-alerts td[data-since]")) {
    td.textContent = formatAge(Number(td.dataset.since), now, getLang());
  }
  for (const span of document.querySelectorAll("#open-alerts [data-silent-since]")) {
    span.textContent = `${getLang() === "zh" ? "无数据" : "silent"} ${formatAge(Number(span.dataset.silentSince), now, getLang())}`;
  }
  for (const mark of document.querySelectorAll(
    "#open-alerts .in-progress[data-until], #history-body .in-progress[data-until]",
  )) {
    if (now >= Number(mark.dataset.until)) mark.remove();
  }
}
