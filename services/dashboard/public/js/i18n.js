// Chinese first (the duty room's language), English on the switch. Keys are flat "area.item".
const TEXT = {
  title: ["青山 · 莲都区生态环境监测中心", "Qingshan · Liandu Environmental Monitoring Centre"],
  "nav.map": ["网络地图", "Network map"],
  "nav.alerts": ["告警值班", "Alerts"],
  "nav.charts": ["数据图表", "Charts"],
  "nav.compliance": ["目标达标", "Compliance"],
  "wall.on": ["大屏模式", "Wall display"],
  "wall.off": ["普通模式", "Laptop view"],
  "live.open": ["● 实时连接", "● Live"],
  "live.connecting": ["○ 连接中…", "○ Connecting…"],
  "live.closed": ["✕ 实时连接中断", "✕ Live feed lost"],
  "offline.banner": ["与服务器断开，正在重连…", "Disconnected from the server — reconnecting…"],
  "offline.asOf": [
    "与服务器断开，数据截至 {time}（北京时间）",
    "Disconnected from the server — data as of {time} (Beijing time)",
  ],
  "map.heading": ["监测网络", "Monitoring network"],
  "map.aria": ["莲都区监测站点地图", "Map of Liandu's monitoring stations"],
  "map.pick": [
    "点击地图或列表中的站点，查看最新数值和 24 小时曲线。",
    "Click a station on the map or in the list for its latest values and a 24-hour chart.",
  ],
  "map.latest": ["最新数值", "Latest values"],
  "map.chart24": ["最近 24 小时", "Last 24 hours"],
  "kind.air": ["空气", "Air"],
  "kind.water": ["水质", "Water"],
  "kind.noi": ["负氧离子", "Negative ions"],
  "state.silent": ["离线", "Silent"],
  "state.nodata": ["无有效数据", "No valid data"],
  "state.never": ["尚无数据", "No data yet"],
  "state.hourMean": ["小时均值", "hourly mean"],
  "map.noData24": ["最近 24 小时没有数据。", "No data in the last 24 hours."],
  "col.metric": ["项目", "Parameter"],
  "col.reading": ["最新读数", "Latest reading"],
  "col.unit": ["单位", "Unit"],
  "col.time": ["时间", "Time"],
  "col.flag": ["标志", "Flag"],
  "col.flagHelp": ["HJ 212 数据标志（N = 正常）", "HJ 212 data flag (N = normal)"],
  "state.meets": ["达标", "meets target"],
  "state.fails": ["未达标", "below target"],
  "state.target": ["目标", "target"],
  "col.station": ["站点", "Station"],
  "col.kind": ["类型", "Type"],
  "col.township": ["乡镇街道", "Township"],
  "col.state": ["当前状态", "Current state"],
  "col.lastReading": ["最新数据", "Latest reading"],
  "col.severity": ["级别", "Severity"],
  "col.what": ["内容", "What"],
  "col.value": ["数值 / 阈值", "Value / threshold"],
  "col.age": ["持续", "Age"],
  "col.status": ["状态", "Status"],
  "col.action": ["操作", "Action"],
  "col.raised": ["开始", "Started"],
  "col.resolved": ["解除", "Resolved"],
  "col.ack": ["确认人", "Acknowledged by"],
  "col.class": ["水质类别", "Class"],
  "col.target": ["目标", "Target"],
  "col.meets": ["是否达标", "Meets target"],
  "col.deciding": ["定类项目", "Deciding"],
  "col.ytd": ["年均（至今）", "YTD mean"],
  "col.validDays": ["有效天数", "Valid days"],
  "col.required": ["余下天数均值上限", "Max mean for the rest"],
  "col.limit": ["GB 3095 年均限值", "GB 3095 annual limit"],
  "alerts.heading": ["告警值班台", "Duty console"],
  "alerts.open": ["未解除告警", "Open alerts"],
  "alerts.none": ["当前没有未解除的告警。", "No open alerts."],
  "alerts.history": ["历史告警（已解除）", "History (resolved)"],
  "alerts.ack": ["确认", "Acknowledge"],
  "alerts.details": ["详情", "Details"],
  "alerts.new": ["新告警", "New alert"],
  "alerts.events": ["事件记录", "Event history"],
  "alerts.rule": ["告警规则", "Alert rule"],
  "alerts.provisionalNote": [
    "该时段尚未结束（进行中），数值为暂定值，可能变化",
    "The period has not ended (in progress): the value is provisional and may change",
  ],
  "status.open": ["未确认", "Open"],
  "status.acknowledged": ["已确认", "Acknowledged"],
  "status.resolved": ["已解除", "Resolved"],
  "severity.critical": ["严重", "Critical"],
  "severity.warning": ["警告", "Warning"],
  "severity.info": ["提示", "Info"],
  "event.raised": ["触发", "raised"],
  "event.level_changed": ["级别变化", "level changed"],
  "event.renotified": ["再次通知", "re-notified"],
  "event.escalated": ["升级通知", "escalated"],
  "event.acknowledged": ["已确认", "acknowledged"],
  "event.resolved": ["解除", "resolved"],
  "warning.none": ["无重污染天气预警（观测）", "No heavy-pollution warning (observed)"],
  "warning.district": ["全区预警级别（观测/建议）", "District warning level (observed / suggested)"],
  "warning.districtAdvisory": ["全区（观测）", "District (observed)"],
  "warning.note": [
    "依据观测数据的建议级别，非官方发布预警。",
    "Suggested from observations; not an official warning.",
  ],
  "ack.title": ["确认告警", "Acknowledge alert"],
  "ack.actor": ["值班人员", "Duty officer"],
  "ack.note": ["处置说明", "Note"],
  "ack.cancel": ["取消", "Cancel"],
  "ack.submit": ["确认", "Acknowledge"],
  "ack.done": ["已确认告警", "Alert acknowledged"],
  close: ["关闭", "Close"],
  "charts.heading": ["数据图表", "Charts"],
  "charts.aqi": ["AQI（按类别着色）", "AQI (coloured by category)"],
  "charts.water": [
    "各项目与Ⅲ类标准限值之比（最近一日）",
    "Parameters relative to the Class III limit (last day)",
  ],
  "charts.inProgress": ["本时段尚未结束，数值暂定", "period under way, value not final"],
  "charts.noData": ["所选范围没有有效数据。", "No valid data in the selected range."],
  "charts.noAqi": [
    "所选范围没有可计算的 AQI（数据不足或无数据）。",
    "No AQI in the selected range (too little or no data).",
  ],
  "ctl.station": ["站点", "Station"],
  "ctl.metric": ["指标", "Metric"],
  "ctl.range": ["时间范围", "Range"],
  "ctl.every": ["聚合", "Aggregation"],
  "ctl.csv": ["下载 CSV", "Download CSV"],
  "ctl.csvAqi": ["下载 AQI CSV", "Download AQI CSV"],
  "ctl.year": ["年份", "Year"],
  "range.24h": ["最近 24 小时", "Last 24 hours"],
  "range.7d": ["最近 7 天", "Last 7 days"],
  "range.30d": ["最近 30 天", "Last 30 days"],
  "range.365d": ["最近一年", "Last year"],
  "every.1h": ["小时均值", "Hourly mean"],
  "every.1d": ["日均值", "Daily mean"],
  "every.1mo": ["月均值", "Monthly mean"],
  "limit.target": ["莲都目标 32", "Liandu target 32"],
  "stat.dailyMax8h": ["日最大8小时平均", "daily max 8-h mean"],
  "edition.2012": ["", ""],
  "edition.2026-transition": ["施行", "in force"],
  "edition.2026-final": ["2031年起限值", "limits from 2031"],
  "limit.class": ["类", "Class"],
  "compliance.heading": ["目标达标", "Compliance"],
  "compliance.pm25": [
    "PM2.5 年均浓度（年初至今）与 32 µg/m³ 目标",
    "PM2.5 year-to-date mean vs the 32 µg/m³ target",
  ],
  "compliance.water": ["水质断面达标比例", "Water sections meeting their target class"],
  "compliance.aqiDays": ["各站点 AQI 类别天数", "Days by AQI category per station"],
  "compliance.month": ["本月", "This month"],
  "compliance.year": ["本年", "This year"],
  "compliance.drinking": ["饮用水源", "Drinking-water sources"],
  "compliance.district": ["全区", "District"],
  "compliance.districtNote": [
    "全区 = 各站点有效日均值的算术平均，再按日平均（城市常用做法）。",
    "District = mean over stations of each day's valid station daily means (usual city practice).",
  ],
  "target.on_track": ["正常", "On track"],
  "target.at_risk": ["有风险", "At risk"],
  "target.exceeded": ["已超标", "Exceeded"],
  "target.met": ["全年达标", "Met (year ended)"],
  "target.not_met": ["全年未达标", "Not met (year ended)"],
  "target.no_data": ["无数据", "No data"],
  "target.insufficient_data": ["有效数据不足，不评价", "Too few valid days: no verdict"],
  "targetShort.on_track": ["正常", "On track"],
  "targetShort.at_risk": ["有风险", "At risk"],
  "targetShort.exceeded": ["已超标", "Exceeded"],
  "targetShort.met": ["达标", "Met"],
  "targetShort.not_met": ["未达标", "Not met"],
  "targetShort.no_data": ["无数据", "No data"],
  "targetShort.insufficient_data": ["不评价", "No verdict"],
  "annual.heading": [
    "空气质量年评价（HJ 663）：年均值与百分位数对照 GB 3095 限值",
    "Annual air-quality assessment (HJ 663): annual means and percentiles against the GB 3095 limits",
  ],
  "annual.csv": ["下载年评价 CSV", "Download assessment CSV"],
  "annual.mean": ["年均值", "annual mean"],
  "annual.p24h": ["日均值第{p}百分位数", "{p}th percentile of daily means"],
  "annual.p8h": ["日最大8小时平均第{p}百分位数", "{p}th percentile of daily max 8-h means"],
  "annual.limit": ["限值", "limit"],
  "annual.days": ["有效 {days} 天", "{days} valid days"],
  "annual.exact": ["未修约值", "Unrounded value"],
  "annual.verdict.exceeds": ["✗ 超标", "✗ Exceeds"],
  "annual.verdict.within": ["✓ 未超标", "✓ Within limit"],
  "annual.verdict.insufficient_data": ["数据不足", "Too few days"],
  "annual.verdict.in_progress": ["年度进行中", "Year in progress"],
  "annual.verdict.no_limit": ["无限值", "No limit"],
  "annual.status.met": ["达标", "Met"],
  "annual.status.not_met": ["未达标", "Not met"],
  "annual.status.insufficient_data": ["有效数据不足，不评价", "Too few valid days: no verdict"],
  "annual.status.in_progress": ["年度进行中，不评价", "Year in progress: no verdict"],
  "annual.inProgress": [
    "{year} 年尚未结束：统计截至 {to}（北京时间），已过 {elapsed} / {days} 天，不作达标评价。",
    "{year} is not over: statistics to {to} (Beijing time), {elapsed} of {days} days, no verdict.",
  ],
  "annual.ended": ["{year} 年全年（{days} 天）。", "The whole of {year} ({days} days)."],
  "annual.note": [
    "各站按所在功能区的 GB 3095 级别评价（一类区一级，其余二级）；全区按二级。年评价需 ≥ 324 个有效日且每月 ≥ 27 个（2月 ≥ 25 个）（GB 3095 表4），不足者不评价。数值未修约，按原值与限值比较（HJ 663 未见修约规定）；悬停可见原值，CSV 含全部字段。",
    "Each station against the GB 3095 grade of its area (class 1: Grade I, else Grade II); the district against Grade II. An annual statistic needs ≥ 324 valid days and ≥ 27 in every month (25 in February) (GB 3095 Table 4); with fewer there is no verdict. Values are unrounded and compared with the limit as they are (no HJ 663 rounding rule found); hover for the full value, the CSV has every field.",
  ],
  "annual.provisional": [
    "* 暂定：百分位数按 HJ 663-2013 附录A 公式（据二手资料，待核对标准原文），其有效天数要求按年均值类推；全区 = 各站有效日均值按日平均（未执行 HJ 663 最少站点数）。",
    "* Provisional: percentiles by the HJ 663-2013 Appendix A formula (from a secondary source, to be checked against the standard's text), their minimum days by analogy with the annual mean; the district = each day's mean of the stations' valid daily means (HJ 663's minimum number of stations not applied).",
  ],
  "days.na": ["无有效AQI", "No valid AQI"],
  "days.incomplete": ["数据不全（AQI≤100，不计入）", "Incomplete (AQI ≤ 100, not counted)"],
  "days.ratio": [
    "优良天数比例 {ratio}（{good} / {valid} 天）",
    "Excellent/good-day ratio {ratio} ({good} / {valid} days)",
  ],
  yes: ["是", "yes"],
  no: ["否", "no"],
};

let lang = "zh";

/** The current language, "zh" or "en". */
export function getLang() {
  return lang;
}

export function setLang(next) {
  lang = next === "en" ? "en" : "zh";
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

/** The text of `key` in the current language (the key itself when unknown). */
export function t(key) {
  const entry = TEXT[key];
  if (!entry) return key;
  return lang === "zh" ? entry[0] : entry[1];
}

/** A bilingual value ({ zh, en }) in the current language. */
export function pick(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return lang === "zh" ? (value.zh ?? value.en ?? "") : (value.en ?? value.zh ?? "");
}

/** Fills every [data-i18n] element's text and [data-i18n-aria] element's aria-label. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]"))
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
}
