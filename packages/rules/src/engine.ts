import {
  type AlertEvent,
  type AlertEventType,
  type AlertState,
  alertStartText,
  beijingDayStart,
  beijingHumanTime,
  beijingMidnight,
  type CalendarWindow,
  calendarWindowOf,
  DAY_MS,
  HOUR_MS,
  type Severity,
  type Station,
  type StationRegistry,
  toBeijingIso,
  toBeijingIsoMs,
  toBeijingIsoSeconds,
  WARNING_PATH_NAMES,
  type WarningPath,
} from "@qingshan/domain";
import {
  type AqiSettings,
  assertAqiSettings,
  DEFAULT_WARNING_PRESET,
  type NoiScheme,
  type NoiSchemeId,
  noiSchemeOf,
  WARNING_PRESETS,
  type WarningConfig,
  type WarningPresetId,
} from "@qingshan/standards";
import { AqiSeries } from "./aqi-series.ts";
import { inProgressText, periodInProgressAt, periodSpanText } from "./in-progress.ts";
import { initialState, isOpen, type MachineState, step, type Timing } from "./machine.ts";
import {
  type AqiHistory,
  AqiMemo,
  aqiTag,
  beijingHumanDay,
  dailyAqi,
  hourDate,
  isBeijingMidnight,
  type LevelDef,
  levelsOf,
  observe,
  observeSilence,
  observeWarning,
  PARTIAL_TAG,
  type PrimaryRecord,
  primaryRecord,
  type RuleObservation,
  rollingAqi24,
  ruleStandardText,
  stepOf,
  WINDOW_TEXT,
  type WindowAqi,
  warningColour,
} from "./observe.ts";
import type { Rule } from "./schema.ts";
import type { StationView } from "./view.ts";
import { type PathJudgement, pathReasonText } from "./warning-path.ts";

/** "emit": events are produced; "silent": state advances only (replay, or data older than the lateness). */
export type EvaluationMode = "emit" | "silent";

export interface RuleEngineOptions {
  readonly registry: StationRegistry;
  /** Preset used by warning rules with `preset: default`; default the standards' default (2024, provisional). */
  readonly warningPreset?: WarningPresetId | WarningConfig;
  /** Wall clock for the events' `at` (UTC ms); default Date.now. */
  readonly clock?: () => number;
  /** Hourly (or daily) AQI values kept for the warning rules; default 240 (10 days). */
  readonly warningHistory?: number;
  /**
   * AQI settings, the same as the API's (qingshan config `air`): 2012 real-time PM basis, 2026
   * concentration rounding. Default the standards' defaults (`auto`, `half-even`).
   */
  readonly aqi?: AqiSettings;
  /**
   * The NOI grade table of every noi_grade rule, the same as the API's (qingshan config
   * `noi.scheme`): a shipped id or a table (negative-oxygen-ions.md §2, keep the table in
   * configuration). A rule naming another table in `subject.scheme` is refused. Default: each
   * rule's own `scheme` (candidate-a when absent).
   */
  readonly noiScheme?: NoiSchemeId | NoiScheme;
}

/** Internal state of one rule at one station (for tests, debugging and the API). */
export interface RuleStatus {
  readonly ruleId: string;
  readonly phase: MachineState["phase"];
  readonly level: string | undefined;
  readonly alertId: string | undefined;
  /** The alert the outside world knows as open (last event announced or restored). */
  readonly announcedAlertId: string | undefined;
}

export interface RuleEngine {
  readonly rules: readonly Rule[];
  /** Enabled rules that apply to a station. */
  rulesFor(station: Station): readonly Rule[];
  /**
   * Evaluates every data rule of the station at the hour labelled `hourEnd` (and the day rules
   * when the hour closes a Beijing day, or a later hour shows that the day has passed). `now`
   * (wall clock, UTC ms): an event of a period `now` falls in (its hour, or day for a day-step rule,
   * not yet ended: an hour credited from its first samples) says its value is provisional.
   */
  evaluateHour(view: StationView, hourEnd: number, mode: EvaluationMode, now?: number): AlertEvent[];
  /** Evaluates the silence rules at wall time `now` given when the station was last heard from. */
  evaluateSilence(station: Station, now: number, lastSeen: number, mode: EvaluationMode): AlertEvent[];
  /** Loads what the store knows (folded alert events) before a replay; open alerts seed the replay. */
  restore(stationId: string, alerts: readonly AlertState[]): void;
  /**
   * After a replay: drops alerts the store shows resolved and, in emit mode, announces the
   * difference; `now` as in `evaluateHour`.
   */
  reconcile(stationId: string, dataTime: number, mode: EvaluationMode, now?: number): AlertEvent[];
  forget(stationId: string): void;
  status(stationId: string): RuleStatus[];
  /** Stations with state. */
  stations(): string[];
}

interface Announced {
  alertId: string;
  level: string | undefined;
  startedAt: number;
  /** A warning rule's path announced (undefined: none yet, read as the warning path). */
  path?: WarningPath | undefined;
}

/** The path a warning rule's event states: the path, the one announced before, and why. */
interface PathInfo {
  readonly path: WarningPath;
  /** The path before this event (undefined on a raise). */
  readonly previous: WarningPath | undefined;
  readonly judgement: PathJudgement | undefined;
}

/**
 * The events of one evaluation call and its wall clock (`evaluateHour`/`reconcile`'s `now`): an event
 * whose period the clock falls in is of a period not yet ended. Undefined: every period has ended.
 */
interface Emission {
  readonly now: number | undefined;
  readonly events: AlertEvent[];
}

interface StationState {
  readonly station: Station;
  readonly rules: readonly Rule[];
  /** Machines not idle, by rule id (an idle machine is only its lastT, in `idleLastT`). */
  machines: Map<string, MachineState> | undefined;
  /** Per index of `rules`, the lastT of an idle machine (NaN: none). */
  readonly idleLastT: number[];
  announced: Map<string, Announced> | undefined;
  seeds: Map<string, Announced> | undefined;
  /**
   * Restored open alerts of rules that no longer apply to the station (removed from the file,
   * replaced, disabled, or no longer matching `appliesTo`): nothing would ever resolve them, so
   * the next evaluation in emit mode does (orphanResolutions).
   */
  orphans: AlertState[] | undefined;
  resolved: Set<string> | undefined;
  /** Last known observation per rule, kept only while an event may need it (machine not idle, or announced/seeded). */
  lastObs: Map<string, RuleObservation> | undefined;
  /**
   * Hourly rolling 24-h AQI from `start` on (the warning rules' history, compact), each value
   * tagged with its partial flag and primary pollutants (`aqiTag`), and the primary pollutants of
   * the latest complete value with their concentrations (the warning's details).
   */
  aqi24: { start: number; values: AqiSeries; primary: PrimaryRecord | undefined } | undefined;
  dayAqi: { lastDay: string; values: AqiSeries; primary: PrimaryRecord | undefined } | undefined;
  lastHour: number | undefined;
  lastClosed: number | undefined;
  /**
   * When an hourly warning rule last observed "no level holds" (the usual state, also with no
   * valid AQI yet), the hour and the AQI history it observed and the observation's flags: the same
   * hour with an unchanged history observes the same (the rolling AQI is an integer: most batches
   * of sub-hourly data leave it as it was), so while the rule is idle and unannounced the
   * assessment over up to 240 values is not run again.
   */
  quietWarning: { rule: number; t: number; version: number; unknown: boolean; canLower: boolean } | undefined;
}

const SEVERITY_ZH: Record<Severity, string> = { info: "提示", warning: "警告", critical: "严重" };

/**
 * Deterministic alert id: rule, station and the data time its condition started (Beijing ISO),
 * so evaluating the same data again (after a restart) names the same alert.
 *
 * @example
 * alertIdOf("aqi-hourly-heavy", "ld-aq-01", Date.parse("2026-11-28T10:00:00+08:00"))
 * // "aqi-hourly-heavy:ld-aq-01:2026-11-28T10:00:00+08:00"
 */
export function alertIdOf(ruleId: string, stationId: string, startedAt: number): string {
  return `${ruleId}:${stationId}:${toBeijingIsoSeconds(startedAt)}`;
}

/**
 * Event ids: `${alertId}:raised` and `${alertId}:resolved` (once per alert), and
 * `${alertId}:level_changed:${level}:${data time}` — stores are idempotent on them. A warning's
 * change of path only (same level) is `${alertId}:level_changed:${level}:${path}:${data time}`, so
 * it never shares an id with a level change at the same data time.
 */
export function eventIdOf(
  alertId: string,
  type: AlertEventType,
  level?: string,
  dataTime?: number,
  path?: WarningPath,
): string {
  if (type === "level_changed")
    return `${alertId}:level_changed:${level ?? ""}:${path !== undefined ? `${path}:` : ""}${toBeijingIsoSeconds(dataTime ?? 0)}`;
  return `${alertId}:${type}`;
}

/**
 * The event's `standard`: the rule's text and the edition or limit that produced the value
 * (e.g. "HJ 633-2026"); each "; "-separated part of the latter that the rule's text already
 * names is left out.
 *
 * @example
 * standardText("AQI category 201–300 重度污染", "HJ 633-2026"); // "AQI category 201–300 重度污染; HJ 633-2026"
 * standardText("GB 3838-2002 Table 1; 环办〔2011〕22号 single-factor method", "GB 3838-2002 Table 1; 环办〔2011〕22号"); // the rule's text
 */
export function standardText(ruleStandard: string, source: string | undefined): string {
  const extra = (source ?? "")
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part !== "" && !ruleStandard.includes(part));
  return [ruleStandard, ...extra].join("; ");
}

function timingOf(rule: Rule): Timing {
  return {
    forMs: rule.for,
    clearForMs: rule.clear.for,
    stepDownMs: rule.stepDownFor ?? rule.clear.for,
    dampingMs: rule.damping,
    ...(measuredLevels(rule) ? { measuredLevels: true } : {}),
    // A value below every level (hourly AQI 400 → 40) holds the level into the clear countdown
    // instead of stepping down to levels it does not meet either; a heavy-pollution warning keeps
    // its plan's steps (drops a level per stepDownFor, released clear.for after no level is met).
    ...(rule.warning === undefined ? { clearFromAnyLevel: true } : {}),
  };
}

/**
 * Whether a rule's levels are the classes its value is measured in (water classes, GB 3838; NOI
 * grades): a step down goes straight to the class measured after `stepDownFor` below the level —
 * 劣V → IV, NOI IV → I, not a walk through the ones between — and the alert clears `clear.for`
 * after no level holds, from any class (machine `measuredLevels`), so no event names a class that
 * was not measured.
 */
function measuredLevels(rule: Rule): boolean {
  return rule.comparison === "worse_than_target" || rule.comparison === "grade";
}

function appliesTo(rule: Rule, station: Station): boolean {
  const kinds: readonly string[] = Array.isArray(rule.appliesTo.kind)
    ? rule.appliesTo.kind
    : [rule.appliesTo.kind];
  if (!rule.enabled || !kinds.includes(station.kind)) return false;
  if (rule.appliesTo.stations !== undefined && !rule.appliesTo.stations.includes(station.id)) return false;
  const dws = rule.appliesTo.drinkingWaterSource;
  if (dws !== undefined && (station.water?.drinkingWaterSource ?? false) !== dws) return false;
  return true;
}

function isDayRule(rule: Rule): boolean {
  return calendarWindowOfRule(rule) !== undefined;
}

/** The event's `calendarWindow`: the day-step windows, whose events are stamped at the day's end. */
function calendarWindowOfRule(rule: Rule): CalendarWindow | undefined {
  return rule.window === "day" || rule.window === "month" || rule.window === "year-to-date"
    ? rule.window
    : undefined;
}

/**
 * Creates the rule engine: per (rule, station) state machines fed with observations of the
 * station's windows, producing AlertEvents in emit mode. Pure (no I/O); the clock only stamps `at`.
 *
 * @example
 * const engine = createRuleEngine(rules, { registry });
 * const events = engine.evaluateHour(view, Date.parse("2026-11-28T10:00:00+08:00"), "emit");
 */
/**
 * The first noi_grade rule whose `subject.scheme` names another NOI grade table than `inForce`
 * (the table is set once, for the alerts and the API alike), with the table it names.
 *
 * @example
 * noiSchemeConflict(rules, "candidate-a"); // { rule: <noi-grade>, named: "candidate-b" } or undefined
 */
export function noiSchemeConflict(
  rules: readonly Rule[],
  inForce: string,
): { readonly rule: Rule; readonly named: string } | undefined {
  for (const rule of rules) {
    const named = rule.subject.index === "noi_grade" ? rule.subject.scheme : undefined;
    if (named !== undefined && named !== inForce) return { rule, named };
  }
  return undefined;
}

export function createRuleEngine(rules: readonly Rule[], options: RuleEngineOptions): RuleEngine {
  const clock = options.clock ?? Date.now;
  const historyLength = options.warningHistory ?? 240;
  const aqiSettings: AqiSettings = options.aqi ?? {};
  assertAqiSettings(aqiSettings);
  const noiScheme = options.noiScheme === undefined ? undefined : noiSchemeOf(options.noiScheme);
  const conflict = noiScheme === undefined ? undefined : noiSchemeConflict(rules, noiScheme.id);
  if (conflict !== undefined && noiScheme !== undefined)
    throw new RangeError(
      `rule "${conflict.rule.id}": subject.scheme is ${conflict.named} but the NOI grade table in force is ${noiScheme.id}; leave scheme out of the rule (the table is set once, for the alerts and the API alike)`,
    );
  const defaultPreset =
    typeof options.warningPreset === "object"
      ? options.warningPreset
      : WARNING_PRESETS[options.warningPreset ?? DEFAULT_WARNING_PRESET];
  const states = new Map<string, StationState>();
  let lastAt = 0;

  function presetOf(rule: Rule): WarningConfig {
    const p = rule.warning?.preset ?? "default";
    return p === "default" ? defaultPreset : WARNING_PRESETS[p];
  }

  function rulesFor(station: Station): readonly Rule[] {
    return rules.filter((r) => appliesTo(r, station));
  }

  function stateOf(station: Station): StationState {
    let st = states.get(station.id);
    if (st === undefined) {
      const applicable = rulesFor(station);
      st = {
        station,
        rules: applicable,
        machines: undefined,
        // A plain array of doubles: a Float64Array costs ~180 bytes of ArrayBuffer and view objects more.
        idleLastT: new Array<number>(applicable.length).fill(Number.NaN),
        announced: undefined,
        seeds: undefined,
        orphans: undefined,
        resolved: undefined,
        lastObs: undefined,
        aqi24: undefined,
        dayAqi: undefined,
        lastHour: undefined,
        lastClosed: undefined,
        quietWarning: undefined,
      };
      states.set(station.id, st);
    }
    return st;
  }

  /** The rule's machine; an idle one is a fresh object (stored by `keep` only if it leaves idle). */
  function machineOf(st: StationState, rule: Rule): MachineState {
    const m = st.machines?.get(rule.id);
    if (m !== undefined) return m;
    const idle = initialState();
    const lastT = st.idleLastT[st.rules.indexOf(rule)] as number;
    if (!Number.isNaN(lastT)) idle.lastT = lastT;
    return idle;
  }

  /**
   * Stores a machine after a change. Idle, only its lastT matters (older observations are ignored):
   * no object is kept. Its alertId, startedAt, trueSince, level and the since-times are set anew
   * before they are read again (leaving idle, or adopt).
   */
  function keep(st: StationState, rule: Rule, m: MachineState): void {
    if (m.phase === "idle") {
      st.idleLastT[st.rules.indexOf(rule)] = m.lastT ?? Number.NaN;
      st.machines?.delete(rule.id);
    } else {
      st.machines ??= new Map();
      st.machines.set(rule.id, m);
    }
  }

  function nextAt(): string {
    lastAt = Math.max(clock(), lastAt + 1);
    return toBeijingIsoMs(lastAt);
  }

  // The standard is the event's own field (`standard`), not repeated in the message: the e-mail
  // and the dashboard show both, and a message carrying it read the standard twice.
  function message(
    now: number | undefined,
    st: StationState,
    rule: Rule,
    type: AlertEventType,
    levels: readonly LevelDef[],
    level: LevelDef | undefined,
    from: LevelDef | undefined,
    startedAt: number,
    dataTime: number,
    path: PathInfo | undefined,
  ): { zh: string; en: string } {
    const obs = st.lastObs?.get(rule.id);
    const where = st.station.name;
    const severity = level?.severity ?? levels[0]?.severity ?? rule.severity;
    const lvZh = level?.zh ?? level?.id;
    const lvEn = level?.en ?? level?.id;
    const value = obs?.valueText ?? { zh: "", en: "" };
    const win = rule.window !== undefined ? WINDOW_TEXT[rule.window] : undefined;
    const threshold = obs?.thresholdText;
    // Human Beijing times; the year only when it is not the data hour's (an episode across New Year).
    // A day-step rule observes a day at its end (the next day's 00:00): it names the day, not that instant.
    const byDay = stepOf(rule) === DAY_MS;
    // air-aqi.md §8: an hour is labelled by its end, so a period whose end is after the evaluation
    // has not ended — its value (e.g. one sample crediting the hour) is provisional: said so, with
    // the hour as its span rather than a future clock time.
    const step = stepOf(rule);
    const inProgress = now !== undefined && periodInProgressAt(dataTime, step, now);
    const startedInProgress = now !== undefined && periodInProgressAt(startedAt, step, now);
    /** A data time as read in the message: its period's span while that period is under way. */
    const timeText = (at: number, underWay: boolean) =>
      underWay
        ? periodSpanText(at, byDay, dataTime)
        : byDay
          ? beijingHumanDay(at, dataTime)
          : beijingHumanTime(at, dataTime);
    const started = timeText(startedAt, startedInProgress);
    const provisional = inProgress ? inProgressText(dataTime, byDay, dataTime) : undefined;
    const tail = (lang: "zh" | "en"): string =>
      provisional === undefined
        ? ""
        : lang === "zh"
          ? `${provisional.zh}。`
          : ` ${capitalised(provisional.en)}.`;
    const ongoing =
      type === "resolved" ? undefined : ongoingText(rule, levels, level, obs, startedAt, dataTime);
    // The window only when the value's own text does not already name it ("PM10 8小时滑动均值 155.6").
    // A health advisory, or a change of path, says why the episode is on its path (warning-path.ts).
    const pathChanged = path?.previous !== undefined && path.previous !== path.path;
    const reason =
      path?.judgement !== undefined && type !== "resolved" && (path.path === "healthAdvisory" || pathChanged)
        ? pathReasonText(path.judgement, byDay)
        : undefined;
    const parts = (lang: "zh" | "en"): string =>
      [
        value[lang],
        win !== undefined && !value[lang].includes(win[lang]) ? win[lang] : undefined,
        threshold?.[lang],
        reason?.[lang],
      ]
        .filter((x) => x !== undefined && x !== "")
        .join(lang === "zh" ? "；" : "; ");
    if (type === "resolved") {
      // A day rule resolves with the first day whose value no longer meets the condition.
      const resolved = timeText(dataTime, inProgress);
      const advisory =
        path?.path === "healthAdvisory"
          ? {
              zh: `（${WARNING_PATH_NAMES.healthAdvisory.zh}）`,
              en: ` (${WARNING_PATH_NAMES.healthAdvisory.en})`,
            }
          : { zh: "", en: "" };
      return {
        zh: `【已解除】${where.zh}：${rule.description.zh}${advisory.zh}。${parts("zh")}；开始于 ${started.zh}，解除于 ${resolved.zh}（北京时间）。${tail("zh")}`,
        en: `[resolved] ${where.en}: ${rule.description.en}${advisory.en}. ${parts("en")}; started ${started.en}, resolved at ${resolved.en} Beijing time.${tail("en")}`,
      };
    }
    // Levels with a text of their own ("orange level", "Class IV") say what they are; a bare id does not.
    // A health advisory is no warning: its levels are 黄色级别, never 黄色预警级别.
    const advisory = path?.path === "healthAdvisory";
    const named = (l: LevelDef | undefined, lang: "zh" | "en"): string => {
      const name =
        l?.[lang] ?? (l?.id !== undefined ? (lang === "zh" ? `级别 ${l.id}` : `level ${l.id}`) : "-");
      return advisory && l?.id !== undefined && rule.warning !== undefined && lang === "zh"
        ? `${warningColour(l.id).zh}级别`
        : name;
    };
    const change =
      type === "level_changed" && from?.id !== level?.id
        ? {
            zh: `${named(from, "zh")} → ${named(level, "zh")}`,
            en: `${named(from, "en")} → ${named(level, "en")}`,
          }
        : level?.id !== undefined
          ? { zh: advisory ? named(level, "zh") : (lvZh ?? ""), en: lvEn ?? "" }
          : undefined;
    // A rule other than a warning held at a level its value no longer meets says so next to the
    // level, so its description ("worse than its target class") is not read as the present state.
    if (change !== undefined && ongoing !== undefined && rule.warning === undefined) {
      change.zh = `${change.zh}，当前已不满足`;
      change.en = `${change.en}; no longer met`;
    }
    // A warning's path next to its level: "（黄色级别（健康提示））", "（黄色预警级别；健康提示 → 建议预警）".
    if (change !== undefined && path !== undefined) {
      const now = WARNING_PATH_NAMES[path.path];
      if (pathChanged && path.previous !== undefined) {
        const before = WARNING_PATH_NAMES[path.previous];
        change.zh = `${change.zh}；${before.zh} → ${now.zh}`;
        change.en = `${change.en}; ${before.en} → ${now.en}`;
      } else if (path.path === "healthAdvisory") {
        change.zh = `${change.zh}（${now.zh}）`;
        change.en = `${change.en} (${now.en})`;
      }
    }
    return {
      zh: `【${SEVERITY_ZH[severity]}】${where.zh}：${rule.description.zh}${change ? `（${change.zh}）` : ""}。${parts("zh")}；${ongoing?.zh ?? `开始于 ${started.zh}（北京时间）`}。${tail("zh")}`,
      en: `[${severity}] ${where.en}: ${rule.description.en}${change ? ` (${change.en})` : ""}. ${parts("en")}; ${ongoing?.en ?? `since ${started.en} Beijing time`}.${tail("en")}`,
    };
  }

  function event(
    now: number | undefined,
    st: StationState,
    rule: Rule,
    type: AlertEventType,
    alertId: string,
    startedAt: number,
    dataTime: number,
    level: LevelDef | undefined,
    from?: LevelDef,
    path?: PathInfo,
  ): AlertEvent {
    const levels = levelsOf(rule, st.station, presetOf(rule), noiScheme);
    const obs = st.lastObs?.get(rule.id);
    const severity = level?.severity ?? levels[0]?.severity ?? rule.severity;
    const e: AlertEvent = {
      id: eventIdOf(
        alertId,
        type,
        level?.id,
        dataTime,
        type === "level_changed" && from?.id === level?.id ? path?.path : undefined,
      ),
      alertId,
      type,
      at: nextAt(),
      ruleId: rule.id,
      stationId: st.station.id,
      severity,
      ...(level?.id !== undefined ? { level: level.id } : {}),
      // A `levels:` rule's level names live only in the rule file: the event carries them.
      ...(rule.levels !== undefined && level?.zh !== undefined && level.en !== undefined
        ? { levelName: { zh: level.zh, en: level.en } }
        : {}),
      ...(obs?.metric !== undefined ? { metric: obs.metric } : {}),
      ...(obs?.value !== undefined && Number.isFinite(obs.value) ? { value: obs.value } : {}),
      ...(obs?.threshold !== undefined ? { threshold: obs.threshold } : {}),
      ...(rule.window !== undefined ? { window: WINDOW_TEXT[rule.window].en } : {}),
      ...(calendarWindowOfRule(rule) !== undefined ? { calendarWindow: calendarWindowOfRule(rule) } : {}),
      standard: standardText(ruleStandardText(rule, noiScheme), obs?.source),
      startedAt: toBeijingIso(startedAt),
      dataTime: toBeijingIso(dataTime),
      ...(obs?.details !== undefined && obs.details.length > 0 ? { details: [...obs.details] } : {}),
      message: message(now, st, rule, type, levels, level, from, startedAt, dataTime, path),
      ...(type === "raised" ? { tier: rule.routing.tier, routes: [...rule.routing.routes] } : {}),
      ...(type === "raised" || type === "level_changed"
        ? { conditionHolds: !heldWithoutCondition(rule, levels, level, obs) }
        : {}),
      ...(path !== undefined ? { path: path.path } : {}),
      // Levels run least to most severe: only a worse level reopens an acknowledgement (domain fold).
      ...(type === "level_changed"
        ? {
            levelChange:
              from?.id === level?.id
                ? ("path" as const)
                : levels.findIndex((l) => l.id === level?.id) > levels.findIndex((l) => l.id === from?.id)
                  ? ("worse" as const)
                  : ("better" as const),
          }
        : {}),
    };
    return e;
  }

  /** Announces the difference between the machine and what was announced before. */
  function sync(st: StationState, rule: Rule, dataTime: number, out: Emission): void {
    const m = machineOf(st, rule);
    const levels = levelsOf(rule, st.station, presetOf(rule), noiScheme);
    let ann = st.announced?.get(rule.id);
    if (isOpen(m) && m.alertId !== undefined && m.startedAt !== undefined) {
      if (ann !== undefined && ann.alertId !== m.alertId) {
        resolveAnnounced(st, rule, ann, levels, dataTime, out);
        ann = undefined;
      }
      // The live pipeline announces an alert, or a level up, at a value that holds it. A machine
      // opened or raised by data evaluated silently (history, imports, late readings a restart
      // replays) is announced only as far as its latest value holds: raised while it is firing
      // and its condition holds, at the level that value holds; a level up only to that level.
      // Only the observation of this period counts: after an hour without a valid value the
      // last known one is an earlier period's (e.g. an imported day's NOI mean), not the present.
      const obs = st.lastObs?.get(rule.id);
      const ofPeriod = obs !== undefined && isCurrent(obs, dataTime);
      const holds = ofPeriod ? obs.hold : -1;
      // A warning's path: as the values of the level met judge it; else the one announced (no
      // level met, or only partial values), a new alert's the warning path (the stricter one).
      const judged = rule.warning !== undefined ? obs?.path : undefined;
      if (ann === undefined) {
        if (st.resolved?.has(m.alertId) === true) return;
        if (m.phase !== "firing" || !ofPeriod || obs.raise < 0) return;
        const current = levels[Math.min(m.level, holds)] ?? levels[0];
        const path: PathInfo | undefined =
          rule.warning !== undefined
            ? { path: judged?.path ?? "warning", previous: undefined, judgement: judged }
            : undefined;
        out.events.push(
          event(out.now, st, rule, "raised", m.alertId, m.startedAt, dataTime, current, undefined, path),
        );
        st.announced ??= new Map();
        st.announced.set(rule.id, {
          alertId: m.alertId,
          level: current?.id,
          startedAt: m.startedAt,
          ...(path !== undefined ? { path: path.path } : {}),
        });
        return;
      }
      const path = rule.warning !== undefined ? (judged?.path ?? ann.path ?? "warning") : undefined;
      let index = levels.findIndex((l) => l.id === ann?.level);
      if (index < 0) index = m.level > 0 ? m.level - 1 : m.level + 1;
      const target = m.level > index ? Math.max(index, Math.min(m.level, holds)) : m.level;
      // One event per change, to the level reached: a worse level is taken at once (I → IV, not
      // I → II → III → IV, each naming the same value; heavy-pollution-warning.md §3.3 "escalate
      // immediately"), and a step down the machine made while nothing was announced (a replay) is
      // one change too. A warning's event carries its path and says when it changed with it.
      const pathInfo = (): PathInfo | undefined =>
        path === undefined ? undefined : { path, previous: ann?.path ?? "warning", judgement: judged };
      if (index !== target) {
        const from = levels[index];
        const to = levels[target];
        out.events.push(
          event(
            out.now,
            st,
            rule,
            "level_changed",
            ann.alertId,
            ann.startedAt,
            dataTime,
            to,
            from,
            pathInfo(),
          ),
        );
        index = target;
        ann.level = to?.id;
        if (path !== undefined) ann.path = path;
      }
      if (path !== undefined && path !== (ann.path ?? "warning")) {
        // The primary pollutant changed (O3 → PM2.5): same level, the other path; officers are told.
        const at = levels[index];
        out.events.push(
          event(out.now, st, rule, "level_changed", ann.alertId, ann.startedAt, dataTime, at, at, pathInfo()),
        );
        ann.path = path;
      }
      return;
    }
    if (ann !== undefined) resolveAnnounced(st, rule, ann, levels, dataTime, out);
  }

  /** Resolves the alert announced for a rule (at the level and on the path it was announced with) and forgets it. */
  function resolveAnnounced(
    st: StationState,
    rule: Rule,
    ann: Announced,
    levels: readonly LevelDef[],
    dataTime: number,
    out: Emission,
  ): void {
    out.events.push(
      event(
        out.now,
        st,
        rule,
        "resolved",
        ann.alertId,
        ann.startedAt,
        dataTime,
        levelById(levels, ann.level),
        undefined,
        pathHeld(rule, ann),
      ),
    );
    st.resolved ??= new Set();
    st.resolved.add(ann.alertId);
    st.announced?.delete(rule.id);
  }

  function apply(
    st: StationState,
    rule: Rule,
    obs: RuleObservation,
    mode: EvaluationMode,
    out: Emission,
  ): void {
    const m = machineOf(st, rule);
    const seed = st.seeds?.get(rule.id);
    if (seed !== undefined && obs.t >= seed.startedAt) {
      adopt(st, rule, m, seed);
      st.seeds?.delete(rule.id);
    }
    if (
      isOpen(m) &&
      !obs.unknown &&
      m.lastT !== undefined &&
      obs.t - m.lastT > Math.max(rule.maxAge, 3 * obs.stepMs) &&
      m.alertId !== undefined &&
      !isKnown(st, rule, m.alertId)
    ) {
      // An episode nobody was told of whose last valid value is older than maxAge (imported
      // history, then days without data) is over: what it held is no longer known, and a value
      // now starts a new one.
      const lastT = m.lastT;
      Object.assign(m, initialState());
      m.lastT = lastT;
    }
    step(m, obs, timingOf(rule), (startedAt) => flat(alertIdOf(rule.id, st.station.id, startedAt)));
    if (
      isOpen(m) &&
      obs.hold < 0 &&
      obs.canLower &&
      !obs.unknown &&
      m.alertId !== undefined &&
      !isKnown(st, rule, m.alertId)
    ) {
      // An episode nobody was told of (opened by data evaluated silently: history, imports, late
      // readings a restart replays) ends as soon as no level holds: clear.for, stepDownFor and
      // damping keep an announced alert from flapping; without them a recurrence is a new alert,
      // started when the live pipeline would start it, not a continuation of unannounced history.
      const lastT = m.lastT;
      Object.assign(m, initialState());
      m.lastT = lastT;
    }
    keep(st, rule, m);
    // Messages read lastObs only for an open machine or an announced alert (see sync): an idle,
    // unannounced rule keeps none (leaving idle needs a known observation, which is then kept).
    if (m.phase !== "idle" || st.announced?.has(rule.id) === true || st.seeds?.has(rule.id) === true) {
      if (!obs.unknown) {
        st.lastObs ??= new Map();
        st.lastObs.set(rule.id, flattened(obs));
      }
    } else {
      st.lastObs?.delete(rule.id);
    }
    if (mode === "emit") sync(st, rule, obs.t, out);
  }

  /** Whether the outside world knows the alert: announced (or restored open), seeded, or resolved. */
  function isKnown(st: StationState, rule: Rule, alertId: string): boolean {
    return (
      st.announced?.get(rule.id)?.alertId === alertId ||
      st.seeds?.get(rule.id)?.alertId === alertId ||
      st.resolved?.has(alertId) === true
    );
  }

  /** Makes the machine continue a stored open alert (its id, start and level). */
  function adopt(st: StationState, rule: Rule, m: MachineState, seed: Announced): void {
    const levels = levelsOf(rule, st.station, presetOf(rule), noiScheme);
    const index = Math.max(
      0,
      levels.findIndex((l) => l.id === seed.level),
    );
    if (!isOpen(m)) {
      m.phase = "firing";
      m.level = index;
      m.belowSince = undefined;
      m.clearSince = undefined;
      m.quietSince = undefined;
      m.trueSince = undefined;
    }
    m.alertId = seed.alertId;
    m.startedAt = seed.startedAt;
  }

  /** The hourly warning rule's observation at `hourEnd` (after updateAqi24). */
  function warningObservation(st: StationState, rule: Rule, hourEnd: number): RuleObservation {
    const h = st.aqi24 as NonNullable<StationState["aqi24"]>;
    const i = st.rules.indexOf(rule);
    const q = st.quietWarning;
    if (
      q !== undefined &&
      q.rule === i &&
      q.t === hourEnd &&
      q.version === h.values.version &&
      st.machines?.has(rule.id) !== true &&
      st.announced?.has(rule.id) !== true &&
      st.seeds?.has(rule.id) !== true
    )
      // What observeWarning returned then, less the texts: an idle, unannounced rule reads none.
      return {
        t: hourEnd,
        stepMs: stepOf(rule),
        raise: -1,
        hold: -1,
        unknown: q.unknown,
        canLower: q.canLower,
      };
    const obs = observeWarning(
      rule,
      historyOf(h, h.start + (h.values.length - 1) * HOUR_MS),
      presetOf(rule),
      hourEnd,
    );
    if (obs.raise < 0 && obs.hold < 0) {
      const { unknown, canLower } = obs;
      st.quietWarning = { rule: i, t: hourEnd, version: h.values.version, unknown, canLower };
    } else if (q?.rule === i) st.quietWarning = undefined;
    return obs;
  }

  /**
   * Brings the hourly AQI24 history up to `hourEnd`: each value with its tag (partial flag, primary
   * pollutants); late data recomputes the 24 values whose windows hold its hour.
   */
  function updateAqi24(st: StationState, view: StationView, hourEnd: number): void {
    const h = st.aqi24 ?? { start: hourEnd, values: new AqiSeries(historyLength), primary: undefined };
    st.aqi24 = h;
    const index = Math.round((hourEnd - h.start) / HOUR_MS);
    if (index < 0) return;
    const values = h.values;
    if (index >= values.length) {
      // Hours skipped since the last evaluation: their windows are still in the windows (≤ 24 h back).
      for (let t = h.start + values.length * HOUR_MS; t <= hourEnd; t += HOUR_MS) {
        const r = hourEnd - t <= 24 * HOUR_MS ? rollingAqi24(view, t, aqiSettings) : undefined;
        h.primary = notePrimary(h.primary, r, t);
        h.start += values.push(r?.value ?? null, aqiTag(r)) * HOUR_MS; // the oldest is dropped beyond historyLength
      }
    } else {
      // Late data: the 24 windows that contain this hour change.
      for (let i = index; i < Math.min(values.length, index + 24); i++) {
        const t = h.start + i * HOUR_MS;
        const r = rollingAqi24(view, t, aqiSettings);
        h.primary = notePrimary(h.primary, r, t);
        values.set(i, r?.value ?? null, aqiTag(r));
      }
    }
  }

  function updateDayAqi(st: StationState, view: StationView, day: string, dayEnd: number): AqiHistory {
    const r = dailyAqi(view, day, aqiSettings);
    const value = r?.value ?? null;
    const h = st.dayAqi ?? { lastDay: day, values: new AqiSeries(historyLength), primary: undefined };
    st.dayAqi = h;
    const n = h.values.length;
    if (n > 0 && h.lastDay === day) {
      h.values.set(n - 1, value, aqiTag(r));
      h.primary = notePrimary(h.primary, r, dayEnd);
    } else if (n === 0 || day > h.lastDay) {
      h.values.push(value, aqiTag(r));
      h.primary = notePrimary(h.primary, r, dayEnd);
      h.lastDay = day;
    }
    return historyOf(h, beijingMidnight(h.lastDay) + DAY_MS); // the last day's end
  }

  function closeDay(
    st: StationState,
    view: StationView,
    dayEnd: number,
    mode: EvaluationMode,
    out: Emission,
    memo: AqiMemo,
  ): void {
    const day = hourDate(dayEnd);
    let dayHistory: AqiHistory | undefined;
    for (const rule of st.rules) {
      if (!isDayRule(rule)) continue;
      if (rule.warning !== undefined) {
        dayHistory ??= updateDayAqi(st, view, day, dayEnd);
        apply(st, rule, observeWarning(rule, dayHistory, presetOf(rule), dayEnd), mode, out);
      } else {
        apply(st, rule, observe(rule, st.station, view, dayEnd, memo, aqiSettings, noiScheme), mode, out);
      }
    }
    st.lastClosed = Math.max(st.lastClosed ?? dayEnd, dayEnd);
  }

  function evaluateHour(
    view: StationView,
    hourEnd: number,
    mode: EvaluationMode,
    now?: number,
  ): AlertEvent[] {
    const st = stateOf(view.station);
    const out: Emission = { now, events: [] };
    let updated = false;
    // The view does not change during this call: rules reading the same AQI share it.
    const memo = new AqiMemo();
    for (const rule of st.rules) {
      if (isDayRule(rule) || rule.subject.check === "silent") continue;
      if (rule.warning !== undefined) {
        if (!updated) updateAqi24(st, view, hourEnd);
        updated = true;
        apply(st, rule, warningObservation(st, rule, hourEnd), mode, out);
      } else {
        apply(st, rule, observe(rule, st.station, view, hourEnd, memo, aqiSettings, noiScheme), mode, out);
      }
    }
    if (st.rules.some(isDayRule)) {
      // The day just before this hour, if its closing hour (00:00) never came or came late.
      const previousMidnight = beijingDayStart(hourEnd - 1);
      const closed = st.lastClosed;
      if (isBeijingMidnight(hourEnd)) {
        if (closed === undefined || hourEnd >= closed) closeDay(st, view, hourEnd, mode, out, memo);
      } else if (
        st.lastHour !== undefined &&
        st.lastHour < previousMidnight &&
        (closed === undefined || previousMidnight > closed)
      ) {
        closeDay(st, view, previousMidnight, mode, out, memo);
      } else if (closed !== undefined && hourEnd < closed && hourEnd > closed - 24 * HOUR_MS) {
        closeDay(st, view, closed, mode, out, memo); // late data inside the last closed day
      }
    }
    st.lastHour = Math.max(st.lastHour ?? hourEnd, hourEnd);
    if (mode === "emit") resolveOrphans(st, hourEnd, out);
    return out.events;
  }

  function evaluateSilence(
    station: Station,
    now: number,
    lastSeen: number,
    mode: EvaluationMode,
  ): AlertEvent[] {
    const st = stateOf(station);
    // No evaluation time for its messages: a silence is not the value of a period under way.
    const out: Emission = { now: undefined, events: [] };
    for (const rule of st.rules) {
      if (rule.subject.check !== "silent") continue;
      apply(st, rule, observeSilence(rule, station, now, lastSeen), mode, out);
    }
    return out.events;
  }

  function restore(stationId: string, alerts: readonly AlertState[]): void {
    const station = options.registry.get(stationId);
    if (station === undefined) return;
    const st = stateOf(station);
    const byId = new Map(st.rules.map((r) => [r.id, r]));
    for (const a of alerts) {
      if (a.stationId !== stationId) continue;
      const rule = byId.get(a.ruleId);
      if (rule === undefined) {
        if (a.status !== "resolved" && st.orphans?.some((o) => o.alertId === a.alertId) !== true) {
          st.orphans ??= [];
          st.orphans.push(a);
        }
        continue;
      }
      if (a.status === "resolved") {
        st.resolved ??= new Set();
        st.resolved.add(a.alertId);
        continue;
      }
      // An alert of the rule from before it had levels (no level) is at its first level.
      const levels = levelsOf(rule, station, presetOf(rule), noiScheme);
      const entry: Announced = {
        alertId: a.alertId,
        level: a.level ?? levels[0]?.id,
        startedAt: Date.parse(a.startedAt ?? a.raisedAt),
        ...(rule.warning !== undefined && a.path !== undefined ? { path: a.path } : {}),
      };
      const previous = st.announced?.get(a.ruleId);
      if (previous === undefined || previous.startedAt <= entry.startedAt) {
        st.announced ??= new Map();
        st.announced.set(a.ruleId, { ...entry });
        st.seeds ??= new Map();
        st.seeds.set(a.ruleId, { ...entry });
      }
    }
  }

  function reconcile(stationId: string, dataTime: number, mode: EvaluationMode, now?: number): AlertEvent[] {
    const st = states.get(stationId);
    if (st === undefined) return [];
    const out: Emission = { now, events: [] };
    for (const rule of st.rules) {
      const m = machineOf(st, rule);
      const seed = st.seeds?.get(rule.id);
      if (seed !== undefined) {
        adopt(st, rule, m, seed);
        st.seeds?.delete(rule.id);
      }
      const ann = st.announced?.get(rule.id);
      if (
        isOpen(m) &&
        m.alertId !== undefined &&
        st.resolved?.has(m.alertId) === true &&
        ann?.alertId !== m.alertId
      ) {
        // The replay re-found an episode the store shows resolved: it stays resolved.
        m.phase = "idle";
        m.level = -1;
        m.trueSince = undefined;
      }
      keep(st, rule, m);
      if (mode === "emit") sync(st, rule, dataTime, out);
    }
    if (mode === "emit") resolveOrphans(st, dataTime, out);
    return out.events;
  }

  /** Resolves the restored open alerts of rules that no longer apply here (see StationState.orphans). */
  function resolveOrphans(st: StationState, dataTime: number, out: Emission): void {
    if (st.orphans === undefined) return;
    for (const a of st.orphans) out.events.push(orphanResolution(st, a, dataTime));
    st.orphans = undefined;
  }

  function orphanResolution(st: StationState, a: AlertState, dataTime: number): AlertEvent {
    const successor = rules.find((r) => r.replaces?.includes(a.ruleId));
    const where = st.station.name;
    const startedAt = Date.parse(a.startedAt ?? a.raisedAt);
    const started = alertStartText(startedAt, calendarWindowOf(a), dataTime);
    const resolved = beijingHumanTime(dataTime, dataTime);
    const why =
      successor !== undefined
        ? {
            zh: `规则 ${a.ruleId} 已由规则 ${successor.id}（${successor.description.zh}）取代，本告警关闭；污染若仍在持续，见规则 ${successor.id} 的告警`,
            en: `rule ${a.ruleId} was replaced by rule ${successor.id} (${successor.description.en}); this alert is closed, and an ongoing episode is an alert of rule ${successor.id}`,
          }
        : {
            zh: `规则 ${a.ruleId} 已不适用于本站（已从规则文件删除、停用或不再适用），本告警关闭`,
            en: `rule ${a.ruleId} no longer applies to this station (removed from the rules file, disabled or no longer applicable); this alert is closed`,
          };
    return {
      id: eventIdOf(a.alertId, "resolved"),
      alertId: a.alertId,
      type: "resolved",
      at: nextAt(),
      ruleId: a.ruleId,
      stationId: a.stationId,
      severity: a.severity,
      ...(a.level !== undefined ? { level: a.level } : {}),
      ...(a.levelName !== undefined ? { levelName: a.levelName } : {}),
      ...(a.window !== undefined ? { window: a.window } : {}),
      ...(a.calendarWindow !== undefined ? { calendarWindow: a.calendarWindow } : {}),
      ...(a.standard !== undefined ? { standard: a.standard } : {}),
      ...(a.startedAt !== undefined ? { startedAt: a.startedAt } : {}),
      ...(a.path !== undefined ? { path: a.path } : {}),
      dataTime: toBeijingIso(dataTime),
      message: {
        zh: `【已解除】${where.zh}：${why.zh}。开始于 ${started.zh}，解除于 ${resolved.zh}（北京时间）。`,
        en: `[resolved] ${where.en}: ${why.en}. Started ${started.en}, resolved at ${resolved.en} Beijing time.`,
      },
    };
  }

  function status(stationId: string): RuleStatus[] {
    const st = states.get(stationId);
    if (st === undefined) return [];
    return st.rules.map((rule) => {
      const m = machineOf(st, rule);
      const levels = levelsOf(rule, st.station, presetOf(rule), noiScheme);
      return {
        ruleId: rule.id,
        phase: m.phase,
        level: isOpen(m) ? levels[m.level]?.id : undefined,
        alertId: isOpen(m) ? m.alertId : undefined,
        announcedAlertId: st.announced?.get(rule.id)?.alertId,
      };
    });
  }

  return {
    rules,
    rulesFor,
    evaluateHour,
    evaluateSilence,
    restore,
    reconcile,
    forget: (stationId) => void states.delete(stationId),
    status,
    stations: () => [...states.keys()],
  };
}

/**
 * Whether an observation is of the period evaluated at `dataTime` (its data time, or for a day
 * rule the day closed last): a valid value of that period, not the last one known before it.
 */
function isCurrent(obs: RuleObservation, dataTime: number): boolean {
  return !obs.unknown && dataTime - obs.t < Math.max(obs.stepMs, 1);
}

/** A warning history as observeWarning reads it; `lastT` is the data time of its last value. */
function historyOf(h: { values: AqiSeries; primary: PrimaryRecord | undefined }, lastT: number): AqiHistory {
  const tags = h.values.tags();
  return {
    values: h.values.toArray(),
    tags,
    partialLast: ((tags[tags.length - 1] ?? 0) & PARTIAL_TAG) !== 0,
    ...(h.primary !== undefined ? { primary: h.primary } : {}),
    lastT,
  };
}

/**
 * The latest complete AQI's primary pollutants after the AQI at `t` was computed: it if complete
 * and not older than the record; none if the record's AQI was recomputed (late data) and is no
 * longer complete.
 */
function notePrimary(
  current: PrimaryRecord | undefined,
  aqi: WindowAqi | undefined,
  t: number,
): PrimaryRecord | undefined {
  const record = primaryRecord(aqi, t);
  if (record !== undefined) return current === undefined || t >= current.t ? record : current;
  return current?.t === t ? undefined : current;
}

/**
 * The observation with its texts flattened in place: V8 keeps a string built by concatenation as a
 * tree of its pieces (~32 bytes each) until a character is read, and lastObs lives as long as the
 * alert is open (~1 KB per station less for the annual-target texts).
 */
function flattened(obs: RuleObservation): RuleObservation {
  const texts = [
    obs.valueText?.zh,
    obs.valueText?.en,
    obs.thresholdText?.zh,
    obs.thresholdText?.en,
    obs.source,
  ];
  for (const d of obs.details ?? []) texts.push(d.note);
  for (const text of texts) if (text !== undefined) flat(text);
  return obs;
}

/** The string, flattened in place (see flattened): an open alert's id is kept by its machine. */
function flat(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}

/** "12 h" / "12小时" (minutes when not whole hours). */
function durationText(ms: number): { zh: string; en: string } {
  const hours = ms / HOUR_MS;
  if (Number.isInteger(hours)) return { zh: `${hours}小时`, en: `${hours} h` };
  const minutes = Math.round(ms / 60_000);
  return { zh: `${minutes}分钟`, en: `${minutes} min` };
}

/**
 * For an alert announced at a level its latest value no longer meets (an episode easing, or
 * shown again after a restart): since when it has been on and what ends it — a level steps down
 * after `stepDownFor` below it, and the alert is resolved (a warning released) only after
 * `clear.for` without the lowest level's condition (heavy-pollution-warning.md §3.3: 36 h), and
 * then, for a rule with `damping`, that long without a recurrence. Undefined otherwise.
 */
function ongoingText(
  rule: Rule,
  levels: readonly LevelDef[],
  level: LevelDef | undefined,
  obs: RuleObservation | undefined,
  startedAt: number,
  dataTime: number,
): { zh: string; en: string } | undefined {
  if (!heldWithoutCondition(rule, levels, level, obs) || level?.id === undefined) return undefined;
  const index = levels.findIndex((l) => l.id === level.id);
  const lowest = levels[0]?.id;
  if (lowest === undefined) return undefined;
  const since =
    stepOf(rule) === DAY_MS ? beijingHumanDay(startedAt, dataTime) : beijingHumanTime(startedAt, dataTime);
  const release = durationText(rule.clear.for);
  const stepDown = durationText(rule.stepDownFor ?? rule.clear.for);
  if (rule.warning !== undefined) {
    const base = warningColour(lowest);
    const current = warningColour(level.id);
    const lower = levels[index - 1]?.id;
    const down =
      lower === undefined
        ? { zh: "", en: "" }
        : {
            zh: `低于${current.zh}条件满${stepDown.zh}降为${warningColour(lower).zh}，`,
            en: `drops to ${lower} after ${stepDown.en} below the ${current.en} condition, `,
          };
    return {
      zh: `仍在持续，自 ${since.zh}（北京时间）起；${down.zh}连续${release.zh}不满足${base.zh}条件方解除`,
      en: `ongoing since ${since.en} Beijing time; ${down.en}released only after ${release.en} without the ${base.en} condition`,
    };
  }
  const name = (l: LevelDef | undefined, lang: "zh" | "en"): string =>
    l?.[lang] ?? (lang === "zh" ? `级别 ${l?.id ?? ""}` : `level ${l?.id ?? ""}`);
  const lower = levels[index - 1];
  const down =
    lower === undefined
      ? { zh: "", en: "" }
      : {
          zh: `低于${name(level, "zh")}条件满${stepDown.zh}降为${name(lower, "zh")}，`,
          en: `drops to ${name(lower, "en")} after ${stepDown.en} below the ${name(level, "en")} condition, `,
        };
  const damping =
    rule.damping > 0
      ? {
          zh: `且其后${durationText(rule.damping).zh}未再出现`,
          en: ` and ${durationText(rule.damping).en} without a recurrence`,
        }
      : { zh: "", en: "" };
  return {
    zh: `仍在持续，自 ${since.zh}（北京时间）起；${down.zh}连续${release.zh}不满足${name(levels[0], "zh")}条件${damping.zh}方解除`,
    en: `ongoing since ${since.en} Beijing time; ${down.en}resolved only after ${release.en} without the ${name(levels[0], "en")} condition${damping.en}`,
  };
}

/**
 * Whether an alert is announced at a level its latest value no longer meets: the level is only
 * held while it steps down or clears (a warning's, or e.g. a water source's class while its values
 * meet the target again). The event's `conditionHolds` is then false, its message says since when
 * it has been on and what ends it.
 */
function heldWithoutCondition(
  rule: Rule,
  levels: readonly LevelDef[],
  level: LevelDef | undefined,
  obs: RuleObservation | undefined,
): boolean {
  if (level?.id === undefined || obs === undefined || obs.unknown) return false;
  const index = levels.findIndex((l) => l.id === level.id);
  // Another rule holds its level while the value meets that level's hold (clear) condition.
  const meets = rule.warning === undefined ? obs.hold : obs.raise;
  return index >= 0 && meets < index && levels[0] !== undefined;
}

/** A warning's path on its resolution: the one announced. */
function pathHeld(rule: Rule, ann: Announced): PathInfo | undefined {
  if (rule.warning === undefined) return undefined;
  const path = ann.path ?? "warning";
  return { path, previous: path, judgement: undefined };
}

function levelById(levels: readonly LevelDef[], id: string | undefined): LevelDef | undefined {
  return levels.find((l) => l.id === id) ?? (id === undefined ? levels[0] : undefined);
}

/** "the hour …" → "The hour …": the in-progress sentence opens a sentence in the English text. */
function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
