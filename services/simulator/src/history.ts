import { type Station, type StationKind, stationTopic } from "@qingshan/domain";
import { type DataGaps, generateObservations, type SimObservation } from "./generate.ts";
import { createRandom } from "./random.ts";
import { resolveScenario, type Scenario, type ScenarioId } from "./scenarios.ts";

/** The wire contract accepts arrays; the importer and HTTP import use the same 500 cap. */
export const MAX_BATCH_OBSERVATIONS = 500;

export interface HistoryOptions {
  readonly stations: readonly Station[];
  readonly scenario: ScenarioId | Scenario;
  /** Default 1. */
  readonly seed?: number;
  /** UTC ms; the first period starting at or after it is generated. */
  readonly from: number;
  /** UTC ms; only periods that have ended by then are generated. */
  readonly to: number;
  /** Scenario hour 0, UTC ms. Default `from`. */
  readonly startAt?: number;
  /** Observations per batch, 1…500. Default 500. */
  readonly batchSize?: number;
  /** Default "realistic". */
  readonly dataGaps?: DataGaps;
}

export interface HistoryBatch {
  readonly stationId: string;
  readonly kind: StationKind;
  readonly topic: string;
  readonly observations: SimObservation[];
}

function checkRange(options: HistoryOptions): number {
  const batchSize = options.batchSize ?? MAX_BATCH_OBSERVATIONS;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_OBSERVATIONS) {
    throw new RangeError(`batchSize must be an integer in 1…${MAX_BATCH_OBSERVATIONS}, got ${batchSize}`);
  }
  if (!Number.isFinite(options.from) || !Number.isFinite(options.to) || options.to < options.from) {
    throw new RangeError(`history range is empty or invalid: from ${options.from} to ${options.to}`);
  }
  return batchSize;
}

/**
 * Generates history station by station as batches of at most `batchSize` observations, each
 * ready to send as one wire-contract array payload to `stations/{id}/{kind}`. Lazy: memory
 * stays at one batch whatever the range.
 *
 * @example
 * for (const batch of generateHistory({ stations, scenario: "clean-week", from, to })) {
 *   await send(batch.topic, JSON.stringify(batch.observations));
 * }
 */
export function* generateHistory(options: HistoryOptions): Generator<HistoryBatch> {
  const batchSize = checkRange(options);
  const run = { scenario: resolveScenario(options.scenario), startAt: options.startAt ?? options.from };
  const rng = createRandom(options.seed ?? 1);
  const generate = { dataGaps: options.dataGaps ?? "realistic" } as const;
  for (const station of options.stations) {
    const interval = station.reportingIntervalMs;
    const topic = stationTopic(station.id, station.kind);
    let batch: SimObservation[] = [];
    for (let t = Math.ceil(options.from / interval) * interval; t + interval <= options.to; t += interval) {
      batch.push(...generateObservations(station, t, run, rng, generate));
      if (batch.length >= batchSize) {
        yield { stationId: station.id, kind: station.kind, topic, observations: batch };
        batch = [];
      }
    }
    if (batch.length > 0) yield { stationId: station.id, kind: station.kind, topic, observations: batch };
  }
}

export interface BackfillOptions extends HistoryOptions {
  /** Sends one batch; the payload is the JSON array text. Awaited before the next batch. */
  readonly publish: (topic: string, payload: string) => Promise<unknown>;
}

export interface BackfillSummary {
  readonly batches: number;
  readonly observations: number;
}

/**
 * Generates history and hands every batch to `publish` (MQTT, the HTTP import endpoint, or the
 * ingest pipeline directly), one at a time.
 *
 * @example
 * await backfill({ stations, scenario: "heavy-pollution", from: now - 7 * DAY_MS, to: now,
 *   publish: (topic, payload) => client.publishAsync(topic, payload, { qos: 1 }) });
 */
export async function backfill(options: BackfillOptions): Promise<BackfillSummary> {
  let batches = 0;
  let observations = 0;
  for (const batch of generateHistory(options)) {
    await options.publish(batch.topic, JSON.stringify(batch.observations));
    batches += 1;
    observations += batch.observations.length;
  }
  return { batches, observations };
}
