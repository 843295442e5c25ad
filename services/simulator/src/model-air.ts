import type { Station } from "@qingshan/domain";
import { beijingHourOfDay, beijingMonth, bump } from "./calendar.ts";
import { jitter } from "./jitter.ts";
import { type Setting, stationSetting } from "./profile.ts";
import type { SimRandom } from "./random.ts";
import { interpolate, type ScenarioRun, scenarioHour } from "./scenarios.ts";

export type AirValues = Record<"pm25" | "pm10" | "so2" | "no2" | "co" | "o3", number>;

// Monthly PM2.5 factor (winter high, summer low — typical of Zhejiang; mean ≈ 1).
const PM25_SEASON = [1.45, 1.3, 1.1, 1.0, 0.85, 0.7, 0.6, 0.6, 0.75, 0.95, 1.15, 1.4] as const;
const PM25_BASE: Record<Setting, number> = { urban: 34, rural: 28, reserve: 18 };
const EPISODE_FACTOR: Record<Setting, number> = { urban: 1, rural: 0.93, reserve: 0.75 };
const NO2_BASE: Record<Setting, number> = { urban: 32, rural: 18, reserve: 8 };
const SO2_BASE: Record<Setting, number> = { urban: 9, rural: 7, reserve: 5 };
const CO_BASE: Record<Setting, number> = { urban: 0.68, rural: 0.58, reserve: 0.45 };
const O3_NIGHT: Record<Setting, number> = { urban: 14, rural: 22, reserve: 38 };
const DAY_MS = 86_400_000;

/** Morning and evening PM2.5 peaks, afternoon dip (mixing-layer growth); mean ≈ 1. */
function pm25Diurnal(h: number): number {
  return (1 + 0.22 * bump(h, 8, 2) + 0.32 * bump(h, 21, 3) - 0.18 * bump(h, 15, 3)) / 1.09;
}

/** Rush-hour NO2 peaks (08:00, 18:30) and photochemical afternoon minimum; mean ≈ 1. */
function no2Diurnal(h: number): number {
  return (1 + 0.45 * bump(h, 8, 1.5) + 0.55 * bump(h, 18.5, 2) - 0.3 * bump(h, 14, 3)) / 1.12;
}

function coDiurnal(h: number): number {
  return (1 + 0.25 * bump(h, 8, 2) + 0.3 * bump(h, 20, 2.5)) / 1.11;
}

/** Ozone amplitude by month (µg/m³): photochemistry strongest in late spring and summer. */
function o3Amplitude(month: number): number {
  return 80 + 45 * Math.sin((2 * Math.PI * (month - 2)) / 12);
}

/** Regional PM2.5 episode level at t, scaled for the station, or 0 outside an episode. */
export function episodeLevel(station: Station, t: number, run: ScenarioRun): number {
  const hour = scenarioHour(run, t);
  const air = run.scenario.air;
  if (hour === undefined || air === undefined) return 0;
  return interpolate(air.pm25Level, hour) * EPISODE_FACTOR[stationSetting(station)];
}

/**
 * Hourly air values of one station at instant t (the middle of its averaging period), before
 * rounding, gaps and flags.
 *
 * @example
 * airValues(station, Date.parse("2026-01-10T08:30:00+08:00"), { scenario: SCENARIOS["clean-week"], startAt: 0 }, createRandom(1)).pm25
 */
export function airValues(station: Station, t: number, run: ScenarioRun, rng: SimRandom): AirValues {
  const id = station.id;
  const setting = stationSetting(station);
  const h = beijingHourOfDay(t);
  const month = beijingMonth(t);
  // Analyser scatter (jitter.ts) of a few µg/m³ (the integers published), applied in log space
  // (at most ×3 either way) so that it stays positive at clean sites.
  const scatter = (metric: string, value: number, bound: number) =>
    value * Math.exp(jitter(rng.gaussian(id, t, metric, "jitter"), Math.min(bound / value, Math.log(3))));
  // Shared regional weather (same key at every station) plus a little local weather.
  const weather = Math.exp(
    0.28 * rng.smooth("air-weather", t, 1.5 * DAY_MS) + 0.08 * rng.smooth(id, t, DAY_MS),
  );
  const baseline =
    PM25_BASE[setting] * (PM25_SEASON[month] ?? 1) * (1 + 0.06 * rng.gaussian(id, "offset")) * weather;
  const level = episodeLevel(station, t, run);
  const inEpisode = level > baseline;
  // A stagnant boundary layer flattens the diurnal cycle.
  const diurnal = inEpisode ? 1 + (pm25Diurnal(h) - 1) * 0.5 : pm25Diurnal(h);
  const pm25 = scatter(
    "pm25",
    Math.max(baseline, level) * diurnal * Math.exp(0.08 * rng.gaussian(id, t, "pm25")),
    4,
  );
  const coarseRatio = (inEpisode ? 1.3 : 1.55) + 0.1 * rng.smooth(`${id}-pm10`, t, DAY_MS);
  const pm10 = scatter("pm10", pm25 * coarseRatio * Math.exp(0.05 * rng.gaussian(id, t, "pm10")), 4);
  const episodeLoad = Math.min(Math.max(level - baseline, 0), 300) / 300;
  const no2 = scatter(
    "no2",
    NO2_BASE[setting] *
      no2Diurnal(h) *
      Math.sqrt(weather) *
      (1 + 0.4 * episodeLoad) *
      Math.exp(0.1 * rng.gaussian(id, t, "no2")),
    4,
  );
  const so2 = scatter(
    "so2",
    SO2_BASE[setting] *
      (1 + 0.2 * bump(h, 10, 3)) *
      (1 + 0.5 * episodeLoad) *
      Math.exp(0.15 * rng.gaussian(id, t, "so2")),
    4,
  );
  const co =
    CO_BASE[setting] * coDiurnal(h) * weather ** 0.4 * Math.exp(0.07 * rng.gaussian(id, t, "co")) +
    0.004 * Math.max(level - baseline, 0);
  const sunlit = Math.max(0, Math.sin((Math.PI * (h - 8)) / 12)) ** 1.6;
  const o3 = scatter(
    "o3",
    (O3_NIGHT[setting] + o3Amplitude(month) * sunlit) *
      (inEpisode ? 0.7 : 1) *
      Math.exp(0.1 * rng.gaussian(id, t, "o3")),
    5,
  );
  return { pm25, pm10, so2, no2, co, o3 };
}
