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
  readings.forEach((r, i) => {
    const fail = (field: string, value: unknown, expected: string) => {
      throw new StoreError(
        "store.reading_invalid",
        `readings[${i}].${field} is ${JSON.stringify(value) ?? String(value)}, expected ${expected}`,
      );
    };
    if (typeof r.stationId !== "string" || r.stationId === "")
      fail("stationId", r.stationId, "a non-empty string");
    if (typeof r.metric !== "string" || (r.metric as string) === "") fail("metric", r.metric, "a metric id");
    if (!Number.isSafeInteger(r.ts)) fail("ts", r.ts, "integer epoch ms");
    if (!Number.isSafeInteger(r.periodMs) || r.periodMs < 0) fail("periodMs", r.periodMs, "an integer >= 0");
    if (typeof r.value !== "number" || !Number.isFinite(r.value)) fail("value", r.value, "a finite number");
    if (!DATA_FLAGS.includes(r.flag)) fail("flag", r.flag, "an HJ 212 data flag");
    if (!Number.isSafeInteger(r.receivedAt)) fail("receivedAt", r.receivedAt, "integer epoch ms");
  });
}
