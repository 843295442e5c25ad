/**
 * Simulator scenarios as data. Times are hours since the scenario's start (`startAt`); outside
 * [0, durationHours] every station behaves as in `clean-week`.
 */

/** Piecewise-linear curve: [hour since scenario start, value] points in increasing hour order. */
export type Keyframes = readonly (readonly [hour: number, value: number])[];

export interface AirEpisode {
  /**
   * Regional PM2.5 level in µg/m³ that the episode pushes stations to (the hourly values swing
   * around it with the diurnal cycle, so it is close to the 24-h mean). A station reports
   * max(its own baseline, level × its episode factor).
   */
  readonly pm25Level: Keyframes;
}

export interface WaterIncident {
  readonly stationId: string;
  /** Added to the section's NH3-N, mg/L. */
  readonly nh3nAdd: Keyframes;
  /** Multiplies the section's dissolved oxygen (oxygen consumed by the ammonia load). */
  readonly doFactor: Keyframes;
  /** Added to CODMn, mg/L. */
  readonly codmnAdd: Keyframes;
  /** Added to TP, mg/L. */
  readonly tpAdd: Keyframes;
}

export interface SilentWindow {
  readonly stationId: string;
  /** Start of the silence, hours since the scenario start: no period overlapping the window is published. */
  readonly fromHour: number;
  /** End of the silence (exclusive). */
  readonly toHour: number;
}

export interface Scenario {
  readonly id: string;
  readonly zh: string;
  readonly en: string;
  readonly description: string;
  readonly durationHours: number;
  /**
   * Hours of the scenario an accelerated run replays before it reaches the present, when no
   * `startAt` is given. Default `durationHours − 1`: the whole scenario lies in the recent past.
   * 0: the scenario begins at the present, as at acceleration 1 (for what must happen in real
   * time, such as a station's silence, which the silence check measures on the wall clock).
   */
  readonly replayHours?: number;
  readonly air?: AirEpisode;
  readonly water?: readonly WaterIncident[];
  readonly silent?: readonly SilentWindow[];
}

export const SCENARIO_IDS = ["clean-week", "heavy-pollution", "water-degrading", "station-silent"] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/**
 * The built-in scenarios.
 *
 * @example
 * SCENARIOS["heavy-pollution"].durationHours // 168
 */
export const SCENARIOS: Readonly<Record<ScenarioId, Scenario>> = Object.freeze({
  "clean-week": {
    id: "clean-week",
    zh: "清洁周",
    en: "Clean week",
    description:
      "Seven ordinary days: diurnal cycles, day-to-day weather drift, noise, occasional gaps and C/M flags.",
    durationHours: 168,
  },
  "heavy-pollution": {
    id: "heavy-pollution",
    zh: "重污染天气过程",
    en: "Heavy-pollution episode",
    description:
      "Stagnant winter air: PM2.5 builds up over three days to a 24-h mean above 150 µg/m³ (AQI > 200), " +
      "then above 250 µg/m³ (AQI > 300) for more than a day, and clears with a cold front on day 6. " +
      "Long enough for the yellow, orange and red levels of the 2024 preset (heavy-pollution-warning.md §2.4).",
    durationHours: 168,
    air: {
      // AQI > 200 ⇔ PM2.5 > 150 and AQI > 300 ⇔ PM2.5 > 250 (heavy-pollution-warning.md §2.4).
      pm25Level: [
        [0, 30],
        [24, 45],
        [48, 100],
        [72, 170],
        [96, 205],
        [108, 300],
        [134, 300],
        [140, 70],
        [146, 30],
        [168, 30],
      ],
    },
  },
  "water-degrading": {
    id: "water-degrading",
    zh: "断面水质下降",
    en: "Water section degrading",
    description:
      "Ammonia load upstream of the Bihu section: NH3-N rises past 1.0 mg/L (GB 3838 Class III limit) to " +
      "about 1.2 mg/L (Class IV) and dissolved oxygen sags below 5 mg/L for about two days, then both recover.",
    durationHours: 168,
    water: [
      {
        stationId: "ld-wq-03",
        // GB 3838-2002 Table 1: NH3-N Class III ≤ 1.0, Class IV ≤ 1.5 mg/L; DO Class III ≥ 5, IV ≥ 3 mg/L.
        nh3nAdd: [
          [0, 0],
          [12, 0],
          [36, 0.45],
          [60, 0.9],
          [84, 0.92],
          [108, 0.4],
          [132, 0],
          [168, 0],
        ],
        doFactor: [
          [0, 1],
          [12, 1],
          [60, 0.5],
          [84, 0.5],
          [132, 1],
          [168, 1],
        ],
        codmnAdd: [
          [0, 0],
          [12, 0],
          [60, 1.5],
          [84, 1.5],
          [132, 0],
          [168, 0],
        ],
        tpAdd: [
          [0, 0],
          [12, 0],
          [60, 0.05],
          [84, 0.05],
          [132, 0],
          [168, 0],
        ],
      },
    ],
  },
  "station-silent": {
    id: "station-silent",
    zh: "站点失联",
    en: "Station goes silent",
    description:
      "The Bihu air station publishes nothing for eight hours from the start, in real time whatever " +
      "the acceleration: the silence check (config/rules.yaml dq-station-silent, 3 reporting intervals " +
      "on the wall clock) raises its alert about 3 h after the start and resolves it when the station reports again.",
    durationHours: 12,
    // Not replayed: a silence replayed at ×3600 lasts seconds of wall clock, too short for the check.
    replayHours: 0,
    silent: [{ stationId: "ld-aq-04", fromHour: 0, toHour: 8 }],
  },
});

export function isScenarioId(value: string): value is ScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(value);
}

/**
 * Value of a keyframe curve at `hour` (clamped to the first and last points).
 *
 * @example
 * interpolate([[0, 0], [10, 100]], 2.5) // 25
 */
export function interpolate(frames: Keyframes, hour: number): number {
  const first = frames[0];
  const last = frames[frames.length - 1];
  if (first === undefined || last === undefined) return 0;
  if (hour <= first[0]) return first[1];
  if (hour >= last[0]) return last[1];
  for (let i = 1; i < frames.length; i++) {
    const b = frames[i] as readonly [number, number];
    if (hour <= b[0]) {
      const a = frames[i - 1] as readonly [number, number];
      return a[1] + ((b[1] - a[1]) * (hour - a[0])) / (b[0] - a[0]);
    }
  }
  return last[1];
}

/** A scenario placed on the time axis. */
export interface ScenarioRun {
  readonly scenario: Scenario;
  /** UTC ms at which the scenario's hour 0 begins. */
  readonly startAt: number;
}

/** Hours since the scenario start, or undefined outside [0, durationHours]. */
export function scenarioHour(run: ScenarioRun, t: number): number | undefined {
  const hour = (t - run.startAt) / 3_600_000;
  return hour < 0 || hour > run.scenario.durationHours ? undefined : hour;
}

/**
 * Resolves a scenario id (or passes a scenario object through).
 *
 * @example
 * resolveScenario("clean-week").durationHours // 168
 */
export function resolveScenario(scenario: ScenarioId | Scenario | string): Scenario {
  if (typeof scenario !== "string") return scenario;
  if (!isScenarioId(scenario)) {
    throw new Error(`unknown scenario "${scenario}": expected one of ${SCENARIO_IDS.join(", ")}`);
  }
  return SCENARIOS[scenario];
}
