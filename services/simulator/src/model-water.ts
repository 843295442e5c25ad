import type { Station } from "@qingshan/domain";
import { beijingDayOfYear, beijingHourOfDay, dailyCycle, yearlyCycle } from "./calendar.ts";
import { jitter } from "./jitter.ts";
import type { SimRandom } from "./random.ts";
import { interpolate, type ScenarioRun, scenarioHour, type WaterIncident } from "./scenarios.ts";

export type WaterValues = Record<
  "ph" | "do" | "codmn" | "nh3n" | "tp" | "tn" | "cond" | "turb" | "temp",
  number
>;

const DAY_MS = 86_400_000;

interface Baseline {
  readonly codmn: number;
  readonly nh3n: number;
  readonly tp: number;
  readonly tn: number;
  readonly cond: number;
  readonly turb: number;
  readonly ph: number;
}

// Rivers with a Class II target are upstream and cleaner; the lake has little phosphorus and turbidity.
const CLEAN_RIVER: Baseline = { codmn: 1.8, nh3n: 0.16, tp: 0.045, tn: 0.85, cond: 70, turb: 5, ph: 7.2 };
const RIVER: Baseline = { codmn: 2.5, nh3n: 0.3, tp: 0.075, tn: 1.2, cond: 95, turb: 8, ph: 7.2 };
// GB 3838-2002 Table 1: TP in lakes and reservoirs Class II ≤ 0.025 mg/L (the reservoir intake's
// target). A well-mixed reservoir drifts little (±6 % σ, against 12 % in rivers); with the analyser
// scatter (±0.004, jitter.ts) the hourly value stays within ~0.007–0.022.
const LAKE: Baseline = { codmn: 2.0, nh3n: 0.12, tp: 0.014, tn: 0.55, cond: 55, turb: 2.5, ph: 7.4 };

function baselineOf(station: Station): Baseline {
  if (station.water?.waterBody === "lake") return LAKE;
  const target = station.water?.targetClass ?? "III";
  return target === "I" || target === "II" ? CLEAN_RIVER : RIVER;
}

/** Dissolved-oxygen saturation in fresh water at sea level, mg/L (Benson–Krause fit). */
export function oxygenSaturation(tempC: number): number {
  return 14.652 - 0.41022 * tempC + 0.007991 * tempC ** 2 - 0.000077774 * tempC ** 3;
}

function incidentAt(station: Station, t: number, run: ScenarioRun): WaterIncident | undefined {
  if (scenarioHour(run, t) === undefined) return undefined;
  return run.scenario.water?.find((w) => w.stationId === station.id);
}

/**
 * Hourly values of one water section at instant t, before rounding, gaps and flags: slow drift
 * (days), a diurnal swing of DO, pH and temperature (photosynthesis, sun), and noise.
 *
 * @example
 * waterValues(section, Date.parse("2026-07-01T15:30:00+08:00"), run, createRandom(1)).do // ≈ 7
 */
export function waterValues(station: Station, t: number, run: ScenarioRun, rng: SimRandom): WaterValues {
  const id = station.id;
  const base = baselineOf(station);
  const h = beijingHourOfDay(t);
  const doy = beijingDayOfYear(t);
  const lake = station.water?.waterBody === "lake";
  const drift = (metric: string, scale = 3 * DAY_MS) => rng.smooth(`${id}-${metric}`, t, scale);
  const noise = (metric: string) => rng.gaussian(id, t, metric);
  // Absolute analyser scatter (jitter.ts): at least ~2.5 reporting steps of generate.ts DECIMALS.
  const scatter = (metric: string, bound: number) => jitter(rng.gaussian(id, t, metric, "jitter"), bound);
  // Rain in the catchment (regional): raises turbidity, dilutes conductivity.
  const rain = Math.max(0, rng.smooth("water-rain", t, 2 * DAY_MS));

  // Surface water is warmest in late July; the diurnal swing is small.
  const temp =
    (lake ? 16 : 17) -
    9 * yearlyCycle(doy, 20) +
    0.5 * dailyCycle(h, 15) +
    0.4 * drift("temp") +
    0.05 * noise("temp") +
    scatter("temp", 0.4);
  const incident = incidentAt(station, t, run);
  const hour = scenarioHour(run, t) ?? 0;
  const add = (frames: WaterIncident["nh3nAdd"] | undefined) => (frames ? interpolate(frames, hour) : 0);

  const doFactor = incident ? interpolate(incident.doFactor, hour) : 1;
  const dissolvedOxygen =
    (oxygenSaturation(temp) * 0.86 * (1 + 0.05 * dailyCycle(h, 15)) +
      0.15 * drift("do") +
      0.05 * noise("do")) *
    doFactor;
  const ph =
    base.ph + 0.12 * drift("ph") + 0.08 * dailyCycle(h, 15) + 0.03 * noise("ph") + scatter("ph", 0.03);
  const codmn =
    base.codmn * (1 + 0.1 * drift("codmn")) * Math.exp(0.05 * noise("codmn")) + add(incident?.codmnAdd);
  const nh3n =
    (base.nh3n * (1 + 0.15 * drift("nh3n")) + add(incident?.nh3nAdd)) * Math.exp(0.04 * noise("nh3n"));
  const tp =
    (base.tp * (1 + (lake ? 0.06 : 0.12) * drift("tp")) + add(incident?.tpAdd)) *
      Math.exp(0.05 * noise("tp")) +
    scatter("tp", 0.004);
  const tn = base.tn * (1 + 0.1 * drift("tn")) * Math.exp(0.04 * noise("tn")) + scatter("tn", 0.04);
  const cond =
    base.cond * (1 + 0.05 * drift("cond")) * (1 - 0.15 * Math.min(rain, 1)) * Math.exp(0.02 * noise("cond")) +
    scatter("cond", 4);
  const turb =
    base.turb * Math.exp((lake ? 0.2 : 0.6) * rain + 0.1 * drift("turb") + 0.08 * noise("turb")) +
    scatter("turb", 0.4);
  return { ph, do: dissolvedOxygen, codmn, nh3n, tp, tn, cond, turb, temp };
}
