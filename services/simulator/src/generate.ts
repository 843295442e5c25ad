import {
  BEIJING_OFFSET_MS,
  DAY_MS,
  type DataFlag,
  HOUR_MS,
  type MetricId,
  metricsForKind,
  type Station,
  toBeijingIso,
} from "@qingshan/domain";
import { beijingHourOfDay, isoDuration } from "./calendar.ts";
import { airValues } from "./model-air.ts";
import { noiValues } from "./model-noi.ts";
import { waterValues } from "./model-water.ts";
import type { SimRandom } from "./random.ts";
import type { ScenarioRun } from "./scenarios.ts";

/** Whether the generator adds realistic defects (lost messages, missing values, C/M flags). */
export type DataGaps = "realistic" | "none";

export interface GenerateOptions {
  /** Default "realistic". */
  readonly dataGaps?: DataGaps;
}

/** One observation in the JSON wire format (`WireObservation` of @qingshan/domain). */
export interface SimObservation {
  readonly ts: string;
  readonly values: Partial<Record<MetricId, number>>;
  readonly flags?: Partial<Record<MetricId, DataFlag>>;
  readonly period: string;
}

// Probabilities of the realistic defects.
const LOST_OBSERVATION = 0.004;
const MISSING_VALUE = 0.008;
const CALIBRATION_DAY = 0.2;
const MAINTENANCE_WEEK = 0.25;
const MAINTENANCE_MS = 3 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

const DECIMALS: Partial<Record<MetricId, number>> = {
  pm25: 0,
  pm10: 0,
  so2: 0,
  no2: 0,
  o3: 0,
  co: 2,
  ph: 2,
  do: 2,
  // Two decimals: at one, the index's hourly scatter (~0.1 mg/L) is a single step and clean hours
  // repeat one value eight times (config/rules.yaml dq-stuck-sensor-water).
  codmn: 2,
  nh3n: 3,
  tp: 3,
  tn: 2,
  cond: 0,
  turb: 1,
  temp: 1,
  noi: 0,
  rh: 0,
};

function round(metric: MetricId, value: number): number {
  const factor = 10 ** (DECIMALS[metric] ?? 3);
  // Air temperature goes below zero in winter (forest NOI sites); concentrations cannot.
  return Math.round((metric === "temp" ? value : Math.max(0, value)) * factor) / factor;
}

/**
 * Whether the scenario keeps `station` silent in its period starting at t: the period overlaps one
 * of the station's silent windows (within the scenario). So a run started mid-hour silences the
 * hour in progress too.
 */
export function isSilent(station: Station, t: number, run: ScenarioRun): boolean {
  const end = t + station.reportingIntervalMs;
  const scenarioEnd = run.startAt + run.scenario.durationHours * HOUR_MS;
  return (run.scenario.silent ?? []).some(
    (w) =>
      w.stationId === station.id &&
      t < Math.min(run.startAt + w.toHour * HOUR_MS, scenarioEnd) &&
      end > Math.max(run.startAt + w.fromHour * HOUR_MS, run.startAt),
  );
}

function modelValues(
  station: Station,
  mid: number,
  run: ScenarioRun,
  rng: SimRandom,
): Record<string, number> {
  switch (station.kind) {
    case "air":
      return airValues(station, mid, run, rng);
    case "water":
      return waterValues(station, mid, run, rng);
    case "noi":
      return noiValues(station, mid, run, rng);
  }
}

/** Maintenance: some weeks have one 3-hour visit starting 09:00 Beijing time on a random day. */
function inMaintenance(station: Station, t: number, rng: SimRandom): boolean {
  const week = Math.floor((t + BEIJING_OFFSET_MS) / WEEK_MS);
  if (rng.uniform(station.id, week, "maintenance") >= MAINTENANCE_WEEK) return false;
  const day = Math.floor(rng.uniform(station.id, week, "maintenance-day") * 7);
  const start = week * WEEK_MS - BEIJING_OFFSET_MS + day * DAY_MS + 9 * HOUR_MS;
  return t >= start && t < start + MAINTENANCE_MS;
}

/** Calibration: some days one analyser is calibrated during one night hour (02–04 Beijing time). */
function calibratedMetric(
  station: Station,
  t: number,
  metrics: readonly MetricId[],
  rng: SimRandom,
): MetricId | undefined {
  const day = Math.floor((t + BEIJING_OFFSET_MS) / DAY_MS);
  if (rng.uniform(station.id, day, "calibration") >= CALIBRATION_DAY) return undefined;
  const hour = 2 + Math.floor(rng.uniform(station.id, day, "calibration-hour") * 3);
  if (Math.floor(beijingHourOfDay(t)) !== hour) return undefined;
  return metrics[Math.floor(rng.uniform(station.id, day, "calibration-metric") * metrics.length)];
}

/**
 * The observations `station` reports for the averaging period that starts at `t` (UTC ms):
 * one observation normally, none when the scenario silences the station or the message is
 * "lost". Pure and deterministic in (rng.seed, station, t, scenario run).
 *
 * @example
 * const run = { scenario: SCENARIOS["clean-week"], startAt: Date.parse("2026-11-20T00:00:00+08:00") };
 * generateObservations(station, Date.parse("2026-11-21T08:00:00+08:00"), run, createRandom(7));
 * // [{ ts: "2026-11-21T08:00:00+08:00", values: { pm25: 41, pm10: 63, … }, period: "PT1H" }]
 */
export function generateObservations(
  station: Station,
  t: number,
  run: ScenarioRun,
  rng: SimRandom,
  options: GenerateOptions = {},
): SimObservation[] {
  const gaps = (options.dataGaps ?? "realistic") === "realistic";
  if (isSilent(station, t, run)) return [];
  if (gaps && rng.uniform(station.id, t, "lost") < LOST_OBSERVATION) return [];
  const periodMs = station.reportingIntervalMs;
  const raw = modelValues(station, t + periodMs / 2, run, rng);
  const metrics = (station.metrics ?? metricsForKind(station.kind)).filter((m) => raw[m] !== undefined);
  const values: Partial<Record<MetricId, number>> = {};
  const flags: Partial<Record<MetricId, DataFlag>> = {};
  const maintenance = gaps && inMaintenance(station, t, rng);
  const calibrated = gaps ? calibratedMetric(station, t, metrics, rng) : undefined;
  for (const metric of metrics) {
    if (gaps && rng.uniform(station.id, t, metric, "missing") < MISSING_VALUE) continue;
    values[metric] = round(metric, raw[metric] as number);
    // HJ 212-2017 Table 8 flags: M maintenance, C calibration.
    if (maintenance) flags[metric] = "M";
    else if (metric === calibrated) flags[metric] = "C";
  }
  if (Object.keys(values).length === 0) return [];
  const observation: SimObservation = {
    ts: toBeijingIso(t),
    values,
    ...(Object.keys(flags).length > 0 ? { flags } : {}),
    period: isoDuration(periodMs),
  };
  return [observation];
}
