import { type AlertState, WARNING_LEVEL_IDS, type WarningLevel, type WarningPath } from "@qingshan/domain";
import { WARNING_PRESETS, type WarningConfig } from "@qingshan/standards";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { alertStates } from "./alerts.ts";

/**
 * Every warning level a stored alert may carry, lowest first (@qingshan/domain WARNING_LEVEL_IDS).
 * Ranks stored alerts; the levels in force are the configured preset's (`presetLevels`).
 */
export const WARNING_LEVELS = WARNING_LEVEL_IDS;

const LEVEL_NAMES: Record<WarningLevel, { zh: string; en: string }> = {
  blue: { zh: "蓝色预警", en: "Blue (IV)" },
  yellow: { zh: "黄色预警", en: "Yellow (III)" },
  orange: { zh: "橙色预警", en: "Orange (II)" },
  red: { zh: "红色预警", en: "Red (I)" },
};

/** The configured preset: its id, title, source and level ids, lowest first. */
export function presetLevels(preset: string | WarningConfig) {
  const config =
    typeof preset === "string" ? WARNING_PRESETS[preset as keyof typeof WARNING_PRESETS] : preset;
  return {
    preset: { id: config.id, title: config.title, source: config.source, provisional: config.provisional },
    levels: config.levels.map((l) => l.id),
  };
}

function rank(level: string | undefined): number {
  return WARNING_LEVELS.indexOf(level as WarningLevel);
}

/**
 * The level and its name; on the health-advisory path (heavy-pollution-warning.md §3.3: an
 * O3-driven episode) the name says it is a health advisory, not a warning.
 */
function levelJson(level: string | undefined, path?: WarningPath) {
  if (level === undefined || rank(level) < 0) return null;
  const names = LEVEL_NAMES[level as WarningLevel];
  if (path !== "healthAdvisory") return { level, ...names };
  const colour = names.en.split(" ")[0] ?? level;
  return {
    level,
    zh: `健康提示（${names.zh.replace("预警", "")}级别）`,
    en: `Health advisory (${colour.toLowerCase()} level)`,
  };
}

/**
 * Data times of a warning: `since` = when the condition began (the alert's startedAt, else the
 * raise's data time); `levelSince` = when the current level began — the data time of the
 * level_changed event that set it, or `since` when the level has not changed since the raise.
 * Null when the events do not carry data times. raisedAt/updatedAt are processing times.
 */
export function warningTimes(s: AlertState): { since: string | null; levelSince: string | null } {
  const raised = s.events.find((e) => e.type === "raised");
  const since = s.startedAt ?? raised?.dataTime ?? null;
  // A level_changed event at the level before changed only the path (same level): not a new level.
  let level: string | undefined;
  let setLevel: AlertState["events"][number] | undefined;
  for (const e of s.events) {
    if (e.type !== "raised" && e.type !== "level_changed") continue;
    if (e.type === "raised" || e.level !== level) setLevel = e;
    level = e.level ?? level;
  }
  const levelSince = setLevel?.type === "level_changed" ? (setLevel.dataTime ?? null) : since;
  return { since, levelSince };
}

function stationWarning(s: AlertState) {
  return {
    stationId: s.stationId,
    alertId: s.alertId,
    status: s.status,
    ...levelJson(s.level, s.path),
    level: s.level ?? null,
    path: s.path ?? "warning",
    ...warningTimes(s),
    raisedAt: s.raisedAt,
    startedAt: s.startedAt ?? null,
    updatedAt: s.updatedAt,
    value: s.value ?? null,
    conditionHolds: s.conditionHolds ?? null,
    message: s.message,
  };
}

const WARNING_TIME_PROPERTIES = {
  since: { type: "string", nullable: true, description: "Data time the warning began, Beijing time" },
  levelSince: {
    type: "string",
    nullable: true,
    description: "Data time the current level began, Beijing time",
  },
  raisedAt: { type: "string", description: "Processing time the alert was raised" },
  conditionHolds: {
    type: "boolean",
    nullable: true,
    description:
      "Whether the current level's condition holds; false while the level is only held as the warning steps down (the message then says what releases it); null when the events do not say",
  },
  path: {
    type: "string",
    enum: ["warning", "healthAdvisory"],
    description:
      "The episode's path: warning (suggested warning), or healthAdvisory (public health advisory, 健康提示: an episode driven by a pollutant the rule routes there, O3 by default — not the warning procedure; zh/en then name it so). Events stored before the field: warning",
  },
  message: {
    type: "object",
    additionalProperties: true,
    properties: { zh: { type: "string" }, en: { type: "string" } },
  },
} as const;

const TIMES_TEXT =
  "`conditionHolds` false = the level is only held while the warning steps down (the message says what releases it). `since` = data time the warning began (its condition started), `levelSince` = data time the current level began (the level change that set it; `since` when unchanged since the raise), both Beijing time, null when the alert's events carry no data time; `raisedAt`/`updatedAt` are when the alert was raised/last updated (processing time).";

/**
 * GET /warning: the observed heavy-pollution warning level (heavy-pollution-warning.md §3 —
 * "observed / suggested", never an official warning) from the open (or acknowledged, not yet
 * resolved) alerts of the warning rule: per station, and district-wide — the district alert's
 * level when the rule raises one for "district", else the highest station level on the warning path
 * (a health advisory, heavy-pollution-warning.md §3.3, is no warning: only when no station has one).
 */
export function warningRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    "/warning",
    {
      schema: {
        summary: "Current heavy-pollution warning level (observed)",
        // heavy-pollution-warning.md §3: Qingshan observes and suggests, it never issues a warning.
        description: `Level of the unresolved alerts of the heavy-pollution warning rule, per station and district-wide. District-wide = the alert raised for station "district" when there is one, else the highest station level on the warning path (a health advisory's only when no station is on the warning path). Observation-driven and suggested only: the levels follow the warning-level document configured for the rule ("preset", default 生态环境部 2024年 预警分级), and "levels" lists that document's levels, lowest first: yellow < orange < red under the 2018 and 2024 documents (blue was dropped by 环办大气函〔2018〕875号), blue < yellow < orange < red under 环大气〔2017〕86号; official warnings are issued only by the heavy-pollution emergency command office under the city emergency plan. ${TIMES_TEXT}`,
        tags: ["alerts"],
        response: {
          200: {
            type: "object",
            properties: {
              ruleId: { type: "string" },
              configured: {
                type: "boolean",
                nullable: true,
                description:
                  "Whether the rules file in force has this warning rule (false: none, so no warning can be observed); null when the API runs without the rules file",
              },
              basis: { type: "string" },
              preset: {
                type: "object",
                additionalProperties: true,
                description: "The warning-level document the levels follow",
                properties: {
                  id: { type: "string", description: '"2017", "2018", "2024" or a local plan\'s id' },
                  title: { type: "string" },
                  source: { type: "string" },
                  provisional: { type: "boolean" },
                },
              },
              levels: {
                type: "array",
                items: { type: "string" },
                description: "The preset's levels, lowest first (2018, 2024: yellow, orange, red)",
              },
              district: {
                type: "object",
                additionalProperties: true,
                properties: {
                  level: { type: ["string", "null"] },
                  zh: { type: "string" },
                  en: { type: "string" },
                  source: { type: "string", enum: ["district-alert", "highest-station", "none"] },
                  alertId: { type: "string" },
                  ...WARNING_TIME_PROPERTIES,
                },
              },
              stations: {
                type: "array",
                items: {
                  type: "object",
                  additionalProperties: true,
                  properties: {
                    stationId: { type: "string" },
                    alertId: { type: "string" },
                    status: { type: "string", enum: ["open", "acknowledged"] },
                    level: { type: "string", nullable: true },
                    zh: { type: "string" },
                    en: { type: "string" },
                    ...WARNING_TIME_PROPERTIES,
                    startedAt: { type: "string", nullable: true },
                    updatedAt: { type: "string", description: "Processing time of the latest event" },
                    value: { type: "number", nullable: true },
                  },
                },
              },
            },
          },
        },
      },
    },
    async function getWarning() {
      const ruleId = ctx.alerting.warningRuleId;
      // Known only with the rules file; a removed rule's open alerts were resolved by the evaluator.
      const configured = ctx.rules === undefined ? null : ctx.rules.get(ruleId)?.warning !== undefined;
      const active = (await alertStates(ctx, { ruleId })).filter((s) => s.status !== "resolved");
      const districtAlert = active
        .filter((s) => s.stationId === "district")
        .sort((a, b) => rank(b.level) - rank(a.level))[0];
      const stations = active
        .filter((s) => s.stationId !== "district")
        .sort((a, b) => rank(b.level) - rank(a.level) || a.stationId.localeCompare(b.stationId))
        .map(stationWarning);
      // A health advisory is not a warning: the district's level is the highest warning when any.
      const highest = stations.find((s) => s.path === "warning") ?? stations[0];
      const district = districtAlert
        ? {
            ...levelJson(districtAlert.level, districtAlert.path),
            level: districtAlert.level ?? null,
            path: districtAlert.path ?? "warning",
            source: "district-alert",
            alertId: districtAlert.alertId,
            ...warningTimes(districtAlert),
            raisedAt: districtAlert.raisedAt,
            conditionHolds: districtAlert.conditionHolds ?? null,
            message: districtAlert.message,
          }
        : highest
          ? {
              ...levelJson(highest.level ?? undefined, highest.path),
              level: highest.level,
              path: highest.path,
              source: "highest-station",
              alertId: highest.alertId,
              since: highest.since,
              levelSince: highest.levelSince,
              raisedAt: highest.raisedAt,
              conditionHolds: highest.conditionHolds,
              message: highest.message,
            }
          : configured === false
            ? {
                level: null,
                zh: "规则文件中没有重污染预警规则",
                en: "No heavy-pollution warning rule in the rules file",
                source: "none",
              }
            : { level: null, zh: "无预警", en: "No warning", source: "none" };
      return {
        ruleId,
        configured,
        basis: "observed / suggested (not an official warning)",
        ...presetLevels(ctx.alerting.warningPreset),
        district,
        stations,
      };
    },
  );
}
