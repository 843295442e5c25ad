import { HOUR_MS, hourStart, type Station, stationTopic } from "@qingshan/domain";
import { connectAsync, type MqttClient } from "mqtt";
import { type SimulatorConfig, type SimulatorConfigInput, SimulatorConfigSchema } from "./config.ts";
import { generateObservations } from "./generate.ts";
import { type BackfillSummary, backfill } from "./history.ts";
import { createRandom } from "./random.ts";
import { resolveScenario, type Scenario, type ScenarioRun } from "./scenarios.ts";

export interface SimulatorOptions extends Omit<SimulatorConfigInput, "scenario"> {
  readonly stations: readonly Station[];
  readonly scenario?: SimulatorConfigInput["scenario"] | Scenario;
  /** Real clock (UTC ms). Default Date.now. */
  readonly clock?: () => number;
  /** Called for every failed publish; default logs to stderr. */
  readonly onError?: (error: Error) => void;
  /**
   * Station id → ts (UTC ms) of its newest stored reading of the station's own period (a reading
   * the feed would publish; an instantaneous sample covers no period and must not be given): the
   * feed publishes only that station's periods starting after it, so a restart does not replay
   * over stored readings.
   */
  readonly resumeAfter?: ReadonlyMap<string, number>;
}

export interface SimulatorStats {
  /** Messages acknowledged by the broker (QoS 1 PUBACK). */
  readonly published: number;
  /** Periods with nothing to send (silent window, lost message). */
  readonly skipped: number;
  readonly failed: number;
  /** Current simulated time, UTC ms. */
  readonly simNow: number;
}

export interface Simulator {
  readonly run: ScenarioRun;
  /** Connects to the broker and, with schedule "timer", starts stepping. */
  start(): Promise<void>;
  /** Publishes every period that has ended by the current simulated time (bounded per step). */
  tick(): Promise<number>;
  /** Generates [from, to) and publishes it as array payloads (≤ 500 observations) with QoS 1. */
  backfill(range: { from: number; to: number }): Promise<BackfillSummary>;
  /** Stops stepping, waits for the step in progress, disconnects. */
  stop(): Promise<void>;
  stats(): SimulatorStats;
}

/**
 * Creates a simulator that publishes the demo network's readings to MQTT in the JSON wire format
 * (`stations/{id}/{kind}`, QoS 1). Validates its options without I/O; `start()` connects.
 *
 * The simulated clock starts at `startAt` and runs `acceleration` times faster than the real
 * clock, but never ahead of it: once it catches up it follows real time. Readings are
 * time-stamped in simulated time, so an accelerated run replays the recent past: by default it
 * starts the scenario's `replayHours` (unless set, its duration less one hour) ago, on an hour
 * boundary. The feed begins with each station's period in progress at `startAt`, so history up
 * to `startAt` (the periods that have ended by then) joins it without a gap or an overlap.
 *
 * @example
 * const sim = createSimulator({ stations: registry.stations, mqttUrl: "mqtt://127.0.0.1:1883",
 *   scenario: "heavy-pollution", acceleration: 3600 });
 * await sim.start(); // one simulated hour per second, the episode replays over the past week
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const { stations, clock = Date.now, onError, scenario: scenarioOption, resumeAfter, ...rest } = options;
  if (stations.length === 0) throw new Error("simulator: no stations to simulate");
  const scenario = resolveScenario(scenarioOption ?? "clean-week");
  const config: SimulatorConfig = Object.freeze(
    SimulatorConfigSchema.parse({ ...rest, scenario: "clean-week" }),
  );
  const report = onError ?? ((error: Error) => console.error(`simulator: ${error.message}`));
  const createdAt = clock();
  // Accelerated: replay the scenario over the recent past. By default one hour is kept in hand so
  // that the oldest reading stays within the ingest's default 7-day lateness when the scenario
  // lasts 7 days.
  const replayMs = (scenario.replayHours ?? scenario.durationHours - 1) * HOUR_MS;
  const startAt = config.startAt ?? (config.acceleration > 1 ? hourStart(createdAt - replayMs) : createdAt);
  const run: ScenarioRun = Object.freeze({ scenario, startAt });
  const rng = createRandom(config.seed);
  // The feed begins with the period in progress at startAt (published once it has ended): history
  // of the periods ended by startAt (generateHistory's `to` = startAt) joins it with no gap.
  const firstPeriod = (station: Station): number => {
    const interval = station.reportingIntervalMs;
    const first = Math.floor(startAt / interval) * interval;
    const stored = resumeAfter?.get(station.id);
    return stored === undefined
      ? first
      : Math.max(first, Math.floor(stored / interval) * interval + interval);
  };
  const next = new Map<string, number>(stations.map((s) => [s.id, firstPeriod(s)]));
  let client: MqttClient | undefined;
  let realStart = createdAt;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<number> | undefined;
  let published = 0;
  let skipped = 0;
  let failed = 0;

  const simNow = (): number => {
    const real = clock();
    return Math.min(startAt + (real - realStart) * config.acceleration, real);
  };

  function due(now: number): Station | undefined {
    let best: Station | undefined;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const station of stations) {
      const at = next.get(station.id) as number;
      if (at + station.reportingIntervalMs <= now && at < bestAt) {
        best = station;
        bestAt = at;
      }
    }
    return best;
  }

  async function step(): Promise<number> {
    const mqtt = client;
    if (!mqtt) throw new Error("simulator: tick() before start()");
    const now = simNow();
    const sends: Promise<unknown>[] = [];
    // Oldest period first, so a capped step never lets one station run ahead of the others.
    for (let station = due(now); station && sends.length < config.maxPublishPerTick; station = due(now)) {
      const at = next.get(station.id) as number;
      next.set(station.id, at + station.reportingIntervalMs);
      const [observation] = generateObservations(station, at, run, rng, { dataGaps: config.dataGaps });
      if (!observation) {
        skipped += 1;
        continue;
      }
      const topic = stationTopic(station.id, station.kind);
      sends.push(
        mqtt.publishAsync(topic, JSON.stringify(observation), { qos: 1 }).then(
          () => {
            published += 1;
          },
          (error: unknown) => {
            failed += 1;
            report(new Error(`publish to ${topic} failed: ${(error as Error).message}`, { cause: error }));
          },
        ),
      );
    }
    await Promise.all(sends);
    return sends.length;
  }

  function tick(): Promise<number> {
    // One step at a time: a slow broker delays the next step instead of piling up publishes.
    if (inFlight) return inFlight;
    inFlight = step().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    run,
    async start() {
      if (client) return;
      client = await connectAsync(config.mqttUrl, {
        clientId: config.clientId ?? `qingshan-sim-${config.seed}-${process.pid}`,
        protocolVersion: 4,
        clean: true,
        ...(config.username !== undefined ? { username: config.username } : {}),
        ...(config.password !== undefined ? { password: config.password } : {}),
      });
      realStart = clock();
      if (config.schedule === "timer") {
        timer = setInterval(() => {
          tick().catch((error: unknown) => report(error as Error));
        }, config.tickIntervalMs);
      }
    },
    tick,
    async backfill(range) {
      const mqtt = client;
      if (!mqtt) throw new Error("simulator: backfill() before start()");
      return backfill({
        stations,
        scenario,
        seed: config.seed,
        dataGaps: config.dataGaps,
        startAt,
        from: range.from,
        to: range.to,
        publish: (topic, payload) => mqtt.publishAsync(topic, payload, { qos: 1 }),
      });
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await inFlight?.catch(() => undefined);
      const mqtt = client;
      client = undefined;
      await mqtt?.endAsync();
    },
    stats: () => ({ published, skipped, failed, simNow: simNow() }),
  };
}
