import {
  DAY_MS,
  type DecodeLimits,
  decodeStationMessage,
  type Reading,
  type Rejection,
  type Station,
} from "@qingshan/domain";
import type { Submit } from "./import-csv.ts";

/**
 * The limits of an import of history (`qingshan import` through the API's backfill endpoint, the
 * simulator's history): any time within 10 × 366 days, whatever `ingest.maxLatenessHours` says;
 * `ts.too_late` texts name this fixed limit. Every other limit stays the configured one.
 */
export const BACKFILL_LIMITS = Object.freeze({
  maxLatenessMs: 10 * 366 * DAY_MS,
  latenessOrigin: "the fixed lateness of an import of history, 10 × 366 days, not ingest.maxLatenessHours",
}) satisfies Partial<DecodeLimits>;

/** `ts.too_late` texts of a decoder submit given no lateness: the decoder's default applies. */
const DEFAULT_LATENESS = Object.freeze({
  latenessOrigin: "the decoder's default lateness; give createDecoderSubmit limits.maxLatenessMs for history",
});

export interface DecoderSubmitOptions {
  readonly stations: { get(stationId: string): Station | undefined };
  /** Receives each message's readings and rejections (publish to the bus, dead-letter…). */
  readonly deliver: (readings: Reading[], rejections: readonly Rejection[], topic: string) => Promise<void>;
  /** Default Date.now. */
  readonly clock?: () => number;
  /** Decode limits; an import of old history needs a larger `maxLatenessMs` (e.g. BACKFILL_LIMITS). */
  readonly limits?: Partial<DecodeLimits>;
}

/**
 * A `submit` that runs the wire decoder in process (the MQTT path's validation) with source
 * "import", and hands the result to `deliver`.
 *
 * @example
 * const submit = createDecoderSubmit({ stations: registry,
 *   deliver: (readings) => bus.publish("readings", readings.map((r) => ({ key: r.stationId, value: r }))) });
 * await importCsv(path, { submit, stations: registry });
 */
export function createDecoderSubmit(options: DecoderSubmitOptions): Submit {
  const clock = options.clock ?? Date.now;
  const limits: Partial<DecodeLimits> =
    options.limits?.maxLatenessMs === undefined ? { ...DEFAULT_LATENESS, ...options.limits } : options.limits;
  return async function submitThroughDecoder(topic, payload) {
    const result = decodeStationMessage(topic, payload, {
      now: clock(),
      lookupStation: (id) => options.stations.get(id),
      source: "import",
      limits,
    });
    await options.deliver(result.readings, result.rejections, topic);
    return { accepted: result.readings.length, rejections: result.rejections };
  };
}
