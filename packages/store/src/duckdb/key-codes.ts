import type { DuckDBValue } from "@duckdb/node-api";
import type { Reading } from "@qingshan/domain";

/** Past this many codes the dictionary (and `staging_keys`) starts over. */
export const MAX_KEY_CODES = 50_000;

/** The codes of a batch and the dictionary rows it added (columns of `staging_keys`). */
export interface EncodedKeys {
  readonly codes: number[];
  /** key, station_id, metric, flag, source — one entry per combination new to the dictionary. */
  readonly added: DuckDBValue[][];
}

/**
 * The write connection's dictionary of (station, metric, flag, source) combinations, mirrored
 * in the temp table `staging_keys`. It lives across writes: a live batch uses the same few
 * combinations as the last one, so usually nothing is appended to `staging_keys` at all (an
 * Appender costs ~1 ms of CPU per use). Codes are assigned without building a string per reading.
 *
 * After a failed write the caller must `reset()` it and empty `staging_keys`, since the added
 * rows may or may not have reached the table.
 *
 * @example
 * const keys = createKeyDictionary();
 * const { codes, added } = keys.encode(readings); // append `added` to staging_keys, stage `codes`
 */
export interface KeyDictionary {
  /** `check` sees the first reading of each combination new to the dictionary, and may throw. */
  encode(readings: readonly Reading[], check?: (reading: Reading, index: number) => void): EncodedKeys;
  reset(): void;
  readonly size: number;
}

export function createKeyDictionary(): KeyDictionary {
  let byStation = new Map<string, Map<string, Map<string, Map<string, number>>>>();
  let size = 0;
  return {
    get size() {
      return size;
    },
    reset() {
      byStation = new Map();
      size = 0;
    },
    encode(readings, check) {
      const added: DuckDBValue[][] = [[], [], [], [], []];
      const codes = new Array<number>(readings.length);
      for (let i = 0; i < readings.length; i++) {
        const r = readings[i] as Reading;
        let byMetric = byStation.get(r.stationId);
        if (byMetric === undefined) {
          byMetric = new Map();
          byStation.set(r.stationId, byMetric);
        }
        let byFlag = byMetric.get(r.metric);
        if (byFlag === undefined) {
          byFlag = new Map();
          byMetric.set(r.metric, byFlag);
        }
        let bySource = byFlag.get(r.flag);
        if (bySource === undefined) {
          bySource = new Map();
          byFlag.set(r.flag, bySource);
        }
        let code = bySource.get(r.source);
        if (code === undefined) {
          check?.(r, i);
          code = size++;
          bySource.set(r.source, code);
          added[0]?.push(code);
          added[1]?.push(r.stationId);
          added[2]?.push(r.metric);
          added[3]?.push(r.flag);
          added[4]?.push(r.source);
        }
        codes[i] = code;
      }
      return { codes, added };
    },
  };
}
