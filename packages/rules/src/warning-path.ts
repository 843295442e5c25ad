import type { WarningPath } from "@qingshan/domain";
import { type ConditionEvidence, POLLUTANT_ORDER, type Pollutant } from "@qingshan/standards";

/**
 * The path per primary pollutant a warning rule uses when it sets no `pollutantRouting`
 * (heavy-pollution-warning.md §3.4 `pollutantRouting: { O3: healthAdvisory, PM2_5: warning, PM10:
 * warning }`; §1: the 2024 Lishui county plan gives O3-driven episodes public health advisories
 * and applies the warning procedure to PM2.5-driven ones). Provisional: Liandu's own plan was not
 * seen (§1, §4 question 3). SO2, NO2 and CO, which §3.4 leaves out, take the warning path.
 */
export const DEFAULT_POLLUTANT_ROUTING: Readonly<Record<Pollutant, WarningPath>> = Object.freeze({
  so2: "warning",
  no2: "warning",
  co: "warning",
  o3: "healthAdvisory",
  pm10: "warning",
  pm25: "warning",
});

/** A warning rule's routing: the path of each pollutant, provisional when it is the default. */
export interface PollutantRouting {
  readonly paths: Readonly<Record<Pollutant, WarningPath>>;
  readonly provisional: boolean;
}

/**
 * The routing of a warning rule's `pollutantRouting` setting: the provisional default when left
 * out; else as given, a pollutant left out on the warning path.
 *
 * @example
 * pollutantRoutingOf(undefined).paths.o3 // "healthAdvisory" (provisional)
 * pollutantRoutingOf({ pm25: "warning" }).paths.o3 // "warning"
 */
export function pollutantRoutingOf(
  setting: Partial<Record<Pollutant, WarningPath>> | undefined,
): PollutantRouting {
  if (setting === undefined) return { paths: DEFAULT_POLLUTANT_ROUTING, provisional: true };
  const paths = Object.fromEntries(POLLUTANT_ORDER.map((p) => [p, "warning"])) as Record<
    Pollutant,
    WarningPath
  >;
  for (const [p, path] of Object.entries(setting)) if (path !== undefined) paths[p as Pollutant] = path;
  return { paths, provisional: false };
}

/** How an episode's path was judged: from which values, and each primary pollutant's count in them. */
export interface PathJudgement {
  readonly path: WarningPath;
  /** Complete values judged: the latest ones meeting the level's conditions (at most `limit`). */
  readonly judged: number;
  /** Per primary pollutant, in how many of the judged values it was primary; most first. */
  readonly counts: readonly { readonly pollutant: Pollutant; readonly count: number }[];
  /** The pollutant that decided: the most frequent primary pollutant routed to `path`. */
  readonly driver: Pollutant;
  readonly routing: PollutantRouting;
}

export interface PathInput {
  readonly values: readonly (number | null)[];
  /** Whether the value at index i is partial (its primary pollutant may be the one missing). */
  readonly partial: (i: number) => boolean;
  /** The primary pollutants of the value at index i. */
  readonly primary: (i: number) => readonly Pollutant[];
  /** The conditions of the level met, with their runs (`warningLevelFrom…Aqi().satisfied`). */
  readonly satisfied: readonly ConditionEvidence[];
  /** How many of the latest qualifying complete values are judged (24 hourly AQI24, 1 day). */
  readonly limit: number;
}

function meets(c: ConditionEvidence["condition"], value: number): boolean {
  return "aqiAbove" in c ? value > c.aqiAbove : value >= c.aqiAtLeast;
}

/**
 * Which path an episode is on ("O3-driven" in heavy-pollution-warning.md §3.3, defined here): the
 * values judged are the latest `limit` complete values (not partial: their primary pollutant may be
 * the one missing) that meet a condition of the level met, inside that condition's run — the
 * values that make the level. A value counts for the health advisory when every primary pollutant
 * of it is routed there, else for the warning (an O3 and PM2.5 tie is a PM2.5 episode too). The
 * episode is a health advisory when most judged values count for it; a tie is a warning, the
 * stricter path. Undefined when no level is met or no complete value meets it (the engine then
 * keeps the path announced, or takes the warning path for a new alert).
 *
 * @example
 * judgePath({ values, partial, primary, satisfied: assessment.satisfied, limit: 24 }, routing)?.path // "healthAdvisory"
 */
export function judgePath(input: PathInput, routing: PollutantRouting): PathJudgement | undefined {
  const qualifying = new Set<number>();
  for (const c of input.satisfied) {
    if (c.runStart === null || c.runEnd === null) continue;
    for (let i = c.runStart; i <= c.runEnd; i++) {
      const v = input.values[i];
      if (v !== null && v !== undefined && meets(c.condition, v)) qualifying.add(i);
    }
  }
  const indices = [...qualifying].sort((a, b) => b - a);
  const counts = new Map<Pollutant, number>();
  let judged = 0;
  let advisory = 0;
  for (const i of indices) {
    if (judged >= input.limit) break;
    if (input.partial(i)) continue;
    const primary = input.primary(i);
    if (primary.length === 0) continue;
    judged++;
    for (const p of primary) counts.set(p, (counts.get(p) ?? 0) + 1);
    if (primary.every((p) => routing.paths[p] === "healthAdvisory")) advisory++;
  }
  if (judged === 0) return undefined;
  const path: WarningPath = advisory > judged - advisory ? "healthAdvisory" : "warning";
  const sorted = [...counts]
    .map(([pollutant, count]) => ({ pollutant, count }))
    .sort((a, b) => b.count - a.count);
  const driver = (sorted.find((c) => routing.paths[c.pollutant] === path) ?? sorted[0])
    ?.pollutant as Pollutant;
  return { path, judged, counts: sorted, driver, routing };
}

const POLLUTANT_TEXT: Readonly<Record<Pollutant, { zh: string; en: string }>> = {
  so2: { zh: "二氧化硫", en: "SO2" },
  no2: { zh: "二氧化氮", en: "NO2" },
  co: { zh: "一氧化碳", en: "CO" },
  o3: { zh: "臭氧", en: "O3" },
  pm10: { zh: "PM10", en: "PM10" },
  pm25: { zh: "PM2.5", en: "PM2.5" },
};

/**
 * The sentence of an alert message that says why the episode is on its path, e.g. `臭氧主导：最近 20 个
 * 满足条件的24小时滑动AQI中臭氧为首要污染物 18 个（PM2.5 2 个），按首要污染物分流为健康提示，不走预警程序（分流规则暂定）`.
 */
export function pathReasonText(j: PathJudgement, byDay: boolean): { zh: string; en: string } {
  const driver = POLLUTANT_TEXT[j.driver];
  const mainCount = j.counts.find((c) => c.pollutant === j.driver)?.count ?? 0;
  const others = j.counts.filter((c) => c.pollutant !== j.driver);
  const basis = byDay
    ? { zh: "满足条件的日AQI", en: "daily AQI values meeting the condition" }
    : { zh: "满足条件的24小时滑动AQI", en: "complete 24-h rolling AQI values meeting the condition" };
  const zhOthers =
    others.length === 0
      ? ""
      : `（${others.map((c) => `${POLLUTANT_TEXT[c.pollutant].zh} ${c.count} 个`).join("，")}）`;
  const enOthers =
    others.length === 0
      ? ""
      : ` (${others.map((c) => `${POLLUTANT_TEXT[c.pollutant].en} in ${c.count}`).join(", ")})`;
  const route =
    j.path === "healthAdvisory"
      ? {
          zh: "按首要污染物分流为健康提示，不走预警程序",
          en: "routed to a public health advisory, not the warning procedure",
        }
      : { zh: "按首要污染物分流为建议预警", en: "routed to the suggested-warning path" };
  const provisional = j.routing.provisional
    ? { zh: "（分流规则暂定）", en: " (routing provisional)" }
    : { zh: "", en: "" };
  return {
    zh: `${driver.zh}主导：最近 ${j.judged} 个${basis.zh}中${driver.zh}为首要污染物 ${mainCount} 个${zhOthers}，${route.zh}${provisional.zh}`,
    en: `${driver.en}-driven: ${driver.en} primary in ${mainCount} of the latest ${j.judged} ${basis.en}${enOthers}; ${route.en}${provisional.en}`,
  };
}
