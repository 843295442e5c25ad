/** One observation being assembled, with the file line of each of its values. */
export interface PendingObservation {
  readonly ts: string | number;
  readonly period?: string;
  readonly values: Record<string, number | string>;
  readonly flags: Record<string, string>;
  readonly lines: Map<string, number>;
}

export interface Batch {
  readonly stationId: string;
  readonly observations: readonly PendingObservation[];
  readonly values: number;
}

// Rough JSON size of one value ("pm25":35,) and of one observation's envelope.
const VALUE_BYTES = 24;
const OBSERVATION_BYTES = 80;

interface StationQueue {
  observations: PendingObservation[];
  byKey: Map<string, PendingObservation>;
  values: number;
  bytes: number;
}

/**
 * Groups CSV values per station into wire observations (same ts and period → one observation)
 * and hands out batches of at most `maxObservations` observations and about `maxBytes` of JSON,
 * keeping at most `maxPendingValues` values in memory across stations.
 *
 * @example
 * const batcher = createBatcher({ maxObservations: 500 });
 * const full = batcher.add("ld-aq-01", { ts, metric: "pm25", value: 35, line: 2 }); // Batch[] ready to submit
 */
export function createBatcher(limits: {
  maxObservations: number;
  maxBytes?: number;
  maxPendingValues?: number;
}) {
  const maxBytes = limits.maxBytes ?? 200_000;
  const maxPending = limits.maxPendingValues ?? 50_000;
  const queues = new Map<string, StationQueue>();
  let pending = 0;

  function take(stationId: string): Batch | undefined {
    const queue = queues.get(stationId);
    if (!queue || queue.observations.length === 0) return undefined;
    queues.delete(stationId);
    pending -= queue.values;
    return { stationId, observations: queue.observations, values: queue.values };
  }

  function drain(): Batch[] {
    return [...queues.keys()].flatMap((id) => {
      const batch = take(id);
      return batch ? [batch] : [];
    });
  }

  return {
    /** Adds one value; returns the batches that became full (ready to submit). */
    add(
      stationId: string,
      item: {
        ts: string | number;
        period?: string;
        metric: string;
        value: number | string;
        flag?: string;
        line: number;
      },
    ): Batch[] {
      let queue = queues.get(stationId);
      if (!queue) {
        queue = { observations: [], byKey: new Map(), values: 0, bytes: 0 };
        queues.set(stationId, queue);
      }
      const key = `${item.ts}\u0000${item.period ?? ""}`;
      let obs = queue.byKey.get(key);
      // A repeated metric at the same time starts a new observation: both reach the decoder, the
      // store keeps the last (same station + metric + ts overwrites), nothing vanishes here.
      if (!obs || Object.hasOwn(obs.values, item.metric)) {
        obs = {
          ts: item.ts,
          ...(item.period !== undefined ? { period: item.period } : {}),
          values: {},
          flags: {},
          lines: new Map(),
        };
        queue.byKey.set(key, obs);
        queue.observations.push(obs);
        queue.bytes += OBSERVATION_BYTES;
      }
      obs.values[item.metric] = item.value;
      if (item.flag !== undefined) obs.flags[item.metric] = item.flag;
      obs.lines.set(item.metric, item.line);
      queue.values += 1;
      queue.bytes += VALUE_BYTES + item.metric.length;
      pending += 1;
      const ready: Batch[] = [];
      if (queue.observations.length >= limits.maxObservations || queue.bytes >= maxBytes) {
        const batch = take(stationId);
        if (batch) ready.push(batch);
      }
      if (pending > maxPending) ready.push(...drain());
      return ready;
    },
    /** Every pending batch, emptying the batcher. */
    drain,
    /** The lowest file line of a value still pending, undefined when none is. */
    lowestLine(): number | undefined {
      let lowest: number | undefined;
      for (const queue of queues.values()) {
        for (const obs of queue.observations) {
          for (const line of obs.lines.values()) if (lowest === undefined || line < lowest) lowest = line;
        }
      }
      return lowest;
    },
  };
}

/** The wire payload (JSON array text) of a batch. */
export function batchPayload(batch: Batch): string {
  return JSON.stringify(
    batch.observations.map((o) => ({
      ts: o.ts,
      values: o.values,
      ...(Object.keys(o.flags).length > 0 ? { flags: o.flags } : {}),
      ...(o.period !== undefined ? { period: o.period } : {}),
    })),
  );
}
