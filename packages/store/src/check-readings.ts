import { DATA_FLAGS, type Reading } from "@qingshan/domain";
import { StoreError } from "./errors.ts";

/**
 * Checks what the database needs of a reading (the wire contract checked the rest at ingest);
 * throws store.reading_invalid naming the batch index and field.
 *
 * @example
 * checkStorable(readings); // throws on readings[3].ts = 1.5
 */
export function checkStorable(readings: readonly Reading[]): void {
  // A plain loop without a closure per reading: this runs for every stored reading.
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    if (typeof r.stationId !== "string" || r.stationId === "")
      fail(i, "stationId", r.stationId, "a non-empty string");
    if (typeof r.metric !== "string" || (r.metric as string) === "")
      fail(i, "metric", r.metric, "a metric id");
    if (!Number.isSafeInteger(r.ts)) fail(i, "ts", r.ts, "integer epoch ms");
    if (!Number.isSafeInteger(r.periodMs) || r.periodMs < 0)
      fail(i, "periodMs", r.periodMs, "an integer >= 0");
    if (typeof r.value !== "number" || !Number.isFinite(r.value))
      fail(i, "value", r.value, "a finite number");
    if (!DATA_FLAGS.includes(r.flag)) fail(i, "flag", r.flag, "an HJ 212 data flag");
    if (!Number.isSafeInteger(r.receivedAt)) fail(i, "receivedAt", r.receivedAt, "integer epoch ms");
  }
}

function fail(i: number, field: string, value: unknown, expected: string): never {
  throw new StoreError(
    "store.reading_invalid",
    `readings[${i}].${field} is ${JSON.stringify(value) ?? String(value)}, expected ${expected}`,
  );
}
