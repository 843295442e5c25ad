import {
  type DecodeLimits,
  decodeStationMessage,
  type Reading,
  type Rejection,
  type Station,
} from "@qingshan/domain";
import type { Submit } from "./import-csv.ts";

export interface DecoderSubmitOptions {
  readonly stations: { get(stationId: string): Station | undefined };
  /** Receives each message's readings and rejections (publish to the bus, dead-letter…). */
  readonly deliver: (readings: Reading[], rejections: readonly Rejection[], topic: string) => Promise<void>;
  /** Default Date.now. */
  readonly clock?: () => number;
  /** Decode limits; an import of old history needs a larger `maxLatenessMs`. */
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
  return async function submitThroughDecoder(topic, payload) {
    const result = decodeStationMessage(topic, payload, {
      now: clock(),
      lookupStation: (id) => options.stations.get(id),
      source: "import",
      ...(options.limits ? { limits: options.limits } : {}),
    });
    await options.deliver(result.readings, result.rejections, topic);
    return { accepted: result.readings.length, rejections: result.rejections };
  };
}
